package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// AttendanceSync syncs a tenant's monthly attendance for one month from
// HRMOS's monthly report (SPEC §3): one monthly_attendance row per
// employee and month, overwriting what an earlier sync of the month wrote.
// Started with any Workflow ID other than AttendanceWorkflowID, it runs the
// sync under that ID as its child.
func (w Workflows) AttendanceSync(ctx workflow.Context, in AttendanceSyncInput) (syncapi.RunResult, error) {
	trigger := startedFrom(ctx, in.Trigger)
	if err := in.validate(jst.Month(workflow.Now(ctx))); err != nil {
		return syncapi.RunResult{}, w.refuse(ctx, codes.KindAttendance, in.TenantID, in.Month, trigger, in.DryRun, err)
	}
	if id := AttendanceWorkflowID(in.TenantID, in.Month); workflow.GetInfo(ctx).WorkflowExecution.ID != id {
		in.Trigger = trigger
		return launch(ctx, launchSpec{kind: codes.KindAttendance, tenantID: in.TenantID, month: in.Month, trigger: trigger,
			dryRun: in.DryRun, workflowID: id, workflowType: AttendanceSyncName, input: in})
	}
	r := &syncRun{
		w: w,
		syncKind: syncKind{
			kind: codes.KindAttendance, chunkWorkflow: AttendanceSyncChunkName, plan: a.PlanAttendanceChunk,
			fetch: func(ctx workflow.Context, r *syncRun) (syncapi.FetchResult, error) {
				var res syncapi.FetchResult
				err := workflow.ExecuteActivity(w.hrmos(ctx, "fetch the monthly report of "+r.month), a.FetchAttendance,
					syncapi.FetchAttendanceInput{TenantID: r.tenantID, RunID: r.runID, Month: r.month}).Get(ctx, &res)
				return res, err
			},
			guard: func(ctx workflow.Context, r *syncRun) (string, error) {
				g := r.started.Guard
				if g.Disabled || r.started.FirstSync {
					return "", nil
				}
				previousMonth := jst.MonthBefore(r.month)
				var previous syncapi.MonthFigures
				if err := workflow.ExecuteLocalActivity(w.db(ctx, "sum the month before"), a.AttendanceMonthFigures,
					syncapi.MonthFiguresInput{TenantID: r.tenantID, Month: previousMonth}).Get(ctx, &previous); err != nil {
					return "", err
				}
				return attendanceGuard(g, r.started, r.planned, r.month, previousMonth, previous), nil
			},
			notices: func(r *syncRun) []string {
				if r.fetched.Fetched == 0 {
					return []string{noticeNoRows(r.month)}
				}
				return nil
			},
		},
		tenantID: in.TenantID, month: in.Month, trigger: trigger, dryRun: in.DryRun, chunkSize: in.ChunkSize,
	}
	return r.execute(ctx)
}
