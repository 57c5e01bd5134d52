package workflows

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// attendanceStart is when the attendance tests run: November 2026 in Japan,
// so October is a month that may be synced.
var attendanceStart = time.Date(2026, 11, 3, 6, 0, 0, 0, jst.Zone)

func newAttendanceEnv(t *testing.T, tenant, month string) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t, AttendanceWorkflowID(tenant, month))
	env.SetStartTime(attendanceStart)
	return env
}

// workflowError is the application error a workflow ended with.
func workflowError(t *testing.T, env *testsuite.TestWorkflowEnvironment) *temporal.ApplicationError {
	t.Helper()
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("workflow error = %v, want an application error", err)
	}
	return appErr
}

func TestAttendanceSyncWritesTheRowsThatChange(t *testing.T) {
	env := newAttendanceEnv(t, "acme", "2026-10")
	f := &fakeRun{n: 700, settled: func(id int64) bool { return id%7 == 0 }, workMinutes: 160 * 60,
		start: syncapi.StartRunResult{Employees: 700, Guard: testGuard}, previous: syncapi.MonthFigures{Rows: 700, WorkMinutes: 700 * 160 * 60}}
	f.mock(env, codes.KindAttendance)

	env.ExecuteWorkflow(AttendanceSyncName, AttendanceSyncInput{TenantID: "acme", Month: "2026-10", Trigger: codes.TriggerCLI})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if f.planned != 700 || len(f.synced) != 600 {
		t.Errorf("planned %d and wrote %d rows, want 700 and the 600 that change", f.planned, len(f.synced))
	}
	if len(f.figuresAsked) != 1 || f.figuresAsked[0] != (syncapi.MonthFiguresInput{TenantID: "acme", Month: "2026-09"}) {
		t.Errorf("the guard summed %+v, want the month before, 2026-09", f.figuresAsked)
	}
	if len(f.awaiting) != 0 {
		t.Errorf("a month like the one before was held: %+v", f.awaiting)
	}
	var got syncapi.RunResult
	if err := env.GetWorkflowResult(&got); err != nil || got.Status != codes.RunCompleted || got.WorkflowID != AttendanceWorkflowID("acme", "2026-10") {
		t.Errorf("result = %+v, %v", got, err)
	}
	if f.finished.Status != codes.RunCompleted || f.finished.Fetched != 700 || len(f.finished.Notices) != 0 {
		t.Errorf("finished with %+v", f.finished)
	}
}

// heldAttendance is a run the attendance guard holds: 300 rows against the
// 100 of the month before.
func heldAttendance(firstSync bool) *fakeRun {
	return &fakeRun{n: 300, settled: func(int64) bool { return false }, workMinutes: 160 * 60,
		start:    syncapi.StartRunResult{Employees: 300, FirstSync: firstSync, Guard: testGuard},
		previous: syncapi.MonthFigures{Rows: 100, WorkMinutes: 100 * 160 * 60}}
}

