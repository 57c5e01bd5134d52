package rules

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

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
	// Unstorable names the fields the database cannot take, staged empty
	// (SanitizeAttendanceRow): "field:reason_code" by HRMOS's key.
	Unstorable []string
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

// Unit is how a monthly_attendance column stores its value.
type Unit int

const (
	// Minutes: an integer column, read from HRMOS's "H:MM".
	Minutes Unit = iota
	// Tenths: a numeric(6,1) day count, kept as tenths of a day, read from
	// HRMOS's "20.0".
	Tenths
)

// SQLType is the type of a monthly_attendance column of the unit.
func (u Unit) SQLType() string {
	if u == Tenths {
		return "numeric(6,1)"
	}
	return "integer"
}

// AttendanceColumn is one row of the SPEC §3 table: the monthly_attendance
// column, the HRMOS report key it comes from ("" when HRMOS has no source
// or the value is computed), the attendance_staging text column holding
// HRMOS's text as sent, and where the raw and the mapped value live. One
// entry per field, so the fetch (which asks the client for the field by
// Source: hrmos.MonthlyReportRow.Text), the staging, the staged read, the
// mapping, the diff and the store's reads and writes all follow it and
// cannot pair a value with the wrong column: a new attendance field is its
// decode in internal/hrmos/types.go, a line here (with the struct fields
// its accessors name) and its migration.
type AttendanceColumn struct {
	Name   string
	Unit   Unit
	Source string
	Staged string
	Raw    func(*AttendanceRow) *string
	Field  func(*AttendanceFields) **int
}

// AttendanceColumns are every monthly_attendance column a sync writes, in
// table order.
var AttendanceColumns = []AttendanceColumn{
	{"working_days", Tenths, "working_days", "working_days",
		func(r *AttendanceRow) *string { return &r.WorkingDays }, func(f *AttendanceFields) **int { return &f.WorkingDays }},
	{"absence_days", Tenths, "absence_days", "absence_days",
		func(r *AttendanceRow) *string { return &r.AbsenceDays }, func(f *AttendanceFields) **int { return &f.AbsenceDays }},
	{"late_days", Tenths, "tardy_days", "tardy_days",
		func(r *AttendanceRow) *string { return &r.TardyDays }, func(f *AttendanceFields) **int { return &f.LateDays }},
	// HRMOS misspells the key (docs/hrmos-api.md §7).
	{"early_leave_days", Tenths, "learve_early_days", "leave_early_days",
		func(r *AttendanceRow) *string { return &r.LeaveEarlyDays }, func(f *AttendanceFields) **int { return &f.EarlyLeaveDays }},
	{"actual_work_minutes", Minutes, "actual_working_hours", "actual_working_hours",
		func(r *AttendanceRow) *string { return &r.ActualWorkingHours }, func(f *AttendanceFields) **int { return &f.ActualWorkMinutes }},
	{"break_minutes", Minutes, "", "", nil, func(f *AttendanceFields) **int { return &f.BreakMinutes }},
	{"late_minutes", Minutes, "total_late_hours", "total_late_hours",
		func(r *AttendanceRow) *string { return &r.TotalLateHours }, func(f *AttendanceFields) **int { return &f.LateMinutes }},
	{"early_leave_minutes", Minutes, "total_leave_early_hours", "total_leave_early_hours",
		func(r *AttendanceRow) *string { return &r.TotalLeaveEarlyHours }, func(f *AttendanceFields) **int { return &f.EarlyLeaveMinutes }},
	{"prescribed_minutes", Minutes, "hours_in_prescribed_working_hours", "hours_in_prescribed_working_hours",
		func(r *AttendanceRow) *string { return &r.HoursInPrescribedWorkingHours }, func(f *AttendanceFields) **int { return &f.PrescribedMinutes }},
	// Computed below: 実労働時間 − 所定労働時間.
	{"non_prescribed_minutes", Minutes, "", "", nil, func(f *AttendanceFields) **int { return &f.NonPrescribedMinutes }},
	{"statutory_overtime_minutes", Minutes, "excess_of_statutory_working_hours", "excess_of_statutory_working_hours",
		func(r *AttendanceRow) *string { return &r.ExcessOfStatutoryWorkingHours }, func(f *AttendanceFields) **int { return &f.StatutoryOvertimeMinutes }},
	{"late_night_minutes", Minutes, "late_night_overtime_working_hours", "late_night_overtime_working_hours",
		func(r *AttendanceRow) *string { return &r.LateNightOvertimeWorkingHours }, func(f *AttendanceFields) **int { return &f.LateNightMinutes }},
	{"paid_leave_minutes", Minutes, "", "", nil, func(f *AttendanceFields) **int { return &f.PaidLeaveMinutes }},
	{"paid_leave_days", Tenths, "paid_holidays", "paid_holidays",
		func(r *AttendanceRow) *string { return &r.PaidHolidays }, func(f *AttendanceFields) **int { return &f.PaidLeaveDays }},
}

