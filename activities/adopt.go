package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// adopt makes the run's row name the workflow run that executes this step,
// before the step does anything. They differ only after Temporal's reset:
// the reset's new workflow run replays the old one's history (the sync
// run's ID, its original run ID, included) and carries the run on. The row
// then points support at the run that goes on, a run that had failed is
// reopened so it can record its new end, and a completed run is refused: a
// reset does not sync it again, a new sync does. Steps of the run's own
// workflow call it (not the chunks, which are workflows of their own).
func (a *Activities) adopt(ctx context.Context, run store.RunRef) error {
	current := activity.GetInfo(ctx).WorkflowExecution.RunID
	adopted, err := a.Store.AdoptRun(ctx, run, current)
	switch {
	case errors.Is(err, store.ErrRunCompleted):
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"run %s of tenant %s had completed before its workflow was reset, and a reset does not sync it again: "+
				"start a new sync instead (`starter roster --tenant %s`, or `starter attendance --tenant %s --month YYYY-MM`)",
			run.RunID, run.TenantID, run.TenantID, run.TenantID), syncapi.ErrTypeRunCompleted, nil)
	case errors.Is(err, store.ErrNotFound):
		return nil // nothing recorded to adopt; the step says what is missing
	case err != nil:
		return safe(err)
	}
	if adopted {
		activity.GetLogger(ctx).Warn("the run goes on under a new workflow run (a reset)", "tenant", run.TenantID, "run", run.RunID,
			"workflow_run", current)
	}
	return nil
}

// isType reports whether err is an application error of type typ.
func isType(err error, typ string) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == typ
}
