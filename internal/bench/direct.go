package bench

// This file is the only one of the benchmark that calls the activities:
// the "direct loop", the same work as a sync (the same fetch, the same
// per-employee database work) called in process in a plain loop, without a
// Temporal server. When the activities change, rewrite this file alone;
// the rest of the benchmark only calls directRoster and directAttendance.
//
// The activities use the SDK's activity context (logger, heartbeats), so
// each call goes through the SDK's TestActivityEnvironment, which runs the
// function in the calling goroutine with no server: that adds the encoding
// of its input and result (microseconds) to each call, which the direct
// time includes. The test environment caps one call at 10 minutes; a fetch
// that takes longer fails the phase with that error, visibly.

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
)

// directChunk and directInFlight mirror the workflows: employees are listed
// 500 at a time, and as many are synced at once as the worker runs local
// activities at once (twice DATABASE_MAX_CONNS, 2 × 16).
const (
	directChunk    = 500
	directInFlight = 32
)

// directRoster runs a roster sync of tenant without Temporal and returns
// the run's ID (sync_runs.id).
func directRoster(ctx context.Context, acts *activities.Activities, tenant string, dryRun bool) (string, error) {
	runID := newUUID()
	env := newActivityEnv(acts)
	if err := call(env.ExecuteLocalActivity(acts.StartRun, activities.StartRunInput{
		RunID: runID, TenantID: tenant, Kind: codes.KindRoster, Trigger: codes.TriggerCLI, DryRun: dryRun,
		WorkflowID: "direct-roster-" + tenant, WorkflowRunID: runID, StartedAt: time.Now(),
	}))(nil); err != nil {
		return runID, fmt.Errorf("start run: %w", err)
	}
	var fetched activities.FetchResult
	if err := call(env.ExecuteActivity(acts.FetchRoster, activities.FetchRosterInput{TenantID: tenant, RunID: runID}))(&fetched); err != nil {
		return runID, fmt.Errorf("fetch roster: %w", err)
	}
	today := jst.Today(time.Now())
	err := syncStaged(acts, codes.KindRoster, tenant, runID, fetched.Staged, func(env *testsuite.TestActivityEnvironment, id int64) error {
		return call(env.ExecuteLocalActivity(acts.SyncEmployee, activities.SyncEmployeeInput{
			TenantID: tenant, RunID: runID, HRMOSUserID: id, DryRun: dryRun, Today: today,
		}))(nil)
	})
	if err != nil {
		return runID, err
	}
	return runID, finish(env, acts, tenant, runID, fetched.Fetched)
}

// directAttendance runs an attendance sync of tenant's month without Temporal.
func directAttendance(ctx context.Context, acts *activities.Activities, tenant, month string, dryRun bool) (string, error) {
	runID := newUUID()
	env := newActivityEnv(acts)
	if err := call(env.ExecuteLocalActivity(acts.StartRun, activities.StartRunInput{
		RunID: runID, TenantID: tenant, Kind: codes.KindAttendance, Month: month, Trigger: codes.TriggerCLI, DryRun: dryRun,
		WorkflowID: "direct-attendance-" + tenant + "-" + month, WorkflowRunID: runID, StartedAt: time.Now(),
	}))(nil); err != nil {
		return runID, fmt.Errorf("start run: %w", err)
	}
	var fetched activities.FetchResult
	if err := call(env.ExecuteActivity(acts.FetchAttendance, activities.FetchAttendanceInput{TenantID: tenant, RunID: runID, Month: month}))(&fetched); err != nil {
		return runID, fmt.Errorf("fetch attendance: %w", err)
	}
	err := syncStaged(acts, codes.KindAttendance, tenant, runID, fetched.Staged, func(env *testsuite.TestActivityEnvironment, id int64) error {
		return call(env.ExecuteLocalActivity(acts.SyncAttendance, activities.SyncAttendanceInput{
			TenantID: tenant, RunID: runID, Month: month, HRMOSUserID: id, DryRun: dryRun,
		}))(nil)
	})
	if err != nil {
		return runID, err
	}
	return runID, finish(env, acts, tenant, runID, fetched.Fetched)
}

// syncStaged lists the staged records a chunk at a time and syncs each,
// directInFlight at once; a record that fails is recorded as its error, as
// the workflow does after its retries (the direct loop does not retry).
func syncStaged(acts *activities.Activities, kind, tenant, runID string, staged int,
	one func(env *testsuite.TestActivityEnvironment, id int64) error) error {
	ids := make(chan int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range directInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := newActivityEnv(acts)
			for id := range ids {
				err := one(env, id)
				if err != nil {
					err = call(env.ExecuteLocalActivity(acts.RecordEmployeeFailure, activities.RecordEmployeeFailureInput{
						TenantID: tenant, RunID: runID, HRMOSUserID: id, Cause: err.Error(),
					}))(nil)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, fmt.Errorf("HRMOS user %d: %w", id, err))
					mu.Unlock()
				}
			}
		}()
	}
	env := newActivityEnv(acts)
	var listErr error
	for first := 1; first <= staged; first += directChunk {
		var chunk []int64
		if listErr = call(env.ExecuteLocalActivity(acts.StagedUserIDs, activities.StagedUsersInput{
			Kind: kind, TenantID: tenant, RunID: runID, First: first, Last: min(first+directChunk-1, staged),
		}))(&chunk); listErr != nil {
			break
		}
		for _, id := range chunk {
			ids <- id
		}
	}
	close(ids)
	wg.Wait()
	return cmpErr(listErr, firstErr)
}

func finish(env *testsuite.TestActivityEnvironment, acts *activities.Activities, tenant, runID string, fetched int) error {
	if err := call(env.ExecuteLocalActivity(acts.FinishRun, activities.FinishRunInput{
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

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
