package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// employedUsers are the HRMOS users of a company still employed, with a
// 社員番号: each one a new hire a one-user run creates.
func employedUsers(c *hrmossim.Company) []hrmossim.User {
	var out []hrmossim.User
	for _, u := range c.Users {
		if u.EndDate.Value == "" && u.Number.Value != "" {
			out = append(out, u)
		}
	}
	return out
}

// Sync one employee now (issue 17): `starter roster --tenant T --user N`
// and the UI's {"tenantId","userId"} create just that employee, record a
// run with one item and a one-user notice, and an ID HRMOS does not list
// fails the run naming it. The tenant's first full sync afterwards is
// still its first sync, and completes with everyone.
func TestSyncOneEmployeeNow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "newhire", Users: 40, Seed: 17})
	e.mustConnect("newhire", "newhire", c.APIKey)
	hires := employedUsers(c)
	x, y := hires[len(hires)/2], hires[1]

	// As `starter roster --tenant newhire --user X --wait` starts it.
	run := e.mustRoster(workflows.RosterSyncInput{TenantID: "newhire", UserID: x.ID})
	if run.Status != codes.RunCompleted || run.Fetched != len(c.Users) || run.Created != 1 ||
		run.Updated+run.Unchanged+run.Skipped+run.Errors != 0 || run.OnlyHRMOSUserID == nil || *run.OnlyHRMOSUserID != x.ID {
		t.Fatalf("one-user run = %+v, want completed, %d fetched, 1 created, of user %d", run, len(c.Users), x.ID)
	}
	if !slices.ContainsFunc(run.Notices, func(n string) bool {
		return strings.HasPrefix(n, codes.NoticeOneUser+fmt.Sprintf(": only HRMOS user %d was synced", x.ID))
	}) {
		t.Errorf("notices = %q, want the one-user notice", run.Notices)
	}
	items := e.items(run)
	if len(items) != 1 || items[x.ID].Outcome != string(codes.Created) {
		t.Fatalf("items = %+v, want user %d created alone", items, x.ID)
	}
	if got := e.lines(`SELECT hrmos_user_id::text || ' ' || employee_number FROM employees WHERE tenant_id = 'newhire'`); !slices.Equal(got,
		[]string{fmt.Sprintf("%d %s", x.ID, x.Number.Value)}) {
		t.Fatalf("employees = %q, want only user %d", got, x.ID)
	}

	// From the Temporal UI: its random workflow ID runs the one-user sync
	// under the roster's canonical ID.
	wf := e.startFromUI(workflows.RosterSyncName, fmt.Sprintf(`{"tenantId":"newhire","userId":%d}`, y.ID))
	if err := wf.Get(ctx, nil); err != nil {
		t.Fatalf("the UI's one-user run failed: %v", err)
	}
	if n := e.lines(`SELECT count(*)::text FROM employees WHERE tenant_id = 'newhire'`); n[0] != "2" {
		t.Fatalf("%s employees after the UI's one-user run, want 2", n[0])
	}
	// The UI lists both runs by the one user they sync.
	if sum := e.summaryOf(workflows.RosterWorkflowID("newhire"), ""); sum != fmt.Sprintf("roster sync of newhire, HRMOS user %d only, started from the Temporal UI", y.ID) {
		t.Errorf("the UI's one-user run is listed as %q", sum)
	}
	if sum := e.summaryOf(workflows.RosterWorkflowID("newhire"), run.WorkflowRunID); sum != fmt.Sprintf("roster sync of newhire, HRMOS user %d only, started from the starter", x.ID) {
		t.Errorf("the starter's one-user run is listed as %q", sum)
	}

	// An ID HRMOS does not list: the run fails naming it, writing nothing.
	missing, err := e.roster(workflows.RosterSyncInput{TenantID: "newhire", UserID: 987654})
	if err == nil || missing.Status != codes.RunFailed || !strings.Contains(missing.FailureReason, "HRMOS user 987654 is not in HRMOS's list") {
		t.Fatalf("run of an unlisted user = %+v, %v; want failed naming user 987654", missing, err)
	}
	if n := e.lines(`SELECT count(*)::text FROM sync_run_items WHERE sync_run_id = $1`, missing.ID); n[0] != "0" {
		t.Errorf("the failed one-user run recorded %s items", n[0])
	}

	// The first full sync is still the tenant's first (the one-user runs
	// wrote, but count for nothing there), and syncs everyone.
	full := e.mustRoster(workflows.RosterSyncInput{TenantID: "newhire"})
	if full.Status != codes.RunCompleted || full.Created+full.Updated+full.Unchanged+full.Skipped+full.Errors != len(c.Users) ||
		full.OnlyHRMOSUserID != nil || full.Unchanged < 2 {
		t.Fatalf("full run = %+v, want every one of %d users, the two synced already unchanged", full, len(c.Users))
	}
	if wrote, err := e.store.HasRunThatWrote(ctx, "newhire", codes.KindRoster); err != nil || !wrote {
		t.Errorf("after the full run HasRunThatWrote = %v, %v", wrote, err)
	}
}

