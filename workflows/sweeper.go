package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// StagingSweeper closes runs whose workflow was terminated or lost and
// deletes the personal data they had staged (see internal/sweeper).
func (w Workflows) StagingSweeper(ctx workflow.Context) (syncapi.SweepResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		Summary:             "close runs that ended without recording their result",
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumAttempts: 5},
	})
	var res syncapi.SweepResult
	err := workflow.ExecuteActivity(ctx, a.Sweep).Get(ctx, &res)
	workflow.SetCurrentDetails(ctx, "") // nothing running to show
	return res, err
}
