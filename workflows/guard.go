package workflows

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// The mass-change guard: a run that would rewrite a large share of a
// tenant — a wrong company connected, a botched import in HRMOS — stops
// after its plan, before it writes anything, and waits for ops. Its plan
// (every outcome, and the diff field by field) is already recorded, so
// `starter runs show` shows what it would do. Ops approve it or reject it
// with a reason: as an Update ("approve", "reject": `starter approve`,
// `starter reject`, the UI's Update form on the run itself), which answers
// at once — refused with why when the run is not held, else what the run
// will write — or as a Signal of the same name (the UI's Signal form, on the
// run or on the workflow that started it: the UI launcher, a scheduled
// action, which pass it on). A run nobody decides on fails after the
// approval timeout. Small tenants, dry runs and a tenant's first attendance
// sync are never held; a first roster sync is held when it matches few of
// the employees mediment already has.

// ApproveSignal is the signal that lets a held run write. From the
// Temporal UI's Signal form: name "approve", input {"by":"your name"}.
const ApproveSignal = "approve"

// RejectSignal is the signal that ends a held run as failed, writing
// nothing. From the Temporal UI's Signal form: name "reject", input
// {"by":"your name","reason":"why"}.
const RejectSignal = "reject"

// ApproveUpdate and RejectUpdate are the Updates that do the same with an
// answer (Decision), refused by their validator when the run is not held;
// they share the signals' names so that ops need to know one of each.
const (
	ApproveUpdate = ApproveSignal
	RejectUpdate  = RejectSignal
)

// Approval is the approve signal's and Update's input.
type Approval struct {
	// By names who approved, for the run's history row.
	By string `json:"by"`
}

