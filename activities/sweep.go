package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/sweeper"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Sweep closes runs whose workflow ended without recording a result and
// deletes the personal data they staged.
func (a *Activities) Sweep(ctx context.Context) (syncapi.SweepResult, error) {
	r, err := sweeper.Sweep(ctx, a.Store, sweeper.TemporalWorkflowState(a.Temporal), a.Now())
	res := r.SweepResult
	for _, kind := range r.ClosedKinds {
		a.metrics().RunFinished(kind, codes.RunFailed)
	}
	if err != nil {
		return res, safe(err)
	}
	activity.GetLogger(ctx).Info("sweep done", "checked", res.Checked, "closed", res.Closed, "staging_deleted", res.StagingDeleted)
	return res, nil
}
