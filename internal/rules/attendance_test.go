package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/codes"
)

func row(mod ...func(*AttendanceRow)) AttendanceRow {
	r := AttendanceRow{
		HRMOSUserID: 7, Number: "A0001",
		WorkingDays: "20.0", AbsenceDays: "1.0", TardyDays: "2.0", LeaveEarlyDays: "0.0", PaidHolidays: "1.5",
		ActualWorkingHours: "176:30", TotalLateHours: "1:15", TotalLeaveEarlyHours: "0:00",
		HoursInPrescribedWorkingHours: "160:00", ExcessOfStatutoryWorkingHours: "16:30", LateNightOvertimeWorkingHours: "2:00",
	}
	for _, m := range mod {
		m(&r)
	}
	return r
}

func TestMapAttendance(t *testing.T) {
	tests := []struct {
		name      string
		row       AttendanceRow
		want      AttendanceFields
		wantField string
	}{
		{
			name: "every field of the SPEC §3 table",
			row:  row(),
			want: AttendanceFields{
				WorkingDays: ptr(200), AbsenceDays: ptr(10), LateDays: ptr(20), EarlyLeaveDays: ptr(0), PaidLeaveDays: ptr(15),
				ActualWorkMinutes: ptr(176*60 + 30), LateMinutes: ptr(75), EarlyLeaveMinutes: ptr(0), PrescribedMinutes: ptr(9600),
				NonPrescribedMinutes: ptr(16*60 + 30), StatutoryOvertimeMinutes: ptr(990), LateNightMinutes: ptr(120),
			},
		},
		{
			name: "empty strings are no value; 休憩時間 and 有給時間 stay NULL",
			row: row(func(r *AttendanceRow) {
				*r = AttendanceRow{HRMOSUserID: 7, ActualWorkingHours: "0:00", HoursInPrescribedWorkingHours: ""}
			}),
			want: AttendanceFields{ActualWorkMinutes: ptr(0), NonPrescribedMinutes: ptr(0)},
		},
		{
			name: "所定外 never below zero",
			row:  row(func(r *AttendanceRow) { r.ActualWorkingHours, r.HoursInPrescribedWorkingHours = "150:00", "160:00" }),
			want: func() AttendanceFields {
				f, _ := MapAttendance(row())
				f.ActualWorkMinutes, f.PrescribedMinutes, f.NonPrescribedMinutes = ptr(9000), ptr(9600), ptr(0)
				return f
			}(),
		},
		{
			name: "half days and hours past 24",
			row:  row(func(r *AttendanceRow) { r.PaidHolidays, r.AbsenceDays, r.ActualWorkingHours = "0.5", ".5", "250:05" }),
			want: func() AttendanceFields {
				f, _ := MapAttendance(row())
				f.PaidLeaveDays, f.AbsenceDays, f.ActualWorkMinutes, f.NonPrescribedMinutes = ptr(5), ptr(5), ptr(250*60+5), ptr(250*60+5-9600)
				return f
			}(),
		},
		{name: "a malformed duration names its field", row: row(func(r *AttendanceRow) { r.TotalLateHours = "1:75" }), wantField: "total_late_hours"},
		{name: "a duration without minutes", row: row(func(r *AttendanceRow) { r.ActualWorkingHours = "160" }), wantField: "actual_working_hours"},
		{name: "two decimals of a day", row: row(func(r *AttendanceRow) { r.PaidHolidays = "0.25" }), wantField: "paid_holidays"},
		{name: "the misspelt key is named as HRMOS spells it", row: row(func(r *AttendanceRow) { r.LeaveEarlyDays = "x" }), wantField: "learve_early_days"},
		{name: "a wrong-typed field", row: row(func(r *AttendanceRow) { r.InvalidFields = []string{"working_days"} }), wantField: "working_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := MapAttendance(tt.row)
			if tt.wantField != "" {
				if p == nil || p.Field != tt.wantField {
					t.Fatalf("problem = %+v, want one naming %s", p, tt.wantField)
				}
				return
			}
			if p != nil {
				t.Fatalf("unexpected problem %v", p)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MapAttendance (-want +got):\n%s", diff)
			}
		})
	}
}

