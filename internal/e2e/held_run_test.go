package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// Ops started a roster sync from the Temporal UI and are looking at that
// workflow (the launcher): approving it approves the run the guard holds.
func TestApprovingTheLauncherApprovesTheHeldRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.guardCompany("fwd")
	e.mustRoster(workflows.RosterSyncInput{TenantID: "fwd"})
	changed, err := e.sim.MutateUsers("fwd", 60, 7)
	if err != nil {
		t.Fatal(err)
	}

	launcher := e.startFromUI(workflows.RosterSyncName, `{"tenantId":"fwd"}`)
	var held store.Run
	testenv.Eventually(e.t, time.Minute, "the launcher's run waits for approval", func() bool {
		runs, err := e.store.Runs(ctx, "fwd", 1)
		if err != nil || len(runs) == 0 {
			return false
		}
		held = runs[0]
		return held.AwaitingApprovalSince != nil
	})
	if held.WorkflowID != workflows.RosterWorkflowID("fwd") {
		t.Fatalf("the held run is %+v, want the canonical one", held)
	}

	// The UI's Signal form on the launcher's own page.
	if err := e.temporal.SignalWorkflow(ctx, launcher.GetID(), launcher.GetRunID(), workflows.ApproveSignal, workflows.Approval{By: "ops"}); err != nil {
		t.Fatal(err)
	}
	var res syncapi.RunResult
	if err := launcher.Get(ctx, &res); err != nil {
		t.Fatalf("the launcher, approved: %v", err)
	}
	r, err := e.store.Run(ctx, store.RunRef{TenantID: "fwd", RunID: held.ID})
	if err != nil || res.RunID != held.ID || r.Status != codes.RunCompleted || r.ApprovedBy != "ops" || r.Updated != changed {
		t.Fatalf("result %+v, run %+v, %v: want the held run approved by ops and its %d changes written", res, r, err, changed)
	}
}

// A tenant's first sync is guarded when mediment already has employees: a
// wrong company (which matches none of them) is held and, unapproved,
// writes nothing; the right one (which matches them all, however many more
// HRMOS holds) writes at once.
func TestAFirstSyncThatMatchesFewEmployeesIsHeld(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.GuardApprovalTimeout = 2 * time.Second })

	e.guardCompany("wrong") // 75 employees, none of them mediment's
	for i := range 60 {
		e.insertEmployee("wrong", s(fmt.Sprintf("M%04d", i+1)), nil, nil, nil, "")
	}
	before, _ := e.synced("wrong")
	run, err := e.roster(workflows.RosterSyncInput{TenantID: "wrong"})
	if err == nil || run.Status != codes.RunFailed {
		t.Fatalf("the first sync of a wrong company = %+v, %v; want it held, then failed", run, err)
	}
	for _, want := range []string{"this first sync of the tenant matches only 0 of its 60 employees in mediment",
		"new ones beside them", "A wrong HRMOS company ID is the usual cause", "nobody approved it within 2s"} {
		if !strings.Contains(run.FailureReason, want) {
			t.Errorf("failure reason %q does not say %q", run.FailureReason, want)
		}
	}
	if after, _ := e.synced("wrong"); len(after) != len(before) {
		t.Fatalf("the held first sync wrote: %d employees before, %d after", len(before), len(after))
	}

	right := e.guardCompany("right")
	known := 0
	for _, u := range right.Users {
		if u.Number.Value != "" && known < 40 {
			e.insertEmployee("right", s(u.Number.Value), nil, nil, nil, "")
			known++
		}
	}
	ok := e.mustRoster(workflows.RosterSyncInput{TenantID: "right"})
	if ok.AwaitingApprovalSince != nil || ok.Updated+ok.Unchanged != known || ok.Created == 0 {
		t.Fatalf("the first sync of the right company = %+v, want its %d employees matched and the others created without approval", ok, known)
	}
}

// A run cancelled while its chunks write counts what it wrote only once
// they have stopped: its counts in sync_runs equal its sync_run_items, even
// once every activity the worker was running has ended.
func TestACancelledRunsCountsAreItsItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "cancel-w", Users: 1000, Seed: 41})
	e.mustConnect("cancel-w", "cancel-w", c.APIKey)
	wf, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "cancel-w", codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "cancel-w", ChunkSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	written := func() int {
		var n int
		if err := e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND outcome = 'created'`,
			wf.GetRunID()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	testenv.Eventually(e.t, time.Minute, "the run writes", func() bool { return written() > 0 })
	if err := e.temporal.CancelWorkflow(ctx, wf.GetID(), wf.GetRunID()); err != nil {
		t.Fatal(err)
	}
	if err := wf.Get(ctx, nil); err == nil {
		t.Fatal("the cancelled run completed")
	}
	check := func(when string) {
		t.Helper()
		r, err := e.store.Run(ctx, store.RunRef{TenantID: "cancel-w", RunID: wf.GetRunID()})
		if err != nil {
			t.Fatal(err)
		}
		var items store.Counts
		if err := e.store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE outcome = 'created'), count(*) FILTER (WHERE outcome = 'updated'),
			count(*) FILTER (WHERE outcome = 'unchanged'), count(*) FILTER (WHERE outcome = 'skipped'), count(*) FILTER (WHERE outcome = 'error')
			FROM sync_run_items WHERE sync_run_id = $1`, wf.GetRunID()).Scan(&items.Created, &items.Updated, &items.Unchanged, &items.Skipped, &items.Errors); err != nil {
			t.Fatal(err)
		}
		items.Fetched = r.Fetched
		if r.Status != codes.RunFailed || !strings.Contains(r.FailureReason, "cancelled") || r.Counts != items {
			t.Fatalf("%s: run %+v, counts %+v; want failed as cancelled, with the counts of its items %+v", when, r, r.Counts, items)
		}
		t.Logf("%s: the run had created %d of %d when it stopped", when, r.Created, len(c.Users))
	}
	check("when the run ended")
	e.stopWorker() // returns once every activity the worker was running has ended
	check("once the worker has stopped")
}
