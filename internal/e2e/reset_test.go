package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/sweeper"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// resetPoint picks the WorkflowTaskCompleted event to reset a workflow run
// to, from its history.
type resetPoint func(events []*historypb.HistoryEvent) int64

// firstWorkflowTask is where the UI's "Reset to first workflow task" goes.
func firstWorkflowTask(events []*historypb.HistoryEvent) int64 {
	for _, ev := range events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			return ev.GetEventId()
		}
	}
	return 0
}

// afterActivity is the first workflow task completed after the activity of
// the given type completed.
func afterActivity(activityType string) resetPoint {
	return func(events []*historypb.HistoryEvent) int64 {
		scheduled := map[int64]string{}
		done := false
		for _, ev := range events {
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
				scheduled[ev.GetEventId()] = a.GetActivityType().GetName()
			}
			if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil && scheduled[a.GetScheduledEventId()] == activityType {
				done = true
			}
			if done && ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
				return ev.GetEventId()
			}
		}
		return 0
	}
}

// afterChildStarted is the first workflow task completed after a chunk
// child workflow started.
func afterChildStarted(events []*historypb.HistoryEvent) int64 {
	started := false
	for _, ev := range events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED {
			started = true
		}
		if started && ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			return ev.GetEventId()
		}
	}
	return 0
}

// reset resets a workflow run as support does from the UI or the CLI and
// returns the new run's ID.
func (e *env) reset(workflowID, runID string, at resetPoint) string {
	e.t.Helper()
	ctx := context.Background()
	// A running workflow's history may not hold the point yet (the
	// workflow task after a child's start still running): wait for it.
	var point int64
	var events []*historypb.HistoryEvent
	testenv.Eventually(e.t, time.Minute, "a reset point in the history of "+workflowID, func() bool {
		events = events[:0]
		it := e.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				e.t.Fatal(err)
			}
			events = append(events, ev)
		}
		point = at(events)
		return point != 0
	})
	resp, err := e.temporal.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 e.namespace,
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: runID},
		Reason:                    "a bug fixed in the worker",
		WorkflowTaskFinishEventId: point,
		RequestId:                 uuid.NewString(),
	})
	if err != nil {
		e.t.Fatalf("reset %s to event %d: %v", workflowID, point, err)
	}
	return resp.GetRunId()
}

// endOf waits for a workflow run to end and returns its error.
func (e *env) endOf(workflowID, runID string) error {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return e.temporal.GetWorkflow(ctx, workflowID, runID).Get(ctx, nil)
}

