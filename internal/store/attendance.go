package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
)

// StageAttendance stores one page of HRMOS's monthly report for a run.
// Re-staging a row (a retried page) overwrites it.
func (q *Queries) StageAttendance(ctx context.Context, ref RunRef, page int, rows []rules.AttendanceRow) error {
	tenantID, runID := ref.TenantID, ref.RunID
	if len(rows) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		invalid := r.InvalidFields
		if invalid == nil {
			invalid = []string{}
		}
		b.Queue(`
			INSERT INTO attendance_staging (sync_run_id, tenant_id, hrmos_user_id, page, number, working_days, absence_days,
				tardy_days, leave_early_days, paid_holidays, actual_working_hours, total_late_hours, total_leave_early_hours,
				hours_in_prescribed_working_hours, excess_of_statutory_working_hours, late_night_overtime_working_hours, invalid_fields)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
			WHERE `+runIsRunning+`
			ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET
				page = excluded.page, number = excluded.number, working_days = excluded.working_days,
				absence_days = excluded.absence_days, tardy_days = excluded.tardy_days, leave_early_days = excluded.leave_early_days,
				paid_holidays = excluded.paid_holidays, actual_working_hours = excluded.actual_working_hours,
				total_late_hours = excluded.total_late_hours, total_leave_early_hours = excluded.total_leave_early_hours,
				hours_in_prescribed_working_hours = excluded.hours_in_prescribed_working_hours,
				excess_of_statutory_working_hours = excluded.excess_of_statutory_working_hours,
				late_night_overtime_working_hours = excluded.late_night_overtime_working_hours,
				invalid_fields = excluded.invalid_fields`,
			runID, tenantID, r.HRMOSUserID, page, r.Number, r.WorkingDays, r.AbsenceDays, r.TardyDays, r.LeaveEarlyDays,
			r.PaidHolidays, r.ActualWorkingHours, r.TotalLateHours, r.TotalLeaveEarlyHours, r.HoursInPrescribedWorkingHours,
			r.ExcessOfStatutoryWorkingHours, r.LateNightOvertimeWorkingHours, invalid)
	}
	return sendStagingBatch(ctx, q.db, b, fmt.Sprintf("stage report page %d of run %s", page, runID))
}

// FinishAttendanceStaging numbers the staged rows for chunking and returns
// how many there are.
func (q *Queries) FinishAttendanceStaging(ctx context.Context, ref RunRef) (int, error) {
	if err := q.numberStaged(ctx, codes.KindAttendance, ref); err != nil {
		return 0, err
	}
	return q.countStaged(ctx, codes.KindAttendance, ref)
}

// StagedAttendance reads one staged report row of a run.
func (q *Queries) StagedAttendance(ctx context.Context, ref RunRef, hrmosUserID int64) (rules.AttendanceRow, error) {
	runID := ref.RunID
	var r rules.AttendanceRow
	err := q.db.QueryRow(ctx, `
		SELECT hrmos_user_id, coalesce(number, ''), coalesce(working_days, ''), coalesce(absence_days, ''), coalesce(tardy_days, ''),
			coalesce(leave_early_days, ''), coalesce(paid_holidays, ''), coalesce(actual_working_hours, ''),
			coalesce(total_late_hours, ''), coalesce(total_leave_early_hours, ''), coalesce(hours_in_prescribed_working_hours, ''),
			coalesce(excess_of_statutory_working_hours, ''), coalesce(late_night_overtime_working_hours, ''), invalid_fields
		FROM attendance_staging WHERE tenant_id = $3 AND sync_run_id = $1 AND hrmos_user_id = $2`, runID, hrmosUserID, ref.TenantID).
		Scan(&r.HRMOSUserID, &r.Number, &r.WorkingDays, &r.AbsenceDays, &r.TardyDays, &r.LeaveEarlyDays, &r.PaidHolidays,
			&r.ActualWorkingHours, &r.TotalLateHours, &r.TotalLeaveEarlyHours, &r.HoursInPrescribedWorkingHours,
			&r.ExcessOfStatutoryWorkingHours, &r.LateNightOvertimeWorkingHours, &r.InvalidFields)
	if errors.Is(err, pgx.ErrNoRows) {
		return rules.AttendanceRow{}, ErrStagingGone
	}
	if err != nil {
		return rules.AttendanceRow{}, fmt.Errorf("read staged report row of HRMOS user %d in run %s: %w", hrmosUserID, runID, err)
	}
	return r, nil
}

