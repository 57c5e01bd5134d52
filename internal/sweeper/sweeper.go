// Package sweeper closes runs whose workflow ended without recording its
// result (terminated by an operator, timed out, or lost) and deletes the
// personal data they had staged. A run that ends any normal way (completed,
// failed, cancelled) cleans up after itself; this is for the rest.
package sweeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/store"
)

// MinAge is how old a running run must be before the sweeper asks about it,
// so a run that has just started is never raced.
const MinAge = 5 * time.Minute

// Result counts what a sweep did.
type Result struct {
	Checked        int
	Closed         int
	StagingDeleted int64
	// ClosedKinds lists the kind of each run closed, for the metrics.
	ClosedKinds []string
}

// WorkflowState reports whether a workflow execution is still running and,
// when it has ended, why (for the run's failure_reason).
type WorkflowState func(ctx context.Context, workflowID, runID string) (running bool, endReason string, err error)

// TemporalWorkflowState asks Temporal. A workflow that failed ended with the
// reason the run meant to record (it could not, e.g. with the database
// down), so that reason is kept.
func TemporalWorkflowState(c client.Client) WorkflowState {
	return func(ctx context.Context, workflowID, runID string) (bool, string, error) {
		d, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return false, store.AbandonedReason, nil // gone from Temporal (e.g. past retention)
		}
		if err != nil {
			return false, "", fmt.Errorf("describe workflow %s: %w", workflowID, err)
		}
		switch d.WorkflowExecutionInfo.Status {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
			return true, "", nil
		case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
			it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return false, "", fmt.Errorf("read the end of workflow %s: %w", workflowID, err)
				}
				if f := ev.GetWorkflowExecutionFailedEventAttributes().GetFailure(); f != nil {
					return false, f.GetMessage() + " (recorded late by the sweeper: the run could not record it itself)", nil
				}
			}
		case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
			return false, "the workflow was terminated (from the Temporal UI or CLI) before the run finished; open its history for who and why", nil
		case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
			return false, "the workflow timed out before the run finished; open its history", nil
		}
		return false, store.AbandonedReason, nil
	}
}

// Sweep closes every run still marked running whose workflow is not, then
// deletes staging left by runs that are not running.
func Sweep(ctx context.Context, st *store.Store, state WorkflowState, now time.Time) (Result, error) {
	var res Result
	runs, err := st.StaleRunningRuns(ctx, now.Add(-MinAge))
	if err != nil {
		return res, err
	}
	for _, r := range runs {
		res.Checked++
		running, reason, err := state(ctx, r.WorkflowID, r.WorkflowRunID)
		if err != nil {
			return res, err
		}
		if running {
			continue
		}
		if err := st.AbandonRun(ctx, store.RunRef{TenantID: r.TenantID, RunID: r.ID}, reason); err != nil {
			return res, err
		}
		res.Closed++
		res.ClosedKinds = append(res.ClosedKinds, r.Kind)
	}
	res.StagingDeleted, err = st.DeleteOrphanStaging(ctx)
	return res, err
}
