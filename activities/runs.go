package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// StartRun records the run as running in the execution history, then
// checks that the tenant is connected. An unknown tenant has no row to
// record into and touches nothing.
func (a *Activities) StartRun(ctx context.Context, in syncapi.RunInput) (syncapi.StartRunResult, error) {
	conn, err := a.Store.Connection(ctx, in.TenantID)
	if errors.Is(err, store.ErrNotFound) {
		if exists, err := a.Store.TenantExists(ctx, in.TenantID); err != nil {
			return syncapi.StartRunResult{}, safe(err)
		} else if !exists {
			return syncapi.StartRunResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("tenant %q does not exist in mediment", in.TenantID), syncapi.ErrTypeTenantNotFound, nil)
		}
	} else if err != nil {
		return syncapi.StartRunResult{}, safe(err)
	}
	row := runRow(in)
	row.HRMOSCompanyID = conn.CompanyID // the company this run reads, whatever happens to the connection meanwhile
	abandoned, err := a.Store.StartRun(ctx, row)
	if err != nil {
		return syncapi.StartRunResult{}, safe(err)
	}
	// A reset to before this step finds the row of the run it resets.
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return syncapi.StartRunResult{}, err
	}
	if activity.GetInfo(ctx).Attempt == 1 {
		a.metrics().RunStarted(in.Kind, in.Trigger)
	}
	for range abandoned {
		a.metrics().RunFinished(in.Kind, codes.RunFailed) // closed as failed by this start
	}
	if abandoned > 0 {
		activity.GetLogger(ctx).Warn("closed runs that ended without recording a result", "tenant", in.TenantID, "kind", in.Kind, "count", abandoned)
	}
	switch {
	case conn.Status == "":
		return syncapi.StartRunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %q is not connected to HRMOS: connect it with `starter connect --tenant %s --company <company ID>`", in.TenantID, in.TenantID),
			syncapi.ErrTypeTenantNotConnected, nil)
	case conn.Status == codes.ConnectionDisconnected:
		return syncapi.StartRunResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %q was disconnected from HRMOS: connect it again with `starter connect` before syncing", in.TenantID),
			syncapi.ErrTypeTenantNotConnected, nil)
	}
	wrote, err := a.Store.HasRunThatWrote(ctx, in.TenantID, in.Kind)
	if err != nil {
		return syncapi.StartRunResult{}, safe(err)
	}
	employees, err := a.Store.EmployeeCount(ctx, in.TenantID)
	if err != nil {
		return syncapi.StartRunResult{}, safe(err)
	}
	return syncapi.StartRunResult{
		KeyExpiryNotice: KeyExpiryNotice(conn.KeyExpiresAt, a.Now()),
		FirstSync:       !wrote,
		Employees:       employees,
		Guard:           a.Guard,
	}, nil
}

func runRow(in syncapi.RunInput) store.Run {
	r := store.Run{
		ID: in.RunID, TenantID: in.TenantID, Kind: in.Kind, Month: in.Month, Trigger: in.Trigger, DryRun: in.DryRun,
		WorkflowID: in.WorkflowID, WorkflowRunID: in.WorkflowRunID, StartedAt: in.StartedAt,
	}
	if in.OnlyHRMOSUserID != 0 {
		r.OnlyHRMOSUserID = &in.OnlyHRMOSUserID
	}
	return r
}

// KeyExpiryNotice is the run notice for a key that expires within 14 days
// (or has expired), "" otherwise.
func KeyExpiryNotice(expiresAt, now time.Time) string {
	state, days := codes.KeyExpiry(expiresAt, now)
	date := expiresAt.In(jst.Zone).Format(time.DateOnly)
	switch state {
	case codes.NoticeKeyExpired:
		return fmt.Sprintf("%s: the HRMOS API key passed its 3 months on %s: generate a new one in HRMOS システム設定 and run `starter connect`",
			state, date)
	case codes.NoticeKeyExpiresSoon:
		return fmt.Sprintf("%s: the HRMOS API key expires in %d days (%s): generate a new one in HRMOS システム設定 and run `starter connect`",
			state, days, date)
	}
	return ""
}

