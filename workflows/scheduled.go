package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
)

// ScheduledSyncName is the workflow type Temporal Schedules start.
const ScheduledSyncName = "ScheduledSync"

// ScheduledSyncInput is the action of a tenant's schedule.
type ScheduledSyncInput struct {
	TenantID string `json:"tenantId"`
	// Attendance also syncs the previous month's attendance after the roster.
	Attendance bool `json:"attendance,omitempty"`
}

// ScheduledSyncResult names the runs a scheduled action started.
type ScheduledSyncResult struct {
	Roster     *RunSummary `json:"roster,omitempty"`
	Attendance *RunSummary `json:"attendance,omitempty"`
	// Month is the attendance month, the one before the action's time in Japan.
	Month string `json:"month,omitempty"`
}

// scheduledStartTime is the search attribute Temporal Schedules set on the
// workflows they start: the action's nominal time, also for a caught-up
// action that runs late.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledSync is what a tenant's schedule runs: the roster sync, then the
// previous month's attendance sync, each as a child under its usual
// workflow ID so it never overlaps a run started by hand.
func ScheduledSync(ctx workflow.Context, in ScheduledSyncInput) (ScheduledSyncResult, error) {
	if in.TenantID == "" {
		return ScheduledSyncResult{}, temporal.NewNonRetryableApplicationError(`field "tenantId" is required`, ErrTypeInvalidInput, nil)
	}
	actionTime, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime)
	if !ok {
		actionTime = workflow.GetInfo(ctx).WorkflowStartTime
	}
	logger := workflow.GetLogger(ctx)
	var res ScheduledSyncResult

	roster, ran, err := scheduledChild(ctx, RosterWorkflowID(in.TenantID), RosterSyncName,
		RosterSyncInput{TenantID: in.TenantID, Trigger: codes.TriggerSchedule})
	if err != nil {
		return res, err
	}
	if ran {
		res.Roster = &roster
	} else {
		logger.Warn("a roster sync was already running; the scheduled one was skipped", "tenant", in.TenantID)
	}
	if !in.Attendance {
		return res, nil
	}
	res.Month = PreviousMonth(actionTime)
	attendance, ran, err := scheduledChild(ctx, AttendanceWorkflowID(in.TenantID, res.Month), AttendanceSyncName,
		AttendanceSyncInput{TenantID: in.TenantID, Month: res.Month, Trigger: codes.TriggerSchedule})
	if err != nil {
		return res, err
	}
	if ran {
		res.Attendance = &attendance
	} else {
		logger.Warn("an attendance sync of the month was already running; the scheduled one was skipped", "tenant", in.TenantID, "month", res.Month)
	}
	return res, nil
}

// scheduledChild runs one sync as a child. ran is false when a run with
// that workflow ID was already going (started by hand): it is left alone.
func scheduledChild(ctx workflow.Context, id, workflowType string, input any) (summary RunSummary, ran bool, err error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// The sync keeps going if the schedule's own workflow is terminated.
		ParentClosePolicy:        enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowExecutionTimeout: 12 * time.Hour,
	})
	err = workflow.ExecuteChildWorkflow(cctx, workflowType, input).Get(ctx, &summary)
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	switch {
	case errors.As(err, &already):
		return RunSummary{}, false, nil
	case err != nil:
		return RunSummary{}, false, fmt.Errorf("scheduled %s (workflow %s) failed: %w", workflowType, id, err)
	}
	return summary, true, nil
}

// PreviousMonth is the month before t's month in Japan, "YYYY-MM".
func PreviousMonth(t time.Time) string {
	today := jst.Today(t) // YYYY-MM-DD in Japan
	first, _ := time.Parse(time.DateOnly, today[:8]+"01")
	return first.AddDate(0, -1, 0).Format("2006-01")
}
