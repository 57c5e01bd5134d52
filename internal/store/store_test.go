package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

func TestMigrateIsIdempotent(t *testing.T) {
	st, _ := testdb.New(t) // migrated once already
	from, to, err := st.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if from != to || to < 1 {
		t.Fatalf("second migrate went from %d to %d, want no change", from, to)
	}
}

// The matching keys of SPEC §2 rule 2, as the database computes them for
// every writer of employees, and as the rules say them in Go.
func TestNormalizedMatchingKeys(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	tests := []struct {
		fn, a, b, want string
	}{
		{"number", " Ａ０００１ ", "", "A0001"},
		{"number", "A0001", "", "A0001"},
		{"number", "  ", "", ""},
		{"name", "山田　", " 太郎", "山田太郎"},
		{"name", "ﾔﾏﾀﾞ", "ﾀﾛｳ", "ヤマダタロウ"},
		{"name", "山田 太郎", "", "山田太郎"},
		{"email", " Taro.Yamada@Example.CO.JP ", "", "taro.yamada@example.co.jp"},
		{"email", "ｔａｒｏ@example.jp", "", "taro@example.jp"},
		{"email", "", "", ""},
	}
	for _, tt := range tests {
		var got *string
		var err error
		var inGo string
		switch tt.fn {
		case "number":
			err = st.Pool().QueryRow(ctx, `SELECT sync_norm_number($1)`, tt.a).Scan(&got)
			inGo = rules.NormNumber(tt.a)
		case "name":
			err = st.Pool().QueryRow(ctx, `SELECT sync_norm_name($1, $2)`, tt.a, tt.b).Scan(&got)
			inGo = rules.NormName(tt.a, tt.b)
		case "email":
			err = st.Pool().QueryRow(ctx, `SELECT sync_norm_email($1)`, tt.a).Scan(&got)
			inGo = rules.NormEmail(tt.a)
		}
		if inGo != tt.want {
			t.Errorf("the rules' %s key of (%q, %q) = %q, want %q", tt.fn, tt.a, tt.b, inGo, tt.want)
		}
		if err != nil {
			t.Fatal(err)
		}
		g := ""
		if got != nil {
			g = *got
		}
		if g != tt.want {
			t.Errorf("sync_norm_%s(%q, %q) = %q, want %q", tt.fn, tt.a, tt.b, g, tt.want)
		}
	}
}

func TestSchemaMakesCrossTenantRowsImpossible(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('a', 'A'), ('b', 'B')`)
	var empA int64
	if err := st.Pool().QueryRow(ctx, `INSERT INTO employees (tenant_id, employee_number) VALUES ('a', 'X1') RETURNING id`).Scan(&empA); err != nil {
		t.Fatal(err)
	}
	// Same employee number in another tenant is fine.
	testdb.Exec(t, st, `INSERT INTO employees (tenant_id, employee_number) VALUES ('b', 'X1')`)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status)
		VALUES ('00000000-0000-0000-0000-00000000000b', 'b', 'roster', 'cli', 'w', 'r', 'running')`)

	// Tenant b's run cannot record an item pointing at tenant a's employee…
	_, err := st.Pool().Exec(ctx, `INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code)
		VALUES ('00000000-0000-0000-0000-00000000000b', 'b', 1, $1, 'updated', 'x')`, empA)
	assertFK(t, err)
	// …nor attendance, nor claim to be tenant a's item.
	_, err = st.Pool().Exec(ctx, `INSERT INTO monthly_attendance (tenant_id, employee_id, month, sync_run_id)
		VALUES ('b', $1, '2026-10', '00000000-0000-0000-0000-00000000000b')`, empA)
	assertFK(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code)
		VALUES ('00000000-0000-0000-0000-00000000000b', 'a', 1, 'created', 'x')`)
	assertFK(t, err)
}

func assertFK(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		t.Fatalf("err = %v, want a foreign key violation", err)
	}
}

func TestCandidatesAreScopedByTenantAndNormalized(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('a', 'A'), ('b', 'B')`)
	testdb.Exec(t, st, `INSERT INTO employees (tenant_id, employee_number, last_name, first_name, email) VALUES
		('a', 'A0001', '山田', '太郎', 'taro@example.jp'),
		('b', 'A0001', '山田', '太郎', 'taro@example.jp'),
		('a', NULL, '佐藤', '花子', 'hanako@example.jp')`)
	run := startRun(t, st, "a")
	if err := st.StageUsers(ctx, run, 1, []rules.HRMOSUser{
		{ID: 5, Number: "Ａ0001", LastName: "佐藤 ", FirstName: "花子", Email: "HANAKO@example.jp"},
		{ID: 6, Number: "B0002", LastName: "鈴木", FirstName: "一郎", Email: "ichiro@example.jp"},
		{ID: 7, Number: "B0002", LastName: "佐藤", FirstName: "花子", Email: "hanako@example.jp"},
	}); err != nil {
		t.Fatal(err)
	}
	recs, err := st.RosterRecords(ctx, run, syncapi.Range{First: 1, Last: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("read %d staged users, want 3", len(recs))
	}
	c := recs[0].Candidates
	if len(c.ByNumber) != 1 || len(c.ByNameEmail) != 1 || c.ByLink != nil {
		t.Fatalf("candidates = %+v", c)
	}
	if c.ByNumber[0].ID == c.ByNameEmail[0].ID {
		t.Fatal("number and name+email should find different employees here")
	}
	if u := recs[0].User; u.NumberShared || !u.NameEmailShared {
		t.Errorf("user 5: number shared %v, name+email shared %v; want false, true", u.NumberShared, u.NameEmailShared)
	}
	if u := recs[1].User; !u.NumberShared || u.NameEmailShared {
		t.Errorf("user 6: number shared %v, name+email shared %v; want true, false", u.NumberShared, u.NameEmailShared)
	}
}

// startRun records a running run of a tenant, as StartRun does.
func startRun(t *testing.T, st *store.Store, tenant string) store.RunRef {
	t.Helper()
	id := uuid.NewString()
	if _, err := st.StartRun(context.Background(), store.Run{ID: id, TenantID: tenant, Kind: "roster", Trigger: "cli",
		WorkflowID: "w-" + id, WorkflowRunID: id, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return store.RunRef{TenantID: tenant, RunID: id}
}

// The worker's role reads and writes rows; it cannot change the schema or
// delete employees and history.
func TestWorkerRoleIsLeastPrivilege(t *testing.T) {
	st, dbURL := testdb.New(t)
	ctx := context.Background()
	pool, err := store.Open(ctx, testdb.WorkerURL(t, dbURL), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('a', 'A')`)
	worker := store.New(pool)
	if _, err := worker.Pool().Exec(ctx, `INSERT INTO employees (tenant_id, employee_number) VALUES ('a', 'X1')`); err != nil {
		t.Fatalf("the worker cannot insert employees: %v", err)
	}
	if _, err := worker.Pool().Exec(ctx, `UPDATE employees SET email = 'x@example.jp' WHERE tenant_id = 'a'`); err != nil {
		t.Fatalf("the worker cannot update employees: %v", err)
	}
	for _, stmt := range []string{
		`DROP TABLE sync_run_items`,
		`ALTER TABLE employees ADD COLUMN x int`,
		`TRUNCATE sync_runs`,
		`DELETE FROM employees`,
		`DELETE FROM sync_run_items`,
		`CREATE TABLE evil (id int)`,
		`UPDATE hrmos_sync_schema_version SET version = 0`,
	} {
		_, err := worker.Pool().Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: err = %v, want insufficient_privilege", stmt, err)
		}
	}
}
