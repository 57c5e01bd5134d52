package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// recordsInFlight bounds how many records a chunk syncs at once: about the
// worker's database pool, so records queue in the worker, not in PostgreSQL.
const recordsInFlight = 16

// ChunkInput is one chunk of a run: its staged records with HRMOS user IDs
// in Range that the plan left to sync one by one.
type ChunkInput struct {
	TenantID string
	RunID    string
	Range    syncapi.Range
	// Today is the run's Japan date (roster: who has retired).
	Today string
	// Month is the attendance run's month ("" for the roster).
	Month string
}

// ChunkResult counts the records a chunk synced, and their outcomes.
type ChunkResult struct {
	Synced int
	syncapi.Tally
}

// RosterSyncChunk writes the employees of one chunk of a roster run that
// have something to do: each its own local activity, named in this
// workflow's history by its HRMOS user ID.
func (w Workflows) RosterSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return w.runChunk(ctx, in, codes.KindRoster, a.SyncEmployee)
}

// AttendanceSyncChunk writes the report rows of one chunk of an attendance
// run that have something to do, one local activity each.
func (w Workflows) AttendanceSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return w.runChunk(ctx, in, codes.KindAttendance, a.SyncAttendance)
}

// runChunk lists what is left of the chunk (all of it, or what a crashed
// attempt did not finish) and syncs it a bounded number at a time. One
// record's failure is retried, then recorded as that record's error; the
// others go on. Cancelled, it starts no more records and ends once those in
// flight have finished (writesSettleChange).
func (w Workflows) runChunk(ctx workflow.Context, in ChunkInput, kind string, sync any) (ChunkResult, error) {
	settle := settleWrites(ctx)
	var ids []int64
	if err := workflow.ExecuteLocalActivity(w.db(ctx, fmt.Sprintf("list what is left of HRMOS users %d…", in.Range.First)),
		a.PendingRecords, syncapi.PendingInput{Kind: kind, TenantID: in.TenantID, RunID: in.RunID, Range: in.Range}).Get(ctx, &ids); err != nil {
		return ChunkResult{}, err
	}
	var res ChunkResult
	setChunkDetails(ctx, kind, len(ids), res)
	err := forEach(ctx, ids, recordsInFlight, settle, func(ctx workflow.Context, _ int, id int64) error {
		outcome, err := w.syncOrRecordFailure(ctx, in, id, sync, settle)
		if err != nil {
			return err
		}
		res.Synced++
		res.Add(outcome)
		setChunkDetails(ctx, kind, len(ids), res)
		return nil
	})
	return res, err
}

func setChunkDetails(ctx workflow.Context, kind string, total int, res ChunkResult) {
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s chunk**: %d of %d records written (created %d, updated %d, unchanged %d, skipped %d, errors %d)",
		kind, res.Synced, total, res.Created, res.Updated, res.Unchanged, res.Skipped, res.Errors))
}

func (w Workflows) syncOrRecordFailure(ctx workflow.Context, in ChunkInput, hrmosUserID int64, sync any, settle bool) (codes.Outcome, error) {
	// A record's write, once started, finishes: a cancel stops the chunk
	// between records, never inside one.
	lctx, release := settled(ctx, settle)
	defer release()
	var res syncapi.RecordResult
	err := workflow.ExecuteLocalActivity(w.db(lctx, fmt.Sprintf("HRMOS user %d", hrmosUserID)), sync, syncapi.RecordInput{
		TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, Today: in.Today, Month: in.Month,
	}).Get(ctx, &res)
	if err == nil {
		return res.Outcome, nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == syncapi.ErrTypeStagingGone {
		return "", err // the whole run is gone, not this record
	}
	if ctx.Err() != nil {
		return "", err // cancelled: not this record's fault
	}
	if err := workflow.ExecuteLocalActivity(w.db(lctx, fmt.Sprintf("record HRMOS user %d as failed", hrmosUserID)),
		a.RecordFailure, syncapi.RecordFailureInput{
			TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, Cause: failureReason(err),
		}).Get(ctx, nil); err != nil {
		return "", err
	}
	return codes.Error, nil
}