// A one-user run shares the roster's workflow ID: it cannot start while a
// full roster run of the tenant runs (and the other way round).
func TestOneUserRunCannotOverlapAFullRosterRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "busy", Users: 5, Seed: 6})
	e.mustConnect("busy", "busy", c.APIKey)
	e.sim.SetFaults(hrmossim.Faults{Latency: 1500 * time.Millisecond})

	opts := startopts.Roster(e.cfg.TaskQueue, "busy", codes.TriggerCLI, false)
	full, err := e.temporal.ExecuteWorkflow(ctx, opts, workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "busy", Trigger: codes.TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.temporal.ExecuteWorkflow(ctx, opts, workflows.RosterSyncName,
		workflows.RosterSyncInput{TenantID: "busy", Trigger: codes.TriggerCLI, UserID: c.Users[0].ID})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &already) {
		t.Fatalf("one-user start during a full run: err = %v, want WorkflowExecutionAlreadyStarted", err)
	}
	if err := full.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// A scheduled action whose roster sync finds a one-user run holding the
// roster's workflow ID waits for it to end and then runs the month's full
// roster: one new hire synced at 06:00 on the 3rd never costs the tenant
// its monthly roster. A full run started by hand still does the month's
// work, and the action leaves it alone as before.
func TestScheduledRosterWaitsForAOneUserRun(t *testing.T) {
	e := newEnvOpts(t, testenv.Options{Workflows: workflows.Options{OneUserWait: 500 * time.Millisecond}})
	ctx := context.Background()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "sched1", Users: 5, Seed: 6})
	e.mustConnect("sched1", "sched1", c.APIKey)
	hire := employedUsers(c)[0]
	scheduled := func(id string) workflows.ScheduledSyncResult {
		t.Helper()
		wf, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.cfg.TaskQueue},
			workflows.ScheduledSyncName, workflows.ScheduledSyncInput{TenantID: "sched1"})
		if err != nil {
			t.Fatal(err)
		}
		var res workflows.ScheduledSyncResult
		if err := wf.Get(ctx, &res); err != nil {
			t.Fatalf("scheduled action: %v", err)
		}
		return res
	}

	// The one-user run is slow (HRMOS answers in 1.5 s); the action starts
	// while it runs.
	e.sim.SetFaults(hrmossim.Faults{Latency: 1500 * time.Millisecond})
	one, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "sched1", codes.TriggerCLI, false), workflows.RosterSyncName,
		workflows.RosterSyncInput{TenantID: "sched1", Trigger: codes.TriggerCLI, UserID: hire.ID})
	if err != nil {
		t.Fatal(err)
	}
	res := scheduled("scheduled-during-a-one-user-run")
	oneRun, err := e.wait(ctx, "sched1", one.GetRunID(), one.Get)
	if err != nil || oneRun.Created != 1 {
		t.Fatalf("one-user run = %+v, %v", oneRun, err)
	}
	if res.RosterOutcome != codes.RunCompleted || res.Roster == nil || res.Roster.Fetched != len(c.Users) {
		t.Fatalf("scheduled roster = %q %+v, want the month's full roster after the one-user run", res.RosterOutcome, res.Roster)
	}
	if refused := e.countEvents("scheduled-during-a-one-user-run", enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED); refused == 0 {
		t.Fatal("the action's roster was never refused: it did not start while the one-user run ran")
	}
	full, err := e.store.Run(ctx, store.RunRef{TenantID: "sched1", RunID: res.Roster.RunID})
	if err != nil || full.OnlyHRMOSUserID != nil || !full.StartedAt.After(oneRun.StartedAt) {
		t.Fatalf("scheduled roster run = %+v, %v; want a full run after the one-user run", full, err)
	}

	// A full run started by hand: the action skips its roster, as before.
	slow, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "sched1", codes.TriggerCLI, false), workflows.RosterSyncName,
		workflows.RosterSyncInput{TenantID: "sched1", Trigger: codes.TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the full run has recorded itself", func() bool {
		r, err := e.store.Run(ctx, store.RunRef{TenantID: "sched1", RunID: slow.GetRunID()})
		return err == nil && r.Status == codes.RunRunning
	})
	res = scheduled("scheduled-during-a-full-run")
	if !strings.HasPrefix(res.RosterOutcome, "skipped: one was already running") {
		t.Errorf("scheduled roster during a full run = %q, want skipped", res.RosterOutcome)
	}
	if err := slow.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// countEvents counts the events of a type in a workflow's latest run.
func (e *env) countEvents(workflowID string, eventType enumspb.EventType) int {
	e.t.Helper()
	it := e.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			e.t.Fatal(err)
		}
		if ev.GetEventType() == eventType {
			n++
		}
	}
	return n
}
