package bench

// This file is the only one of the benchmark that calls the activities:
// the "direct loop", the same work as a sync (the same fetch, the same
// per-employee database work) called in process in a plain loop, without a
// Temporal server. When the activities change, rewrite this file alone;
// the rest of the benchmark only calls directRoster and directAttendance.
//
// The run-level activities (start, fetch, plan, finish) use the SDK's
// activity context (logger, heartbeats, attempt), so they go through the
// SDK's TestActivityEnvironment, which runs them in the calling goroutine
// with no server; they are a few calls per chunk. The per-record writes need
// no activity context and are called as plain methods, exactly the code a
// worker's local activity runs: the test environment's own per-call cost
// (several milliseconds) would otherwise be counted against the direct
// loop. The test environment caps one call at 10 minutes; a fetch that takes
// longer fails the phase with that error, visibly.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// directChunk, directBatch and directInFlight mirror the workflows:
// records are planned in chunks of 500, four chunks at a time, and written
// in batches of 25 (one statement each), four batches of each of four
// chunks at once.
const (
	directChunk     = 500
	directPlansOnce = 4
	directBatch     = 25
	directInFlight  = 16
)

// directRoster runs a roster sync of tenant without Temporal and returns
// the run's ID (sync_runs.id).
func directRoster(ctx context.Context, acts *activities.Activities, tenant string, dryRun bool) (string, error) {
	return directRun(ctx, acts, tenant, codes.KindRoster, "", dryRun)
}

// directAttendance runs an attendance sync of tenant's month without Temporal.
func directAttendance(ctx context.Context, acts *activities.Activities, tenant, month string, dryRun bool) (string, error) {
	return directRun(ctx, acts, tenant, codes.KindAttendance, month, dryRun)
}

// directRun is the workflow's steps in a plain loop: record the run, fetch,
// plan every chunk, write the records the plans left, finish.
func directRun(ctx context.Context, acts *activities.Activities, tenant, kind, month string, dryRun bool) (string, error) {
	runID := newUUID()
	env := newActivityEnv(acts)
	if err := call(env.ExecuteLocalActivity(acts.StartRun, syncapi.RunInput{
		RunID: runID, TenantID: tenant, Kind: kind, Month: month, Trigger: codes.TriggerCLI, DryRun: dryRun,
		// The SDK's test environment gives every activity one workflow run
		// ID, which the run's steps record as the run's (a reset's new run
		// would be another): the workflow ID makes the pair unique.
		WorkflowID: "direct-" + kind + "-" + tenant + "-" + month + "-" + runID, WorkflowRunID: "default-test-run-id", StartedAt: time.Now(),
	}))(nil); err != nil {
		return runID, fmt.Errorf("start run: %w", err)
	}
	var fetched syncapi.FetchResult
	var err error
	if kind == codes.KindRoster {
		err = call(env.ExecuteActivity(acts.FetchRoster, syncapi.FetchRosterInput{TenantID: tenant, RunID: runID}))(&fetched)
	} else {
		err = call(env.ExecuteActivity(acts.FetchAttendance, syncapi.FetchAttendanceInput{TenantID: tenant, RunID: runID, Month: month}))(&fetched)
	}
	if err != nil {
		return runID, fmt.Errorf("fetch: %w", err)
	}
	var chunks syncapi.ChunkRangesResult
	if err := call(env.ExecuteLocalActivity(acts.ChunkRanges, syncapi.ChunkRangesInput{
		Kind: kind, TenantID: tenant, RunID: runID, Size: directChunk,
	}))(&chunks); err != nil {
		return runID, fmt.Errorf("chunks: %w", err)
	}
	today := jst.Today(time.Now())
	plan := acts.PlanRosterChunk
	write, writeOne := acts.SyncEmployees, acts.SyncEmployee
	if kind == codes.KindAttendance {
		plan, write, writeOne = acts.PlanAttendanceChunk, acts.SyncAttendances, acts.SyncAttendance
	}
	pending, err := planAll(acts, chunks.Ranges, func(env *testsuite.TestActivityEnvironment, r syncapi.Range) (syncapi.PlanResult, error) {
		var res syncapi.PlanResult
		err := call(env.ExecuteLocalActivity(plan, syncapi.PlanChunkInput{
			TenantID: tenant, RunID: runID, Range: r, DryRun: dryRun, Today: today, Month: month,
		}))(&res)
		return res, err
	})
	if err != nil {
		return runID, err
	}
	if !dryRun {
		// The writes are called as the worker's local activities call them:
		// plain methods, no activity context needed, no test environment.
		in := syncapi.BatchInput{TenantID: tenant, RunID: runID, Today: today, Month: month}
		err = writeAll(ctx, acts, kind, tenant, runID, pending, func(ids []int64) ([]int64, error) {
			batch := in // called from every writer at once: each its own copy
			batch.HRMOSUserIDs = ids
			res, err := write(ctx, batch)
			return res.Failed, err
		}, func(id int64) error {
			_, err := writeOne(ctx, in.Record(id))
			return err
		})
		if err != nil {
			return runID, err
		}
	}
	return runID, finish(env, acts, tenant, runID, fetched.Fetched)
}

