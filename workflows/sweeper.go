package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/sweeper"
)

// StagingSweeperName is the workflow type of the hourly sweeper schedule.
const StagingSweeperName = "StagingSweeper"

// StagingSweeper closes runs whose workflow was terminated or lost and
// deletes the personal data they had staged (see internal/sweeper).
func StagingSweeper(ctx workflow.Context) (sweeper.Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumAttempts: 5},
	})
	var res sweeper.Result
	err := workflow.ExecuteActivity(ctx, a.Sweep).Get(ctx, &res)
	return res, err
}
