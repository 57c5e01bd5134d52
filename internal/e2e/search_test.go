package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
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
	testenv.Eventually(e.t, time.Minute, "the failed run is listed", func() bool { // visibility is eventually consistent
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

	t.Run("a refused run is found by its month", func(t *testing.T) {
		// Refused for its chunk size, a run of a valid month is a failed
		// run of that month in sync_runs; support's query must find it too.
		run := e.startFromUI(workflows.AttendanceSyncName, `{"tenantId":"find","month":"2020-02","chunkSize":-1}`)
		if err := run.Get(ctx, nil); err == nil {
			t.Fatal("a chunk size of -1 was accepted")
		}
		if r, err := e.store.Run(ctx, store.RunRef{TenantID: "find", RunID: run.GetRunID()}); err != nil || r.Month != "2020-02" || r.Status != codes.RunFailed {
			t.Fatalf("the refused run's row = %+v, %v", r, err)
		}
		list := func(query string) []string {
			resp, err := e.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
			if err != nil {
				t.Fatalf("list %s: %v", query, err)
			}
			var ids []string
			for _, ex := range resp.GetExecutions() {
				ids = append(ids, ex.GetExecution().GetWorkflowId())
			}
			return ids
		}
		testenv.Eventually(e.t, time.Minute, "the refused run is listed", func() bool {
			return slices.Contains(list(`HrmosTenant = "find" AND HrmosKind = "attendance" AND HrmosStatus = "failed"`), run.GetID())
		})
		if got := list(`HrmosKind = "attendance" AND HrmosMonth = "2020-02" AND HrmosStatus = "failed"`); !slices.Contains(got, run.GetID()) {
			t.Fatalf("the refused run of 2020-02 (%s) is not found by its month: %v", run.GetID(), got)
		}
	})

	// Each start carries its summary, shown in the UI's list.
	want := workflows.Summary(codes.KindAttendance, "find", month, codes.TriggerCLI, false)
	for _, r := range []store.Run{failed, completed} {
		if got := e.summaryOf(r.WorkflowID, r.WorkflowRunID); got != want {
			t.Errorf("the %s run's summary = %q, want %q", r.Status, got, want)
		}
	}
}
