package rules

import (
	"errors"
	"fmt"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// AttendanceRow is one row of HRMOS's monthly report (月次レポート) as the
// run staged it: HRMOS's raw text of the fields SPEC §3 maps.
type AttendanceRow struct {
	HRMOSUserID                   int64
	Number                        string
	WorkingDays                   string
	AbsenceDays                   string
	TardyDays                     string
	LeaveEarlyDays                string
	PaidHolidays                  string
	ActualWorkingHours            string
	TotalLateHours                string
	TotalLeaveEarlyHours          string
	HoursInPrescribedWorkingHours string
	ExcessOfStatutoryWorkingHours string
	LateNightOvertimeWorkingHours string
	InvalidFields                 []string
}

// AttendanceFields are the monthly_attendance columns a sync writes. Day
// counts are in tenths of a day (one decimal: half days exist), durations
// in minutes; nil is SQL NULL (HRMOS sent no value, or there is no source).
type AttendanceFields struct {
	WorkingDays              *int
	AbsenceDays              *int
	LateDays                 *int
	EarlyLeaveDays           *int
	ActualWorkMinutes        *int
	BreakMinutes             *int // no HRMOS source: always NULL
	LateMinutes              *int
	EarlyLeaveMinutes        *int
	PrescribedMinutes        *int
	NonPrescribedMinutes     *int
	StatutoryOvertimeMinutes *int
	LateNightMinutes         *int
	PaidLeaveMinutes         *int // no HRMOS source: always NULL
	PaidLeaveDays            *int
}

// AttendanceColumn is one monthly_attendance column; Tenths marks a day
// count stored as numeric with one decimal.
type AttendanceColumn struct {
	Name   string
	Value  *int
	Tenths bool
}

// Columns lists the columns in table order.
func (f *AttendanceFields) Columns() []AttendanceColumn {
	return []AttendanceColumn{
		{"working_days", f.WorkingDays, true},
		{"absence_days", f.AbsenceDays, true},
		{"late_days", f.LateDays, true},
		{"early_leave_days", f.EarlyLeaveDays, true},
		{"actual_work_minutes", f.ActualWorkMinutes, false},
		{"break_minutes", f.BreakMinutes, false},
		{"late_minutes", f.LateMinutes, false},
		{"early_leave_minutes", f.EarlyLeaveMinutes, false},
		{"prescribed_minutes", f.PrescribedMinutes, false},
		{"non_prescribed_minutes", f.NonPrescribedMinutes, false},
		{"statutory_overtime_minutes", f.StatutoryOvertimeMinutes, false},
		{"late_night_minutes", f.LateNightMinutes, false},
		{"paid_leave_minutes", f.PaidLeaveMinutes, false},
		{"paid_leave_days", f.PaidLeaveDays, true},
	}
}

// ScanTargets are pointers to every column, in Columns order.
func (f *AttendanceFields) ScanTargets() []any {
	return []any{&f.WorkingDays, &f.AbsenceDays, &f.LateDays, &f.EarlyLeaveDays, &f.ActualWorkMinutes, &f.BreakMinutes,
		&f.LateMinutes, &f.EarlyLeaveMinutes, &f.PrescribedMinutes, &f.NonPrescribedMinutes, &f.StatutoryOvertimeMinutes,
		&f.LateNightMinutes, &f.PaidLeaveMinutes, &f.PaidLeaveDays}
}

// MapAttendance converts a report row by the SPEC §3 table. A value that
// cannot be parsed is the row's error, naming HRMOS's field.
func MapAttendance(r AttendanceRow) (AttendanceFields, *Problem) {
	if len(r.InvalidFields) > 0 {
		return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidField, r.InvalidFields[0],
			"field %s has a value of the wrong type", r.InvalidFields[0])
	}
	var f AttendanceFields
	days := []struct {
		field string
		raw   string
		dst   **int
	}{
		{"working_days", r.WorkingDays, &f.WorkingDays},
		{"absence_days", r.AbsenceDays, &f.AbsenceDays},
		{"tardy_days", r.TardyDays, &f.LateDays},
		{"learve_early_days", r.LeaveEarlyDays, &f.EarlyLeaveDays},
		{"paid_holidays", r.PaidHolidays, &f.PaidLeaveDays},
	}
	for _, d := range days {
		v, ok, err := ParseDayCount(d.raw)
		if err != nil {
			return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidValue, d.field,
				"%s is not a day count such as \"20.0\" or \"0.5\"", d.field)
		}
		if ok {
			*d.dst = &v
		}
	}
	durations := []struct {
		field string
		raw   string
		dst   **int
	}{
		{"actual_working_hours", r.ActualWorkingHours, &f.ActualWorkMinutes},
		{"total_late_hours", r.TotalLateHours, &f.LateMinutes},
		{"total_leave_early_hours", r.TotalLeaveEarlyHours, &f.EarlyLeaveMinutes},
		{"hours_in_prescribed_working_hours", r.HoursInPrescribedWorkingHours, &f.PrescribedMinutes},
		{"excess_of_statutory_working_hours", r.ExcessOfStatutoryWorkingHours, &f.StatutoryOvertimeMinutes},
		{"late_night_overtime_working_hours", r.LateNightOvertimeWorkingHours, &f.LateNightMinutes},
	}
	for _, d := range durations {
		v, ok, err := ParseDuration(d.raw)
		if err != nil {
			return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidValue, d.field,
				"%s is not a duration such as \"160:00\"", d.field)
		}
		if ok {
			*d.dst = &v
		}
	}
	// 所定外労働時間 = 実労働時間 − 所定労働時間, never below 0; no 所定 means 0.
	if f.ActualWorkMinutes != nil {
		n := *f.ActualWorkMinutes
		if f.PrescribedMinutes != nil {
			n -= *f.PrescribedMinutes
		}
		n = max(n, 0)
		f.NonPrescribedMinutes = &n
	}
	return f, nil
}

