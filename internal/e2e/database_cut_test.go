package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// PostgreSQL drops the worker's connections while a roster writes (a
// failover, an idle-session killer, an operator): every write in flight is
// rolled back and retried on a new connection, and the run completes with
// each employee written once.
func TestRosterSurvivesCutDatabaseConnections(t *testing.T) {
	e := newEnvRetrying(t, 50*time.Millisecond, 0)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "cut", Users: 200, Seed: 71})
	e.mustConnect("cut", "cut", c.APIKey)
	ctx := context.Background()
	// The schema owner's pool: it holds the lock below and ends the
	// worker role's sessions of this test's database (not another test's).
	admin := e.store.Pool()
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := admin.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// writerWaiting reports whether a session of the worker other than those
	// already cut waits for a lock.
	writerWaiting := func(cut []int32) func() bool {
		return func() bool {
			return count(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND wait_event_type = 'Lock'
				AND pid <> ALL($3)`, e.dbName, testdb.WorkerRole, cut) > 0
		}
	}
	cutSessions := func() []int32 {
		t.Helper()
		// pg_terminate_backend only in the select list: in WHERE the planner
		// may call it before the filters, on every session of the server.
		rows, err := admin.Query(ctx, `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2`,
			e.dbName, testdb.WorkerRole)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var pids []int32
		for rows.Next() {
			var pid int32
			var ended bool
			if err := rows.Scan(&pid, &ended); err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		t.Logf("cut %d worker sessions", len(pids))
		return pids
	}

	// Slow writes in small chunks (ten records, one batch each, four chunks
	// at a time, each about half a second), so that the run is still
	// writing, wave after wave, when the lock below is taken: written 25
	// to a statement, chunks of 70 were all written at once, before it.
	testdb.SlowWrites(t, admin, 50*time.Millisecond, "INSERT", "employees")
	wf, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "cut", codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "cut", Trigger: codes.TriggerCLI, ChunkSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Once employees are being written, hold their table so that the
	// writers in flight wait mid-transaction, and cut them there: twice,
	// the second time the retries of the first.
	testenv.Eventually(e.t, time.Minute, "employee written", func() bool {
		return count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND outcome = 'created'`, wf.GetRunID()) > 0
	})
	lock, err := admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback(ctx) }()
	if _, err := lock.Exec(ctx, `LOCK TABLE employees IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	written := count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND outcome = 'created'`, wf.GetRunID())
	testenv.Eventually(e.t, time.Minute, "writer waiting", writerWaiting([]int32{}))
	first := cutSessions()
	testenv.Eventually(e.t, time.Minute, "retried writer waiting", writerWaiting(first))
	cutSessions()
	if err := lock.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	if err := wf.Get(ctx, nil); err != nil {
		t.Fatalf("the run failed after its connections were cut: %v", err)
	}
	run, err := e.store.Run(ctx, store.RunRef{TenantID: "cut", RunID: wf.GetRunID()})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != codes.RunCompleted || run.Fetched != 200 || run.Errors != 0 || run.Created+run.Skipped != 200 || written >= run.Created {
		t.Fatalf("run = %+v (%d written before the cuts)", run, written)
	}
	// Every HRMOS user the run created is there once, under its number.
	items := e.items(run)
	perUser := map[int64]int{}
	rows, err := admin.Query(ctx, `SELECT hrmos_user_id, coalesce(employee_number, '') FROM employees WHERE tenant_id = 'cut'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			t.Fatal(err)
		}
		perUser[id]++
		if u, ok := c.User(id); !ok || u.Number.Value != number {
			t.Errorf("employee of HRMOS user %d has number %q, HRMOS %q", id, number, u.Number.Value)
		}
	}
	rows.Close()
	for _, u := range c.Users {
		want := 0
		if items[u.ID].Outcome == string(codes.Created) {
			want = 1
		}
		if perUser[u.ID] != want {
			t.Errorf("HRMOS user %d (%s): %d employees, want %d", u.ID, items[u.ID].Outcome, perUser[u.ID], want)
		}
	}
	if len(perUser) != run.Created {
		t.Errorf("%d employees for %d created", len(perUser), run.Created)
	}
}
