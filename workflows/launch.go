package workflows

import (
	"encoding/json"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// launchSpec is a sync to run under its one canonical workflow ID.
type launchSpec struct {
	kind, tenantID, month, trigger string
	dryRun                         bool
	workflowID                     string
	workflowType                   string
	input                          any
	// abandon keeps the sync going when the workflow that started it ends
	// (a schedule's action); otherwise cancelling the starter cancels it.
	abandon bool
	// forwardApprovals passes the approve signals the starting workflow
	// receives on to the sync while it runs (forwardsApprovals);
	// forwardRejections the reject signals too (forwardsRejections).
	forwardApprovals, forwardRejections bool
	// onlyUser is the one HRMOS user a roster sync is limited to (0: all).
	onlyUser int64
}

// summary is the spec's line in the Temporal UI.
func (s launchSpec) summary() string {
	if s.kind == codes.KindRoster {
		return RosterSummary(s.tenantID, s.trigger, s.dryRun, s.onlyUser)
	}
	return Summary(s.kind, s.tenantID, s.month, s.trigger, s.dryRun)
}

// Summary is the one line the Temporal UI lists for a sync: tenant, kind,
// month and trigger, never personal data.
func Summary(kind, tenantID, month, trigger string, dryRun bool) string {
	what := kind + " sync of " + tenantID
	if month != "" {
		what += " for " + month
	}
	return summary(what, trigger, dryRun)
}

// RosterSummary is Summary for a roster sync, naming the one HRMOS user it
// is limited to (userID 0: the whole roster, as Summary says it). A user ID
// is a reference, not personal data.
func RosterSummary(tenantID, trigger string, dryRun bool, userID int64) string {
	if userID == 0 {
		return Summary(codes.KindRoster, tenantID, "", trigger, dryRun)
	}
	return summary(fmt.Sprintf("roster sync of %s, HRMOS user %d only", tenantID, userID), trigger, dryRun)
}

// summary ends a sync's line: whether it is a dry run, how it was started.
func summary(what, trigger string, dryRun bool) string {
	if dryRun {
		what += " (dry run)"
	}
	return what + ", started from " + triggerName(trigger)
}

func triggerName(trigger string) string {
	switch trigger {
	case "cli":
		return "the starter"
	case "schedule":
		return "the schedule"
	}
	return "the Temporal UI"
}

// errAlreadyRunning is how a start refused because the same sync runs is
// told apart from the sync failing.
var errAlreadyRunning = errors.New("already running")

// runCanonical runs a sync as a child under its canonical workflow ID,
// which Temporal keeps to one open run: when one is running already, it is
// left alone and errAlreadyRunning returned.
func runCanonical(ctx workflow.Context, s launchSpec) (syncapi.RunResult, error) {
	policy := enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL
	if s.abandon {
		policy = enumspb.PARENT_CLOSE_POLICY_ABANDON
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            s.workflowID,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     policy,
		// No execution timeout, as the starter's and the schedule's starts
		// have none: the run bounds itself (every step's retries are
		// bounded, and the mass-change guard's wait ends after
		// GUARD_APPROVAL_TIMEOUT, which only the worker knows, with the
		// guard's reason). A fixed timeout here (12 h) killed runs held
		// longer than it, leaving their history row running and their
		// reason lost.
		StaticSummary:         s.summary(),
		TypedSearchAttributes: SearchFor(s.tenantID, s.kind, s.month, s.trigger, "", s.dryRun),
	})
	child := workflow.ExecuteChildWorkflow(cctx, s.workflowType, s.input)
	if s.forwardApprovals {
		forwardApprovalsUntilDone(ctx, child, s.workflowID, s.forwardRejections)
	}
	var res syncapi.RunResult
	err := child.Get(ctx, &res)
	if isAlreadyStarted(err) {
		return syncapi.RunResult{}, errAlreadyRunning
	}
	return res, err
}

// forwardApprovalChange puts the forwarding of approvals behind a version:
// a workflow that started before it ignored the approve signal, and replays
// so.
const forwardApprovalChange = "forward-approve-to-the-sync"

// forwardsApprovals reports whether this workflow passes approvals on.
func forwardsApprovals(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, forwardApprovalChange, workflow.DefaultVersion, 1) >= 1
}

// forwardRejectChange puts the forwarding of rejections behind a version:
// a workflow that started before it ignored the reject signal, and replays
// so.
const forwardRejectChange = "forward-reject-to-the-sync"

// forwardsRejections reports whether this workflow passes rejections on.
func forwardsRejections(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, forwardRejectChange, workflow.DefaultVersion, 1) >= 1
}

// forwardApprovalsUntilDone passes each approve signal this workflow
// receives (the UI launcher, a scheduled action: the workflow ops started
// or are looking at) on to the sync it runs, until that sync ends; with
// rejections, each reject signal too. The sync acts on them only while the
// mass-change guard holds it. Signals that arrived before the sync was
// started were not meant for it, and are dropped.
func forwardApprovalsUntilDone(ctx workflow.Context, child workflow.ChildWorkflowFuture, childID string, rejections bool) {
	logger := workflow.GetLogger(ctx)
	signals := workflow.GetSignalChannel(ctx, ApproveSignal)
	for signals.ReceiveAsync(&Approval{}) {
		logger.Warn("dropped an approval sent before the sync started", "workflow", childID)
	}
	var rejects workflow.ReceiveChannel
	if rejections {
		rejects = workflow.GetSignalChannel(ctx, RejectSignal)
		for rejects.ReceiveAsync(&Rejection{}) {
			logger.Warn("dropped a rejection sent before the sync started", "workflow", childID)
		}
	}
	pass := func(name string, input any) {
		if err := child.SignalChildWorkflow(ctx, name, input).Get(ctx, nil); err != nil {
			logger.Warn("could not pass a signal on to the sync", "signal", name, "workflow", childID, "error", err)
			return
		}
		logger.Info("passed a signal on to the sync", "signal", name, "workflow", childID)
	}
	for done := false; !done; {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(child, func(workflow.Future) { done = true })
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var approval Approval
			if !c.ReceiveAsync(&approval) {
				return // not an approval's input: dropped by the SDK
			}
			pass(ApproveSignal, approval)
		})
		if rejects != nil {
			sel.AddReceive(rejects, func(c workflow.ReceiveChannel, _ bool) {
				var rejection Rejection
				if !c.ReceiveAsync(&rejection) {
					return
				}
				pass(RejectSignal, rejection)
			})
		}
		sel.Select(ctx)
	}
}

