package e2e

import (
	"context"
	"fmt"
	"testing"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// Support finds a run in the Temporal UI by its search attributes (README:
// one query for all failed attendance runs of a month), and the UI lists
// each start with its summary.
func TestFindAnyRunBySearchAttributes(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "find", Users: 5, Seed: 79, Months: []string{month}})
	e.mustConnect("find", "find", c.APIKey)
	ctx := context.Background()

	// HRMOS refuses the monthly report (400: fails at once, not retried):
	// the month's run fails, and so does one of another month.
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: "/work_output_months", FailNextN: 1 << 30, FailStatus: 400})
	failed, err := e.attendance(workflows.AttendanceSyncInput{TenantID: "find", Month: month})
	if err == nil || failed.Status != codes.RunFailed {
		t.Fatalf("run = %+v, err = %v; want it failed", failed, err)
	}
	if _, err := e.attendance(workflows.AttendanceSyncInput{TenantID: "find", Month: "2020-01"}); err == nil {
		t.Fatal("the other month's run succeeded")
	}
	e.sim.SetFaults(hrmossim.Faults{})
	completed := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "find", Month: month})

	query := fmt.Sprintf(`HrmosKind = "attendance" AND HrmosMonth = "%s" AND HrmosStatus = "failed"`, month)
	var found []string
	e.waitUntil("the failed run is listed", func() bool { // visibility is eventually consistent
		resp, err := e.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %s: %v", query, err)
		}
		found = found[:0]
		for _, ex := range resp.GetExecutions() {
			found = append(found, ex.GetExecution().GetWorkflowId()+" "+ex.GetExecution().GetRunId())
		}
		return len(found) > 0
	})
	if want := failed.WorkflowID + " " + failed.WorkflowRunID; len(found) != 1 || found[0] != want {
		t.Fatalf("%s lists %v, want only %s", query, found, want)
	}

	// Each start carries its summary, shown in the UI's list.
	for _, r := range []struct {
		workflowID, runID, status string
	}{{failed.WorkflowID, failed.WorkflowRunID, "failed"}, {completed.WorkflowID, completed.WorkflowRunID, "completed"}} {
		desc, err := e.temporal.DescribeWorkflowExecution(ctx, r.workflowID, r.runID)
		if err != nil {
			t.Fatal(err)
		}
		var summary string
		if p := desc.GetExecutionConfig().GetUserMetadata().GetSummary(); p == nil {
			t.Fatalf("the %s run has no summary", r.status)
		} else if err := converter.GetDefaultDataConverter().FromPayload(p, &summary); err != nil {
			t.Fatal(err)
		}
		if want := workflows.Summary(codes.KindAttendance, "find", month, codes.TriggerCLI, false); summary != want {
			t.Errorf("the %s run's summary = %q, want %q", r.status, summary, want)
		}
	}
}