// latestRun is the run ID of a workflow's current (latest) run.
func (e *env) latestRun(workflowID string) string {
	e.t.Helper()
	d, err := e.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// syncRow reads the history row of a sync run.
func (e *env) syncRow(tenant, runID string) store.Run {
	e.t.Helper()
	r, err := e.store.Run(context.Background(), store.RunRef{TenantID: tenant, RunID: runID})
	if err != nil {
		e.t.Fatalf("run %s: %v", runID, err)
	}
	return r
}

// itemsCount is how many outcomes a run recorded.
func (e *env) itemsCount(tenant, runID string) int {
	e.t.Helper()
	n, err := e.store.ItemCount(context.Background(), store.RunRef{TenantID: tenant, RunID: runID})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// approveLatest approves the held run of a workflow ID, whichever its run.
func (e *env) approveLatest(tenant, workflowID string) {
	e.t.Helper()
	ctx := context.Background()
	testenv.Eventually(e.t, time.Minute, "the reset run waits for approval", func() bool {
		var held bool
		_ = e.store.Pool().QueryRow(ctx, `SELECT awaiting_approval_since IS NOT NULL AND status = 'running' AND workflow_run_id = $2
			FROM sync_runs WHERE tenant_id = $1 ORDER BY started_at DESC LIMIT 1`, tenant, e.latestRun(workflowID)).Scan(&held)
		return held
	})
	if err := e.temporal.SignalWorkflow(ctx, workflowID, "", workflows.ApproveSignal, workflows.Approval{By: "support"}); err != nil {
		e.t.Fatal(err)
	}
}

// Temporal's reset, support's answer to a bug fixed in the worker, starts a
// new workflow run that replays the old one's history up to the point
// chosen. Whatever the point, the run must record itself and complete, or
// be refused at once saying what to do; never end "not found", never
// complete with someone missing.
func TestAResetRunRecordsItselfAndCompletes(t *testing.T) {
	t.Run("a held run reset past its fetch is held again, and completes when approved", func(t *testing.T) {
		e := newEnv(t)
		e.guardCompany("held")
		e.mustRoster(workflows.RosterSyncInput{TenantID: "held"})
		wf, held, _ := e.startHeldRoster("held")

		newRun := e.reset(wf.GetID(), wf.GetRunID(), afterActivity("FetchRoster"))
		// The sweeper, meanwhile, finds the old workflow run terminated: the
		// run goes on under the new one, it is not abandoned.
		res, err := sweeper.Sweep(context.Background(), e.store, sweeper.TemporalWorkflowState(e.temporal), time.Now().Add(sweeper.MinAge+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed != 0 {
			t.Errorf("the sweeper closed %d runs during the reset, want none", res.Closed)
		}
		e.approveLatest("held", wf.GetID())
		if err := e.endOf(wf.GetID(), newRun); err != nil {
			t.Fatalf("the reset run failed: %v", err)
		}
		r := e.syncRow("held", held.ID)
		if r.Status != codes.RunCompleted || r.WorkflowRunID != newRun || r.ApprovedBy != "support" {
			t.Errorf("row after the reset = %+v, want completed under workflow run %s, approved by support", r, newRun)
		}
		if n := e.itemsCount("held", r.ID); n != r.Fetched || n != r.Created+r.Updated+r.Unchanged+r.Skipped+r.Errors {
			t.Errorf("%d items for %d fetched and counts %+v", n, r.Fetched, r.Counts)
		}
	})

	t.Run("the sweeper hands a reset run's row to its new workflow run instead of closing it", func(t *testing.T) {
		e := newEnv(t)
		e.guardCompany("swept")
		e.mustRoster(workflows.RosterSyncInput{TenantID: "swept"})
		wf, held, _ := e.startHeldRoster("swept")
		e.stopWorker() // nothing of the new run executes: only the sweeper can tell
		newRun := e.reset(wf.GetID(), wf.GetRunID(), afterActivity("FetchRoster"))
		res, err := sweeper.Sweep(context.Background(), e.store, sweeper.TemporalWorkflowState(e.temporal), time.Now().Add(sweeper.MinAge+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r := e.syncRow("swept", held.ID)
		if res.Closed != 0 || res.Continued != 1 || r.Status != codes.RunRunning || r.WorkflowRunID != newRun || e.stagedRows() == 0 {
			t.Errorf("sweep = %+v, row = %+v: want the run kept running under workflow run %s with its staging", res, r, newRun)
		}
	})

	t.Run("a cancelled run reset past its fetch is refused saying what to do; reset to its first task it runs again", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		e.guardCompany("cancelled")
		e.mustRoster(workflows.RosterSyncInput{TenantID: "cancelled"})
		wf, held, _ := e.startHeldRoster("cancelled")
		if err := e.temporal.CancelWorkflow(ctx, wf.GetID(), wf.GetRunID()); err != nil {
			t.Fatal(err)
		}
		if err := e.endOf(wf.GetID(), wf.GetRunID()); err == nil {
			t.Fatal("the cancelled run did not fail")
		}

		refused := e.reset(wf.GetID(), wf.GetRunID(), afterActivity("FetchRoster"))
		err := e.endOf(wf.GetID(), refused)
		if err == nil || !strings.Contains(err.Error(), "first workflow task") {
			t.Fatalf("reset past the fetch of an ended run: %v, want a refusal saying to reset to the first workflow task", err)
		}
		if r := e.syncRow("cancelled", held.ID); r.Status != codes.RunFailed || r.WorkflowRunID != refused || !strings.Contains(r.FailureReason, "first workflow task") {
			t.Errorf("row after the refused reset = %+v, want failed under workflow run %s with what to do", r, refused)
		}

		again := e.reset(wf.GetID(), refused, firstWorkflowTask)
		e.approveLatest("cancelled", wf.GetID())
		if err := e.endOf(wf.GetID(), again); err != nil {
			t.Fatalf("the run reset to its first workflow task failed: %v", err)
		}
		r := e.syncRow("cancelled", held.ID)
		if r.Status != codes.RunCompleted || r.WorkflowRunID != again || r.FailureReason != "" {
			t.Errorf("row = %+v, want it completed under workflow run %s", r, again)
		}
		if n := e.itemsCount("cancelled", r.ID); n != r.Fetched {
			t.Errorf("%d items for %d fetched", n, r.Fetched)
		}
	})

	t.Run("a completed run reset is refused at once and keeps its row", func(t *testing.T) {
		e := newEnv(t)
		c := e.company(hrmossim.GenerateSpec{CompanyID: "done", Users: 12, Seed: 5})
		e.mustConnect("done", "done", c.APIKey)
		done := e.mustRoster(workflows.RosterSyncInput{TenantID: "done", ChunkSize: 5})
		for name, at := range map[string]resetPoint{"first workflow task": firstWorkflowTask, "after the fetch": afterActivity("FetchRoster"),
			"after a chunk started": afterChildStarted} {
			refused := e.reset(done.WorkflowID, done.WorkflowRunID, at)
			err := e.endOf(done.WorkflowID, refused)
			if err == nil || !strings.Contains(err.Error(), "start a new sync") {
				t.Errorf("reset to %s: %v, want a refusal saying to start a new sync", name, err)
			}
			if r := e.syncRow("done", done.ID); r.Status != codes.RunCompleted || r.WorkflowRunID != done.WorkflowRunID || r.Counts != done.Counts {
				t.Errorf("reset to %s changed the completed row: %+v", name, r)
			}
		}
	})

	t.Run("a run reset while its chunks write completes with every employee once", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		c := e.company(hrmossim.GenerateSpec{CompanyID: "busy", Users: 120, Seed: 9})
		e.mustConnect("busy", "busy", c.APIKey)
		// Slow writes, so that the reset lands while the chunks write.
		testdb.SlowWrites(t, e.store.Pool(), 50*time.Millisecond, "INSERT", "employees")
		wf, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "busy", codes.TriggerCLI, false),
			workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "busy", ChunkSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(e.t, time.Minute, "a chunk writes", func() bool {
			var n int
			_ = e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM employees WHERE tenant_id = 'busy'`).Scan(&n)
			return n > 0
		})
		newRun := e.reset(wf.GetID(), wf.GetRunID(), afterChildStarted)
		if err := e.endOf(wf.GetID(), newRun); err != nil {
			t.Fatalf("the run reset while it wrote failed: %v", err)
		}
		r := e.syncRow("busy", wf.GetRunID())
		var employees, distinct int
		_ = e.store.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT hrmos_user_id) FROM employees WHERE tenant_id = 'busy'`).Scan(&employees, &distinct)
		if r.Status != codes.RunCompleted || r.WorkflowRunID != newRun || r.Created+r.Skipped != 120 || employees != r.Created || distinct != employees {
			t.Errorf("row = %+v and %d employees (%d distinct), want completed under %s with every employee created once (retirees skipped)",
				r, employees, distinct, newRun)
		}
		if n := e.itemsCount("busy", r.ID); n != 120 {
			t.Errorf("%d items, want 120", n)
		}
	})
}
