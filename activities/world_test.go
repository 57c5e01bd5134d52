package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/connect"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// world is what an activity test runs against: a fresh migrated PostgreSQL
// database, the HRMOS simulator over HTTP, and the activities wired as
// internal/app.NewActivities wires them (built here by hand: app imports
// this package). Activities run in the SDK's TestActivityEnvironment.
type world struct {
	t     *testing.T
	store *store.Store
	dbURL string
	sim   *hrmossim.Server
	base  string // the simulator's HRMOS_BASE_URL
	acts  *Activities
	env   *testsuite.TestActivityEnvironment
}

type worldOptions struct {
	// requestTimeout bounds one HTTP request to HRMOS (default 5 s).
	requestTimeout time.Duration
	guard          syncapi.GuardSettings
}

func newWorld(t *testing.T, opts worldOptions) *world {
	t.Helper()
	if opts.requestTimeout == 0 {
		opts.requestTimeout = 5 * time.Second
	}
	st, dbURL := testdb.New(t)
	sim := hrmossim.New(hrmossim.Options{})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	sealer, err := credentials.NewSealer(config.DevCredentialsKey)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: st, dbURL: dbURL, sim: sim, base: srv.URL + "/api"}
	w.acts = &Activities{
		Store:  st,
		Sealer: sealer,
		// As the worker's: HRMOS_REQUEST_TIMEOUT, a short HRMOS_RETRY_BASE_DELAY, no rate limit.
		HRMOS: NewHRMOSClients(w.base, opts.requestTimeout, 10*time.Millisecond, 0),
		Now:   time.Now,
		Guard: opts.guard,
	}
	w.env = newActivityEnv(w.acts)
	return w
}

func newActivityEnv(acts *Activities) *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return env
}

// company generates a clean HRMOS company of n users (and last month's
// report) in the simulator.
func (w *world) company(id string, n int) *hrmossim.Company {
	w.t.Helper()
	c, err := hrmossim.Generate(hrmossim.GenerateSpec{CompanyID: id, Users: n, Seed: 11, Now: time.Now(),
		Months: []string{reportMonth()}})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.sim.AddCompany(c); err != nil {
		w.t.Fatal(err)
	}
	return c
}

// reportMonth is the month the generated companies have a report for.
func reportMonth() string { return time.Now().AddDate(0, -1, 0).Format("2006-01") }

// connect links a tenant to a simulated company as `starter connect` does.
func (w *world) connect(tenant string, c *hrmossim.Company) {
	w.t.Helper()
	svc := &connect.Service{Store: w.store, Sealer: w.acts.Sealer, BaseURL: w.base, Timeout: 5 * time.Second, Now: time.Now}
	if _, err := svc.Connect(context.Background(), tenant, c.ID, hrmos.Secret(c.APIKey)); err != nil {
		w.t.Fatalf("connect %s: %v", tenant, err)
	}
}

// run executes an activity as the worker would a regular one: its error
// goes through the failure converter, as into the workflow's history.
func (w *world) run(fn any, args ...any) (converter.EncodedValue, error) {
	w.t.Helper()
	return w.env.ExecuteActivity(fn, args...)
}

// must executes an activity that must succeed and decodes its result.
func must[T any](w *world, fn any, args ...any) T {
	w.t.Helper()
	var res T
	v, err := w.run(fn, args...)
	if err != nil {
		w.t.Fatalf("activity failed: %v", err)
	}
	if v != nil && v.HasValue() {
		if err := v.Get(&res); err != nil {
			w.t.Fatal(err)
		}
	}
	return res
}

// testWorkflowRunID is the workflow run ID the SDK's test activity
// environment gives every activity: the run's steps record the workflow
// run that executes them (a reset's new run), so the run starts under it.
const testWorkflowRunID = "default-test-run-id"

// runInput is a new run of a tenant, as the workflow starts it. Each run
// has a workflow ID of its own, as runs of different workflows do: the
// test environment's one workflow run ID is unique only with it.
func runInput(tenant, kind, month string) syncapi.RunInput {
	id := newUUID()
	return syncapi.RunInput{RunID: id, TenantID: tenant, Kind: kind, Month: month, Trigger: codes.TriggerCLI,
		WorkflowID: "test-" + kind + "-" + tenant + "-" + id, WorkflowRunID: testWorkflowRunID, StartedAt: time.Now()}
}