// MapAttendance converts a report row by the SPEC §3 table. A value that
// cannot be parsed is the row's error, naming HRMOS's field.
func MapAttendance(r AttendanceRow) (AttendanceFields, *Problem) {
	if p := attendanceUnstorable(r); p != nil {
		return AttendanceFields{}, p
	}
	if len(r.InvalidFields) > 0 {
		return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidField, r.InvalidFields[0],
			"field %s has a value of the wrong type", r.InvalidFields[0])
	}
	var f AttendanceFields
	for _, c := range AttendanceColumns {
		if c.Raw == nil {
			continue
		}
		raw := *c.Raw(&r)
		var v int
		var ok bool
		var err error
		switch c.Unit {
		case Tenths:
			v, ok, err = ParseDayCount(raw)
			if errors.Is(err, ErrOutOfRange) {
				return AttendanceFields{}, attendanceProblem(r, codes.ReasonValueOutOfRange, c.Source,
					"%s is a day count above what mediment stores (99999.9)", c.Source)
			}
			if err != nil {
				return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidValue, c.Source,
					"%s is not a day count such as \"20.0\" or \"0.5\"", c.Source)
			}
		case Minutes:
			v, ok, err = ParseDuration(raw)
			if errors.Is(err, ErrOutOfRange) {
				return AttendanceFields{}, attendanceProblem(r, codes.ReasonValueOutOfRange, c.Source,
					"%s is a duration beyond what mediment stores (%d hours)", c.Source, maxDurationHours)
			}
			if err != nil {
				return AttendanceFields{}, attendanceProblem(r, codes.ReasonInvalidValue, c.Source,
					"%s is not a duration such as \"160:00\"", c.Source)
			}
		}
		if ok {
			*c.Field(&f) = &v
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

// AttendanceMatch is what the database found for a report row.
type AttendanceMatch struct {
	// ByLink is the employee the roster sync linked to the row's HRMOS user.
	ByLink *int64
	// ByNumber are the employees with the row's 社員番号 key (NormNumber).
	ByNumber []NumberMatch
	// Rivals are the other rows of the run with the same 社員番号 key
	// whose HRMOS users no employee is linked to: they fall back to the
	// same employee by number.
	Rivals []int64
}

// NumberMatch is an employee found by 社員番号, and the HRMOS user the roster
// sync linked it to (nil when none).
type NumberMatch struct {
	EmployeeID int64
	LinkedTo   *int64
}

// AttendanceDecision is what a run does with one report row.
type AttendanceDecision struct {
	Outcome       codes.Outcome
	ReasonCode    string
	Reason        string
	Field         string
	EmployeeID    *int64
	Fields        AttendanceFields
	ChangedFields []string
	// Old is what an earlier sync wrote for the employee and month.
	Old *AttendanceFields
}

// ResolveAttendance finds the employee a report row belongs to (SPEC §3: the
// link the roster sync made, else the 社員番号). The 社員番号 fallback never
// takes an employee linked to another HRMOS user, and when several rows fall
// back to one employee the lowest HRMOS user ID wins: one person's month is
// never written over another's, and never twice.
func ResolveAttendance(r AttendanceRow, m AttendanceMatch) (*int64, *AttendanceDecision) {
	if m.ByLink != nil {
		return m.ByLink, nil
	}
	switch {
	case len(m.ByNumber) == 0:
		return nil, &AttendanceDecision{Outcome: codes.Skipped, ReasonCode: codes.ReasonEmployeeNotInMediment,
			Reason: fmt.Sprintf("HRMOS user %d is not in mediment: run the roster sync first", r.HRMOSUserID)}
	case len(m.ByNumber) > 1:
		p := attendanceProblem(r, codes.ReasonAmbiguousNumber, "number", "its 社員番号 matches %d mediment employees", len(m.ByNumber))
		return nil, &AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field}
	}
	e := m.ByNumber[0]
	if e.LinkedTo != nil && *e.LinkedTo != r.HRMOSUserID {
		p := attendanceProblem(r, codes.ReasonNumberOfOtherHRMOSUser, "number",
			"its 社員番号 finds mediment employee %d, which the roster sync linked to HRMOS user %d; correct the 社員番号 in HRMOS or run the roster sync",
			e.EmployeeID, *e.LinkedTo)
		return nil, &AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field}
	}
	if winner := slices.Min(append(slices.Clone(m.Rivals), r.HRMOSUserID)); winner != r.HRMOSUserID {
		p := attendanceProblem(r, codes.ReasonDuplicateAttendanceRow, "number",
			"its 社員番号 finds mediment employee %d, whose month is taken from HRMOS user %d's row (same 社員番号); make the 社員番号 unique in HRMOS",
			e.EmployeeID, winner)
		return nil, &AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field}
	}
	return &e.EmployeeID, nil
}

