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
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// MinAge is how old a running run must be before the sweeper asks about it,
// so a run that has just started is never raced.
const MinAge = 5 * time.Minute

// Result counts what a sweep did: the counts the StagingSweeper workflow
// reports, and more for the metrics and the tests.
type Result struct {
	syncapi.SweepResult
	// Continued counts runs found going on under a reset's new workflow
	// run: their row now names it.
	Continued int
	// ClosedKinds lists the kind of each run closed, for the metrics.
	ClosedKinds []string
}

// Verdict is what Temporal says of a run's workflow.
type Verdict struct {
	// Running: the workflow run the row names still runs.
	Running bool
	// ContinuedAs is the workflow run that carries the run on after a
	// reset: Temporal's reset terminates the run and starts a new one (a new
	// run ID) that replays its history, keeping the original run ID, which
	// is the sync run's ID. Such a run is not abandoned.
	ContinuedAs string
	// EndReason is why it ended, for the run's failure_reason.
	EndReason string
}

// WorkflowState tells what became of a run's workflow.
type WorkflowState func(ctx context.Context, run store.Run) (Verdict, error)

// TemporalWorkflowState asks Temporal. A workflow that failed ended with the
// reason the run meant to record (it could not, e.g. with the database
// down), so that reason is kept.
func TemporalWorkflowState(c client.Client) WorkflowState {
	return func(ctx context.Context, run store.Run) (Verdict, error) {
		workflowID, runID := run.WorkflowID, run.WorkflowRunID
		d, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return Verdict{EndReason: store.AbandonedReason}, nil // gone from Temporal (e.g. past retention)
		}
		if err != nil {
			return Verdict{}, fmt.Errorf("describe workflow %s: %w", workflowID, err)
		}
		if d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return Verdict{Running: true}, nil
		}
		if next, err := resetContinuation(ctx, c, run); err != nil || next != "" {
			return Verdict{ContinuedAs: next}, err
		}
		switch d.WorkflowExecutionInfo.Status {
		case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
			it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return Verdict{}, fmt.Errorf("read the end of workflow %s: %w", workflowID, err)
				}
				if f := ev.GetWorkflowExecutionFailedEventAttributes().GetFailure(); f != nil {
					return Verdict{EndReason: f.GetMessage() + " (recorded late by the sweeper: the run could not record it itself)"}, nil
				}
			}
		case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
			return Verdict{EndReason: "the workflow was terminated (from the Temporal UI or CLI) before the run finished; open its history for who and why"}, nil
		case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
			return Verdict{EndReason: "the workflow timed out before the run finished; open its history"}, nil
		}
		return Verdict{EndReason: store.AbandonedReason}, nil
	}
}

// resetContinuation returns the run ID of the workflow's current run when it
// runs and is a reset of the sync run (its original run ID is the sync
// run's ID), "" otherwise.
func resetContinuation(ctx context.Context, c client.Client, run store.Run) (string, error) {
	d, err := c.DescribeWorkflowExecution(ctx, run.WorkflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("describe the current run of workflow %s: %w", run.WorkflowID, err)
	}
	current := d.GetWorkflowExecutionInfo()
	if current.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || current.GetExecution().GetRunId() == run.WorkflowRunID {
		return "", nil
	}
	it := c.GetWorkflowHistory(ctx, run.WorkflowID, current.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return "", nil
	}
	first, err := it.Next()
	if err != nil {
		return "", fmt.Errorf("read the start of workflow %s: %w", run.WorkflowID, err)
	}
	if first.GetWorkflowExecutionStartedEventAttributes().GetOriginalExecutionRunId() != run.ID {
		return "", nil
	}
	return current.GetExecution().GetRunId(), nil
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
		v, err := state(ctx, r)
		if err != nil {
			return res, err
		}
		if v.Running {
			continue
		}
		ref := store.RunRef{TenantID: r.TenantID, RunID: r.ID}
		if v.ContinuedAs != "" {
			if _, err := st.AdoptRun(ctx, ref, v.ContinuedAs); err != nil && !errors.Is(err, store.ErrRunCompleted) {
				return res, err
			}
			res.Continued++
			continue
		}
		if err := st.AbandonRun(ctx, ref, v.EndReason); err != nil {
			return res, err
		}
		res.Closed++
		res.ClosedKinds = append(res.ClosedKinds, r.Kind)
	}
	res.StagingDeleted, err = st.DeleteOrphanStaging(ctx)
	return res, err
}
