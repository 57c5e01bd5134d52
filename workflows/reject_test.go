package workflows

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Ops decide on a held run by Update (an answer at once: refused with why,
// or what the run will write) or by signal (the UI's form, also on the
// workflow that started the run); a rejected run ends failed with their
// reason, having written nothing.

// answer is what an Update got: refused by its validator, or its result.
type answer struct {
	refused  error
	accepted bool
	decision Decision
	err      error
}

// update sends an Update to the workflow under test and records its answer.
func update(env *testsuite.TestWorkflowEnvironment, name string, input any) *answer {
	a := &answer{}
	env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept: func() { a.accepted = true },
		OnReject: func(err error) { a.refused = err },
		OnComplete: func(v any, err error) {
			a.err = err
			if d, ok := v.(Decision); ok {
				a.decision = d
			}
		},
	}, input)
	return a
}

func (a *answer) mustBeRefused(t *testing.T, what string, want ...string) {
	t.Helper()
	if a.refused == nil || a.accepted {
		t.Errorf("%s: accepted (%+v), want it refused by the validator", what, a.decision)
		return
	}
	var appErr *temporal.ApplicationError
	if !errors.As(a.refused, &appErr) {
		t.Errorf("%s: refused with %v, want an application error", what, a.refused)
		return
	}
	for _, w := range want {
		if !strings.Contains(appErr.Message(), w) {
			t.Errorf("%s: refused with %q, want it to say %q", what, appErr.Message(), w)
		}
	}
}

func TestRejectingAHeldRunFailsItWritingNothing(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var got *answer
	var details string
	env.RegisterDelayedCallback(func() {
		details = currentDetails(t, env)
		got = update(env, RejectUpdate, Rejection{By: "ops", Reason: "the wrong HRMOS company is connected"})
	}, time.Hour)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	const want = "rejected by ops: the wrong HRMOS company is connected"
	appErr := workflowError(t, env)
	if appErr.Message() != want || !appErr.NonRetryable() {
		t.Errorf("the rejected run failed with %q (non-retryable: %v), want %q, non-retryable", appErr.Message(), appErr.NonRetryable(), want)
	}
	var cause *temporal.ApplicationError
	if !errors.As(errors.Unwrap(appErr), &cause) || cause.Type() != ErrTypeRejected {
		t.Errorf("the failure's cause is %v, want a %s error", errors.Unwrap(appErr), ErrTypeRejected)
	}
	if got == nil || !got.accepted || got.err != nil {
		t.Fatalf("the reject Update: %+v, want accepted", got)
	}
	if d := got.decision; d.Decision != DecisionRejected || d.By != "ops" || d.Created != 100 || d.RunID == "" || d.WorkflowID != RosterWorkflowID("acme") {
		t.Errorf("the reject Update answered %+v, want rejected by ops of a run that would have created 100", d)
	}
	if len(f.synced) != 0 || len(f.approvals) != 0 {
		t.Errorf("the rejected run wrote %d records and recorded approvals %+v, want nothing", len(f.synced), f.approvals)
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != want {
		t.Errorf("FinishRun with %+v, want failed with %q", f.finished, want)
	}
	if !slices.ContainsFunc(f.finished.Notices, func(n string) bool { return strings.HasPrefix(n, codes.NoticeRejected+": ") }) {
		t.Errorf("the rejected run's notices %q do not mark it rejected", f.finished.Notices)
	}
	for _, w := range []string{"Signal `reject`", `"reason":"why"`, "starter reject"} {
		if !strings.Contains(details, w) {
			t.Errorf("the held run's details\n%s\ndo not say %q", details, w)
		}
	}
}

func TestTheApproveUpdateAnswersWhatTheRunWillWrite(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := heldRoster(72 * time.Hour)
	f.settled = func(id int64) bool { return id > 90 } // 90 to create, 10 unchanged
	f.mock(env, codes.KindRoster)
	var got, again, rejectAfter *answer
	env.RegisterDelayedCallback(func() {
		got = update(env, ApproveUpdate, Approval{By: "ops"})
		// Only the first decision counts; the others are refused with why.
		again = update(env, ApproveUpdate, Approval{By: "someone else"})
		rejectAfter = update(env, RejectUpdate, Rejection{By: "someone else", Reason: "too late"})
	}, time.Hour)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the approved run failed: %v", err)
	}
	if got == nil || !got.accepted || got.err != nil {
		t.Fatalf("the approve Update: %+v, want accepted", got)
	}
	if d := got.decision; d.Decision != DecisionApproved || d.By != "ops" || d.Created != 90 || d.Unchanged != 10 || d.Updated != 0 || d.Kind != codes.KindRoster {
		t.Errorf("the approve Update answered %+v, want approved by ops: 90 created, 10 unchanged", d)
	}
	again.mustBeRefused(t, "a second approval", "was already approved by ops")
	rejectAfter.mustBeRefused(t, "a rejection after the approval", "was already approved by ops")
	if len(f.approvals) != 1 || f.approvals[0].By != "ops" || len(f.synced) != 90 || f.finished.Status != codes.RunCompleted {
		t.Errorf("approvals %+v, wrote %d, finished %+v: want approved by ops once, 90 written, completed", f.approvals, len(f.synced), f.finished)
	}
}