// The guard holds a month that differs wildly from the one before, and an
// approve signal lets it write; the run's notices say who approved it.
// While it waits, the progress query and the workflow's current details
// (the UI's view) say so.
func TestAttendanceSyncHeldByTheGuardWritesOnceApproved(t *testing.T) {
	env := newAttendanceEnv(t, "acme", "2026-10")
	f := heldAttendance(false)
	f.mock(env, codes.KindAttendance)
	var waiting Progress
	var waitingDetails string
	env.RegisterDelayedCallback(func() {
		waiting = queryProgress(t, env)
		waitingDetails = currentDetails(t, env)
		if len(f.synced) != 0 {
			t.Errorf("%d rows written before the approval", len(f.synced))
		}
		env.SignalWorkflow(ApproveSignal, Approval{By: "ops-tanaka"})
	}, time.Hour)

	env.ExecuteWorkflow(AttendanceSyncName, AttendanceSyncInput{TenantID: "acme", Month: "2026-10"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("approved run failed: %v", err)
	}
	if len(f.awaiting) != 1 || !strings.Contains(f.awaiting[0].Reason, "has 300 employees' rows") {
		t.Fatalf("AwaitApproval calls %+v, want one with the guard's reason", f.awaiting)
	}
	if len(f.approvals) != 1 || f.approvals[0].By != "ops-tanaka" || f.approvals[0].RunID != f.awaiting[0].RunID {
		t.Errorf("RecordApproval calls %+v, want one by ops-tanaka for the held run", f.approvals)
	}
	if len(f.synced) != 300 {
		t.Errorf("wrote %d rows after the approval, want 300", len(f.synced))
	}
	if !slices.Contains(f.finished.Notices, noticeApproved("ops-tanaka")) || f.finished.Status != codes.RunCompleted {
		t.Errorf("finished with %+v, want completed with the approved notice", f.finished)
	}
	if waiting.Phase != PhaseApproval || !waiting.AwaitingApproval || !strings.Contains(waiting.ApprovalReason, "2026-09") ||
		waiting.Fetched != 300 || waiting.Total != 300 || waiting.Planned != 300 || waiting.Created != 300 || waiting.Done != 0 {
		t.Errorf("progress while held = %+v", waiting)
	}
	for _, want := range []string{"**attendance sync 2026-10** of tenant `acme`: **waiting for approval**", "- fetched from HRMOS: 300; done: 0 of 300 (decided: 300)",
		"- decided so far: created 300, updated 0", "**Waiting for approval**: 2026-10 has 300 employees' rows"} {
		if !strings.Contains(waitingDetails, want) {
			t.Errorf("current details while held:\n%s\ndo not say %q", waitingDetails, want)
		}
	}
	var done Progress
	if v, err := env.QueryWorkflow(ProgressQuery); err != nil || v.Get(&done) != nil || done.Phase != PhaseCompleted ||
		done.Done != 300 || done.ChunksDone != 1 || done.AwaitingApproval {
		t.Errorf("progress at the end = %+v, %v", done, err)
	}
	if d := currentDetails(t, env); !strings.Contains(d, "**completed**") || !strings.Contains(d, "; done: 300 of 300") || !strings.Contains(d, "- chunks written: 1 of 1") {
		t.Errorf("current details at the end:\n%s", d)
	}
}

// Nobody approves: after the approval timeout the run fails with a reason
// that says how to approve next time, and writes nothing.
func TestAttendanceSyncHeldByTheGuardFailsAfterTheApprovalTimeout(t *testing.T) {
	env := newAttendanceEnv(t, "acme", "2026-10")
	f := heldAttendance(false)
	f.start.Guard.ApprovalTimeout = 2 * time.Hour
	f.mock(env, codes.KindAttendance)

	env.ExecuteWorkflow(AttendanceSyncName, AttendanceSyncInput{TenantID: "acme", Month: "2026-10"})

	appErr := workflowError(t, env)
	msg := appErr.Message()
	for _, want := range []string{"the mass-change guard held this run because 2026-10 has 300 employees' rows", "nobody approved it within 2h0m0s",
		"`starter approve --tenant acme --run <its run ID>`", `the Temporal UI (Signal, name "approve", input {"by":"your name"})`,
		"`starter runs show --tenant acme --run "} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q does not say %q", msg, want)
		}
	}
	if appErr.Type() != ErrTypeSyncFailed || !appErr.NonRetryable() {
		t.Errorf("error type %s, non-retryable %v", appErr.Type(), appErr.NonRetryable())
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != msg {
		t.Errorf("finished with %+v, want failed with the workflow's reason", f.finished)
	}
	if len(f.synced) != 0 || len(f.approvals) != 0 {
		t.Errorf("an unapproved run wrote %d rows and recorded approvals %+v", len(f.synced), f.approvals)
	}
	if got := env.Now().Sub(attendanceStart); got < 2*time.Hour {
		t.Errorf("the run failed after %s of workflow time, before the approval timeout", got)
	}
}

