package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
)

// AttendanceSync syncs a tenant's monthly attendance for one month from
// HRMOS's monthly report (SPEC §3): one monthly_attendance row per
// employee and month, overwriting what an earlier sync of the month wrote.
func AttendanceSync(ctx workflow.Context, in AttendanceSyncInput) (RunSummary, error) {
	thisMonth := japanMonth(workflow.Now(ctx))
	if err := in.validate(thisMonth); err != nil {
		return RunSummary{}, err
	}
	if want := AttendanceWorkflowID(in.TenantID, in.Month); workflow.GetInfo(ctx).WorkflowExecution.ID != want {
		return RunSummary{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("start the %s attendance sync of tenant %q with Workflow ID %q: that ID is what keeps it to one run per tenant and month", in.Month, in.TenantID, want),
			ErrTypeInvalidInput, nil)
	}
	r := &syncRun{
		kind: codes.KindAttendance, month: in.Month, tenantID: in.TenantID, trigger: in.Trigger, dryRun: in.DryRun,
		chunkSize: in.ChunkSize, chunkWorkflow: AttendanceSyncChunkName,
		fetch: func(ctx workflow.Context, runID string) (activities.FetchResult, error) {
			var res activities.FetchResult
			err := workflow.ExecuteActivity(hrmosOptions(ctx), a.FetchAttendance,
				activities.FetchAttendanceInput{TenantID: in.TenantID, RunID: runID, Month: in.Month}).Get(ctx, &res)
			return res, err
		},
		notices: func(f activities.FetchResult) []string {
			if f.Fetched == 0 {
				return []string{noticeNoRows(in.Month)}
			}
			return nil
		},
	}
	return r.execute(ctx)
}
