package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/store"
)

// Postgres is the PostgreSQL server the harness uses: its own throwaway
// cluster with pg_stat_statements loaded when it can make one, else the
// machine's cluster (Note says so).
type Postgres struct {
	// AdminURL connects as the superuser to the database "postgres".
	AdminURL string
	// Own is true for the harness's own cluster.
	Own bool
	// Statements is true when pg_stat_statements counts statements.
	Statements bool
	// Note explains a fallback, "" when everything is as wanted.
	Note string

	proc *Process
	dir  string
}

// MachineAdminURL is the machine's cluster as scripts/ensure-postgres.sh
// sets it up (trust auth for postgres on loopback).
const MachineAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// StartPostgres initdb's a cluster under dir (as the postgres OS user when
// running as root, since initdb refuses root), starts it on a free port of
// 127.0.0.1 with trust auth and pg_stat_statements preloaded, and waits for
// it. If that is impossible it falls back to the machine's cluster.
func StartPostgres(ctx context.Context, dir string) (*Postgres, error) {
	pg, err := startOwnPostgres(ctx, dir)
	if err == nil {
		return pg, nil
	}
	fallback := &Postgres{AdminURL: MachineAdminURL, Note: fmt.Sprintf("could not start an own PostgreSQL cluster (%v); using the machine's cluster at 127.0.0.1:5432", err)}
	c, cerr := pgx.Connect(ctx, MachineAdminURL)
	if cerr != nil {
		return nil, fmt.Errorf("no PostgreSQL: own cluster: %v; machine's cluster: %w", err, cerr)
	}
	defer c.Close(ctx)
	var preload string
	_ = c.QueryRow(ctx, "SHOW shared_preload_libraries").Scan(&preload)
	fallback.Statements = containsWord(preload, "pg_stat_statements")
	if !fallback.Statements {
		fallback.Note += " without pg_stat_statements, so no SQL statement counts"
	}
	return fallback, nil
}

func startOwnPostgres(ctx context.Context, dir string) (*Postgres, error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres OS user for initdb: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "pgdata")
	sock := filepath.Join(dir, "pgsock")
	for _, d := range []string{dir, sock} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	proc, err := Start(Spec{
		Name: "postgres", Path: filepath.Join(bin, "postgres"), Credential: cred, Dir: dir,
		Log: filepath.Join(dir, "postgres.log"),
		Args: []string{"-D", data, "-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + sock,
			"-c", "shared_preload_libraries=pg_stat_statements,auto_explain", "-c", "pg_stat_statements.max=10000",
			"-c", "pg_stat_statements.track=all", "-c", "max_connections=200",
			// A statement slower than a second leaves its plan in
			// postgres.log (the work directory's, kept with -keep): the
			// plan that went wrong, as the statistics were at that moment.
			"-c", "auto_explain.log_min_duration=1s", "-c", "auto_explain.log_nested_statements=on"},
	})
	if err != nil {
		return nil, err
	}
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	err = WaitUntil(ctx, "PostgreSQL", time.Minute, 200*time.Millisecond, proc.Done(), func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		return c.Close(ctx)
	})
	if err != nil {
		proc.Kill()
		return nil, fmt.Errorf("%w\n%s", err, proc.Tail(2000))
	}
	return &Postgres{AdminURL: admin, Own: true, Statements: true, proc: proc, dir: dir}, nil
}

// postgresBinDir finds initdb and postgres: the newest Debian version
// directory, else pg_config's bindir.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) && fileExists(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if fileExists(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", errors.New("no initdb found (/usr/lib/postgresql/*/bin or pg_config --bindir)")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Stop shuts the own cluster down fast; the machine's is left alone.
func (pg *Postgres) Stop() {
	if pg.proc != nil {
		_ = pg.proc.cmd.Process.Signal(syscall.SIGINT) // PostgreSQL's "fast" shutdown
		select {
		case <-pg.proc.Done():
		case <-time.After(30 * time.Second):
			pg.proc.Kill()
		}
	}
}

// URL is the URL of database db as user (empty user: the superuser).
func (pg *Postgres) URL(db, userName string) string {
	u, _ := url.Parse(pg.AdminURL)
	u.Path = "/" + db
	if userName != "" {
		u.User = url.User(userName)
	}
	return u.String()
}

