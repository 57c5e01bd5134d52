package activities

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
)

// StartRunInput identifies a run about to start.
type StartRunInput struct {
	RunID         string
	TenantID      string
	Kind          string
	Month         string
	Trigger       string
	DryRun        bool
	WorkflowID    string
	WorkflowRunID string
	StartedAt     time.Time
}

// StartRunResult tells the workflow what the run should warn about.
type StartRunResult struct {
	// KeyExpiryNotice is set from 14 days before the API key's 3 months run out.
	KeyExpiryNotice string
}

// StartRun records the run as running in the execution history, then
// checks that the tenant is connected. An unknown tenant has no row to
// record into and touches nothing.
func (a *Activities) StartRun(ctx context.Context, in StartRunInput) (StartRunResult, error) {
	conn, err := a.Store.Connection(ctx, in.TenantID)
	if errors.Is(err, store.ErrNotFound) {
		if exists, err := a.Store.TenantExists(ctx, in.TenantID); err != nil {
			return StartRunResult{}, safe(err)
		} else if !exists {
			return StartRunResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("tenant %q does not exist in mediment", in.TenantID), ErrTypeTenantNotFound, nil)
		}
	} else if err != nil {
		return StartRunResult{}, safe(err)
	}
	abandoned, err := a.Store.StartRun(ctx, store.Run{
		ID: in.RunID, TenantID: in.TenantID, Kind: in.Kind, Month: in.Month, Trigger: in.Trigger, DryRun: in.DryRun,
		WorkflowID: in.WorkflowID, WorkflowRunID: in.WorkflowRunID, StartedAt: in.StartedAt,
	})
	if err != nil {
		return StartRunResult{}, safe(err)
	}
	if abandoned > 0 {
		activity.GetLogger(ctx).Warn("closed runs that ended without recording a result", "tenant", in.TenantID, "kind", in.Kind, "count", abandoned)
	}
	switch {
	case conn.Status == "":
		return StartRunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %q is not connected to HRMOS: connect it with `starter connect --tenant %s --company <company ID>`", in.TenantID, in.TenantID),
			ErrTypeTenantNotConnected, nil)
	case conn.Status == codes.ConnectionDisconnected:
		return StartRunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %q was disconnected from HRMOS: connect it again with `starter connect` before syncing", in.TenantID),
			ErrTypeTenantNotConnected, nil)
	}
	return StartRunResult{KeyExpiryNotice: KeyExpiryNotice(conn.KeyExpiresAt, a.Now())}, nil
}

// KeyExpiryNotice is the run notice for a key that expires within 14 days
// (or has expired), "" otherwise.
func KeyExpiryNotice(expiresAt, now time.Time) string {
	left := expiresAt.Sub(now)
	switch {
	case expiresAt.IsZero() || left > codes.KeyExpiryWarning:
		return ""
	case left <= 0:
		return fmt.Sprintf("key_expired: the HRMOS API key passed its 3 months on %s: generate a new one in HRMOS システム設定 and run `starter connect`",
			expiresAt.In(japan).Format(time.DateOnly))
	}
	return fmt.Sprintf("key_expires_soon: the HRMOS API key expires in %d days (%s): generate a new one in HRMOS システム設定 and run `starter connect`",
		int(math.Ceil(left.Hours()/24)), expiresAt.In(japan).Format(time.DateOnly))
}

var japan = time.FixedZone("JST", 9*60*60)

// FinishRunInput closes a run.
type FinishRunInput struct {
	TenantID      string
	RunID         string
	Status        string
	FailureReason string
	Notices       []string
	Fetched       int
}

// FinishRun records the run's end and counts, and deletes its staged
// personal data.
func (a *Activities) FinishRun(ctx context.Context, in FinishRunInput) (store.Run, error) {
	r, err := a.Store.FinishRun(ctx, ref(in.TenantID, in.RunID), in.Status, in.FailureReason, in.Notices, in.Fetched)
	if err != nil {
		return store.Run{}, safe(err)
	}
	return r, nil
}

func ref(tenantID, runID string) store.RunRef { return store.RunRef{TenantID: tenantID, RunID: runID} }
