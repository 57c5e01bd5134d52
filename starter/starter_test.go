package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// run executes the starter as ops would, with stdin, and returns stdout and
// the error main would print.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func setup(t *testing.T) (sim *hrmossim.Company) {
	t.Helper()
	if testing.Short() {
		t.Skip("uses PostgreSQL")
	}
	_, dbURL := testdb.New(t)
	s := hrmossim.New(hrmossim.Options{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	c := hrmossim.MustGenerate(hrmossim.GenerateSpec{CompanyID: "acme-co", Users: 3, Seed: 1, Now: time.Now()})
	if err := s.AddCompany(c); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("HRMOS_BASE_URL", srv.URL+"/api")
	t.Setenv("HRMOS_API_KEY", "")
	return c
}

func TestMigrateConnectAndConnections(t *testing.T) {
	c := setup(t)

	out, err := run(t, "", "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate on a migrated database: %q, %v", out, err)
	}

	// A wrong key is refused with one sentence and nothing is stored.
	_, err = run(t, "not-the-key\n", "connect", "--tenant", "acme", "--company", "acme-co")
	if err == nil || !strings.Contains(err.Error(), "HRMOS rejected the API key") || strings.Contains(err.Error(), "not-the-key") {
		t.Fatalf("wrong key: %v", err)
	}
	out, _ = run(t, "", "connections")
	if !strings.Contains(out, "No tenant is connected") {
		t.Fatalf("after a refused connect: %q", out)
	}

	// The key on standard input, never a flag.
	out, err = run(t, c.APIKey+"\n", "connect", "--tenant", "acme", "--company", "acme-co")
	if err != nil || !strings.Contains(out, "HRMOS勤怠とのシステム連携を設定しました") || strings.Contains(out, c.APIKey) {
		t.Fatalf("connect: %q, %v", out, err)
	}
	// Or in HRMOS_API_KEY; on a connected tenant it is a rotation.
	t.Setenv("HRMOS_API_KEY", c.APIKey)
	out, err = run(t, "", "connect", "--tenant", "acme", "--company", "acme-co")
	if err != nil || !strings.Contains(out, "was replaced") {
		t.Fatalf("reconnect: %q, %v", out, err)
	}

	out, err = run(t, "", "connections", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var conns []connectionView
	if err := json.Unmarshal([]byte(out), &conns); err != nil || len(conns) != 1 {
		t.Fatalf("connections --json = %q, %v", out, err)
	}
	if got := conns[0]; got.TenantID != "acme" || got.Status != "connected" || got.DaysLeft == nil || *got.DaysLeft < 89 || *got.DaysLeft > 93 {
		t.Fatalf("connection = %+v", got)
	}
	if strings.Contains(out, "ciphertext") || strings.Contains(out, c.APIKey) {
		t.Fatal("connections shows key material")
	}

	out, err = run(t, "", "rotate-credentials-key")
	if err != nil || !strings.Contains(out, "already under the new key 1") {
		t.Fatalf("rotate with the same key: %q, %v", out, err)
	}
}

func TestRunsAndBadInput(t *testing.T) {
	setup(t)
	out, err := run(t, "", "runs", "--tenant", "acme")
	if err != nil || !strings.Contains(out, "no runs yet") {
		t.Fatalf("runs: %q, %v", out, err)
	}
	out, err = run(t, "", "runs", "--tenant", "acme", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("runs --json: %q, %v", out, err)
	}
	if _, err := run(t, "", "runs", "--tenant", "acme", "--run", "00000000-0000-0000-0000-000000000000"); err == nil {
		t.Fatal("an unknown run must be an error")
	}
	// Refused before anything is started.
	_, err = run(t, "", "attendance", "--tenant", "acme", "--month", "2026-13")
	if err == nil || !strings.Contains(err.Error(), "--month must be a month as YYYY-MM") {
		t.Fatalf("bad month: %v", err)
	}
	_, err = run(t, "", "roster")
	if err == nil || !strings.Contains(err.Error(), `"tenant" not set`) {
		t.Fatalf("missing tenant: %v", err)
	}
	_, err = run(t, "", "disconnect", "--tenant", "nobody")
	if err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Fatalf("disconnecting an unknown tenant: %v", err)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		t.Fatal("plain errors exit 1 through main")
	}
}
