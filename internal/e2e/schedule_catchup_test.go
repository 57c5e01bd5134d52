package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// The schedules' policies (internal/schedules), proven on a real Temporal
// server: a monthly action whose time passes while no worker polls runs
// once, when the worker is back; a paused schedule never runs the action it
// missed; and an action missed while Temporal itself was down runs on its
// return within the catch-up window, and not beyond it.
//
// Each schedule is applied as `starter schedule apply` applies it, then its
// time moved to a few seconds ahead (the spec alone: its policies stay), so
// that nothing waits for the 3rd.

// onceAt is a schedule spec that matches t alone (to the second).
func onceAt(t time.Time) client.ScheduleSpec {
	t = t.UTC()
	one := func(v int) []client.ScheduleRange { return []client.ScheduleRange{{Start: v}} }
	return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
		Second: one(t.Second()), Minute: one(t.Minute()), Hour: one(t.Hour()),
		DayOfMonth: one(t.Day()), Month: one(int(t.Month())), Year: one(t.Year()),
		DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
	}}, TimeZoneName: "UTC"}
}

// moveTo changes a schedule's time to at, leaving its action and policies
// as apply made them; policy, when set, changes its policies too.
func moveTo(t *testing.T, sc client.ScheduleClient, id string, at time.Time, policy *client.SchedulePolicies) {
	t.Helper()
	ctx := context.Background()
	err := sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sch := in.Description.Schedule
			spec := onceAt(at)
			sch.Spec = &spec
			if policy != nil {
				sch.Policy = policy
			}
			return &client.ScheduleUpdate{Schedule: &sch}, nil
		},
	})
	if err != nil {
		t.Fatalf("move schedule %s: %v", id, err)
	}
	// The update is a signal to the schedule's own workflow: applied once
	// Describe (its query) shows it. An update applied later would drop
	// the actions before it.
	testenv.Eventually(t, 30*time.Second, "schedule "+id+" is moved", func() bool {
		desc, err := sc.GetHandle(ctx, id).Describe(ctx)
		return err == nil && len(desc.Info.NextActionTimes) > 0 && desc.Info.NextActionTimes[0].Equal(at) &&
			(policy == nil || *desc.Schedule.Policy == *policy)
	})
}

func describeSchedule(t *testing.T, sc client.ScheduleClient, id string) *client.ScheduleDescription {
	t.Helper()
	desc, err := sc.GetHandle(context.Background(), id).Describe(context.Background())
	if err != nil {
		t.Fatalf("describe schedule %s: %v", id, err)
	}
	return desc
}

// productionSettings are the settings of a deployment with the default
// SCHEDULE_CATCHUP_WINDOW, on the test's task queue.
func productionSettings(taskQueue string) schedules.Settings {
	return schedules.Settings{TaskQueue: taskQueue, DayOfMonth: 3, Hour: 6, CatchupWindow: 7 * 24 * time.Hour}
}

