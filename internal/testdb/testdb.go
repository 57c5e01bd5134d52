// Package testdb gives each test package a fresh, migrated PostgreSQL
// database on the real server, dropped when the tests end.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mediment/hrmos-sync/internal/store"
)

// AdminURL is the server tests create their databases on; TEST_DATABASE_URL
// overrides the local default (.ci/run starts that server).
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New creates a database named after the test, migrates it and returns a
// store on it and its URL.
func New(t testing.TB) (*store.Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL (run .ci/run, or set TEST_DATABASE_URL): %v", err)
	}
	defer admin.Close(ctx)

	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "hrmos_sync_test_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, AdminURL()); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	})

	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	s, err := store.OpenStore(ctx, dbURL, 20)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(s.Close)
	if _, _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s, dbURL
}

// WorkerRole is a login role of the test cluster that holds only the
// least-privilege hrmos_sync_worker role (migration 003): integration tests
// run the worker as it, proving those privileges suffice.
const WorkerRole = "hrmos_sync_test_worker"

// WorkerURL returns dbURL with the least-privilege login role as its user,
// creating the role on first use.
func WorkerURL(t testing.TB, dbURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// Parallel test packages may race to create it: it tolerates that.
	if err := store.CreateWorkerLogin(ctx, admin, WorkerRole); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(WorkerRole)
	return u.String()
}

// Exec runs SQL in a test and fails it on error.
func Exec(t testing.TB, s *store.Store, sql string, args ...any) {
	t.Helper()
	if _, err := s.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// SlowWrites makes PostgreSQL wait delay for every row written to tables
// (events: "INSERT", or "INSERT OR UPDATE"), so that a run written 25
// records to a statement lasts long enough for a test to act while it
// writes (kill the worker, reset the run, cut its sessions). The data
// written is the same.
func SlowWrites(t testing.TB, pool *pgxpool.Pool, delay time.Duration, events string, tables ...string) {
	t.Helper()
	ctx := context.Background()
	sql := []string{fmt.Sprintf(`CREATE FUNCTION slow_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(%g); RETURN NEW; END $$`,
		delay.Seconds())}
	for _, table := range tables {
		sql = append(sql, fmt.Sprintf(`CREATE TRIGGER slow_write BEFORE %s ON %s FOR EACH ROW EXECUTE FUNCTION slow_write()`, events, table))
	}
	for _, s := range sql {
		if _, err := pool.Exec(ctx, s); err != nil {
			t.Fatalf("slow the writes down: %v", err)
		}
	}
}
