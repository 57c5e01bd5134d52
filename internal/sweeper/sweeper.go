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
}

// WorkflowRunning reports whether a workflow execution is still running.
type WorkflowRunning func(ctx context.Context, workflowID, runID string) (bool, error)

// TemporalWorkflowRunning asks Temporal.
func TemporalWorkflowRunning(c client.Client) WorkflowRunning {
	return func(ctx context.Context, workflowID, runID string) (bool, error) {
		d, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return false, nil // gone from Temporal (e.g. past retention)
		}
		if err != nil {
			return false, fmt.Errorf("describe workflow %s: %w", workflowID, err)
		}
		return d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
	}
}

// Sweep closes every run still marked running whose workflow is not, then
// deletes staging left by runs that are not running.
func Sweep(ctx context.Context, st *store.Store, running WorkflowRunning, now time.Time) (Result, error) {
	var res Result
	runs, err := st.StaleRunningRuns(ctx, now.Add(-MinAge))
	if err != nil {
		return res, err
	}
	for _, r := range runs {
		res.Checked++
		ok, err := running(ctx, r.WorkflowID, r.WorkflowRunID)
		if err != nil {
			return res, err
		}
		if ok {
			continue
		}
		if err := st.AbandonRun(ctx, store.RunRef{TenantID: r.TenantID, RunID: r.ID}); err != nil {
			return res, err
		}
		res.Closed++
	}
	res.StagingDeleted, err = st.DeleteOrphanStaging(ctx)
	return res, err
}
