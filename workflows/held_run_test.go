package workflows

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// A run held by the mass-change guard, however it was started, waits for
// the whole approval timeout and ends with the guard's own reason; ops
// approve it on the workflow they started or are looking at.

// launcherID is the Temporal UI form's random Workflow ID.
const launcherID = "5a2c7e1e-5555-4c1d-9a7e-0e6f4b1c2d3e"

// heldRoster is a roster run the guard holds: it would create all 100 of a
// 100-employee tenant.
func heldRoster(approvalTimeout time.Duration) *fakeRun {
	g := testGuard
	g.ApprovalTimeout = approvalTimeout
	return &fakeRun{n: 100, settled: func(int64) bool { return false }, start: syncapi.StartRunResult{Employees: 100, Guard: g}}
}

// childTimeouts records the execution timeout of every child a workflow
// starts, by workflow ID (the test environment shows none as ten years).
func childTimeouts(env *testsuite.TestWorkflowEnvironment) map[string]time.Duration {
	got := map[string]time.Duration{}
	env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		got[info.WorkflowExecution.ID] = info.WorkflowExecutionTimeout
	})
	return got
}

// Held longer than the 12 hours the launcher's child used to be given:
// the run is not killed by a timeout, it fails when the guard's own wait
// ends, with the guard's reason, and records it. (The test environment
// does not enforce a child's execution timeout, hence the check of the
// timeout the child was given.)
func TestALauncherStartedRunHeldLongerThan12HoursEndsWithTheGuardsReason(t *testing.T) {
	env := newEnv(t, launcherID)
	start := env.Now()
	f := heldRoster(20 * time.Hour)
	f.mock(env, codes.KindRoster)
	timeouts := childTimeouts(env)

	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"tenantId":"acme"}`))

	appErr := workflowError(t, env)
	for _, want := range []string{"the mass-change guard held this run because it would create 100", "nobody approved it within 20h0m0s"} {
		if !strings.Contains(appErr.Message(), want) {
			t.Errorf("the launcher failed with %q, want the guard's reason saying %q", appErr.Message(), want)
		}
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != appErr.Message() {
		t.Errorf("FinishRun with %+v, want the run recorded failed with the guard's reason", f.finished)
	}
	if held := env.Now().Sub(start); held < 20*time.Hour {
		t.Errorf("the run ended after %s, before the guard's 20 h", held)
	}
	if d, ok := timeouts[RosterWorkflowID("acme")]; !ok || d != 0 && d < 20*time.Hour {
		t.Errorf("the canonical run was started with an execution timeout of %s (started: %v), shorter than the approval wait", d, ok)
	}
}

// The same for a scheduled action: its roster, held past 12 hours, fails
// with the guard's reason, which the action names.
func TestAScheduledRunHeldLongerThan12HoursEndsWithTheGuardsReason(t *testing.T) {
	env := newScheduledEnv(t)
	f := heldRoster(30 * time.Hour)
	f.mock(env, codes.KindRoster)
	var c children
	c.mockAttendance(env)
	timeouts := childTimeouts(env)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

	appErr, res := scheduledFailure(t, env)
	if !strings.Contains(appErr.Message(), "roster: the mass-change guard held this run because") ||
		!strings.Contains(appErr.Message(), "nobody approved it within 30h0m0s") {
		t.Errorf("the scheduled action failed with %q, want the roster guard's reason", appErr.Message())
	}
	if f.finished.Status != codes.RunFailed || !strings.Contains(res.RosterOutcome, "nobody approved it within 30h0m0s") {
		t.Errorf("roster finished with %+v, outcome %q", f.finished, res.RosterOutcome)
	}
	for _, id := range []string{RosterWorkflowID("acme"), AttendanceWorkflowID("acme", "2026-10")} {
		if d, ok := timeouts[id]; !ok || d != 0 && d < 30*time.Hour {
			t.Errorf("%s was started with an execution timeout of %s (started: %v), shorter than the approval wait", id, d, ok)
		}
	}
}

// Approving the launcher, the workflow ops started from the UI and are
// looking at, approves the run it holds; the held run's details say so.
func TestApprovingTheLauncherApprovesTheHeldRun(t *testing.T) {
	env := newEnv(t, launcherID)
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var heldDetails, launcherDetails string
	env.RegisterDelayedCallback(func() {
		heldDetails = detailsOf(t, env, RosterWorkflowID("acme"))
		launcherDetails = currentDetails(t, env)
		if len(f.synced) != 0 {
			t.Errorf("%d records written before the approval", len(f.synced))
		}
		env.SignalWorkflow(ApproveSignal, Approval{By: "ops-ui"})
	}, time.Hour)

	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"tenantId":"acme"}`))

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the approved run failed: %v", err)
	}
	if len(f.approvals) != 1 || f.approvals[0].By != "ops-ui" || len(f.synced) != 100 || f.finished.Status != codes.RunCompleted {
		t.Fatalf("approvals %+v, wrote %d, finished %+v: want the held run approved by ops-ui, written and completed",
			f.approvals, len(f.synced), f.finished)
	}
	for _, want := range []string{"**Waiting for approval**", "Signal `approve`", "to this workflow or `" + launcherID + "`, which started it"} {
		if !strings.Contains(heldDetails, want) {
			t.Errorf("the held run's details\n%s\ndo not say %q", heldDetails, want)
		}
	}
	if !strings.Contains(launcherDetails, "approving this workflow approves it") {
		t.Errorf("the launcher's details\n%s\ndo not say that approving it approves the run", launcherDetails)
	}
}

// Approving a scheduled action approves the run of it the guard holds.
func TestApprovingAScheduledActionApprovesItsHeldRun(t *testing.T) {
	env := newScheduledEnv(t)
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var c children
	c.mockAttendance(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(ApproveSignal, Approval{By: "ops-schedule"}) }, time.Hour)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the scheduled action failed: %v", err)
	}
	if len(f.approvals) != 1 || f.approvals[0].By != "ops-schedule" || len(f.synced) != 100 || len(c.attendance) != 1 {
		t.Errorf("approvals %+v, wrote %d, attendance %+v: want the roster approved and written, then the attendance run",
			f.approvals, len(f.synced), c.attendance)
	}
}

// detailsOf are another workflow's current details (a child's).
func detailsOf(t *testing.T, env *testsuite.TestWorkflowEnvironment, workflowID string) string {
	t.Helper()
	v, err := env.QueryWorkflowByID(workflowID, "__temporal_workflow_metadata")
	if err != nil {
		t.Fatalf("metadata query of %s: %v", workflowID, err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	return md.GetCurrentDetails()
}