// planAll plans every chunk, directPlansOnce at a time, and returns the
// chunks with records left to write.
func planAll(acts *activities.Activities, ranges []syncapi.Range,
	plan func(env *testsuite.TestActivityEnvironment, r syncapi.Range) (syncapi.PlanResult, error)) ([]syncapi.Range, error) {
	results := make([]syncapi.PlanResult, len(ranges))
	errs := make([]error, len(ranges))
	next := make(chan int)
	var wg sync.WaitGroup
	for range directPlansOnce {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := newActivityEnv(acts)
			for i := range next {
				results[i], errs[i] = plan(env, ranges[i])
			}
		}()
	}
	for i := range ranges {
		next <- i
	}
	close(next)
	wg.Wait()
	var pending []syncapi.Range
	for i, r := range ranges {
		if errs[i] != nil {
			return nil, fmt.Errorf("plan HRMOS users %d…: %w", r.First, errs[i])
		}
		if results[i].Pending > 0 {
			pending = append(pending, r)
		}
	}
	return pending, nil
}

// writeAll lists what each chunk has left and writes it in batches,
// directInFlight batches at once; a record its batch could not write is
// written alone, and one that fails then is recorded as its error, as the
// workflow does after its retries (the direct loop does not retry).
func writeAll(ctx context.Context, acts *activities.Activities, kind, tenant, runID string, chunks []syncapi.Range,
	batch func(ids []int64) (failed []int64, err error), one func(id int64) error) error {
	batches := make(chan []int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		firstErr = cmpErr(firstErr, err)
		mu.Unlock()
	}
	for range directInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ids := range batches {
				failed, err := batch(ids)
				if err != nil {
					failed = ids
				}
				for _, id := range failed {
					err := one(id)
					if err != nil {
						err = acts.RecordFailure(ctx, syncapi.RecordFailureInput{TenantID: tenant, RunID: runID, HRMOSUserID: id, Cause: err.Error()})
					}
					if err != nil {
						fail(fmt.Errorf("HRMOS user %d: %w", id, err))
					}
				}
			}
		}()
	}
	var listErr error
	for _, r := range chunks {
		var left []int64
		if left, listErr = acts.PendingRecords(ctx, syncapi.PendingInput{Kind: kind, TenantID: tenant, RunID: runID, Range: r}); listErr != nil {
			break
		}
		for batch := range slices.Chunk(left, directBatch) {
			batches <- batch
		}
	}
	close(batches)
	wg.Wait()
	return cmpErr(listErr, firstErr)
}

func finish(env *testsuite.TestActivityEnvironment, acts *activities.Activities, tenant, runID string, fetched int) error {
	if err := call(env.ExecuteLocalActivity(acts.FinishRun, syncapi.FinishRunInput{
		TenantID: tenant, RunID: runID, Status: codes.RunCompleted, Fetched: fetched,
	}))(nil); err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	return nil
}

// newActivityEnv runs activities in process, logging nothing.
func newActivityEnv(acts *activities.Activities) *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return env
}

// call turns an activity's (result, error) into a function that decodes
// the result into out (nil: ignore it).
func call(v converter.EncodedValue, err error) func(out any) error {
	return func(out any) error {
		if err != nil {
			return err
		}
		if out == nil || v == nil {
			return nil
		}
		return v.Get(out)
	}
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func newUUID() string { return uuid.NewString() }