// RecordRejectedRun records a refused run in the execution history (SPEC §4:
// every run appears), with the reason the workflow gives. A tenant that
// does not exist has nowhere to record it.
func (a *Activities) RecordRejectedRun(ctx context.Context, in syncapi.RejectedRunInput) error {
	r := runRow(in.RunInput)
	r.FailureReason = in.Reason
	if !codes.ValidTrigger(r.Trigger) {
		r.Trigger = codes.TriggerUI
	}
	if r.Kind != codes.KindRoster && r.Kind != codes.KindAttendance {
		return nil
	}
	if r.Kind != codes.KindAttendance || !jst.ValidMonth(r.Month) {
		r.Month = ""
	}
	recorded, err := a.Store.RecordRejectedRun(ctx, r)
	if err != nil {
		return safe(err)
	}
	if recorded {
		a.metrics().RunFinished(in.Kind, codes.RunFailed)
	}
	return nil
}

// FinishRun records the run's end and counts, and deletes its staged
// personal data. It reports the run as its row now reads, in the shape the
// workflow returns.
func (a *Activities) FinishRun(ctx context.Context, in syncapi.FinishRunInput) (syncapi.RunResult, error) {
	// A reset of a completed run is refused (and then recorded as failed
	// without touching the row that records its completion).
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil && (in.Status != codes.RunFailed || !isType(err, syncapi.ErrTypeRunCompleted)) {
		return syncapi.RunResult{}, err
	}
	if in.Status == codes.RunCompleted && in.Staged > 0 {
		n, err := a.Store.ItemCount(ctx, ref(in.TenantID, in.RunID))
		if err != nil {
			return syncapi.RunResult{}, safe(err)
		}
		if n < in.Staged {
			// Never a completed run with someone missing: what lost the
			// outcomes (a reset past the end of a run whose staging was
			// deleted, say) is not this run's to hide.
			in.Status, in.FailureReason = codes.RunFailed, fmt.Sprintf(
				"only %d of the %d records this run staged have an outcome; the others were never synced (their staged data went missing, "+
					"e.g. the workflow was reset past its fetch after the run had ended): reset it to its first workflow task or start a new sync",
				n, in.Staged)
		}
	}
	r, finished, err := a.Store.FinishRun(ctx, ref(in.TenantID, in.RunID), in.Status, in.FailureReason, in.Notices, in.Fetched)
	if err != nil {
		return syncapi.RunResult{}, safe(err)
	}
	if finished {
		a.metrics().RunFinished(r.Kind, r.Status)
	}
	return syncapi.RunResult{
		RunID: r.ID, TenantID: r.TenantID, Kind: r.Kind, Month: r.Month, Trigger: r.Trigger, DryRun: r.DryRun, WorkflowID: r.WorkflowID,
		Status: r.Status, Fetched: r.Fetched, Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Skipped: r.Skipped,
		Errors: r.Errors, FailureReason: r.FailureReason, Notices: r.Notices,
	}, nil
}

// RunningRun tells a scheduled action whose roster sync was refused (one
// runs already) what runs: a one-user run it waits for, or a full one it
// leaves alone.
func (a *Activities) RunningRun(ctx context.Context, in syncapi.RunningRunInput) (syncapi.RunningRunResult, error) {
	running, only, err := a.Store.RunningRunOfKind(ctx, in.TenantID, in.Kind)
	if err != nil {
		return syncapi.RunningRunResult{}, safe(err)
	}
	res := syncapi.RunningRunResult{Running: running}
	if only != nil {
		res.OnlyHRMOSUserID = *only
	}
	return res, nil
}

// AwaitApproval records that a run waits for ops to approve its changes.
func (a *Activities) AwaitApproval(ctx context.Context, in syncapi.ApprovalInput) error {
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return err
	}
	return safe(a.Store.AwaitApproval(ctx, ref(in.TenantID, in.RunID), in.Reason))
}

// RecordApproval records who approved a waiting run.
func (a *Activities) RecordApproval(ctx context.Context, in syncapi.ApprovalInput) error {
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return err
	}
	return safe(a.Store.RecordApproval(ctx, ref(in.TenantID, in.RunID), in.By))
}

// AttendanceMonthFigures sums a tenant's synced month (the guard compares a
// month with the one before).
func (a *Activities) AttendanceMonthFigures(ctx context.Context, in syncapi.MonthFiguresInput) (syncapi.MonthFigures, error) {
	f, err := a.Store.AttendanceMonthFigures(ctx, in.TenantID, in.Month)
	return f, safe(err)
}

func ref(tenantID, runID string) store.RunRef { return store.RunRef{TenantID: tenantID, RunID: runID} }