// Rejection is the reject signal's and Update's input.
type Rejection struct {
	// By names who rejected the run, Reason why: the run fails with
	// "rejected by BY: REASON".
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Decision is what an accepted approve or reject Update answers: the run,
// the decision, and the plan's outcomes, which an approved run now writes
// (created, updated, errors; unchanged and skipped are recorded already)
// and a rejected one never will.
type Decision struct {
	RunID      string `json:"runId"`
	TenantID   string `json:"tenantId"`
	Kind       string `json:"kind"`
	Month      string `json:"month,omitempty"`
	WorkflowID string `json:"workflowId"`
	// Decision is DecisionApproved or DecisionRejected.
	Decision string `json:"decision"`
	By       string `json:"by"`
	Reason   string `json:"reason,omitempty"`

	Created      int `json:"created"`
	Updated      int `json:"updated"`
	NewlyRetired int `json:"newlyRetired"`
	Unchanged    int `json:"unchanged"`
	Skipped      int `json:"skipped"`
	Errors       int `json:"errors"`
}

// The decisions a Decision reports.
const (
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
)

// Error types of a decision on a held run.
const (
	// ErrTypeNotHeld is an approve or reject Update refused because the run
	// is not waiting for one (the Update is not written to its history).
	ErrTypeNotHeld = "NotHeld"
	// ErrTypeRejected is the failure of a run ops rejected.
	ErrTypeRejected = "Rejected"
)

// rejectChange puts behind a version the reject signal and Update: a run
// held by an older worker ignored a "reject" signal, and replays so (such a
// run can still be approved, or cancelled).
const rejectChange = "reject-a-held-run"

// rosterGuard says why a roster run must wait for approval, "" when it may
// write: when it would create or change (retirements included) more than
// the allowed share of the tenant's employees; a tenant's first sync, when
// it matches too few of them (firstSyncGuard). A tenant is small (never
// held) by the larger of mediment's and HRMOS's counts: ten employees in
// mediment and five hundred in HRMOS is no small change.
func rosterGuard(g syncapi.GuardSettings, started syncapi.StartRunResult, plan syncapi.PlanResult) string {
	if g.Disabled {
		return ""
	}
	if started.FirstSync {
		return firstSyncGuard(g, started, plan)
	}
	if max(started.Employees, plan.Records) < g.MinEmployees || started.Employees == 0 {
		return ""
	}
	changes := plan.Created + plan.Updated
	share := float64(changes) / float64(started.Employees)
	if share <= g.MaxChangeShare {
		return ""
	}
	return fmt.Sprintf("it would create %d and change %d employees (%d of them newly retired) of the tenant's %d: %.0f%%, more than the %.0f%% the mass-change guard allows",
		plan.Created, plan.Updated, plan.NewlyRetired, started.Employees, share*100, g.MaxChangeShare*100)
}

// firstSyncGuard holds a tenant's first roster sync (no roster run ever
// wrote to it) when mediment already has employees and the sync matches
// less than FirstSyncMinMatchShare of them: it would build a second roster
// beside the first, as a wrong HRMOS company ID does. A real onboarding
// matches most of them, however many more people HRMOS holds. A tenant
// without employees is simply onboarded; one smaller than MinEmployees, by
// the larger of mediment's and HRMOS's counts, is never held; nor is a sync
// that creates nobody, which builds no second roster.
func firstSyncGuard(g syncapi.GuardSettings, started syncapi.StartRunResult, plan syncapi.PlanResult) string {
	if started.Employees == 0 || max(started.Employees, plan.Records) < g.MinEmployees || plan.Created == 0 {
		return ""
	}
	share := float64(plan.Matched) / float64(started.Employees)
	if share >= g.FirstSyncMinMatchShare {
		return ""
	}
	return fmt.Sprintf("this first sync of the tenant matches only %d of its %d employees in mediment (%.0f%%, less than the %.0f%% the mass-change guard asks of a first sync) "+
		"and would create %d new ones beside them. A wrong HRMOS company ID is the usual cause: check it (`starter connections`); "+
		"if it is wrong, reject this run (`starter reject`, with your reason) and connect the right company; if it is right, approve the run",
		plan.Matched, started.Employees, share*100, g.FirstSyncMinMatchShare*100, plan.Created)
}

// attendanceGuard says why an attendance run must wait for approval: when
// the month's rows, or their total working time, differ from the month
// before by more than the allowed share.
func attendanceGuard(g syncapi.GuardSettings, started syncapi.StartRunResult, plan syncapi.PlanResult,
	month, previousMonth string, previous syncapi.MonthFigures) string {
	if g.Disabled || started.FirstSync || previous.Rows < max(g.MinEmployees, 1) {
		return ""
	}
	rows := plan.Created + plan.Updated + plan.Unchanged
	rowShare := math.Abs(float64(rows-previous.Rows)) / float64(previous.Rows)
	minuteShare := 0.0
	if previous.WorkMinutes > 0 {
		minuteShare = math.Abs(float64(plan.WorkMinutes-previous.WorkMinutes)) / float64(previous.WorkMinutes)
	}
	if rowShare <= g.AttendanceMaxChangeShare && minuteShare <= g.AttendanceMaxChangeShare {
		return ""
	}
	return fmt.Sprintf("%s has %d employees' rows with %d working hours in all, against %d rows and %d hours in %s: it differs by more than the %.0f%% the mass-change guard allows",
		month, rows, plan.WorkMinutes/60, previous.Rows, previous.WorkMinutes/60, previousMonth, g.AttendanceMaxChangeShare*100)
}

// heldDecision is ops' decision on a held run, by Update or signal.
type heldDecision struct {
	reject     bool
	by, reason string
}

// setDecisionHandlers registers the approve and reject Updates. They are
// registered when the run starts, so that an Update sent before the run is
// held is refused by the validator with why, not as an unknown Update.
// The handlers only record the decision and wake awaitApproval (r.decided):
// they never block, so the answer is immediate and no handler is left
// running when the run ends.
func (r *syncRun) setDecisionHandlers(ctx workflow.Context) error {
	r.decided = workflow.NewBufferedChannel(ctx, 1)
	err := workflow.SetUpdateHandlerWithOptions(ctx, ApproveUpdate,
		func(ctx workflow.Context, in Approval) (Decision, error) {
			return r.decide(heldDecision{by: in.By}), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in Approval) error {
			return r.decidable(false)
		}})
	if err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, RejectUpdate,
		func(ctx workflow.Context, in Rejection) (Decision, error) {
			return r.decide(heldDecision{reject: true, by: in.By, reason: in.Reason}), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in Rejection) error {
			if err := r.decidable(true); err != nil {
				return err
			}
			if strings.TrimSpace(in.Reason) == "" {
				return temporal.NewNonRetryableApplicationError(
					`a rejection needs a reason: input {"by":"your name","reason":"why"}`, syncapi.ErrTypeInvalidInput, nil)
			}
			return nil
		}})
}

// decidable says why the run cannot take a decision now, nil when it can:
// only while the guard holds it, and only the first decision counts.
func (r *syncRun) decidable(reject bool) error {
	what := fmt.Sprintf("run %s of tenant %s", r.runID, r.tenantID)
	var why string
	switch d := r.decision; {
	case d != nil && d.reject:
		why = fmt.Sprintf("%s was already rejected by %s: it ends without writing anything", what, d.by)
	case d != nil:
		why = fmt.Sprintf("%s was already approved by %s: it writes its changes", what, d.by)
	case !r.held && r.waitEnded:
		why = fmt.Sprintf("%s is no longer held: its wait for approval has ended", what)
	case !r.held && r.progress.Phase == PhaseApproval:
		// Its row may say held already: the run records that before it waits.
		why = fmt.Sprintf("%s is being held by the mass-change guard and is still recording it: try again in a few seconds", what)
	case !r.held:
		why = fmt.Sprintf("%s is not held by the mass-change guard (it is %s): only a run waiting for approval can be approved or rejected", what, r.progress.Phase)
	case reject && !r.canReject:
		why = fmt.Sprintf("%s was held by an older version of the worker, which cannot reject it: approve it, or cancel it (the Temporal UI's Request Cancellation) to end it without writing", what)
	default:
		return nil
	}
	return temporal.NewNonRetryableApplicationError(why, ErrTypeNotHeld, nil)
}

// decide records the first decision (the validator refuses any other) and
// answers it.
func (r *syncRun) decide(d heldDecision) Decision {
	d = r.normalized(d)
	if r.decision == nil {
		r.decision = &d
		r.decided.SendAsync(true)
	}
	return r.answer(*r.decision)
}