// AttendanceMatch finds the employee of a report row: the one the roster
// sync linked to the HRMOS user, else those with the same normalized
// 社員番号. Scoped by tenant.
func (q *Queries) AttendanceMatch(ctx context.Context, tenantID string, hrmosUserID int64, number string) (rules.AttendanceMatch, error) {
	rows, err := q.db.Query(ctx, `
		SELECT id, coalesce(hrmos_user_id = $2, false) FROM employees
		WHERE tenant_id = $1 AND (hrmos_user_id = $2 OR match_number = sync_norm_number($3))
		ORDER BY id`, tenantID, hrmosUserID, number)
	if err != nil {
		return rules.AttendanceMatch{}, fmt.Errorf("find the employee of HRMOS user %d: %w", hrmosUserID, err)
	}
	defer rows.Close()
	var m rules.AttendanceMatch
	for rows.Next() {
		var id int64
		var linked bool
		if err := rows.Scan(&id, &linked); err != nil {
			return rules.AttendanceMatch{}, fmt.Errorf("find the employee of HRMOS user %d: %w", hrmosUserID, err)
		}
		if linked {
			m.ByLink = &id
		} else {
			m.ByNumber = append(m.ByNumber, id)
		}
	}
	return m, rows.Err()
}

func attendanceSelectList() string {
	var cols []string
	var f rules.AttendanceFields
	for _, c := range f.Columns() {
		if c.Tenths {
			cols = append(cols, fmt.Sprintf("(%s * 10)::int", c.Name))
		} else {
			cols = append(cols, c.Name)
		}
	}
	return strings.Join(cols, ", ")
}

// Attendance reads, and locks until the transaction ends, what an earlier
// sync wrote for an employee and month; nil when nothing.
func (q *Queries) Attendance(ctx context.Context, tenantID string, employeeID int64, month string) (*rules.AttendanceFields, error) {
	var f rules.AttendanceFields
	err := q.db.QueryRow(ctx, `SELECT `+attendanceSelectList()+` FROM monthly_attendance
		WHERE tenant_id = $1 AND employee_id = $2 AND month = $3 FOR UPDATE`, tenantID, employeeID, month).Scan(f.ScanTargets()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the %s attendance of employee %d: %w", month, employeeID, err)
	}
	return &f, nil
}

// UpsertAttendance writes one employee's month, overwriting an earlier
// sync's values, and records which run wrote it.
func (q *Queries) UpsertAttendance(ctx context.Context, tenantID string, employeeID int64, month, runID string, f rules.AttendanceFields) error {
	names := []string{"tenant_id", "employee_id", "month", "sync_run_id", "synced_at"}
	values := []string{"$1", "$2", "$3", "$4", "now()"}
	args := []any{tenantID, employeeID, month, runID}
	updates := []string{"sync_run_id = excluded.sync_run_id", "synced_at = excluded.synced_at"}
	for _, c := range f.Columns() {
		args = append(args, c.Value)
		v := fmt.Sprintf("$%d::int", len(args))
		if c.Tenths {
			v = fmt.Sprintf("($%d::int / 10.0)", len(args))
		}
		names = append(names, c.Name)
		values = append(values, v)
		updates = append(updates, fmt.Sprintf("%s = excluded.%s", c.Name, c.Name))
	}
	_, err := q.db.Exec(ctx, `INSERT INTO monthly_attendance (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(values, ", ")+`)
		ON CONFLICT (tenant_id, employee_id, month) DO UPDATE SET `+strings.Join(updates, ", "), args...)
	if err != nil {
		return fmt.Errorf("write the %s attendance of employee %d: %w", month, employeeID, err)
	}
	return nil
}
