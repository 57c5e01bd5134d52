package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// guardCompany is a company above the guard's 50 employees, connected.
func (e *env) guardCompany(tenant string) *hrmossim.Company {
	e.t.Helper()
	c := e.company(hrmossim.GenerateSpec{CompanyID: tenant, Users: 75, Seed: 83})
	e.mustConnect(tenant, tenant, c.APIKey)
	return c
}

// startHeldRoster changes 60% of the tenant's HRMOS users, starts a roster
// run and returns it once the mass-change guard holds it, with how many
// users changed.
func (e *env) startHeldRoster(tenant string) (client.WorkflowRun, store.Run, int) {
	e.t.Helper()
	changed, err := e.sim.MutateUsers(tenant, 60, 7)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := context.Background()
	wf, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, tenant, codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: tenant, Trigger: codes.TriggerCLI})
	if err != nil {
		e.t.Fatal(err)
	}
	var held store.Run
	testenv.Eventually(e.t, time.Minute, "the run waits for approval", func() bool {
		held, err = e.store.Run(ctx, store.RunRef{TenantID: tenant, RunID: wf.GetRunID()})
		if err == nil && held.AwaitingApprovalSince == nil && held.Status != codes.RunRunning {
			e.t.Fatalf("the run ended without waiting for approval: %+v", held)
		}
		return err == nil && held.AwaitingApprovalSince != nil
	})
	return wf, held, changed
}

// The mass-change guard: a run that would change a large share of a tenant
// waits for ops before it writes anything; approved it writes, unapproved
// it fails saying how to approve. A tenant's first sync is never held.
func TestMassChangeGuard(t *testing.T) {
	t.Run("approved, the held run writes", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		e.guardCompany("guard")
		first := e.mustRoster(workflows.RosterSyncInput{TenantID: "guard"})
		if first.Created < 50 || first.AwaitingApprovalSince != nil {
			t.Fatalf("first sync = %+v, want 50 or more created without approval", first)
		}
		before, _ := e.synced("guard")

		wf, held, changed := e.startHeldRoster("guard")
		desc, err := e.temporal.DescribeWorkflowExecution(ctx, wf.GetID(), wf.GetRunID())
		if err != nil {
			t.Fatal(err)
		}
		var status string
		if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.SearchStatus.GetName()]; p == nil {
			t.Fatal("the held run has no HrmosStatus")
		} else if err := converter.GetDefaultDataConverter().FromPayload(p, &status); err != nil {
			t.Fatal(err)
		}
		if status != workflows.StatusAwaitingApproval {
			t.Errorf("HrmosStatus = %q, want %q", status, workflows.StatusAwaitingApproval)
		}
		changes, err := e.store.Changes(ctx, store.RunRef{TenantID: "guard", RunID: held.ID})
		if err != nil {
			t.Fatal(err)
		}
		var users []int64
		for _, c := range changes {
			users = append(users, c.HRMOSUserID)
		}
		if users = slices.Compact(users); len(users) != changed {
			t.Errorf("the planned diff covers %d HRMOS users, %d changed", len(users), changed)
		}
		if now, _ := e.synced("guard"); !slices.Equal(now, before) {
			t.Fatal("an employee changed while the run waited for approval")
		}

		// The UI's Signal form: name "approve", input {"by":"ops"}.
		if err := e.temporal.SignalWorkflow(ctx, wf.GetID(), wf.GetRunID(), workflows.ApproveSignal, json.RawMessage(`{"by":"ops"}`)); err != nil {
			t.Fatal(err)
		}
		run, err := e.wait(ctx, "guard", wf.GetRunID(), wf.Get)
		if err != nil {
			t.Fatalf("the approved run failed: %v", err)
		}
		if run.Status != codes.RunCompleted || run.Updated != changed || run.ApprovedBy != "ops" || run.ApprovedAt == nil ||
			!slices.ContainsFunc(run.Notices, func(n string) bool { return strings.HasPrefix(n, codes.NoticeApproved+": ") }) {
			t.Fatalf("approved run = %+v, want %d updated, approved by ops", run, changed)
		}
		after, _ := e.synced("guard")
		differ := 0
		for i := range min(len(after), len(before)) {
			if after[i] != before[i] {
				differ++
			}
		}
		if len(after) != len(before) || differ != changed {
			t.Fatalf("%d of %d employees differ after the approved run, want %d", differ, len(after), changed)
		}
	})

	t.Run("unapproved, the held run fails and writes nothing", func(t *testing.T) {
		e := newEnvWith(t, func(c *config.Config) { c.GuardApprovalTimeout = time.Second })
		ctx := context.Background()
		c := e.guardCompany("guard-late")
		// mediment already has every employee, entered by hand with their
		// 社員番号: the first sync changes them all, and is not held.
		for _, u := range c.Users {
			e.insertEmployee("guard-late", s(u.Number.Value), nil, nil, nil, "")
		}
		first := e.mustRoster(workflows.RosterSyncInput{TenantID: "guard-late"})
		if first.Updated != len(c.Users) || first.AwaitingApprovalSince != nil {
			t.Fatalf("first sync = %+v, want all %d updated without approval", first, len(c.Users))
		}
		before, _ := e.synced("guard-late")

		wf, _, _ := e.startHeldRoster("guard-late")
		run, err := e.wait(ctx, "guard-late", wf.GetRunID(), wf.Get)
		if err == nil || run.Status != codes.RunFailed {
			t.Fatalf("the unapproved run = %+v, %v; want it failed", run, err)
		}
		for _, how := range []string{"nobody approved it within 1s", "starter approve --tenant guard-late", `Signal, name "approve", input {"by":"your name"}`} {
			if !strings.Contains(run.FailureReason, how) {
				t.Errorf("failure reason %q does not say %q", run.FailureReason, how)
			}
		}
		if now, _ := e.synced("guard-late"); !slices.Equal(now, before) {
			t.Fatal("the unapproved run changed employees")
		}
		var written int
		_ = e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND outcome IN ('created', 'updated')`,
			run.ID).Scan(&written)
		if written != 0 {
			t.Fatalf("the unapproved run recorded %d employees written", written)
		}
	})
}
