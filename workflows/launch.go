package workflows

import (
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
	// receives on to the sync while it runs (forwardsApprovals).
	forwardApprovals bool
	// onlyUser is the one HRMOS user a roster sync is limited to (0: all).
	onlyUser int64
}

// summary is the spec's line in the Temporal UI.
func (s launchSpec) summary() string {
	if s.kind == codes.KindRoster && s.onlyUser != 0 {
		return RosterSummary(s.tenantID, s.trigger, s.dryRun, s.onlyUser)
	}
	return Summary(s.kind, s.tenantID, s.month, s.trigger, s.dryRun)
}

// Summary is the one line the Temporal UI lists for a sync: tenant, kind,
// month and trigger, never personal data.
func Summary(kind, tenantID, month, trigger string, dryRun bool) string {
	s := kind + " sync of " + tenantID
	if month != "" {
		s += " for " + month
	}
	if dryRun {
		s += " (dry run)"
	}
	return s + ", started from " + triggerName(trigger)
}

// RosterSummary is Summary for a roster sync, naming the one HRMOS user it
// is limited to (userID 0: the whole roster, as Summary says it). A user ID
// is a reference, not personal data.
func RosterSummary(tenantID, trigger string, dryRun bool, userID int64) string {
	if userID == 0 {
		return Summary("roster", tenantID, "", trigger, dryRun)
	}
	s := fmt.Sprintf("roster sync of %s, HRMOS user %d only", tenantID, userID)
	if dryRun {
		s += " (dry run)"
	}
	return s + ", started from " + triggerName(trigger)
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
		forwardApprovalsUntilDone(ctx, child, s.workflowID)
	}
	var res syncapi.RunResult
	err := child.Get(ctx, &res)
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &already) {
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

// forwardApprovalsUntilDone passes each approve signal this workflow
// receives (the UI launcher, a scheduled action: the workflow ops started
// or are looking at) on to the sync it runs, until that sync ends. The sync
// acts on it only while the mass-change guard holds it. Approvals that
// arrived before the sync was started were not meant for it, and are
// dropped.
func forwardApprovalsUntilDone(ctx workflow.Context, child workflow.ChildWorkflowFuture, childID string) {
	logger := workflow.GetLogger(ctx)
	signals := workflow.GetSignalChannel(ctx, ApproveSignal)
	for signals.ReceiveAsync(&Approval{}) {
		logger.Warn("dropped an approval sent before the sync started", "workflow", childID)
	}
	for done := false; !done; {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(child, func(workflow.Future) { done = true })
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var approval Approval
			if !c.ReceiveAsync(&approval) {
				return // not an approval's input: dropped by the SDK
			}
			if err := child.SignalChildWorkflow(ctx, ApproveSignal, approval).Get(ctx, nil); err != nil {
				logger.Warn("could not pass an approval on to the sync", "workflow", childID, "error", err)
				return
			}
			logger.Info("passed an approval on to the sync", "workflow", childID)
		})
		sel.Select(ctx)
	}
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
