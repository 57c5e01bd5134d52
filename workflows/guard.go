package workflows

import (
	"fmt"
	"math"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// The mass-change guard: a run that would rewrite a large share of a
// tenant — a wrong company connected, a botched import in HRMOS — stops
// after its plan, before it writes anything, and waits for ops. Its plan
// (every outcome, and the diff field by field) is already recorded, so
// `starter runs show` shows what it would do. Ops approve it with the
// "approve" signal (`starter approve`, or the UI's Signal form, on the run
// or on the workflow that started it: the UI launcher, a scheduled action),
// or let it fail after the approval timeout. Small tenants, dry runs and a
// tenant's first attendance sync are never held; a first roster sync is held
// when it matches few of the employees mediment already has.

// ApproveSignal is the signal that lets a held run write. From the
// Temporal UI's Signal form: name "approve", input {"by":"your name"}.
const ApproveSignal = "approve"

// Approval is the approve signal's input.
type Approval struct {
	// By names who approved, for the run's history row.
	By string `json:"by"`
}

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
		"if it is wrong, cancel this run (the Temporal UI's Request Cancellation) and connect the right company; if it is right, approve the run",
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

// awaitApproval holds the run until it is approved or the approval timeout
// passes, which fails it with a reason that says how to approve.
func (r *syncRun) awaitApproval(ctx workflow.Context, reason string) error {
	r.logger.Warn("mass-change guard: waiting for approval", "tenant", r.tenantID, "kind", r.kind)
	r.progress.AwaitingApproval, r.progress.ApprovalReason = true, reason
	r.setPhase(ctx, PhaseApproval)
	upsertSearch(ctx, SearchStatus.ValueSet(StatusAwaitingApproval))
	if err := workflow.ExecuteLocalActivity(r.w.db(ctx, "record that the run waits for approval"), a.AwaitApproval,
		syncapi.ApprovalInput{TenantID: r.tenantID, RunID: r.runID, Reason: reason}).Get(ctx, nil); err != nil {
		return err
	}

	var approval Approval
	approved := false
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
	sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &approval)
		approved = true
	})
	sel.AddFuture(timer, func(workflow.Future) {})
	sel.Select(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if !approved {
		return runFailed(fmt.Sprintf("the mass-change guard held this run because %s, and nobody approved it within %s. "+
			"Review what it would do with `starter runs show --tenant %s --run %s`; if it is right, start the sync again and approve it "+
			"while it waits with `starter approve --tenant %s --run <its run ID>` or the Temporal UI (Signal, name %q, input {\"by\":\"your name\"})",
			reason, timeout, r.tenantID, r.runID, r.tenantID, ApproveSignal), nil)
	}
	if approval.By == "" {
		approval.By = "someone (no name given)"
	}
	r.approvedBy = approval.By
	r.progress.AwaitingApproval = false
	upsertSearch(ctx, SearchStatus.ValueSet(codes.RunRunning))
	r.logger.Info("mass-change guard: approved", "tenant", r.tenantID, "kind", r.kind)
	return workflow.ExecuteLocalActivity(r.w.db(ctx, "record the approval"), a.RecordApproval,
		syncapi.ApprovalInput{TenantID: r.tenantID, RunID: r.runID, By: approval.By}).Get(ctx, nil)
}