// plannedRun is a run taken through StartRun, its fetch, ChunkRanges and
// the plan of every chunk, as RosterSync and AttendanceSync do before they
// write: what is left are its pending records.
type plannedRun struct {
	in      syncapi.RunInput
	started syncapi.StartRunResult
	fetched syncapi.FetchResult
	chunks  syncapi.ChunkRangesResult
	planned []syncapi.PlanResult
	pending []int64
}

func (w *world) planRun(tenant, kind, month string) plannedRun {
	w.t.Helper()
	p := plannedRun{in: runInput(tenant, kind, month)}
	p.started = must[syncapi.StartRunResult](w, w.acts.StartRun, p.in)
	if kind == codes.KindRoster {
		p.fetched = must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: tenant, RunID: p.in.RunID})
	} else {
		p.fetched = must[syncapi.FetchResult](w, w.acts.FetchAttendance, syncapi.FetchAttendanceInput{TenantID: tenant, RunID: p.in.RunID, Month: month})
	}
	p.chunks = must[syncapi.ChunkRangesResult](w, w.acts.ChunkRanges, syncapi.ChunkRangesInput{Kind: kind, TenantID: tenant, RunID: p.in.RunID, Size: 100})
	plan := w.acts.PlanRosterChunk
	if kind == codes.KindAttendance {
		plan = w.acts.PlanAttendanceChunk
	}
	for _, rg := range p.chunks.Ranges {
		p.planned = append(p.planned, must[syncapi.PlanResult](w, plan, p.chunkInput(rg)))
		p.pending = append(p.pending, must[[]int64](w, w.acts.PendingRecords, syncapi.PendingInput{Kind: kind, TenantID: tenant, RunID: p.in.RunID, Range: rg})...)
	}
	return p
}

func (p plannedRun) chunkInput(rg syncapi.Range) syncapi.PlanChunkInput {
	return syncapi.PlanChunkInput{TenantID: p.in.TenantID, RunID: p.in.RunID, Range: rg, Today: today(), Month: p.in.Month}
}

func (p plannedRun) record(id int64) syncapi.RecordInput {
	return syncapi.RecordInput{TenantID: p.in.TenantID, RunID: p.in.RunID, HRMOSUserID: id, Today: today(), Month: p.in.Month}
}

func today() string { return jst.Today(time.Now()) }

// syncRoster runs a whole roster sync of the tenant through the activities.
func (w *world) syncRoster(tenant string) plannedRun {
	w.t.Helper()
	p := w.planRun(tenant, codes.KindRoster, "")
	for _, id := range p.pending {
		must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	}
	must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: tenant, RunID: p.in.RunID, Status: codes.RunCompleted, Fetched: p.fetched.Fetched})
	return p
}

// syncAttendance runs a whole attendance sync of the tenant's month.
func (w *world) syncAttendance(tenant, month string) plannedRun {
	w.t.Helper()
	p := w.planRun(tenant, codes.KindAttendance, month)
	for _, id := range p.pending {
		must[syncapi.RecordResult](w, w.acts.SyncAttendance, p.record(id))
	}
	must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: tenant, RunID: p.in.RunID, Status: codes.RunCompleted, Fetched: p.fetched.Fetched})
	return p
}

// count runs a SELECT count(*) … and returns the number.
func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.store.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// tableDigest is an md5 of every row of a table of the tenant, in a stable
// order: equal digests mean nothing was written in between.
func (w *world) tableDigest(table, tenant string) string {
	w.t.Helper()
	var d string
	err := w.store.Pool().QueryRow(context.Background(),
		fmt.Sprintf(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t WHERE tenant_id = $1`, table), tenant).Scan(&d)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// appError is the *temporal.ApplicationError an activity failed with.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error %v (%T) is not an application error", err, err)
	}
	return appErr
}

// newUUID is a random (version 4) UUID, as Temporal's run IDs are.
func newUUID() string { return uuid.NewString() }