// refuseDecisionUpdates registers approve and reject Updates on a workflow
// that starts syncs (the UI launcher, a scheduled action) only to refuse
// them, saying where to send them: an Update's answer is the held run's
// own (whether it is held, what it will write), which a workflow cannot ask
// another for. running names the sync it runs now, "" when none.
func refuseDecisionUpdates(ctx workflow.Context, running func() string) error {
	refuse := func() error {
		where := "it is not running a sync now"
		if id := running(); id != "" {
			where = fmt.Sprintf("send the Update to workflow %s, the sync it runs (`starter approve`/`starter reject` find it)", id)
		}
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("this workflow only starts the sync, it does not hold it: %s; or send the Signal of the same name here, which is passed on", where),
			ErrTypeNotHeld, nil)
	}
	for _, name := range []string{ApproveUpdate, RejectUpdate} {
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, _ json.RawMessage) (Decision, error) { return Decision{}, refuse() },
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, _ json.RawMessage) error { return refuse() }})
		if err != nil {
			return err
		}
	}
	return nil
}

// launch is a sync started from the Temporal UI with an ID of its own (the
// form's random UUID): it runs the sync under the canonical ID as its child
// and returns its result, or is refused when that sync is running.
func launch(ctx workflow.Context, s launchSpec) (syncapi.RunResult, error) {
	upsertSearch(ctx, SearchFor(s.tenantID, s.kind, s.month, s.trigger, "", s.dryRun).Copy())
	// The sync's own progress is on its workflow; this one points there.
	progress := Progress{Phase: "running as workflow " + s.workflowID}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) { return progress, nil }); err != nil {
		return syncapi.RunResult{}, err
	}
	s.forwardApprovals = forwardsApprovals(ctx)
	s.forwardRejections = s.forwardApprovals && forwardsRejections(ctx)
	if err := refuseDecisionUpdates(ctx, func() string { return s.workflowID }); err != nil {
		return syncapi.RunResult{}, err
	}
	workflow.SetCurrentDetails(ctx, launcherDetails(s))
	res, err := runCanonical(ctx, s)
	if errors.Is(err, errAlreadyRunning) {
		what := s.kind + " sync"
		if s.month != "" {
			what = s.month + " " + what
		}
		return syncapi.RunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("a %s of tenant %s is already running (workflow %s); wait for it to finish or open it", what, s.tenantID, s.workflowID),
			ErrTypeAlreadyRunning, nil)
	}
	return res, err
}

// launcherDetails are the current details of a workflow that runs a sync
// as its child: where the sync is, and that approving here approves it.
func launcherDetails(s launchSpec) string {
	d := fmt.Sprintf("runs the %s as workflow `%s` (one run at a time per tenant): open it for progress",
		s.summary(), s.workflowID)
	if s.forwardApprovals {
		d += fmt.Sprintf(".\n\nWhen the mass-change guard holds it, approving this workflow approves it: Signal `%s` with input `{\"by\":\"your name\"}`.", ApproveSignal)
	}
	if s.forwardRejections {
		d += fmt.Sprintf(" Rejecting it here rejects it: Signal `%s` with input `{\"by\":\"your name\",\"reason\":\"why\"}`.", RejectSignal)
	}
	return d
}

// ErrTypeAlreadyRunning marks a start refused because the same sync runs.
const ErrTypeAlreadyRunning = "AlreadyRunning"

// refuse ends a run whose input is unusable. When the input names a tenant
// that exists, the refusal is recorded as a failed run (SPEC §4: every run
// appears) with the reason the workflow gives.
func (w Workflows) refuse(ctx workflow.Context, kind, tenantID, month, trigger string, dryRun bool, cause error) error {
	var appErr *temporal.ApplicationError
	reason := cause.Error()
	if errors.As(cause, &appErr) {
		reason = appErr.Message()
	}
	searchMonth := "" // only a month its history row records too
	if kind == codes.KindAttendance && jst.ValidMonth(month) {
		searchMonth = month
	}
	upsertSearch(ctx, SearchFor(tenantID, kind, searchMonth, trigger, codes.RunFailed, dryRun).Copy())
	if tenantID != "" {
		info := workflow.GetInfo(ctx)
		err := workflow.ExecuteLocalActivity(w.db(ctx, "record the refused run"), a.RecordRejectedRun, syncapi.RejectedRunInput{
			RunInput: syncapi.RunInput{
				RunID: syncRunID(info), TenantID: tenantID, Kind: kind, Month: month, Trigger: trigger, DryRun: dryRun,
				WorkflowID: info.WorkflowExecution.ID, WorkflowRunID: info.WorkflowExecution.RunID, StartedAt: workflow.Now(ctx),
			},
			Reason: reason,
		}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Warn("could not record the refused run", "tenant", tenantID, "error", err)
		}
	}
	return cause
}
