package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/sweeper"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

func (e *env) stagedRows() int {
	e.t.Helper()
	var n int
	if err := e.store.Pool().QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM roster_staging) + (SELECT count(*) FROM attendance_staging)`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// startSlowRoster starts a roster sync of a 3-page company whose HRMOS is
// slow, and returns once its first page is staged.
func (e *env) startSlowRoster(tenant string) (workflowID, runID string) {
	e.t.Helper()
	c := e.company(hrmossim.GenerateSpec{CompanyID: tenant, Users: 250, Seed: 77})
	e.mustConnect(tenant, tenant, c.APIKey)
	e.sim.SetFaults(hrmossim.Faults{Latency: 700 * time.Millisecond})
	run, err := e.temporal.ExecuteWorkflow(context.Background(), startopts.Roster(e.cfg.TaskQueue, tenant, codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: tenant, Trigger: codes.TriggerCLI})
	if err != nil {
		e.t.Fatal(err)
	}
	testenv.Eventually(e.t, 30*time.Second, "the first page is staged", func() bool { return e.stagedRows() > 0 })
	return run.GetID(), run.GetRunID()
}

// endedRun is the run's history row once the run has ended.
func (e *env) endedRun(tenant, runID string) store.Run {
	e.t.Helper()
	var r store.Run
	testenv.Eventually(e.t, time.Minute, "run "+runID+" ends", func() bool {
		var err error
		r, err = e.store.Run(context.Background(), store.RunRef{TenantID: tenant, RunID: runID})
		return err == nil && r.Status != codes.RunRunning
	})
	return r
}

// Staged personal data is deleted however a run ends.
func TestStagingIsDeletedHoweverARunEnds(t *testing.T) {
	t.Run("completed", func(t *testing.T) {
		e := newEnv(t)
		c := e.company(hrmossim.GenerateSpec{CompanyID: "done", Users: 120, Seed: 1, Months: []string{lastMonth()}})
		e.mustConnect("done", "done", c.APIKey)
		e.mustRoster(workflows.RosterSyncInput{TenantID: "done"})
		e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "done", Month: lastMonth()})
		if n := e.stagedRows(); n != 0 {
			t.Fatalf("%d staged rows after completed runs", n)
		}
	})
	t.Run("failed", func(t *testing.T) {
		e := newEnvRetrying(t, 0, 100*time.Millisecond)
		_, runID := e.startSlowRoster("fail")
		e.sim.SetFaults(hrmossim.Faults{FailNextN: 1 << 30, FailStatus: 503})
		r := e.endedRun("fail", runID)
		if r.Status != codes.RunFailed || !strings.Contains(r.FailureReason, "HRMOS is unavailable") {
			t.Fatalf("run = %+v", r)
		}
		if n := e.stagedRows(); n != 0 {
			t.Fatalf("%d staged rows after a failed run", n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		e := newEnv(t)
		wfID, runID := e.startSlowRoster("cancel")
		if err := e.temporal.CancelWorkflow(context.Background(), wfID, runID); err != nil {
			t.Fatal(err)
		}
		r := e.endedRun("cancel", runID)
		if r.Status != codes.RunFailed || !strings.Contains(r.FailureReason, "cancelled") {
			t.Fatalf("run = %+v", r)
		}
		// The fetch activity may outlive its run, still reading a page:
		// once the stopped worker has seen it finish, nothing it did may
		// have staged a row.
		e.stopWorker()
		if n := e.stagedRows(); n != 0 {
			t.Fatalf("%d staged rows after a cancelled run", n)
		}
	})
	t.Run("terminated, then swept", func(t *testing.T) {
		e := newEnv(t)
		wfID, runID := e.startSlowRoster("term")
		if err := e.temporal.TerminateWorkflow(context.Background(), wfID, runID, "operator terminated it"); err != nil {
			t.Fatal(err)
		}
		if n := e.stagedRows(); n == 0 {
			t.Fatal("expected the terminated run to have left staged rows")
		}
		// The sweeper ignores runs younger than a few minutes: look from later.
		res, err := sweeper.Sweep(context.Background(), e.store, sweeper.TemporalWorkflowState(e.temporal), time.Now().Add(sweeper.MinAge+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed != 1 {
			t.Fatalf("sweep = %+v, want one run closed", res)
		}
		r, _ := e.store.Run(context.Background(), store.RunRef{TenantID: "term", RunID: runID})
		if r.Status != codes.RunFailed || !strings.Contains(r.FailureReason, "terminated") {
			t.Fatalf("run after the sweep = %+v", r)
		}
		e.stopWorker() // returns once the fetch activity, which may still try to stage a page, has ended
		if n := e.stagedRows(); n != 0 {
			t.Fatalf("%d staged rows after the sweep", n)
		}
	})
}

// Two tenants whose HRMOS companies hold the same people (same numbers,
// names and emails): a run of one never reads or writes the other's rows.
func TestTenantsWithOverlappingEmployeesStayApart(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	spec := hrmossim.GenerateSpec{Users: 40, Seed: 99, Months: []string{month}}
	spec.CompanyID = "alpha"
	a := e.company(spec)
	spec.CompanyID = "beta"
	b := e.company(spec)
	e.mustConnect("alpha", "alpha", a.APIKey)
	e.mustConnect("beta", "beta", b.APIKey)

	e.mustRoster(workflows.RosterSyncInput{TenantID: "beta"})
	e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "beta", Month: month})
	// Admin edits in beta that a run of alpha must not see or undo.
	ctx := context.Background()
	if _, err := e.store.Pool().Exec(ctx, `UPDATE employees SET nationality = 'beta-only', stress_check_target = false WHERE tenant_id = 'beta'`); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		var s string
		err := e.store.Pool().QueryRow(ctx, `
			SELECT coalesce(string_agg(e::text, '|' ORDER BY e.id), '') || '#' ||
			       (SELECT coalesce(string_agg(m::text, '|' ORDER BY m.employee_id), '') FROM monthly_attendance m WHERE m.tenant_id = 'beta')
			FROM employees e WHERE e.tenant_id = 'beta'`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()

	ra := e.mustRoster(workflows.RosterSyncInput{TenantID: "alpha"})
	at := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "alpha", Month: month})
	if snapshot() != before {
		t.Fatal("a run of tenant alpha changed tenant beta's rows")
	}
	// alpha matched nobody of beta's: everything it could create, it created.
	rb, _ := e.store.Runs(ctx, "beta", 5)
	betaRoster := rb[len(rb)-1]
	if ra.Created != betaRoster.Created || ra.Updated != 0 || ra.Unchanged != 0 {
		t.Fatalf("alpha's roster run %+v, beta's first %+v: alpha must not match beta's employees", ra.Counts, betaRoster.Counts)
	}
	for _, it := range e.items(ra) {
		if it.EmployeeID == nil {
			continue
		}
		var owner string
		_ = e.store.Pool().QueryRow(ctx, `SELECT tenant_id FROM employees WHERE id = $1`, *it.EmployeeID).Scan(&owner)
		if owner != "alpha" {
			t.Fatalf("alpha's run recorded employee %d of tenant %q", *it.EmployeeID, owner)
		}
	}
	if at.Created == 0 {
		t.Fatalf("alpha's attendance = %+v", at)
	}
	// Neither tenant can read the other's run through the store.
	if _, err := e.store.Run(ctx, store.RunRef{TenantID: "beta", RunID: ra.ID}); err != store.ErrNotFound {
		t.Fatalf("reading alpha's run as beta: %v", err)
	}
}

func TestRunWarnsFrom14DaysBeforeTheKeyExpires(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "exp", Users: 3, Seed: 5})
	e.mustConnect("exp", "exp", c.APIKey)
	if _, err := e.store.Pool().Exec(context.Background(),
		`UPDATE hrmos_connections SET key_expires_at = now() + interval '10 days' WHERE tenant_id = 'exp'`); err != nil {
		t.Fatal(err)
	}
	r := e.mustRoster(workflows.RosterSyncInput{TenantID: "exp"})
	if !slices.ContainsFunc(r.Notices, func(n string) bool {
		return strings.HasPrefix(n, "key_expires_soon: the HRMOS API key expires in 10 days")
	}) {
		t.Fatalf("notices = %v", r.Notices)
	}
	// A connection renewed with `starter connect` no longer warns.
	e.mustConnect("exp", "exp", c.APIKey)
	r = e.mustRoster(workflows.RosterSyncInput{TenantID: "exp"})
	if slices.ContainsFunc(r.Notices, func(n string) bool { return strings.HasPrefix(n, "key_") }) {
		t.Fatalf("notices after renewal = %v", r.Notices)
	}
}

// Replacing the key of a connected tenant is a rotation: the new key is
// validated first, and the old one stays until the new one has worked.
func TestReconnectWithABadKeyKeepsTheWorkingOne(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "rotk", Users: 3, Seed: 6})
	e.mustConnect("rotk", "rotk", c.APIKey)
	before, _ := e.store.Connection(context.Background(), "rotk")
	if err := e.connect("rotk", "rotk", "a-wrong-key"); err == nil || !strings.Contains(err.Error(), "nothing was stored") {
		t.Fatalf("reconnect with a wrong key: %v", err)
	}
	after, _ := e.store.Connection(context.Background(), "rotk")
	if string(after.Ciphertext) != string(before.Ciphertext) || after.Status != codes.ConnectionConnected {
		t.Fatal("a refused key replaced the working one")
	}
	e.mustRoster(workflows.RosterSyncInput{TenantID: "rotk"})

	newKey, err := e.sim.RotateKey("rotk")
	if err != nil {
		t.Fatal(err)
	}
	e.mustConnect("rotk", "rotk", newKey)
	if err := e.sim.ExpireTokens("rotk"); err != nil {
		t.Fatal(err)
	}
	e.mustRoster(workflows.RosterSyncInput{TenantID: "rotk"})
}

// finishedRuns are a tenant's runs once it has n, none of them running.
func (e *env) finishedRuns(tenant string, n int) []store.Run {
	e.t.Helper()
	var runs []store.Run
	testenv.Eventually(e.t, 90*time.Second, fmt.Sprintf("tenant %s has %d finished runs", tenant, n), func() bool {
		var err error
		if runs, err = e.store.Runs(context.Background(), tenant, 50); err != nil {
			e.t.Fatal(err)
		}
		return len(runs) >= n && !slices.ContainsFunc(runs, func(r store.Run) bool { return r.Status == codes.RunRunning })
	})
	return runs
}

// A run that fails while the database is down cannot record its failure;
// it still ends as failed in the table, with its reason, once the database
// is back (the sweeper reads the reason from the workflow's end).
func TestRunEndsFailedInTheTableAfterADatabaseOutage(t *testing.T) {
	e := newEnvRetrying(t, 50*time.Millisecond, 100*time.Millisecond)
	wfID, runID := e.startSlowRoster("dbdown")

	// Take the database away from the worker: no new sessions, its own cut.
	admin, err := pgx.Connect(context.Background(), testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	mustExec := func(sql string) {
		if _, err := admin.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`ALTER DATABASE ` + e.dbName + ` ALLOW_CONNECTIONS false`)
	mustExec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + e.dbName + `' AND usename = '` + testdb.WorkerRole + `'`)

	err = e.temporal.GetWorkflow(context.Background(), wfID, runID).Get(context.Background(), nil)
	if err == nil {
		t.Fatal("the run succeeded without its database")
	}
	r, _ := e.store.Run(context.Background(), store.RunRef{TenantID: "dbdown", RunID: runID})
	if r.Status != codes.RunRunning {
		t.Fatalf("with the database down the run could not have recorded its end: %+v", r)
	}

	mustExec(`ALTER DATABASE ` + e.dbName + ` ALLOW_CONNECTIONS true`)
	res, err := sweeper.Sweep(context.Background(), e.store, sweeper.TemporalWorkflowState(e.temporal), time.Now().Add(sweeper.MinAge+time.Minute))
	if err != nil || res.Closed != 1 {
		t.Fatalf("sweep = %+v, %v", res, err)
	}
	r, _ = e.store.Run(context.Background(), store.RunRef{TenantID: "dbdown", RunID: runID})
	if r.Status != codes.RunFailed || !strings.Contains(r.FailureReason, "SQLSTATE 55000 (object not in prerequisite state") ||
		!strings.Contains(r.FailureReason, "recorded late") {
		t.Fatalf("run after the outage = %+v", r)
	}
	if n := e.stagedRows(); n != 0 {
		t.Fatalf("%d staged rows left", n)
	}
}
