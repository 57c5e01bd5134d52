package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	Checked        int
	Closed         int
	StagingDeleted int64
}

// StagingSweeper closes runs whose workflow was terminated or lost and
// deletes the personal data they had staged (see internal/sweeper).
func StagingSweeper(ctx workflow.Context) (SweepResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		Summary:             "close runs that ended without recording their result",
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumAttempts: 5},
	})
	var res activities.SweepResult
	err := workflow.ExecuteActivity(ctx, a.Sweep).Get(ctx, &res)
	workflow.SetCurrentDetails(ctx, "") // nothing running to show
	return SweepResult(res), err
}
