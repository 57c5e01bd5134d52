package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

func TestRosterFailsWhenHRMOSStaysDown(t *testing.T) {
	e := newEnvRetrying(t, 0, 100*time.Millisecond)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "down", Users: 5, Seed: 4})
	e.mustConnect("down", "down", c.APIKey)
	e.sim.SetFaults(hrmossim.Faults{FailNextN: 1 << 30, FailStatus: 503})

	run, err := e.roster(workflows.RosterSyncInput{TenantID: "down"})
	if err == nil {
		t.Fatal("the run succeeded while HRMOS was down")
	}
	if run.Status != codes.RunFailed || !strings.Contains(run.FailureReason, "HRMOS is unavailable") || !strings.Contains(run.FailureReason, "503") {
		t.Fatalf("run = %+v", run)
	}
}

func TestRosterRecoversFromPassingHRMOSFaults(t *testing.T) {
	e := newEnvRetrying(t, 0, 100*time.Millisecond)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "flaky", Users: 120, Seed: 8})
	e.mustConnect("flaky", "flaky", c.APIKey)
	e.sim.SetFaults(hrmossim.Faults{FailNextN: 2, FailStatus: 502, RateLimitNextN: 2, TruncateNextN: 1, UnauthorizedNextN: 1})

	run := e.mustRoster(workflows.RosterSyncInput{TenantID: "flaky"})
	if run.Fetched != 120 || run.Created+run.Skipped+run.Errors != 120 {
		t.Fatalf("run = %+v", run)
	}
}

func TestSecondRosterStartIsRefusedWhileOneRuns(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "slow", Users: 5, Seed: 6})
	e.mustConnect("slow", "slow", c.APIKey)
	e.sim.SetFaults(hrmossim.Faults{Latency: 1500 * time.Millisecond})

	ctx := context.Background()
	opts := startopts.Roster(e.cfg.TaskQueue, "slow", codes.TriggerCLI, false)
	first, err := e.temporal.ExecuteWorkflow(ctx, opts, workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "slow", Trigger: codes.TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.temporal.ExecuteWorkflow(ctx, opts, workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "slow", Trigger: codes.TriggerCLI})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &already) {
		t.Fatalf("second start: err = %v, want WorkflowExecutionAlreadyStarted", err)
	}
	var summary store.Run
	if err := first.Get(ctx, &summary); err != nil || summary.Status != codes.RunCompleted {
		t.Fatalf("first run = %+v, %v", summary, err)
	}
	// Once it has finished, the next one may start.
	e.sim.SetFaults(hrmossim.Faults{})
	e.mustRoster(workflows.RosterSyncInput{TenantID: "slow"})
}
