package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
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
func runCanonical(ctx workflow.Context, s launchSpec) (RunResult, error) {
	policy := enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL
	if s.abandon {
		policy = enumspb.PARENT_CLOSE_POLICY_ABANDON
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:               s.workflowID,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:        policy,
		WorkflowExecutionTimeout: 12 * time.Hour,
		StaticSummary:            Summary(s.kind, s.tenantID, s.month, s.trigger, s.dryRun),
		TypedSearchAttributes:    searchFor(s.tenantID, s.kind, s.month, s.trigger, "", s.dryRun),
	})
	var res RunResult
	err := workflow.ExecuteChildWorkflow(cctx, s.workflowType, s.input).Get(ctx, &res)
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &already) {
		return RunResult{}, errAlreadyRunning
	}
	return res, err
}

// launch is a sync started from the Temporal UI with an ID of its own (the
// form's random UUID): it runs the sync under the canonical ID as its child
// and returns its result, or is refused when that sync is running.
func launch(ctx workflow.Context, s launchSpec) (RunResult, error) {
	upsertSearch(ctx, searchFor(s.tenantID, s.kind, s.month, s.trigger, "", s.dryRun).Copy())
	// The sync's own progress is on its workflow; this one points there.
	progress := Progress{Phase: "running as workflow " + s.workflowID}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) { return progress, nil }); err != nil {
		return RunResult{}, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("runs the %s as workflow `%s` (one run at a time per tenant): open it for progress",
		Summary(s.kind, s.tenantID, s.month, s.trigger, s.dryRun), s.workflowID))
	res, err := runCanonical(ctx, s)
	if errors.Is(err, errAlreadyRunning) {
		what := s.kind + " sync"
		if s.month != "" {
			what = s.month + " " + what
		}
		return RunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("a %s of tenant %s is already running (workflow %s); wait for it to finish or open it", what, s.tenantID, s.workflowID),
			ErrTypeAlreadyRunning, nil)
	}
	return res, err
}

// ErrTypeAlreadyRunning marks a start refused because the same sync runs.
const ErrTypeAlreadyRunning = "AlreadyRunning"

// refuse ends a run whose input is unusable. When the input names a tenant
// that exists, the refusal is recorded as a failed run (SPEC §4: every run
// appears) with the reason the workflow gives.
func refuse(ctx workflow.Context, kind, tenantID, month, trigger string, dryRun bool, cause error) error {
	var appErr *temporal.ApplicationError
	reason := cause.Error()
	if errors.As(cause, &appErr) {
		reason = appErr.Message()
	}
	searchMonth := "" // only a month its history row records too
	if kind == codes.KindAttendance && jst.ValidMonth(month) {
		searchMonth = month
	}
	upsertSearch(ctx, searchFor(tenantID, kind, searchMonth, trigger, codes.RunFailed, dryRun).Copy())
	if tenantID != "" {
		info := workflow.GetInfo(ctx)
		err := workflow.ExecuteLocalActivity(dbOptions(ctx, "record the refused run"), a.RecordRejectedRun, activities.RejectedRunInput{
			RunInput: activities.RunInput{
				RunID: info.WorkflowExecution.RunID, TenantID: tenantID, Kind: kind, Month: month, Trigger: trigger, DryRun: dryRun,
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