// A worker down over the 3rd: Temporal starts the month's action on time
// anyway, it waits for a worker, and it runs once the worker is back: one
// roster and one attendance run of the month before the action, recorded as
// the schedule's.
func TestAScheduledActionMissedByTheWorkerRunsOnceItIsBack(t *testing.T) {
	te := testenv.New(t, testenv.Options{})
	e := &env{t: t, store: te.Store, temporal: te.Client, sim: te.Sim, cfg: te.Config, logs: te.Logs, worker: te.Worker, namespace: te.Namespace}
	ctx := context.Background()
	sc := e.temporal.ScheduleClient()
	if _, err := schedules.Apply(ctx, sc, []string{"late"}, productionSettings(e.cfg.TaskQueue)); err != nil {
		t.Fatal(err)
	}
	e.stopWorker() // the worker is down over the action's time

	at := time.Now().Add(4 * time.Second).Truncate(time.Second)
	month := jst.PreviousMonth(at)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "late", Users: 8, Seed: 29, Months: []string{month}})
	e.mustConnect("late", "late", c.APIKey)
	id := schedules.MonthlyID("late")
	moveTo(t, sc, id, at, nil)
	if p := describeSchedule(t, sc, id).Schedule.Policy; p.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE || p.CatchupWindow != 7*24*time.Hour || p.PauseOnFailure {
		t.Fatalf("the monthly schedule's policies = %+v, want buffer one, 7 days, no pause on failure", p)
	}

	var action client.ScheduleActionResult
	testenv.Eventually(t, 30*time.Second, "Temporal starts the action with no worker polling", func() bool {
		acts := describeSchedule(t, sc, id).Info.RecentActions
		if len(acts) > 0 {
			action = acts[0]
		}
		return len(acts) > 0
	})
	if !action.ScheduleTime.Equal(at) || action.StartWorkflowResult == nil {
		t.Fatalf("action %+v, want one for %s", action, at)
	}
	time.Sleep(time.Second) // the worker stays away a moment longer
	if runs, err := e.store.Runs(ctx, "late", 10); err != nil || len(runs) != 0 {
		t.Fatalf("runs while no worker polls: %+v, %v", runs, err)
	}

	testenv.StartWorker(t, te.Temporal, te.Config, workflows.Options{}, nil) // the worker is back
	runs := e.finishedRuns("late", 2)
	if len(runs) != 2 {
		t.Fatalf("the action ran %d syncs, want a roster and an attendance sync: %+v", len(runs), runs)
	}
	for _, r := range runs {
		if r.Status != codes.RunCompleted || r.Trigger != codes.TriggerSchedule || (r.Kind == codes.KindAttendance && r.Month != month) {
			t.Errorf("run %+v, want completed, trigger schedule, attendance of %s", r, month)
		}
	}
	var res workflows.ScheduledSyncResult
	if err := e.temporal.GetWorkflow(ctx, action.StartWorkflowResult.WorkflowID, action.StartWorkflowResult.FirstExecutionRunID).Get(ctx, &res); err != nil {
		t.Fatalf("the scheduled action: %v", err)
	}
	desc := describeSchedule(t, sc, id)
	if desc.Info.NumActions != 1 || desc.Info.NumActionsMissedCatchupWindow != 0 || desc.Info.NumActionsSkippedOverlap != 0 {
		t.Errorf("the schedule took %d actions (%d missed, %d skipped), want exactly one", desc.Info.NumActions,
			desc.Info.NumActionsMissedCatchupWindow, desc.Info.NumActionsSkippedOverlap)
	}
}

// A schedule paused over its action's time and unpaused later does not run
// that action, even though its time is well within the catch-up window: a
// schedule unpaused months later runs from its next action on, never the
// stale months.
func TestAPausedScheduleNeverRunsTheActionItMissed(t *testing.T) {
	tc := testenv.NewTemporal(t) // no worker: nothing may start at all
	ctx := context.Background()
	if _, err := app.EnsureSearchAttributes(ctx, tc.Client, tc.Namespace); err != nil {
		t.Fatal(err)
	}
	sc := tc.Client.ScheduleClient()
	if _, err := schedules.Apply(ctx, sc, []string{"paused"}, productionSettings("hrmos-sync-test")); err != nil {
		t.Fatal(err)
	}
	id := schedules.MonthlyID("paused")
	h := sc.GetHandle(ctx, id)
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: "paused by ops for the test"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the schedule is paused", func() bool {
		return describeSchedule(t, sc, id).Schedule.State.Paused
	})
	at := time.Now().Add(2 * time.Second).Truncate(time.Second)
	moveTo(t, sc, id, at, nil)
	time.Sleep(time.Until(at.Add(2 * time.Second)))
	if err := h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "unpaused"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the schedule is unpaused", func() bool {
		return !describeSchedule(t, sc, id).Schedule.State.Paused
	})
	time.Sleep(2 * time.Second) // what the scheduler would start on unpausing, it starts at once
	desc := describeSchedule(t, sc, id)
	if desc.Info.NumActions != 0 || len(desc.Info.RecentActions) != 0 || len(desc.Info.RunningWorkflows) != 0 {
		t.Fatalf("the unpaused schedule ran the action it missed while paused: %+v", desc.Info)
	}
	resp, err := tc.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: tc.Namespace, Query: fmt.Sprintf("WorkflowType = %q", workflows.ScheduledSyncName)})
	if err != nil || len(resp.Executions) != 0 {
		t.Fatalf("scheduled syncs started: %v, %v", resp.GetExecutions(), err)
	}
}