// normalized names an anonymous decision: a signal from the UI may leave
// out who sent it, or why (the Update asks for a reason; a reject signal
// without one is still ops' decision, and is honoured).
func (r *syncRun) normalized(d heldDecision) heldDecision {
	if d.by = strings.TrimSpace(d.by); d.by == "" {
		d.by = "someone (no name given)"
	}
	if d.reason = strings.TrimSpace(d.reason); d.reject && d.reason == "" {
		d.reason = "no reason given"
	}
	return d
}

func (r *syncRun) answer(d heldDecision) Decision {
	res := Decision{
		RunID: r.runID, TenantID: r.tenantID, Kind: r.kind, Month: r.month, WorkflowID: r.workflowID,
		Decision: DecisionApproved, By: d.by, Reason: d.reason,
		Created: r.planned.Created, Updated: r.planned.Updated, NewlyRetired: r.planned.NewlyRetired,
		Unchanged: r.planned.Unchanged, Skipped: r.planned.Skipped, Errors: r.planned.Errors,
	}
	if d.reject {
		res.Decision = DecisionRejected
	}
	return res
}

// rejectedError is the failure of a rejected run: its message is the
// reason the run records.
func rejectedError(d heldDecision) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("rejected by %s: %s", d.by, d.reason), ErrTypeRejected, nil)
}

// awaitApproval holds the run until it is approved, rejected, or the
// approval timeout passes, which fails it with a reason that says how to
// approve.
func (r *syncRun) awaitApproval(ctx workflow.Context, reason string) error {
	r.canReject = workflow.GetVersion(ctx, rejectChange, workflow.DefaultVersion, 1) >= 1
	r.logger.Warn("mass-change guard: waiting for approval", "tenant", r.tenantID, "kind", r.kind)
	r.progress.AwaitingApproval, r.progress.ApprovalReason = true, reason
	r.setPhase(ctx, PhaseApproval)
	upsertSearch(ctx, SearchStatus.ValueSet(StatusAwaitingApproval))
	if err := workflow.ExecuteLocalActivity(r.w.db(ctx, "record that the run waits for approval"), a.AwaitApproval,
		syncapi.ApprovalInput{TenantID: r.tenantID, RunID: r.runID, Reason: reason}).Get(ctx, nil); err != nil {
		return err
	}
	// Held once its row says so: `starter approve` reads the row first.
	r.held = true

	signals := workflow.GetSignalChannel(ctx, ApproveSignal)
	timeout := r.started.Guard.ApprovalTimeout
	if timeout <= 0 {
		timeout = 72 * time.Hour
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimer(timerCtx, timeout)
	r.notifyHeld(ctx, reason, timeout) // once the row says held: `starter approve` reads it
	sel := workflow.NewSelector(ctx)
	// A signal decides unless an Update has already: that one has been
	// answered, and stands.
	sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
		var approval Approval
		c.Receive(ctx, &approval)
		r.decide(heldDecision{by: approval.By})
	})
	if r.canReject {
		sel.AddReceive(workflow.GetSignalChannel(ctx, RejectSignal), func(c workflow.ReceiveChannel, _ bool) {
			var rejection Rejection
			c.Receive(ctx, &rejection)
			r.decide(heldDecision{reject: true, by: rejection.By, reason: rejection.Reason})
		})
	}
	sel.AddReceive(r.decided, func(c workflow.ReceiveChannel, _ bool) {
		var woken bool
		c.Receive(ctx, &woken)
	})
	sel.AddFuture(timer, func(workflow.Future) {})
	sel.Select(ctx)
	// From here every Update is refused; one accepted before, even in the
	// same workflow task as the timer, was answered and is honoured.
	r.held, r.waitEnded = false, true
	if err := ctx.Err(); err != nil {
		return err
	}
	d := r.decision
	if d == nil {
		return runFailed(fmt.Sprintf("the mass-change guard held this run because %s, and nobody approved it within %s. "+
			"Review what it would do with `starter runs show --tenant %s --run %s`; if it is right, start the sync again and approve it "+
			"while it waits with `starter approve --tenant %s --run <its run ID>` or the Temporal UI (Signal, name %q, input {\"by\":\"your name\"})",
			reason, timeout, r.tenantID, r.runID, r.tenantID, ApproveSignal), nil)
	}
	if d.reject {
		r.rejectedBy = d.by
		r.progress.AwaitingApproval = false
		r.logger.Info("mass-change guard: rejected", "tenant", r.tenantID, "kind", r.kind)
		return rejectedError(*d)
	}
	r.approvedBy = d.by
	r.progress.AwaitingApproval = false
	upsertSearch(ctx, SearchStatus.ValueSet(codes.RunRunning))
	r.logger.Info("mass-change guard: approved", "tenant", r.tenantID, "kind", r.kind)
	return workflow.ExecuteLocalActivity(r.w.db(ctx, "record the approval"), a.RecordApproval,
		syncapi.ApprovalInput{TenantID: r.tenantID, RunID: r.runID, By: d.by}).Get(ctx, nil)
}