// DecideAttendance applies SPEC §3 to one report row; existing is what an
// earlier sync wrote for the employee and month (nil when none).
func DecideAttendance(r AttendanceRow, m AttendanceMatch, existing *AttendanceFields) AttendanceDecision {
	// First: a 社員番号 staged empty because the database cannot take it
	// must not read as "not in mediment".
	if p := attendanceUnstorable(r); p != nil {
		return AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field, EmployeeID: m.ByLink}
	}
	employee, d := ResolveAttendance(r, m)
	if d != nil {
		return *d
	}
	f, p := MapAttendance(r)
	if p != nil {
		return AttendanceDecision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field, EmployeeID: employee}
	}
	dec := AttendanceDecision{EmployeeID: employee, Fields: f, Old: existing}
	if existing == nil {
		dec.Outcome, dec.ReasonCode, dec.Reason = codes.Created, codes.ReasonNewAttendance, "first sync of this month for the employee"
		for _, c := range AttendanceColumns {
			if *c.Field(&f) != nil {
				dec.ChangedFields = append(dec.ChangedFields, c.Name)
			}
		}
		return dec
	}
	for _, c := range AttendanceColumns {
		if !Equal(*c.Field(existing), *c.Field(&f)) {
			dec.ChangedFields = append(dec.ChangedFields, c.Name)
		}
	}
	dec.ReasonCode = codes.ReasonAttendanceResynced
	if len(dec.ChangedFields) == 0 {
		dec.Outcome, dec.Reason = codes.Unchanged, "same values as the earlier sync of this month"
	} else {
		dec.Outcome, dec.Reason = codes.Updated, "overwrote what an earlier sync of this month wrote"
	}
	return dec
}

// Changes lists, column by column, what the decision writes over what the
// earlier sync of the month wrote, as text ("20.5" days, "176:30" time).
func (d AttendanceDecision) Changes() []Change {
	if d.Outcome != codes.Created && d.Outcome != codes.Updated {
		return nil
	}
	var out []Change
	for _, c := range AttendanceColumns {
		if !slices.Contains(d.ChangedFields, c.Name) {
			continue
		}
		var old *string
		if d.Old != nil {
			old = c.Format(*c.Field(d.Old))
		}
		out = append(out, Change{Column: c.Name, Old: old, New: c.Format(*c.Field(&d.Fields))})
	}
	return out
}

// Format renders a stored value as people read it: "20.5" for days,
// "176:30" for minutes.
func (c AttendanceColumn) Format(v *int) *string {
	if v == nil {
		return nil
	}
	var s string
	if c.Unit == Tenths {
		s = strconv.Itoa(*v/10) + "." + strconv.Itoa(abs(*v%10))
		if *v < 0 && *v > -10 {
			s = "-" + s
		}
	} else {
		sign := ""
		m := *v
		if m < 0 {
			sign, m = "-", -m
		}
		s = fmt.Sprintf("%s%d:%02d", sign, m/60, m%60)
	}
	return &s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