func attendanceProblem(r AttendanceRow, code, field, format string, args ...any) *Problem {
	return &Problem{Code: code, Field: field,
		Reason: fmt.Sprintf("HRMOS user %d: ", r.HRMOSUserID) + fmt.Sprintf(format, args...) + "; correct it in HRMOS"}
}

// AttendanceMatch is what the database found for a report row: the
// employee the roster sync linked to its HRMOS user, else those with the
// same normalized 社員番号.
type AttendanceMatch struct {
	ByLink   *int64
	ByNumber []int64
}

// Employee is the one employee the row belongs to, or nil when there is
// none or the 社員番号 is ambiguous.
func (m AttendanceMatch) Employee() *int64 {
	switch {
	case m.ByLink != nil:
		return m.ByLink
	case len(m.ByNumber) == 1:
		return &m.ByNumber[0]
	}
	return nil
}

// AttendanceDecision is what a run does with one report row.
type AttendanceDecision struct {
	Outcome       codes.Outcome
	ReasonCode    string
	Reason        string
	EmployeeID    *int64
	Fields        AttendanceFields
	ChangedFields []string
}

// ErrNoEmployee is why a row is skipped: its employee is not in mediment.
var ErrNoEmployee = errors.New("not in mediment: run the roster sync first")

// DecideAttendance applies SPEC §3 to one report row; existing is what an
// earlier sync wrote for the employee and month (nil when none).
func DecideAttendance(r AttendanceRow, m AttendanceMatch, existing *AttendanceFields) AttendanceDecision {
	employee := m.Employee()
	switch {
	case employee == nil && len(m.ByNumber) > 1:
		p := attendanceProblem(r, codes.ReasonAmbiguousNumber, "number",
			"its 社員番号 matches %d mediment employees", len(m.ByNumber))
		return AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason}
	case employee == nil:
		return AttendanceDecision{Outcome: codes.Skipped, ReasonCode: codes.ReasonEmployeeNotInMediment,
			Reason: fmt.Sprintf("HRMOS user %d is %s", r.HRMOSUserID, ErrNoEmployee)}
	}
	f, p := MapAttendance(r)
	if p != nil {
		return AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, EmployeeID: employee}
	}
	d := AttendanceDecision{EmployeeID: employee, Fields: f}
	if existing == nil {
		d.Outcome, d.ReasonCode, d.Reason = codes.Created, codes.ReasonNewAttendance, "first sync of this month for the employee"
		for _, c := range f.Columns() {
			if c.Value != nil {
				d.ChangedFields = append(d.ChangedFields, c.Name)
			}
		}
		return d
	}
	old := existing.Columns()
	for i, c := range f.Columns() {
		if !equalInt(old[i].Value, c.Value) {
			d.ChangedFields = append(d.ChangedFields, c.Name)
		}
	}
	d.ReasonCode = codes.ReasonAttendanceResynced
	if len(d.ChangedFields) == 0 {
		d.Outcome, d.Reason = codes.Unchanged, "same values as the earlier sync of this month"
	} else {
		d.Outcome, d.Reason = codes.Updated, "overwrote what an earlier sync of this month wrote"
	}
	return d
}

func equalInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