// Temporal itself down over the action's time: on its return it runs the
// action once when that is within the schedule's catch-up window, and skips
// it (counted as missed) when the window is shorter than the outage. Uses a
// dev server of its own, which it stops and starts again on its database
// file.
func TestAnActionMissedWhileTemporalWasDownIsCaughtUpWithinTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a Temporal server (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := harness.TemporalCLI(ctx, root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := func(n int) (*harness.TemporalDev, client.Client) {
		t.Helper()
		srv, err := harness.StartTemporalDev(ctx, cli, filepath.Join(dir, fmt.Sprintf("temporal-%d.log", n)),
			"--db-filename", filepath.Join(dir, "temporal.db"),
			"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true",
			"--dynamic-config-value", "frontend.enableServerVersionCheck=false")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("the dev server's log (%d):\n%s", n, srv.Proc.Tail(6000))
			}
		})
		c, err := client.DialContext(ctx, client.Options{HostPort: srv.Address, Namespace: "catchup"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return srv, c
	}
	srv, c := start(1)
	nc, err := client.NewNamespaceClient(client.Options{HostPort: srv.Address})
	if err != nil {
		t.Fatal(err)
	}
	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: "catchup", WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
	nc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.EnsureSearchAttributes(ctx, c, "catchup"); err != nil {
		t.Fatal(err)
	}

	// Two tenants' monthly schedules as apply makes them; the second's
	// window then shortened below the outage.
	sc := c.ScheduleClient()
	if _, err := schedules.Apply(ctx, sc, []string{"within", "beyond"}, productionSettings("nobody-polls")); err != nil {
		t.Fatal(err)
	}
	within, beyond := schedules.MonthlyID("within"), schedules.MonthlyID("beyond")
	short := describeSchedule(t, sc, beyond).Schedule.Policy
	short.CatchupWindow = 10 * time.Second // Temporal's shortest
	at := time.Now().Add(8 * time.Second).Truncate(time.Second)
	moveTo(t, sc, within, at, nil)
	moveTo(t, sc, beyond, at, short)

	srv.Stop() // Temporal is down over the action's time
	if time.Now().After(at) {
		t.Skipf("stopping the dev server took until %s, past the action's time %s: the machine is too slow for this test", time.Now().Format(time.TimeOnly), at.Format(time.TimeOnly))
	}
	time.Sleep(time.Until(at.Add(short.CatchupWindow + 3*time.Second)))
	_, c = start(2)
	sc = c.ScheduleClient()

	// Its scheduler answers Describe once the server's own workers poll again.
	answered := func(id string, ok func(*client.ScheduleDescription) bool) func() bool {
		return func() bool {
			desc, err := sc.GetHandle(ctx, id).Describe(ctx)
			if err != nil {
				t.Logf("describe %s: %v", id, err)
			}
			return err == nil && ok(desc)
		}
	}
	testenv.Eventually(t, time.Minute, "the action within the window is caught up", answered(within, func(d *client.ScheduleDescription) bool {
		return len(d.Info.RecentActions) > 0
	}))
	desc := describeSchedule(t, sc, within)
	if acts := desc.Info.RecentActions; desc.Info.NumActions != 1 || !acts[0].ScheduleTime.Equal(at) || acts[0].ActualTime.Before(at.Add(short.CatchupWindow)) {
		t.Fatalf("within the window: %d actions %+v; want one, for %s, started once Temporal was back", desc.Info.NumActions, acts, at)
	}
	testenv.Eventually(t, time.Minute, "the action beyond the window is counted as missed", answered(beyond, func(d *client.ScheduleDescription) bool {
		return d.Info.NumActionsMissedCatchupWindow == 1
	}))
	if desc := describeSchedule(t, sc, beyond); desc.Info.NumActions != 0 {
		t.Fatalf("beyond the window: %d actions %+v, want none", desc.Info.NumActions, desc.Info.RecentActions)
	}
}