// A tenant's first attendance sync is never held, however it compares.
func TestAttendanceSyncFirstSyncIsNeverHeld(t *testing.T) {
	env := newAttendanceEnv(t, "acme", "2026-10")
	f := heldAttendance(true)
	f.mock(env, codes.KindAttendance)

	env.ExecuteWorkflow(AttendanceSyncName, AttendanceSyncInput{TenantID: "acme", Month: "2026-10"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if len(f.awaiting) != 0 || len(f.synced) != 300 || len(f.figuresAsked) != 0 {
		t.Errorf("first sync: held %+v, wrote %d rows, compared with %+v; want not held, not compared and 300 written",
			f.awaiting, len(f.synced), f.figuresAsked)
	}
}

func TestRosterSyncGuard(t *testing.T) {
	tests := []struct {
		name      string
		employees int
		records   int
		dryRun    bool
		wantHeld  bool
	}{
		{"held when it would change more than MaxChangeShare", 100, 100, false, true},
		{"held when mediment is under MinEmployees and HRMOS is not", 40, 100, false, true},
		{"not held when mediment and HRMOS are both under MinEmployees", 40, 45, false, false},
		{"not held for a dry run", 100, 100, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, RosterWorkflowID("acme"))
			// 30 records would be created: 30% of a 100-employee tenant,
			// 75% of a 40-employee one.
			f := &fakeRun{n: tt.records, settled: func(id int64) bool { return id > 30 },
				start: syncapi.StartRunResult{Employees: tt.employees, Guard: testGuard}}
			f.mock(env, codes.KindRoster)

			env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", DryRun: tt.dryRun})

			if held := len(f.awaiting) > 0; held != tt.wantHeld {
				t.Fatalf("held = %v (%+v), want %v", held, f.awaiting, tt.wantHeld)
			}
			err := env.GetWorkflowError()
			switch {
			case tt.wantHeld:
				// Nobody approves within the 72 h of testGuard.
				if err == nil || !strings.Contains(err.Error(), "it would create 30 and change 0 employees") || len(f.synced) != 0 {
					t.Errorf("held run: error %v, wrote %d", err, len(f.synced))
				}
			case tt.dryRun:
				if err != nil || len(f.synced) != 0 || f.planned != 100 {
					t.Errorf("dry run: error %v, wrote %d, planned %d", err, len(f.synced), f.planned)
				}
			default:
				if err != nil || len(f.synced) != 30 {
					t.Errorf("small tenant: error %v, wrote %d, want 30", err, len(f.synced))
				}
			}
		})
	}
}

// An approval without a name is recorded as someone's.
func TestRosterSyncApprovedWithoutAName(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 100, settled: func(int64) bool { return false }, start: syncapi.StartRunResult{Employees: 100, Guard: testGuard}}
	f.mock(env, codes.KindRoster)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(ApproveSignal, json.RawMessage(`{}`)) }, time.Minute)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(f.approvals) != 1 || f.approvals[0].By != "someone (no name given)" || len(f.synced) != 100 {
		t.Errorf("approvals %+v, wrote %d", f.approvals, len(f.synced))
	}
}

func queryProgress(t *testing.T, env *testsuite.TestWorkflowEnvironment) Progress {
	t.Helper()
	var p Progress
	v, err := env.QueryWorkflow(ProgressQuery)
	if err != nil {
		t.Fatalf("progress query: %v", err)
	}
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// currentDetails are the workflow's current details, the markdown the
// Temporal UI shows (workflow.SetCurrentDetails), read as the UI reads them:
// through the built-in metadata query.
func currentDetails(t *testing.T, env *testsuite.TestWorkflowEnvironment) string {
	t.Helper()
	v, err := env.QueryWorkflow("__temporal_workflow_metadata")
	if err != nil {
		t.Fatalf("metadata query: %v", err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	return md.GetCurrentDetails()
}