// allColumnsWithValues are the columns row() gives a value.
var allColumnsWithValues = []string{"working_days", "absence_days", "late_days", "early_leave_days", "actual_work_minutes", "late_minutes",
	"early_leave_minutes", "prescribed_minutes", "non_prescribed_minutes", "statutory_overtime_minutes", "late_night_minutes", "paid_leave_days"}

func TestDecideAttendance(t *testing.T) {
	first, _ := MapAttendance(row())
	changed := first
	changed.LateMinutes = ptr(5)
	tests := []struct {
		name        string
		row         AttendanceRow
		match       AttendanceMatch
		existing    *AttendanceFields
		wantOutcome codes.Outcome
		wantCode    string
		wantChanged []string
	}{
		{"linked by the roster sync, first sync of the month", row(), AttendanceMatch{ByLink: ptr(int64(3))}, nil, codes.Created, codes.ReasonNewAttendance,
			allColumnsWithValues},
		{"matched by number, re-sync with new values", row(), AttendanceMatch{ByNumber: []NumberMatch{{EmployeeID: 3}}}, &changed, codes.Updated, codes.ReasonAttendanceResynced, []string{"late_minutes"}},
		{"re-sync with the same values", row(), AttendanceMatch{ByLink: ptr(int64(3))}, &first, codes.Unchanged, codes.ReasonAttendanceResynced, nil},
		{"not in mediment", row(), AttendanceMatch{}, nil, codes.Skipped, codes.ReasonEmployeeNotInMediment, nil},
		{"unknown employee with bad data is still only skipped", row(func(r *AttendanceRow) { r.TardyDays = "??" }), AttendanceMatch{}, nil, codes.Skipped, codes.ReasonEmployeeNotInMediment, nil},
		{"number matches several", row(), AttendanceMatch{ByNumber: []NumberMatch{{EmployeeID: 3}, {EmployeeID: 4}}}, nil, codes.Error, codes.ReasonAmbiguousNumber, nil},
		{"the 社員番号 fallback never takes an employee linked to another HRMOS user",
			row(), AttendanceMatch{ByNumber: []NumberMatch{{EmployeeID: 3, LinkedTo: ptr(int64(99))}}}, nil,
			codes.Error, codes.ReasonNumberOfOtherHRMOSUser, nil},
		{"the link wins over a 社員番号 that finds another employee",
			row(), AttendanceMatch{ByLink: ptr(int64(3)), ByNumber: []NumberMatch{{EmployeeID: 4, LinkedTo: ptr(int64(99))}}}, nil,
			codes.Created, codes.ReasonNewAttendance, allColumnsWithValues},
		{"two rows fall back to one employee: the lowest HRMOS user ID wins",
			row(), AttendanceMatch{ByNumber: []NumberMatch{{EmployeeID: 3}}, Rivals: []int64{9, 12}}, nil,
			codes.Created, codes.ReasonNewAttendance, allColumnsWithValues},
		{"two rows fall back to one employee: the other is an error, not a second write",
			row(), AttendanceMatch{ByNumber: []NumberMatch{{EmployeeID: 3}}, Rivals: []int64{5}}, nil,
			codes.Error, codes.ReasonDuplicateAttendanceRow, nil},
		{"bad value of a known employee", row(func(r *AttendanceRow) { r.TardyDays = "??" }), AttendanceMatch{ByLink: ptr(int64(3))}, nil, codes.Error, codes.ReasonInvalidValue, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideAttendance(tt.row, tt.match, tt.existing)
			if d.Outcome != tt.wantOutcome || d.ReasonCode != tt.wantCode {
				t.Fatalf("decision = %s/%s (%s), want %s/%s", d.Outcome, d.ReasonCode, d.Reason, tt.wantOutcome, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantChanged, d.ChangedFields); diff != "" {
				t.Errorf("changed fields (-want +got):\n%s", diff)
			}
		})
	}
}