// A run that is not held refuses both Updates, saying what it is doing;
// a rejection without a reason is refused too. None of them changes the run.
func TestDecisionsOnARunThatIsNotHeldAreRefused(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := heldRoster(72 * time.Hour)
	// The fetch takes two hours: at one hour the run is fetching.
	env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(syncapi.FetchResult{Fetched: 100, Staged: 100}, nil).After(2 * time.Hour).Once()
	f.mock(env, codes.KindRoster)
	var approveEarly, rejectEarly, noReason *answer
	env.RegisterDelayedCallback(func() {
		approveEarly = update(env, ApproveUpdate, Approval{By: "ops"})
		rejectEarly = update(env, RejectUpdate, Rejection{By: "ops", Reason: "no"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		noReason = update(env, RejectUpdate, Rejection{By: "ops", Reason: "  "})
		env.SignalWorkflow(ApproveSignal, Approval{By: "ops"})
	}, 3*time.Hour)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	approveEarly.mustBeRefused(t, "approving while fetching", "is not held by the mass-change guard (it is fetching from HRMOS)", "only a run waiting for approval")
	rejectEarly.mustBeRefused(t, "rejecting while fetching", "is not held by the mass-change guard (it is fetching from HRMOS)")
	noReason.mustBeRefused(t, "a rejection without a reason", "a rejection needs a reason")
	if len(f.approvals) != 1 || f.approvals[0].By != "ops" || len(f.synced) != 100 {
		t.Errorf("approvals %+v, wrote %d: want the signal's approval alone, and the run written", f.approvals, len(f.synced))
	}
}

// The UI's Signal form: "reject" on the launcher ops started is passed on
// to the held run, which fails with the reason; an Update there is refused
// and names the workflow to send it to.
func TestRejectingTheLauncherRejectsTheHeldRun(t *testing.T) {
	env := newEnv(t, launcherID)
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var onLauncher *answer
	var launcherDetails string
	env.RegisterDelayedCallback(func() {
		launcherDetails = currentDetails(t, env)
		onLauncher = update(env, ApproveUpdate, Approval{By: "ops-ui"})
		env.SignalWorkflow(RejectSignal, Rejection{By: "ops-ui", Reason: "HRMOS import went wrong"})
	}, time.Hour)

	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"tenantId":"acme"}`))

	appErr := workflowError(t, env)
	if !strings.Contains(appErr.Message(), "rejected by ops-ui: HRMOS import went wrong") {
		t.Errorf("the launcher failed with %q, want the rejection", appErr.Message())
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != "rejected by ops-ui: HRMOS import went wrong" || len(f.synced) != 0 {
		t.Errorf("finished %+v, wrote %d: want the held run failed with the rejection, nothing written", f.finished, len(f.synced))
	}
	onLauncher.mustBeRefused(t, "an approve Update on the launcher", "send the Update to workflow "+RosterWorkflowID("acme"), "Signal of the same name here")
	if !strings.Contains(launcherDetails, "Signal `reject`") {
		t.Errorf("the launcher's details\n%s\ndo not say how to reject", launcherDetails)
	}
}

// A scheduled action passes a rejection on to its held roster: the roster
// fails with the reason, and the month's attendance still runs.
func TestRejectingAScheduledActionRejectsItsHeldRun(t *testing.T) {
	env := newScheduledEnv(t)
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var c children
	c.mockAttendance(env)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(RejectSignal, Rejection{By: "ops-schedule", Reason: "not this month"})
	}, time.Hour)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

	appErr, res := scheduledFailure(t, env)
	if !strings.Contains(appErr.Message(), "roster: rejected by ops-schedule: not this month") {
		t.Errorf("the scheduled action failed with %q, want the roster's rejection", appErr.Message())
	}
	if f.finished.Status != codes.RunFailed || len(f.synced) != 0 || len(c.attendance) != 1 || res.RosterOutcome != "failed: rejected by ops-schedule: not this month" {
		t.Errorf("roster finished %+v, wrote %d, outcome %q, attendance %+v: want the roster rejected, then the attendance run",
			f.finished, len(f.synced), res.RosterOutcome, c.attendance)
	}
}
