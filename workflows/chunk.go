package workflows

import (
	"errors"
	"fmt"
	"slices"

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

// writeBatchSize is how many records one local activity writes, in one
// statement, as the plan decided them (batchedWritesChange). A record's
// write alone was one statement and one local activity: at 100,000 records
// the local activities' markers and the statements' per-call cost were
// most of a first sync. batchesInFlight × writeBatchSize stays at
// recordsInFlight's order, so the pool is as busy as before.
const (
	writeBatchSize  = 25
	batchesInFlight = 4
)

// batchedWritesChange puts behind a version the chunk that writes its
// records in batches (SyncEmployees, SyncAttendances), each record whose
// batch could not write it going alone as before; chunks started before it
// replay one local activity per record.
const batchedWritesChange = "write-records-in-batches"

// RosterSyncChunk writes the employees of one chunk of a roster run that
// have something to do: a batch of them per local activity, named in this
// workflow's history by its first HRMOS user ID, and any record the batch
// could not write on its own.
func (w Workflows) RosterSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return w.runChunk(ctx, in, codes.KindRoster, a.SyncEmployee, a.SyncEmployees)
}

// AttendanceSyncChunk writes the report rows of one chunk of an attendance
// run that have something to do, one local activity each.
func (w Workflows) AttendanceSyncChunk(ctx workflow.Context, in ChunkInput) (ChunkResult, error) {
	return w.runChunk(ctx, in, codes.KindAttendance, a.SyncAttendance, a.SyncAttendances)
}

// runChunk lists what is left of the chunk (all of it, or what a crashed
// attempt did not finish) and syncs it a bounded number at a time. One
// record's failure is retried, then recorded as that record's error; the
// others go on. Cancelled, it starts no more records and ends once those in
// flight have finished (writesSettleChange).
func (w Workflows) runChunk(ctx workflow.Context, in ChunkInput, kind string, sync, batch any) (ChunkResult, error) {
	settle := settleWrites(ctx)
	var ids []int64
	if err := workflow.ExecuteLocalActivity(w.db(ctx, fmt.Sprintf("list what is left of HRMOS users %d…", in.Range.First)),
		a.PendingRecords, syncapi.PendingInput{Kind: kind, TenantID: in.TenantID, RunID: in.RunID, Range: in.Range}).Get(ctx, &ids); err != nil {
		return ChunkResult{}, err
	}
	var res ChunkResult
	setChunkDetails(ctx, kind, len(ids), res)
	add := func(outcome codes.Outcome) {
		res.Synced++
		res.Add(outcome)
		setChunkDetails(ctx, kind, len(ids), res)
	}
	one := func(ctx workflow.Context, _ int, id int64) error {
		outcome, err := w.syncOrRecordFailure(ctx, in, id, sync, settle)
		if err != nil {
			return err
		}
		add(outcome)
		return nil
	}
	if workflow.GetVersion(ctx, batchedWritesChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		err := forEach(ctx, ids, recordsInFlight, settle, one)
		return res, err
	}
	err := forEach(ctx, slices.Collect(slices.Chunk(ids, writeBatchSize)), batchesInFlight, settle, func(ctx workflow.Context, _ int, batchIDs []int64) error {
		lctx, release := settled(ctx, settle)
		defer release()
		var out syncapi.BatchResult
		err := workflow.ExecuteLocalActivity(w.db(lctx, fmt.Sprintf("HRMOS users %d… (%d records)", batchIDs[0], len(batchIDs))), batch,
			syncapi.BatchInput{TenantID: in.TenantID, RunID: in.RunID, HRMOSUserIDs: batchIDs, Today: in.Today, Month: in.Month}).Get(ctx, &out)
		if isStagingGone(err) || err != nil && ctx.Err() != nil {
			return err
		}
		if err != nil {
			// The batch failed after its retries: each record goes alone,
			// and finds the outcome of any the batch wrote recorded.
			out = syncapi.BatchResult{Failed: batchIDs}
		}
		for _, r := range out.Written {
			add(r.Outcome)
		}
		return forEach(ctx, out.Failed, 1, settle, one)
	})
	return res, err
}

// isStagingGone is true of the error a record's write fails with when the
// whole run's staging is gone, not that record.
func isStagingGone(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == syncapi.ErrTypeStagingGone
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
	if isStagingGone(err) {
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
