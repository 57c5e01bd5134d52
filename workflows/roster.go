package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
)

// RunSummary is what a sync workflow returns: its execution history row.
type RunSummary = store.Run

// Fan-out shape (README "Why this shape"): employees are split into chunks,
// each a child workflow that syncs its employees as local activities.
const (
	maxConcurrentChunks   = 4
	employeesInFlightEach = 16
)

// Notices a run may record (sync_runs.notices); the code before the colon is stable.
const (
	NoticeGenderNotProvided = "gender_not_provided: HRMOS sent no 性別 (gender) for any employee; mediment's 性別 values were left as they are"
	NoticeDryRun            = "dry_run: nothing was written to employees; the outcomes show what a real sync would do"
	NoticeNoUsers           = "no_users: HRMOS listed no employees for this company"
)

func noticeUsersWithoutID(n int) string {
	return fmt.Sprintf("users_without_id: %d HRMOS users had no usable id and could not be synced; check them in HRMOS", n)
}

// RosterProgress is what the "progress" query answers while a roster sync runs.
type RosterProgress struct {
	Phase          string `json:"phase"`
	Fetched        int    `json:"fetched"`
	ChunksTotal    int    `json:"chunksTotal"`
	ChunksDone     int    `json:"chunksDone"`
	EmployeesDone  int    `json:"employeesDone"`
	EmployeesTotal int    `json:"employeesTotal"`
}

// RosterSync syncs a tenant's employee roster from HRMOS (SPEC §2):
// record the run, fetch every page into staging, sync each employee in
// chunked child workflows, then record the outcome.
func RosterSync(ctx workflow.Context, in RosterSyncInput) (RunSummary, error) {
	if err := in.validate(); err != nil {
		return RunSummary{}, err
	}
	info := workflow.GetInfo(ctx)
	if want := RosterWorkflowID(in.TenantID); info.WorkflowExecution.ID != want {
		return RunSummary{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("start the roster sync of tenant %q with Workflow ID %q: that ID is what keeps it to one run at a time", in.TenantID, want),
			ErrTypeInvalidInput, nil)
	}
	r := &rosterRun{
		in:       in,
		runID:    info.WorkflowExecution.RunID,
		progress: RosterProgress{Phase: "starting"},
		logger:   workflow.GetLogger(ctx),
	}
	if r.in.ChunkSize == 0 {
		r.in.ChunkSize = defaultChunkSize
	}
	if err := workflow.SetQueryHandler(ctx, "progress", func() (RosterProgress, error) { return r.progress, nil }); err != nil {
		return RunSummary{}, err
	}
	return r.run(ctx)
}

type rosterRun struct {
	in       RosterSyncInput
	runID    string
	progress RosterProgress
	logger   log.Logger
}

func (r *rosterRun) run(ctx workflow.Context) (RunSummary, error) {
	info := workflow.GetInfo(ctx)
	start := activities.StartRunInput{
		RunID: r.runID, TenantID: r.in.TenantID, Kind: store.KindRoster, Trigger: triggerOrUI(r.in.Trigger),
		DryRun: r.in.DryRun, WorkflowID: info.WorkflowExecution.ID, WorkflowRunID: info.WorkflowExecution.RunID,
		StartedAt: workflow.Now(ctx),
	}
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.StartRun, start).Get(ctx, nil); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeTenantNotFound {
			return RunSummary{}, runFailed(appErr.Message(), err) // no tenant, so no history row to write
		}
		return r.fail(ctx, 0, err)
	}
	r.logger.Info("roster sync started", "tenant", r.in.TenantID, "dryRun", r.in.DryRun)

	r.progress.Phase = "fetching from HRMOS"
	var fetched activities.FetchRosterResult
	if err := workflow.ExecuteActivity(hrmosOptions(ctx), a.FetchRoster,
		activities.FetchRosterInput{TenantID: r.in.TenantID, RunID: r.runID}).Get(ctx, &fetched); err != nil {
		return r.fail(ctx, 0, err)
	}
	r.progress.Fetched = fetched.Fetched
	r.progress.EmployeesTotal = fetched.Staged

	r.progress.Phase = "syncing employees"
	if err := r.syncChunks(ctx, fetched.Staged); err != nil {
		return r.fail(ctx, fetched.Fetched, err)
	}

	r.progress.Phase = "recording the result"
	var summary RunSummary
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.FinishRun, activities.FinishRunInput{
		RunID: r.runID, Status: store.RunCompleted, Notices: r.notices(fetched), Fetched: fetched.Fetched,
	}).Get(ctx, &summary); err != nil {
		return r.fail(ctx, fetched.Fetched, err)
	}
	r.progress.Phase = "completed"
	return summary, nil
}

