package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// The commands that talk to Temporal, against the Temporal CLI's dev
// server (internal/testenv) as ops run them.

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// temporalServer gives the test a namespace of its own on the test binary's
// Temporal dev server and points the starter at it.
func temporalServer(t *testing.T) *testenv.Temporal {
	t.Helper()
	tc := testenv.NewTemporal(t)
	t.Setenv("TEMPORAL_ADDRESS", tc.Address)
	t.Setenv("TEMPORAL_NAMESPACE", tc.Namespace)
	t.Setenv("TEMPORAL_TASK_QUEUE", "hrmos-sync-starter-test")
	return tc
}

func TestSetupIsIdempotent(t *testing.T) {
	temporalServer(t)
	out, err := run(t, "", "setup")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "first setup", out, "Registered in namespace", "HrmosDryRun, HrmosKind, HrmosMonth, HrmosStatus, HrmosTenant, HrmosTrigger",
		`HrmosKind = "attendance" AND HrmosMonth = "2026-10" AND HrmosStatus = "failed"`)
	out, err = run(t, "", "setup")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "second setup", out, "All 6 search attributes of the engine were already registered in namespace",
		`HrmosKind = "attendance" AND HrmosMonth = "2026-10" AND HrmosStatus = "failed"`)
}

// A running row whose workflow Temporal does not know says so in the
// progress column instead of failing the list.
func TestRunsSaysWhyAProgressIsUnknown(t *testing.T) {
	temporalServer(t)
	st := reviewDB(t)
	loadRuns(t, st)
	out, err := run(t, "", "runs", "--tenant", "acme")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs", out, "running, AWAITING APPROVAL  workflow not found in Temporal")
}

// Ctrl-C while `--wait` follows a run stops the following, not the run,
// and says so: it must never read as a failed run. No worker runs here, so
// the run is still waiting when the command is interrupted.
func TestInterruptingTheWaitLeavesTheRunGoing(t *testing.T) {
	ts := temporalServer(t)
	_, dbURL := testdb.New(t)
	t.Setenv("DATABASE_URL", dbURL)
	if out, err := run(t, "", "setup"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	out, done, interrupt := runInterruptible(t, "roster", "--tenant", "acme", "--wait")
	testenv.Eventually(t, 3*time.Minute, "roster --wait has started the run", func() bool { return strings.Contains(out.String(), "Started the roster sync of tenant acme") })
	interrupt()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("roster --wait did not stop when interrupted")
	}
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 130 {
		t.Fatalf("interrupted roster --wait: %v (%T), want exit code 130\n%s", err, err, out)
	}
	mustContain(t, "interrupted roster --wait", ee.msg, "Stopped following the roster sync of tenant acme; the run goes on (workflow hrmos-roster-acme, run ")
	if strings.Contains(ee.msg, "failed") || strings.Contains(out.String(), "failed") {
		t.Errorf("an interrupted wait reads as a failure:\n%s\n%s", ee.msg, out)
	}
	desc, err := ts.Client.DescribeWorkflowExecution(context.Background(), "hrmos-roster-acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("the run is %s after the wait was interrupted, want still running", st)
	}
}

// heldWorld is a tenant whose next roster run the mass-change guard holds:
// a worker on the test's dev server with a guard that holds any run
// changing more than 1% of the tenant, and a company changed in HRMOS since
// the tenant's first sync.
type heldWorld struct {
	ts      *testenv.Temporal
	st      *store.Store
	changed int
}

