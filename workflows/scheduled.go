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
	if errors.Is(err, errAlreadyRunning) {
		roster, err = w.afterOneUserRun(ctx, rosterSpec)
	}
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

// waitForOneUserRunChange puts behind a version the scheduled action's wait
// for a one-user run: actions that started before it skipped the roster
// whenever one was running, and replay so.
const waitForOneUserRunChange = "scheduled-roster-waits-for-a-one-user-run"

// maxOneUserWaits bounds the wait for one-user runs: at OneUserWait's 30 s,
// 30 minutes, beyond the largest company's one-user run (about 7 minutes at
// HRMOS's rate limit, README "One employee now").
const maxOneUserWaits = 60

// afterOneUserRun is called when the tenant's roster sync could not start
// because a run holds its workflow ID. A run of the whole roster started by
// hand does the month's work: it is left alone and the roster skipped, as
// always. A one-user run (a new hire synced by hand, which shares the ID so
// that it never overlaps a full run) does not: the action waits for it to
// end and starts the month's roster then, so one new hire never costs the
// tenant its monthly roster. When no run is found the refused one has just
// ended or not yet recorded itself: that is waited for too.
func (w Workflows) afterOneUserRun(ctx workflow.Context, spec launchSpec) (syncapi.RunResult, error) {
	if workflow.GetVersion(ctx, waitForOneUserRunChange, workflow.DefaultVersion, 1) < 1 {
		return syncapi.RunResult{}, errAlreadyRunning
	}
	for range maxOneUserWaits {
		var running syncapi.RunningRunResult
		if err := workflow.ExecuteLocalActivity(w.db(ctx, "what holds the roster's workflow ID"), a.RunningRun,
			syncapi.RunningRunInput{TenantID: spec.tenantID, Kind: spec.kind}).Get(ctx, &running); err != nil {
			return syncapi.RunResult{}, err
		}
		if running.Running && running.OnlyHRMOSUserID == 0 {
			return syncapi.RunResult{}, errAlreadyRunning
		}
		if err := workflow.Sleep(ctx, w.opts.OneUserWait); err != nil {
			return syncapi.RunResult{}, err
		}
		res, err := runCanonical(ctx, spec)
		if !errors.Is(err, errAlreadyRunning) {
			return res, err
		}
	}
	return syncapi.RunResult{}, errAlreadyRunning
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