// CreateDatabase drops and creates database db, with pg_stat_statements
// when it is loaded.
func (pg *Postgres) CreateDatabase(ctx context.Context, db string) error {
	if err := pg.DropDatabase(ctx, db); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	c, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	if pg.Statements {
		d, err := pgx.Connect(ctx, pg.URL(db, ""))
		if err != nil {
			return err
		}
		defer d.Close(ctx)
		if _, err := d.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			return fmt.Errorf("create pg_stat_statements in %s: %w", db, err)
		}
	}
	return nil
}

// DropDatabase drops database db.
func (pg *Postgres) DropDatabase(ctx context.Context, db string) error {
	c, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	return err
}

// WorkerRole creates (if absent) a login role that holds only the worker's
// least-privilege role hrmos_sync_worker, which `starter migrate` creates;
// the worker runs as it, as in production.
func (pg *Postgres) WorkerRole(ctx context.Context, role string) error {
	c, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return store.CreateWorkerLogin(ctx, c, role)
}

// StatementCalls is how many statements role has run in database db so
// far, by pg_stat_statements (0 and false when it is not loaded).
func (pg *Postgres) StatementCalls(ctx context.Context, db, role string) (int64, bool, error) {
	totals, err := pg.StatementTotals(ctx, db, role)
	if err != nil || totals == nil {
		return 0, false, err
	}
	return Calls(totals), true, nil
}

// Calls is how many statements a StatementTotals counts.
func Calls(totals map[int64]Statement) int64 {
	var n int64
	for _, st := range totals {
		n += st.Calls
	}
	return n
}

// Statement is one row of pg_stat_statements.
type Statement struct {
	Query       string
	Calls       int64
	TotalMillis float64
	MeanMillis  float64
	Rows        int64
}

// TopStatements lists role's statements in db by total execution time.
func (pg *Postgres) TopStatements(ctx context.Context, db, role string, limit int) ([]Statement, error) {
	totals, err := pg.StatementTotals(ctx, db, role)
	if err != nil || totals == nil {
		return nil, err
	}
	return TopSince(nil, totals, limit), nil
}

// StatementTotals is role's statements in db so far by pg_stat_statements'
// query id (nil when it is not loaded): take two and TopSince tells what ran
// between them.
func (pg *Postgres) StatementTotals(ctx context.Context, db, role string) (map[int64]Statement, error) {
	if !pg.Statements {
		return nil, nil
	}
	c, err := pgx.Connect(ctx, pg.URL(db, ""))
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `
		SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.rows FROM pg_stat_statements s
		JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
		WHERE d.datname = $1 AND r.rolname = $2`, db, role)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	out := map[int64]Statement{}
	var id int64
	var st Statement
	_, err = pgx.ForEachRow(rows, []any{&id, &st.Query, &st.Calls, &st.TotalMillis, &st.Rows}, func() error {
		prev := out[id] // a query id can repeat across top-level and nested
		out[id] = Statement{Query: st.Query, Calls: prev.Calls + st.Calls, TotalMillis: prev.TotalMillis + st.TotalMillis, Rows: prev.Rows + st.Rows}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	return out, nil
}

// TopSince is the limit statements that took the most time between two
// StatementTotals.
func TopSince(before, after map[int64]Statement, limit int) []Statement {
	var out []Statement
	for id, a := range after {
		b := before[id]
		d := Statement{Query: a.Query, Calls: a.Calls - b.Calls, TotalMillis: a.TotalMillis - b.TotalMillis, Rows: a.Rows - b.Rows}
		if d.Calls <= 0 {
			continue
		}
		d.MeanMillis = d.TotalMillis / float64(d.Calls)
		out = append(out, d)
	}
	slices.SortFunc(out, func(x, y Statement) int { return cmp.Compare(y.TotalMillis, x.TotalMillis) })
	return out[:min(limit, len(out))]
}

func containsWord(list, word string) bool {
	for _, w := range strings.Split(list, ",") {
		if strings.Trim(w, ` '"`) == word {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
