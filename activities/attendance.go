package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
)

// FetchAttendanceInput names the run and month whose report to fetch.
type FetchAttendanceInput struct {
	TenantID string
	RunID    string
	Month    string
}

// FetchAttendance reads every page of HRMOS's monthly report for the month
// and stages the rows for the run, resuming after the last staged page on
// a retry. One page is held in memory at a time.
func (a *Activities) FetchAttendance(ctx context.Context, in FetchAttendanceInput) (FetchResult, error) {
	client, err := a.clientFor(ctx, in.TenantID)
	if err != nil {
		return FetchResult{}, err
	}
	progress := resumeProgress(ctx)
	err = client.MonthlyReport(ctx, in.Month, progress.NextPage, func(page hrmos.Page[hrmos.MonthlyReportRow]) error {
		return stagePage(ctx, &progress, page,
			func(r hrmos.MonthlyReportRow) (int64, rules.AttendanceRow) { return r.UserID, attendanceRow(r) },
			func(rows []rules.AttendanceRow) error {
				return a.Store.StageAttendance(ctx, ref(in.TenantID, in.RunID), page.Number, rows)
			})
	})
	if err != nil {
		return FetchResult{}, a.fetchError(ctx, in.TenantID, err)
	}
	n, err := a.Store.FinishAttendanceStaging(ctx, ref(in.TenantID, in.RunID))
	if err != nil {
		return FetchResult{}, safe(err)
	}
	activity.GetLogger(ctx).Info("monthly report fetched", "tenant", in.TenantID, "run", in.RunID, "month", in.Month,
		"fetched", progress.Fetched, "staged", n, "without_id", progress.WithoutID)
	return FetchResult{Fetched: progress.Fetched, Staged: n, WithoutID: progress.WithoutID, Pages: progress.NextPage - 1}, nil
}

func attendanceRow(r hrmos.MonthlyReportRow) rules.AttendanceRow {
	return rules.AttendanceRow{
		HRMOSUserID: r.UserID, Number: r.Number,
		WorkingDays: r.WorkingDays, AbsenceDays: r.AbsenceDays, TardyDays: r.TardyDays, LeaveEarlyDays: r.LeaveEarlyDays,
		PaidHolidays: r.PaidHolidays, ActualWorkingHours: r.ActualWorkingHours, TotalLateHours: r.TotalLateHours,
		TotalLeaveEarlyHours: r.TotalLeaveEarlyHours, HoursInPrescribedWorkingHours: r.HoursInPrescribedWorkingHours,
		ExcessOfStatutoryWorkingHours: r.ExcessOfStatutoryWorkingHours, LateNightOvertimeWorkingHours: r.LateNightOvertimeWorkingHours,
		InvalidFields: r.Invalid,
	}
}

// SyncAttendanceInput names one report row of a run.
type SyncAttendanceInput struct {
	TenantID    string
	RunID       string
	Month       string
	HRMOSUserID int64
	DryRun      bool
}

// SyncAttendance matches one report row to its employee, maps it and
// upserts the employee's month, recording the outcome in the same
// transaction.
func (a *Activities) SyncAttendance(ctx context.Context, in SyncAttendanceInput) (EmployeeResult, error) {
	run := ref(in.TenantID, in.RunID)
	return a.syncRecordOnce(ctx, run, in.HRMOSUserID, func(q *store.Queries) (store.Item, error) {
		row, err := q.StagedAttendance(ctx, run, in.HRMOSUserID)
		if err != nil {
			return store.Item{}, err
		}
		match, err := q.AttendanceMatch(ctx, in.TenantID, in.HRMOSUserID, row.Number)
		if err != nil {
			return store.Item{}, err
		}
		var existing *rules.AttendanceFields
		if id := match.Employee(); id != nil {
			if existing, err = q.Attendance(ctx, in.TenantID, *id, in.Month); err != nil {
				return store.Item{}, err
			}
		}
		d := rules.DecideAttendance(row, match, existing)
		if !in.DryRun && (d.Outcome == codes.Created || d.Outcome == codes.Updated || d.Outcome == codes.Unchanged) {
			if err := q.UpsertAttendance(ctx, in.TenantID, *d.EmployeeID, in.Month, in.RunID, d.Fields); err != nil {
				return store.Item{}, err
			}
		}
		return store.Item{
			HRMOSUserID: in.HRMOSUserID, EmployeeID: d.EmployeeID, Outcome: string(d.Outcome), ReasonCode: d.ReasonCode,
			Reason: d.Reason, ChangedFields: d.ChangedFields,
		}, nil
	})
}
