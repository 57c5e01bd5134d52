// Package e2e runs the engine end to end: a real Temporal server (the
// Temporal CLI's dev server, shared by the package's tests, each test in a
// namespace of its own), the real PostgreSQL and the HRMOS simulator over
// HTTP, wired exactly as the worker binary wires them (internal/app), all
// set up by internal/testenv. These tests are skipped by `go test -short`.
package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/connect"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// env is one isolated world: its own database, Temporal namespace,
// simulator and worker.
type env struct {
	t        testing.TB
	store    *store.Store
	temporal client.Client
	sim      *hrmossim.Server
	cfg      config.Config
	logs     *testenv.Buffer
	dbName   string
	worker   worker.Worker
	// namespace is the Temporal namespace the worker polls.
	namespace string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with configuration the worker starts with, e.g. a
// short HRMOS_REQUEST_TIMEOUT or GUARD_APPROVAL_TIMEOUT: configure changes
// the test defaults before the worker is built from them.
func newEnvWith(t *testing.T, configure func(*config.Config)) *env {
	t.Helper()
	return newEnvOpts(t, testenv.Options{Configure: configure})
}

// newEnvRetrying is newEnv whose worker retries a failed database step or
// HRMOS fetch after the waits given (and doubles them from there), for a
// test of an outage that must end in seconds, not minutes; a zero wait is
// production's.
func newEnvRetrying(t *testing.T, db, hrmos time.Duration) *env {
	t.Helper()
	return newEnvOpts(t, testenv.Options{Workflows: workflows.Options{DBRetryInterval: db, HRMOSRetryInterval: hrmos}})
}

func newEnvOpts(t *testing.T, opts testenv.Options) *env {
	t.Helper()
	te := testenv.New(t, opts)
	u, _ := url.Parse(te.DatabaseURL)
	return &env{t: t, store: te.Store, temporal: te.Client, sim: te.Sim, cfg: te.Config, logs: te.Logs,
		dbName: strings.TrimPrefix(u.Path, "/"), worker: te.Worker, namespace: te.Namespace}
}

// stopWorker stops the worker now (the cleanup's Stop then does nothing).
// Stop returns once every task the worker was running has finished, so a
// test learns that an activity which outlived its run is over.
func (e *env) stopWorker() {
	e.worker.Stop()
}

// company generates an HRMOS company in the simulator.
func (e *env) company(spec hrmossim.GenerateSpec) *hrmossim.Company {
	e.t.Helper()
	if spec.Now.IsZero() {
		spec.Now = time.Now()
	}
	c, err := hrmossim.Generate(spec)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.sim.AddCompany(c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// companyWith generates an HRMOS company, lets edit change its model (add
// or edit users, rows) and only then adds it to the simulator.
func (e *env) companyWith(spec hrmossim.GenerateSpec, edit func(*hrmossim.Company)) *hrmossim.Company {
	e.t.Helper()
	if spec.Now.IsZero() {
		spec.Now = time.Now()
	}
	c, err := hrmossim.Generate(spec)
	if err != nil {
		e.t.Fatal(err)
	}
	edit(c)
	if err := e.sim.AddCompany(c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// connect links a tenant to a simulated company as `starter connect` does.
func (e *env) connect(tenant, company, key string) error {
	sealer, err := credentials.NewSealer(e.cfg.CredentialsKey)
	if err != nil {
		e.t.Fatal(err)
	}
	svc := &connect.Service{Store: e.store, Sealer: sealer, BaseURL: e.cfg.HRMOSBaseURL, Timeout: 5 * time.Second, Now: time.Now}
	_, err = svc.Connect(context.Background(), tenant, company, hrmos.Secret(key))
	return err
}

func (e *env) mustConnect(tenant, company, key string) {
	e.t.Helper()
	if err := e.connect(tenant, company, key); err != nil {
		e.t.Fatalf("connect: %v", err)
	}
}

// roster runs a roster sync to its end as `starter roster --wait` does and
// returns its history row (also for failed runs) and the workflow's error.
func (e *env) roster(in workflows.RosterSyncInput) (store.Run, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if in.Trigger == "" {
		in.Trigger = codes.TriggerCLI
	}
	run, err := e.temporal.ExecuteWorkflow(startedAs(ctx, in.Trigger), startopts.RosterOfUser(e.cfg.TaskQueue, in.TenantID, in.Trigger, in.DryRun, in.UserID), workflows.RosterSyncName, in)
	if err != nil {
		e.t.Fatalf("start roster sync: %v", err)
	}
	return e.wait(ctx, in.TenantID, run.GetRunID(), run.Get)
}

func (e *env) mustRoster(in workflows.RosterSyncInput) store.Run {
	e.t.Helper()
	r, err := e.roster(in)
	if err != nil {
		e.t.Fatalf("roster sync failed: %v (row: %+v)", err, r)
	}
	return r
}

// items maps HRMOS user ID to the run's outcome for it.
func (e *env) items(run store.Run) map[int64]store.Item {
	tenant, runID := run.TenantID, run.ID
	e.t.Helper()
	items, err := e.store.Items(context.Background(), store.RunRef{TenantID: tenant, RunID: runID})
	if err != nil {
		e.t.Fatal(err)
	}
	m := make(map[int64]store.Item, len(items))
	for _, it := range items {
		m[it.HRMOSUserID] = it
	}
	return m
}

// startFromUI starts a workflow as the Temporal UI's Start Workflow form
// does: a random Workflow ID (a UUID), the task queue, the type and typed JSON.
func (e *env) startFromUI(workflowType, input string) client.WorkflowRun {
	e.t.Helper()
	run, err := e.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: testenv.UUID(), TaskQueue: e.cfg.TaskQueue},
		workflowType, json.RawMessage(input))
	if err != nil {
		e.t.Fatalf("start %s %s: %v", workflowType, input, err)
	}
	return run
}

// synced returns, per HRMOS user (in ID order), every column a sync writes
// of the tenant's employees and of their monthly attendance, as text: two
// tenants synced from the same HRMOS data must give the same lines.
func (e *env) synced(tenant string) (employees, attendance []string) {
	e.t.Helper()
	cols := []string{"e.hrmos_user_id"}
	for _, c := range rules.SyncedColumns {
		cols = append(cols, "e."+c.Name)
	}
	for _, d := range rules.Defaults {
		cols = append(cols, "e."+d.Column)
	}
	employees = e.lines(`SELECT (`+strings.Join(cols, ", ")+`)::text FROM employees e
		WHERE e.tenant_id = $1 ORDER BY e.hrmos_user_id, e.employee_number`, tenant)
	cols = []string{"e.hrmos_user_id", "m.month"}
	for _, c := range rules.AttendanceColumns {
		cols = append(cols, "m."+c.Name)
	}
	attendance = e.lines(`SELECT (`+strings.Join(cols, ", ")+`)::text FROM monthly_attendance m
		JOIN employees e ON e.tenant_id = m.tenant_id AND e.id = m.employee_id
		WHERE m.tenant_id = $1 ORDER BY e.hrmos_user_id, m.month`, tenant)
	return employees, attendance
}

func (e *env) lines(sql string, args ...any) []string {
	e.t.Helper()
	rows, err := e.store.Pool().Query(context.Background(), sql, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// summaryOf is a workflow's static summary, the line the Temporal UI lists
// it with ("" when none was set).
func (e *env) summaryOf(workflowID, runID string) string {
	e.t.Helper()
	desc, err := e.temporal.DescribeWorkflowExecution(context.Background(), workflowID, runID)
	if err != nil {
		e.t.Fatal(err)
	}
	var summary string
	if p := desc.GetExecutionConfig().GetUserMetadata().GetSummary(); p != nil {
		if err := converter.GetDefaultDataConverter().FromPayload(p, &summary); err != nil {
			e.t.Fatal(err)
		}
	}
	return summary
}
