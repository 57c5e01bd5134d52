package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
)

// ChunkInput is one chunk of a run: the staged records numbered First..Last.
type ChunkInput struct {
	TenantID string
	RunID    string
	First    int
	Last     int
	DryRun   bool
	// Today is the run's Japan date (roster: who has retired).
	Today string
	// Month is the attendance run's month ("" for the roster).
	Month string
}

// ChunkResult counts a chunk's outcomes.
type ChunkResult struct {
	Processed int
	Outcomes  map[codes.Outcome]int
}

// syncOne syncs one staged record, identified by its HRMOS user ID.
type syncOne func(ctx workflow.Context, in ChunkInput, hrmosUserID int64) (activities.EmployeeResult, error)

// RosterSyncChunk syncs one chunk of a roster run: each employee is its own
// local activity, visible in this workflow's history by its HRMOS user ID.
func RosterSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return runChunk(ctx, in, codes.KindRoster, func(ctx workflow.Context, in ChunkInput, id int64) (activities.EmployeeResult, error) {
		var res activities.EmployeeResult
		err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.SyncEmployee, activities.SyncEmployeeInput{
			TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: id, DryRun: in.DryRun, Today: in.Today,
		}).Get(ctx, &res)
		return res, err
	})
}

// AttendanceSyncChunk syncs one chunk of an attendance run, one local
// activity per report row.
func AttendanceSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return runChunk(ctx, in, codes.KindAttendance, func(ctx workflow.Context, in ChunkInput, id int64) (activities.EmployeeResult, error) {
		var res activities.EmployeeResult
		err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.SyncAttendance, activities.SyncAttendanceInput{
			TenantID: in.TenantID, RunID: in.RunID, Month: in.Month, HRMOSUserID: id, DryRun: in.DryRun,
		}).Get(ctx, &res)
		return res, err
	})
}

// runChunk syncs a chunk's records a bounded number at a time. One record's
// failure is retried, then recorded as that record's error; the others go on.
func runChunk(ctx workflow.Context, in ChunkInput, kind string, sync syncOne) (ChunkResult, error) {
	var ids []int64
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.StagedUserIDs,
		activities.StagedUsersInput{Kind: kind, TenantID: in.TenantID, RunID: in.RunID, First: in.First, Last: in.Last}).Get(ctx, &ids); err != nil {
		return ChunkResult{}, err
	}
	res := ChunkResult{Outcomes: map[codes.Outcome]int{}}
	sem := workflow.NewSemaphore(ctx, employeesInFlightEach)
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	for _, id := range ids {
		if err := sem.Acquire(ctx, 1); err != nil {
			break
		}
		if firstErr != nil {
			sem.Release(1)
			break
		}
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			outcome, err := syncOrRecordFailure(gctx, in, id, sync)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			res.Processed++
			res.Outcomes[outcome]++
		})
	}
	wg.Wait(ctx)
	return res, firstErr
}

func syncOrRecordFailure(ctx workflow.Context, in ChunkInput, hrmosUserID int64, sync syncOne) (codes.Outcome, error) {
	res, err := sync(ctx, in, hrmosUserID)
	if err == nil {
		return res.Outcome, nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeStagingGone {
		return "", err // the whole run is gone, not this record
	}
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.RecordEmployeeFailure, activities.RecordEmployeeFailureInput{
		TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, Cause: failureReason(err),
	}).Get(ctx, nil); err != nil {
		return "", err
	}
	return codes.Error, nil
}
