package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// ScheduledSyncInput is the action of a tenant's schedule.
type ScheduledSyncInput struct {
	TenantID string `json:"tenantId"`
	// Attendance also syncs the previous month's attendance after the roster.
	Attendance bool `json:"attendance,omitempty"`
}

// ScheduledSyncResult reports both syncs of a scheduled action.
type ScheduledSyncResult struct {
	Roster *syncapi.RunResult `json:"roster,omitempty"`
	// RosterOutcome is "completed", "failed: <reason>" or "skipped: <why>".
	RosterOutcome string             `json:"rosterOutcome"`
	Attendance    *syncapi.RunResult `json:"attendance,omitempty"`
	// Month is the attendance month, the one before the action's time in Japan.
	Month             string `json:"month,omitempty"`
	AttendanceOutcome string `json:"attendanceOutcome,omitempty"`
}

// scheduledStartTime is the search attribute Temporal Schedules set on the
// workflows they start: the action's nominal time, also for a caught-up
// action that runs late.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledSync is what a tenant's schedule runs: the roster sync, then the
// previous month's attendance sync, each as a child under its usual
// workflow ID so it never overlaps a run started by hand. A failed roster
// does not cost the month's attendance (it runs on the link and 社員番号 an
// earlier roster sync left), unless the failure stops every sync of the
// tenant (key rejected, tenant disconnected). It fails when either failed.
func (w Workflows) ScheduledSync(ctx workflow.Context, in ScheduledSyncInput) (ScheduledSyncResult, error) {
	if in.TenantID == "" {
		return ScheduledSyncResult{}, temporal.NewNonRetryableApplicationError(`field "tenantId" is required`, syncapi.ErrTypeInvalidInput, nil)
	}
	actionTime, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime)
	if !ok {
		actionTime = workflow.GetInfo(ctx).WorkflowStartTime
	}
	// A schedule's action (its page's Trigger too) records "schedule"; one
	// started by hand from the UI's Start Workflow form records "ui".
	trigger := startedFrom(ctx, codes.TriggerSchedule)
	forward := forwardsApprovals(ctx)
	forwardRejects := forward && forwardsRejections(ctx)
	running := ""
	if err := refuseDecisionUpdates(ctx, func() string { return running }); err != nil {
		return ScheduledSyncResult{}, err
	}
	upsertSearch(ctx, SearchTenant.ValueSet(in.TenantID), SearchKind.ValueSet(KindScheduled),
		SearchTrigger.ValueSet(trigger), SearchStatus.ValueSet(codes.RunRunning))
	var res ScheduledSyncResult
	var failures []string

	rosterSpec := launchSpec{kind: codes.KindRoster, tenantID: in.TenantID, trigger: trigger,
		workflowID: RosterWorkflowID(in.TenantID), workflowType: RosterSyncName, abandon: true, forwardApprovals: forward, forwardRejections: forwardRejects,
		input: RosterSyncInput{TenantID: in.TenantID, Trigger: trigger}}
	if forward {
		workflow.SetCurrentDetails(ctx, launcherDetails(rosterSpec))
	}
	running = rosterSpec.workflowID
	roster, err := runCanonical(ctx, rosterSpec)
	running = ""
	res.RosterOutcome = outcomeOf(roster, err, &res.Roster)
	if err != nil && !errors.Is(err, errAlreadyRunning) {
		failures = append(failures, "roster: "+failureReason(err))
	}
	workflow.SetCurrentDetails(ctx, "roster sync "+res.RosterOutcome)

	if in.Attendance {
		res.Month = jst.PreviousMonth(actionTime)
		if err != nil && permanentForTenant(err) {
			res.AttendanceOutcome = "skipped: the roster sync failed for a reason that stops every sync of the tenant"
		} else {
			spec := launchSpec{kind: codes.KindAttendance, tenantID: in.TenantID, month: res.Month,
				trigger: trigger, workflowID: AttendanceWorkflowID(in.TenantID, res.Month), workflowType: AttendanceSyncName,
				abandon: true, forwardApprovals: forward, forwardRejections: forwardRejects, input: AttendanceSyncInput{TenantID: in.TenantID, Month: res.Month, Trigger: trigger}}
			if forward {
				workflow.SetCurrentDetails(ctx, "roster sync "+res.RosterOutcome+"; "+launcherDetails(spec))
			}
			running = spec.workflowID
			attendance, aerr := runCanonical(ctx, spec)
			running = ""
			res.AttendanceOutcome = outcomeOf(attendance, aerr, &res.Attendance)
			if aerr != nil && !errors.Is(aerr, errAlreadyRunning) {
				failures = append(failures, "attendance "+res.Month+": "+failureReason(aerr))
			}
		}
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("roster sync %s; %s attendance sync %s", res.RosterOutcome, res.Month, res.AttendanceOutcome))
	}
	if len(failures) > 0 {
		upsertSearch(ctx, SearchStatus.ValueSet(codes.RunFailed))
		return res, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the scheduled sync of tenant %s failed: %s", in.TenantID, strings.Join(failures, "; ")), ErrTypeSyncFailed, nil, res)
	}
	upsertSearch(ctx, SearchStatus.ValueSet(codes.RunCompleted))
	return res, nil
}

func outcomeOf(r syncapi.RunResult, err error, keep **syncapi.RunResult) string {
	switch {
	case errors.Is(err, errAlreadyRunning):
		return "skipped: one was already running (started by hand); it was left alone"
	case err != nil:
		return "failed: " + failureReason(err)
	}
	*keep = &r
	return r.Status
}

// permanentForTenant reports whether a sync failed for a reason that fails
// every sync of the tenant until someone acts (a rejected key, a
// disconnected or unknown tenant): then a second sync is not tried.
func permanentForTenant(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if appErr, ok := e.(*temporal.ApplicationError); ok && slices.Contains(syncapi.PermanentForTenant, appErr.Type()) {
			return true
		}
	}
	return false
}