// newAcme points the environment at a database of the test's own and the
// simulator with one 20-user company (acme-co), and runs `starter setup`
// (the search attributes) as the demo does before any worker starts.
func newAcme(t *testing.T) (context.Context, *hrmossim.Server, *hrmossim.Company, config.Config) {
	t.Helper()
	ctx := context.Background()
	_, dbURL := testdb.New(t)
	t.Setenv("DATABASE_URL", dbURL)
	sim, simURL := testenv.NewSimulator(t)
	company := hrmossim.MustGenerate(hrmossim.GenerateSpec{CompanyID: "acme-co", Users: 20, Seed: 3, Now: time.Now()})
	if err := sim.AddCompany(company); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HRMOS_BASE_URL", simURL)
	t.Setenv("HRMOS_RETRY_BASE_DELAY", "10ms")
	t.Setenv("HRMOS_API_KEY", company.APIKey)
	if out, err := run(t, "", "setup"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	cfg, err := config.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, sim, company, cfg
}

func newHeldWorld(t *testing.T) heldWorld {
	t.Helper()
	ts := temporalServer(t)
	// The worker holds any run changing more than 1% of the tenant.
	ctx, sim, _, cfg := newAcme(t)
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	testenv.StartWorker(t, ts, cfg, workflows.DefaultOptions(), func(acts *activities.Activities) {
		acts.Guard = syncapi.GuardSettings{MinEmployees: 1, MaxChangeShare: 0.01, AttendanceMaxChangeShare: 0.5, ApprovalTimeout: time.Hour}
	})

	if out, err := run(t, "", "connect", "--tenant", "acme", "--company", "acme-co"); err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	// A tenant's first sync is never held.
	if out, err := run(t, "", "roster", "--tenant", "acme", "--wait"); err != nil || !strings.Contains(out, "completed") {
		t.Fatalf("first roster sync: %v\n%s", err, out)
	}
	changed, err := sim.MutateUsers("acme-co", 30, 1)
	if err != nil || changed == 0 {
		t.Fatalf("mutate: %d, %v", changed, err)
	}
	return heldWorld{ts: ts, st: st, changed: changed}
}

// held waits until a run of tenant acme awaits approval, and returns it.
func (w heldWorld) held(t *testing.T) store.Run {
	t.Helper()
	var held store.Run
	testenv.Eventually(t, 3*time.Minute, "a run of tenant acme awaits approval", func() bool {
		runs, err := w.st.Runs(context.Background(), "acme", 5)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(runs, awaitingApproval)
		if i >= 0 {
			held = runs[i]
		}
		return i >= 0
	})
	return held
}

// A roster run that would change more than the mass-change guard allows
// waits after its plan; `runs` marks it, `runs show` shows what it would
// write, `approve` lets it go (an Update: its answer says what the run now
// writes), and the `--wait` that started it follows it to its end.
func TestHeldRosterRunIsReviewedThenApproved(t *testing.T) {
	w := newHeldWorld(t)
	changed := w.changed

	// Started with --wait, the run is followed by its progress query until
	// it ends; the test approves once the starter has said it is held.
	waitOut, waited := runInBackground(t, "roster", "--tenant", "acme", "--wait")
	held := w.held(t)
	testenv.Eventually(t, 3*time.Minute, "roster --wait says the run is held", func() bool {
		return strings.Contains(waitOut.String(), "The mass-change guard holds this run")
	})

	out, err := run(t, "", "runs", "--tenant", "acme")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs while held", out, "running, AWAITING APPROVAL", "waiting for approval")

	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", held.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs show while held", out, "AWAITING APPROVAL since", "the mass-change guard holds it because it would",
		"would update  [not written yet: awaiting approval]", " → ")
	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", held.ID, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.State != "awaiting_approval" || rep.NotWrittenYet.Updated != changed {
		t.Errorf("held run: state %s, %d updates not written yet, want %d", rep.State, rep.NotWrittenYet.Updated, changed)
	}

	out, err = run(t, "", "approve", "--tenant", "acme", "--run", held.ID, "--by", "tester")
	if err != nil {
		t.Fatalf("approve: %v\n%s", err, out)
	}
	mustContain(t, "approve", out, "Approved run "+held.ID+" of tenant acme as tester",
		fmt.Sprintf("it now writes its changes: created 0, updated %d", changed))

	var waitErr error
	select {
	case waitErr = <-waited:
	case <-time.After(3 * time.Minute):
		t.Fatal("the approved run did not finish")
	}
	if waitErr != nil {
		t.Fatalf("roster --wait of the held run: %v\n%s", waitErr, waitOut)
	}
	mustContain(t, "roster --wait", waitOut.String(), "waiting for approval",
		"The mass-change guard holds this run: it would create 0 and change", "starter approve --tenant acme --run "+held.ID,
		"Roster sync of tenant acme: completed", "approved: the mass-change guard held this run until tester approved it")

	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", held.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs show after approval", out, "Roster sync of tenant acme: completed", "approved by tester", " updated: ", " → ")
	if strings.Contains(out, "not written yet") {
		t.Errorf("a completed run shows unwritten changes:\n%s", out)
	}
	if _, err := run(t, "", "approve", "--tenant", "acme", "--run", held.ID); err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Errorf("approving a finished run: %v", err)
	}
}

