package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// Ops start syncs from the Temporal UI, whose form fills the Workflow ID
// with a random UUID: such a start runs the sync under its canonical ID as
// a child, recorded with trigger ui, and is refused while that one runs.
func TestAnyWorkflowIDRunsTheCanonicalSync(t *testing.T) {
	// The mass-change guard holds the last roster run until it is approved,
	// so that "while one runs" is a state, not a race; lowered for this
	// small tenant.
	e := newEnvWith(t, func(c *config.Config) { c.GuardMinEmployees = 1 })
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "anyid", Users: 10, Seed: 73, Months: []string{month}})
	e.mustConnect("anyid", "anyid", c.APIKey)
	ctx := context.Background()
	rosterID := workflows.RosterWorkflowID("anyid")

	for _, start := range []struct{ workflowType, input, canonical string }{
		{workflows.RosterSyncName, `{"tenantId":"anyid"}`, rosterID},
		{workflows.AttendanceSyncName, `{"tenantId":"anyid","month":"` + month + `"}`, workflows.AttendanceWorkflowID("anyid", month)},
	} {
		run := e.startFromUI(start.workflowType, start.input)
		var res syncapi.RunResult
		if err := run.Get(ctx, &res); err != nil {
			t.Fatalf("%s started as %s: %v", start.workflowType, run.GetID(), err)
		}
		row, err := e.store.Run(ctx, store.RunRef{TenantID: "anyid", RunID: res.RunID})
		if err != nil || res.WorkflowID != start.canonical || res.RunID == run.GetRunID() || row.WorkflowID != start.canonical ||
			row.Trigger != codes.TriggerUI || row.Status != codes.RunCompleted || row.Created == 0 {
			t.Fatalf("%s started as %s: result %+v, row %+v, %v; want the work done as %s with trigger ui",
				start.workflowType, run.GetID(), res, row, err, start.canonical)
		}
		if got, want := e.summaryOf(res.WorkflowID, res.RunID), workflows.Summary(row.Kind, "anyid", row.Month, codes.TriggerUI, false); got != want {
			t.Errorf("%s's summary = %q, want %q", res.WorkflowID, got, want)
		}
	}

	// A change the guard holds: the canonical roster run waits for ops.
	if n, err := e.sim.MutateUsers("anyid", 50, 1); err != nil || n == 0 {
		t.Fatalf("mutate: %d, %v", n, err)
	}
	held := e.startFromUI(workflows.RosterSyncName, `{"tenantId":"anyid"}`)
	var heldRunID string
	testenv.Eventually(e.t, time.Minute, "the held roster run is running", func() bool {
		desc, err := e.temporal.DescribeWorkflowExecution(ctx, rosterID, "")
		if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return false
		}
		heldRunID = desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		return true
	})

	refused := e.startFromUI(workflows.RosterSyncName, `{"tenantId":"anyid"}`)
	err := refused.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeAlreadyRunning ||
		!strings.Contains(appErr.Message(), "already running (workflow "+rosterID+")") {
		t.Fatalf("second start while one runs: err = %v, want it refused naming %s", err, rosterID)
	}

	if err := e.temporal.SignalWorkflow(ctx, rosterID, heldRunID, workflows.ApproveSignal, workflows.Approval{By: "ops"}); err != nil {
		t.Fatal(err)
	}
	var res syncapi.RunResult
	if err := held.Get(ctx, &res); err != nil {
		t.Fatalf("the held run, approved: %v", err)
	}
	row, _ := e.store.Run(ctx, store.RunRef{TenantID: "anyid", RunID: heldRunID})
	if row.Status != codes.RunCompleted || row.Trigger != codes.TriggerUI || row.ApprovedBy != "ops" || row.Updated == 0 {
		t.Fatalf("held run = %+v, want it held, approved by ops and completed", row)
	}
}