func (r *rosterRun) notices(f activities.FetchRosterResult) []string {
	var n []string
	if f.Fetched == 0 {
		n = append(n, NoticeNoUsers)
	} else if !f.GenderProvided {
		n = append(n, NoticeGenderNotProvided)
	}
	if f.WithoutID > 0 {
		n = append(n, noticeUsersWithoutID(f.WithoutID))
	}
	if r.in.DryRun {
		n = append(n, NoticeDryRun)
	}
	return n
}

// syncChunks runs one child workflow per chunk of staged employees, a few at
// a time. Each history stays far below Temporal's limits: the parent holds a
// handful of events per chunk, a chunk about two per employee.
func (r *rosterRun) syncChunks(ctx workflow.Context, staged int) error {
	size := r.in.ChunkSize
	chunks := (staged + size - 1) / size
	r.progress.ChunksTotal = chunks
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sem := workflow.NewSemaphore(ctx, maxConcurrentChunks)
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	parentID := workflow.GetInfo(ctx).WorkflowExecution.ID
	today := rules.JapanToday(workflow.Now(ctx))
	for i := range chunks {
		if err := sem.Acquire(ctx, 1); err != nil {
			break
		}
		if firstErr != nil {
			sem.Release(1)
			break
		}
		in := RosterChunkInput{
			TenantID: r.in.TenantID, RunID: r.runID, DryRun: r.in.DryRun, Today: today,
			First: i*size + 1, Last: min((i+1)*size, staged),
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:               chunkWorkflowID(parentID, r.runID, i+1),
			WorkflowExecutionTimeout: 2 * time.Hour,
		})
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			var res ChunkResult
			if err := workflow.ExecuteChildWorkflow(cctx, RosterSyncChunkName, in).Get(gctx, &res); err != nil {
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			}
			r.progress.ChunksDone++
			r.progress.EmployeesDone += res.Processed
		})
	}
	wg.Wait(ctx)
	return firstErr
}

// fail records the run as failed with a reason support can act on, then
// ends the workflow failed. It runs even when the workflow was cancelled.
func (r *rosterRun) fail(ctx workflow.Context, fetched int, cause error) (RunSummary, error) {
	reason := failureReason(cause)
	r.logger.Warn("roster sync failed", "tenant", r.in.TenantID, "reason", reason)
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	var summary RunSummary
	if err := workflow.ExecuteLocalActivity(dbOptions(dctx), a.FinishRun, activities.FinishRunInput{
		RunID: r.runID, Status: store.RunFailed, FailureReason: reason, Fetched: fetched,
	}).Get(dctx, &summary); err != nil {
		return RunSummary{}, runFailed(reason+" (and recording the failure failed too: "+failureReason(err)+")", cause)
	}
	return summary, runFailed(reason, cause)
}

// RosterChunkInput is one chunk of a roster run: the staged employees
// numbered First..Last.
type RosterChunkInput struct {
	TenantID string
	RunID    string
	First    int
	Last     int
	DryRun   bool
	Today    string
}

// ChunkResult counts a chunk's outcomes.
type ChunkResult struct {
	Processed int
	Outcomes  map[rules.Outcome]int
}

// RosterSyncChunk syncs one chunk of employees, each as its own local
// activity (visible in this workflow's history by its HRMOS user ID), a
// bounded number at a time. One employee's failure is retried, then
// recorded as that employee's error; the others go on.
func RosterSyncChunk(ctx workflow.Context, in RosterChunkInput) (ChunkResult, error) {
	lctx := dbOptions(ctx)
	var ids []int64
	if err := workflow.ExecuteLocalActivity(lctx, a.StagedUserIDs,
		activities.StagedUsersInput{RunID: in.RunID, First: in.First, Last: in.Last}).Get(ctx, &ids); err != nil {
		return ChunkResult{}, err
	}
	res := ChunkResult{Outcomes: map[rules.Outcome]int{}}
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
			outcome, err := syncEmployee(gctx, in, id)
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

func syncEmployee(ctx workflow.Context, in RosterChunkInput, hrmosUserID int64) (rules.Outcome, error) {
	lctx := dbOptions(ctx)
	var res activities.EmployeeResult
	err := workflow.ExecuteLocalActivity(lctx, a.SyncEmployee, activities.SyncEmployeeInput{
		TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, DryRun: in.DryRun, Today: in.Today,
	}).Get(ctx, &res)
	if err == nil {
		return res.Outcome, nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeStagingGone {
		return "", err // the whole run is gone, not this employee
	}
	if err := workflow.ExecuteLocalActivity(lctx, a.RecordEmployeeFailure, activities.RecordEmployeeFailureInput{
		TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, Cause: failureReason(err),
	}).Get(ctx, nil); err != nil {
		return "", err
	}
	return rules.Error, nil
}

func isNonRetryableType(t string) bool {
	return slices.Contains(activities.NonRetryable, t) || t == ErrTypeInvalidInput || t == ErrTypeSyncFailed
}