// `reject` ends a held run failed with the reason, writing nothing; the
// run's validator refuses, through the server, a rejection without a
// reason, and the refused Update leaves no trace in the run's history.
func TestHeldRosterRunIsRejected(t *testing.T) {
	w := newHeldWorld(t)
	ctx := context.Background()
	employees := func() string {
		var rows string
		if err := w.st.Pool().QueryRow(ctx, `SELECT string_agg(e::text, E'\n' ORDER BY e.id) FROM employees e WHERE tenant_id = 'acme'`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	unchanged := employees()

	waitOut, waited := runInBackground(t, "roster", "--tenant", "acme", "--wait")
	held := w.held(t)

	if _, err := run(t, "", "reject", "--tenant", "acme", "--run", held.ID); err == nil || !strings.Contains(err.Error(), `"reason" not set`) {
		t.Errorf("reject without --reason: %v, want the flag required", err)
	}
	// The UI's Update form can leave the reason out: the validator refuses.
	h, err := w.ts.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: held.WorkflowID, RunID: held.WorkflowRunID, UpdateName: workflows.RejectUpdate,
		Args: []any{workflows.Rejection{By: "ui"}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "a rejection needs a reason") {
		t.Errorf("a reject Update without a reason: %v, want refused by the validator", err)
	}

	out, err := run(t, "", "reject", "--tenant", "acme", "--run", held.ID, "--reason", "the HRMOS import went wrong", "--by", "tester")
	if err != nil {
		t.Fatalf("reject: %v\n%s", err, out)
	}
	mustContain(t, "reject", out, "Rejected run "+held.ID+" of tenant acme as tester", `"rejected by tester: the HRMOS import went wrong" and writes nothing`,
		fmt.Sprintf("it would have written: created 0, updated %d", w.changed))

	select {
	case err = <-waited:
	case <-time.After(3 * time.Minute):
		t.Fatal("the rejected run did not end")
	}
	if err == nil {
		t.Errorf("roster --wait of the rejected run succeeded:\n%s", waitOut)
	}
	mustContain(t, "roster --wait", waitOut.String()+fmt.Sprint(err), "rejected by tester: the HRMOS import went wrong")

	r, err := w.st.Run(ctx, store.RunRef{TenantID: "acme", RunID: held.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "failed" || r.FailureReason != "rejected by tester: the HRMOS import went wrong" || r.Created != 0 || r.Updated != 0 ||
		!slices.ContainsFunc(r.Notices, func(n string) bool { return strings.HasPrefix(n, "rejected: ") }) {
		t.Errorf("the rejected run's row: %+v", r)
	}
	if got := employees(); got != unchanged {
		t.Errorf("the rejected run changed employees:\nbefore\n%s\nafter\n%s", unchanged, got)
	}
	// Only the accepted Update is in the history: the refused one is not.
	accepted, refused := 0, 0
	it := w.ts.Client.GetWorkflowHistory(ctx, held.WorkflowID, held.WorkflowRunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			accepted++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED:
			refused++
		}
	}
	if accepted != 1 || refused != 0 {
		t.Errorf("the run's history holds %d accepted and %d rejected Updates, want the one accepted", accepted, refused)
	}
	if _, err := run(t, "", "reject", "--tenant", "acme", "--run", held.ID, "--reason", "again"); err == nil || !strings.Contains(err.Error(), "already finished (failed); nothing to reject") {
		t.Errorf("rejecting a finished run: %v", err)
	}
}

// runInBackground executes the starter as run does, in a goroutine; its
// output can be read while it runs.
func runInBackground(t *testing.T, args ...string) (*testenv.Buffer, <-chan error) {
	t.Helper()
	out, done, _ := runInterruptible(t, args...)
	return out, done
}

// runInterruptible is runInBackground with the Ctrl-C of the command: its
// context's cancel, as main's signal.NotifyContext does.
func runInterruptible(t *testing.T, args ...string) (*testenv.Buffer, <-chan error, context.CancelFunc) {
	t.Helper()
	root := newRoot()
	out := &testenv.Buffer{}
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(out)
	root.SetErr(out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(cancel)
	return out, done, cancel
}

// `starter roster --user N --wait` syncs that one HRMOS user and prints
// the run's summary with its one-user notice; an ID HRMOS does not list
// exits non-zero naming it.
func TestRosterOfOneUser(t *testing.T) {
	ts := temporalServer(t)
	_, _, company, cfg := newAcme(t)
	testenv.StartWorker(t, ts, cfg, workflows.DefaultOptions(), nil)
	if out, err := run(t, "", "connect", "--tenant", "acme", "--company", "acme-co"); err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	user := company.Users[3].ID

	out, err := run(t, "", "roster", "--tenant", "acme", "--user", strconv.FormatInt(user, 10), "--wait")
	if err != nil {
		t.Fatalf("roster --user: %v\n%s", err, out)
	}
	mustContain(t, "roster --user", out, "Started the roster sync of HRMOS user "+strconv.FormatInt(user, 10)+" of tenant acme",
		"completed", codes.NoticeOneUser+": only HRMOS user "+strconv.FormatInt(user, 10)+" was synced")

	_, err = run(t, "", "roster", "--tenant", "acme", "--user", "987654", "--wait")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "HRMOS user 987654 is not in HRMOS's list") {
		t.Fatalf("roster --user of an unlisted user: %v, want exit 1 naming it", err)
	}
	if _, err := run(t, "", "roster", "--tenant", "acme", "--user", "0"); err == nil || !strings.Contains(err.Error(), "--user must be an HRMOS user ID") {
		t.Fatalf("roster --user 0: %v", err)
	}
}
