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
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/store"
)

// RunSummary is what a sync workflow returns: its execution history row.
type RunSummary = store.Run

// Fan-out shape (README "Why this shape"): records are split into chunks,
// each a child workflow that syncs its records as local activities.
const (
	maxConcurrentChunks   = 4
	employeesInFlightEach = 16
)

// Progress is what the "progress" query answers while a sync runs.
type Progress struct {
	Phase          string `json:"phase"`
	Fetched        int    `json:"fetched"`
	ChunksTotal    int    `json:"chunksTotal"`
	ChunksDone     int    `json:"chunksDone"`
	EmployeesDone  int    `json:"employeesDone"`
	EmployeesTotal int    `json:"employeesTotal"`
}

// syncRun is the shape every sync shares: record the run, fetch from HRMOS
// into staging, sync each staged record in chunk child workflows, record
// the outcome. The kinds differ in what they fetch and how a record syncs.
type syncRun struct {
	kind      string
	month     string
	tenantID  string
	trigger   string
	dryRun    bool
	chunkSize int
	// fetch runs the kind's fetch activity.
	fetch func(ctx workflow.Context, runID string) (activities.FetchResult, error)
	// chunkWorkflow is the kind's chunk child workflow type.
	chunkWorkflow string
	// notices are the kind's run-level notes.
	notices func(activities.FetchResult) []string

	runID    string
	progress Progress
	logger   log.Logger
}

func (r *syncRun) execute(ctx workflow.Context) (RunSummary, error) {
	info := workflow.GetInfo(ctx)
	r.runID = info.WorkflowExecution.RunID
	r.logger = workflow.GetLogger(ctx)
	r.progress.Phase = "starting"
	if r.chunkSize == 0 {
		r.chunkSize = defaultChunkSize
	}
	if err := workflow.SetQueryHandler(ctx, "progress", func() (Progress, error) { return r.progress, nil }); err != nil {
		return RunSummary{}, err
	}

	start := activities.StartRunInput{
		RunID: r.runID, TenantID: r.tenantID, Kind: r.kind, Month: r.month, Trigger: triggerOrUI(r.trigger),
		DryRun: r.dryRun, WorkflowID: info.WorkflowExecution.ID, WorkflowRunID: info.WorkflowExecution.RunID,
		StartedAt: workflow.Now(ctx),
	}
	var started activities.StartRunResult
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.StartRun, start).Get(ctx, &started); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeTenantNotFound {
			return RunSummary{}, runFailed(appErr.Message(), err) // no tenant, so no history row to write
		}
		return r.fail(ctx, 0, err)
	}
	r.logger.Info("sync started", "tenant", r.tenantID, "kind", r.kind, "month", r.month, "dryRun", r.dryRun)

	r.progress.Phase = "fetching from HRMOS"
	fetched, err := r.fetch(ctx, r.runID)
	if err != nil {
		return r.fail(ctx, 0, err)
	}
	r.progress.Fetched = fetched.Fetched
	r.progress.EmployeesTotal = fetched.Staged

	r.progress.Phase = "syncing employees"
	if err := r.syncChunks(ctx, fetched.Staged); err != nil {
		return r.fail(ctx, fetched.Fetched, err)
	}

	r.progress.Phase = "recording the result"
	notices := r.notices(fetched)
	if started.KeyExpiryNotice != "" {
		notices = append(notices, started.KeyExpiryNotice)
	}
	if fetched.WithoutID > 0 {
		notices = append(notices, noticeUsersWithoutID(fetched.WithoutID))
	}
	if r.dryRun {
		notices = append(notices, NoticeDryRun)
	}
	var summary RunSummary
	if err := workflow.ExecuteLocalActivity(dbOptions(ctx), a.FinishRun, activities.FinishRunInput{
		TenantID: r.tenantID, RunID: r.runID, Status: codes.RunCompleted, Notices: notices, Fetched: fetched.Fetched,
	}).Get(ctx, &summary); err != nil {
		return r.fail(ctx, fetched.Fetched, err)
	}
	r.progress.Phase = "completed"
	return summary, nil
}

// syncChunks runs one child workflow per chunk of staged records, a few at
// a time. Each history stays far below Temporal's limits: the parent holds
// a handful of events per chunk, a chunk about two per record.
func (r *syncRun) syncChunks(ctx workflow.Context, staged int) error {
	size := r.chunkSize
	chunks := (staged + size - 1) / size
	r.progress.ChunksTotal = chunks
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sem := workflow.NewSemaphore(ctx, maxConcurrentChunks)
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	parentID := workflow.GetInfo(ctx).WorkflowExecution.ID
	today := jst.Today(workflow.Now(ctx))
	for i := range chunks {
		if err := sem.Acquire(ctx, 1); err != nil {
			break
		}
		if firstErr != nil {
			sem.Release(1)
			break
		}
		in := ChunkInput{
			TenantID: r.tenantID, RunID: r.runID, DryRun: r.dryRun, Today: today, Month: r.month,
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
			if err := workflow.ExecuteChildWorkflow(cctx, r.chunkWorkflow, in).Get(gctx, &res); err != nil {
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
func (r *syncRun) fail(ctx workflow.Context, fetched int, cause error) (RunSummary, error) {
	reason := failureReason(cause)
	r.logger.Warn("sync failed", "tenant", r.tenantID, "kind", r.kind, "reason", reason)
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	var summary RunSummary
	if err := workflow.ExecuteLocalActivity(dbOptions(dctx), a.FinishRun, activities.FinishRunInput{
		TenantID: r.tenantID, RunID: r.runID, Status: codes.RunFailed, FailureReason: reason, Fetched: fetched,
	}).Get(dctx, &summary); err != nil {
		return RunSummary{}, runFailed(reason+" (and recording the failure failed too: "+failureReason(err)+")", cause)
	}
	return summary, runFailed(reason, cause)
}

// Notices a run may record (sync_runs.notices); the code before the colon is stable.
const (
	NoticeGenderNotProvided = "gender_not_provided: HRMOS sent no 性別 (gender) for any employee; mediment's 性別 values were left as they are"
	NoticeDryRun            = "dry_run: nothing was written; the outcomes show what a real sync would do"
	NoticeNoUsers           = "no_users: HRMOS listed no employees for this company"
)

func noticeUsersWithoutID(n int) string {
	return fmt.Sprintf("users_without_id: %d HRMOS records had no usable user id and could not be synced; check them in HRMOS", n)
}

func noticeNoRows(month string) string {
	return fmt.Sprintf("no_rows: HRMOS's monthly report for %s has no rows; nothing was synced", month)
}

func isNonRetryableType(t string) bool {
	return slices.Contains(activities.NonRetryable, t) || t == ErrTypeInvalidInput || t == ErrTypeSyncFailed
}
