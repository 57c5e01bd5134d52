package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Rule 8: a value the database cannot hold is its record's error. Which
// text PostgreSQL can stage, store and index.
func TestRule8TextTheDatabaseCannotHold(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"ordinary Japanese text", "山田", ""},
		{"empty", "", ""},
		{"full-width letters and digits (NFKC shrinks them)", "Ａ０００１", ""},
		{"surrounding whitespace, control characters included, is trimmed anyway", " \t山田\r\n", ""},
		{"whitespace only", "\t\r\n ", ""},
		{"a NUL inside (PostgreSQL's text refuses it: SQLSTATE 22021)", "山\x00田", codes.ReasonInvalidCharacters},
		{"a NUL alone", "\x00", codes.ReasonInvalidCharacters},
		{"a trailing NUL, which is no whitespace", "山田\x00", codes.ReasonInvalidCharacters},
		{"an escape character", "山\x1b[31m田", codes.ReasonInvalidCharacters},
		{"DEL", "山\x7f田", codes.ReasonInvalidCharacters},
		{"a C1 control character inside", "山\u0085田", codes.ReasonInvalidCharacters},
		{"a line break inside", "営業部\n第一課", codes.ReasonInvalidCharacters},
		{"bytes that are not UTF-8", "山\xff田", codes.ReasonInvalidCharacters},
		{"255 characters", strings.Repeat("a", MaxTextChars), ""},
		{"256 characters", strings.Repeat("a", MaxTextChars+1), codes.ReasonValueTooLong},
		{"10 kB", strings.Repeat("a", 10_000), codes.ReasonValueTooLong},
		{"surrounding spaces count: the value is staged as sent", "a" + strings.Repeat(" ", MaxTextChars), codes.ReasonValueTooLong},
		{"200 Japanese characters (600 bytes)", strings.Repeat("あ", 200), ""},
		{"201 Japanese characters (603 bytes)", strings.Repeat("あ", 201), codes.ReasonValueTooLong},
		// U+FDFA is 3 bytes and one character; NFKC makes it 18 characters
		// and 33 bytes, which the database's normalized keys index.
		{"18 characters NFKC expands to 594 bytes", strings.Repeat("\uFDFA", 18), ""},
		{"19 characters NFKC expands to 627 bytes", strings.Repeat("\uFDFA", 19), codes.ReasonValueTooLong},
		{"a long string of them", strings.Repeat("\uFDFA", MaxTextChars), codes.ReasonValueTooLong},
		{"a control character and too long: the characters first", strings.Repeat("a", 300) + "\x00a", codes.ReasonInvalidCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextProblem(tt.in); got != tt.want {
				t.Errorf("TextProblem = %q, want %q", got, tt.want)
			}
		})
	}
}

// The fetch stages each unstorable field empty and names it by HRMOS's key,
// so the rest of its page is staged; the 部門 and 拠点 names, which come from
// HRMOS's masters, are named by the user's field that points at them.
func TestRule8SanitizeUserStagesUnstorableFieldsEmpty(t *testing.T) {
	department := "営業部\x00"
	u := user(func(u *HRMOSUser) {
		u.LastName = "山\x00田"
		u.Email = strings.Repeat("x", 10_000) + "@example.jp"
		u.DepartmentName = &department
		u.InvalidFields = []string{"cutoff_date"}
	})
	SanitizeUser(&u)

	want := user(func(w *HRMOSUser) {
		w.LastName, w.Email = "", ""
		w.DepartmentName = ptr("")
		w.InvalidFields = []string{"cutoff_date"}
		w.Unstorable = []string{"last_name:invalid_characters", "email:value_too_long", "department_id:invalid_characters"}
	})
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("SanitizeUser (-want +got):\n%s", diff)
	}
	if department != "営業部\x00" {
		t.Error("SanitizeUser wrote through the pointer to the master's name")
	}
	again := u
	SanitizeUser(&again)
	if diff := cmp.Diff(u, again); diff != "" {
		t.Errorf("a second SanitizeUser changed the user (-first +second):\n%s", diff)
	}
	clean := user()
	SanitizeUser(&clean)
	if diff := cmp.Diff(user(), clean); diff != "" {
		t.Errorf("SanitizeUser changed a clean user (-want +got):\n%s", diff)
	}
}

// The same for a report row: its 社員番号 and every duration and day count,
// named as HRMOS spells the key (learve_early_days).
func TestRule8SanitizeAttendanceRowStagesUnstorableFieldsEmpty(t *testing.T) {
	r := row(func(r *AttendanceRow) {
		r.Number = "A\x000001"
		r.LeaveEarlyDays = "1.0\x1b"
		r.PaidHolidays = strings.Repeat("9", 10_000)
	})
	SanitizeAttendanceRow(&r)
	want := row(func(w *AttendanceRow) {
		w.Number, w.LeaveEarlyDays, w.PaidHolidays = "", "", ""
		w.Unstorable = []string{"number:invalid_characters", "learve_early_days:invalid_characters", "paid_holidays:value_too_long"}
	})
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("SanitizeAttendanceRow (-want +got):\n%s", diff)
	}
}

// An unstorable value is the user's error, decided before anything else:
// a 社員番号 staged empty never reads as "no 社員番号" (missing identity, or
// a retiree skipped as unknown), nor a shared one as a duplicate. The
// decision is the same whether the fetch sanitized the user or not. The
// reason names the field and the HRMOS user, never the value.
func TestRule8UnstorableValueIsTheUsersError(t *testing.T) {
	long := strings.Repeat("長", 300)
	tests := []struct {
		name      string
		user      HRMOSUser
		wantCode  string
		wantField string
		// wantInReason are phrases the reason must hold.
		wantInReason []string
	}{
		{
			name:      "a NUL in 氏名",
			user:      user(func(u *HRMOSUser) { u.FirstName = "太\x00郎" }),
			wantCode:  codes.ReasonInvalidCharacters,
			wantField: "first_name",
		},
		{
			name:         "a 社員番号 too long to index, and no e-mail: not a missing identity",
			user:         user(func(u *HRMOSUser) { u.Number, u.Email = long, "" }),
			wantCode:     codes.ReasonValueTooLong,
			wantField:    "number",
			wantInReason: []string{"255 characters"},
		},
		{
			name:      "a retiree's unstorable 社員番号: not skipped as unknown",
			user:      user(func(u *HRMOSUser) { u.Number, u.Email, u.EndDate = "A\x00", "", "2020-03-31" }),
			wantCode:  codes.ReasonInvalidCharacters,
			wantField: "number",
		},
		{
			name:      "an unstorable name before a shared 社員番号",
			user:      user(func(u *HRMOSUser) { u.NumberShared = true; u.LastName = long }),
			wantCode:  codes.ReasonValueTooLong,
			wantField: "last_name",
		},
		{
			name:      "before a field of the wrong type",
			user:      user(func(u *HRMOSUser) { u.InvalidFields = []string{"email"}; u.Gender = "\x07" }),
			wantCode:  codes.ReasonInvalidCharacters,
			wantField: "gender",
		},
		{
			name:         "the 部門's name, named by department_id",
			user:         user(func(u *HRMOSUser) { u.DepartmentName = ptr("営業\x00部") }),
			wantCode:     codes.ReasonInvalidCharacters,
			wantField:    "department_id",
			wantInReason: []string{"部門", "correct the 部門's name in HRMOS"},
		},
		{
			name:         "the 拠点's name, named by lodgment_id",
			user:         user(func(u *HRMOSUser) { u.LodgmentName = ptr(strings.Repeat("\uFDFA", 100)) }),
			wantCode:     codes.ReasonValueTooLong,
			wantField:    "lodgment_id",
			wantInReason: []string{"拠点"},
		},
		{
			name:         "several fields: the first is the field, the others are named",
			user:         user(func(u *HRMOSUser) { u.Email = long; u.LastNameKana = "\x00" }),
			wantCode:     codes.ReasonInvalidCharacters,
			wantField:    "last_name_kana",
			wantInReason: []string{"email cannot be stored either"},
		},
		{
			name:      "a hire date of year 0000 (PostgreSQL has no year 0)",
			user:      user(func(u *HRMOSUser) { u.StartDate = "0000-04-01" }),
			wantCode:  codes.ReasonValueOutOfRange,
			wantField: "start_date",
		},
		{
			name:      "a retirement date of year 0000",
			user:      user(func(u *HRMOSUser) { u.EndDate = "0000-12-31" }),
			wantCode:  codes.ReasonValueOutOfRange,
			wantField: "end_date",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sanitized := tt.user
			SanitizeUser(&sanitized)
			for _, u := range []HRMOSUser{tt.user, sanitized} {
				d := DecideRoster(u, Candidates{}, today)
				if d.Outcome != codes.Error || d.ReasonCode != tt.wantCode || d.Field != tt.wantField {
					t.Fatalf("decision = %s %s (field %s): %s; want error %s naming %s", d.Outcome, d.ReasonCode, d.Field, d.Reason, tt.wantCode, tt.wantField)
				}
				if !strings.HasPrefix(d.Reason, "HRMOS user 101: ") || !strings.Contains(d.Reason, tt.wantField) {
					t.Errorf("reason %q does not name the HRMOS user and the field", d.Reason)
				}
				for _, phrase := range tt.wantInReason {
					if !strings.Contains(d.Reason, phrase) {
						t.Errorf("reason %q does not say %q", d.Reason, phrase)
					}
				}
				for _, v := range []string{"\x00", "長長", "\uFDFA", "太", "0000-"} {
					if strings.Contains(d.Reason, v) {
						t.Errorf("reason %q holds the value %q", d.Reason, v)
					}
				}
			}
		})
	}
}

// The same for a report row: its blanked 社員番号 never reads as "not in
// mediment", and a well-formed number beyond its column is
// value_out_of_range, apart from a malformed one (invalid_value).
func TestRule8UnstorableValueIsTheRowsError(t *testing.T) {
	linked := ptr(int64(55))
	tests := []struct {
		name      string
		row       AttendanceRow
		match     AttendanceMatch
		wantCode  string
		wantField string
	}{
		{
			name:      "a NUL in the 社員番号: not skipped as not in mediment",
			row:       row(func(r *AttendanceRow) { r.Number = "A0001\x00" }),
			wantCode:  codes.ReasonInvalidCharacters,
			wantField: "number",
		},
		{
			name:      "a 10 kB 社員番号 of a linked employee",
			row:       row(func(r *AttendanceRow) { r.Number = strings.Repeat("1", 10_000) }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonValueTooLong,
			wantField: "number",
		},
		{
			name:      "a control character in a duration",
			row:       row(func(r *AttendanceRow) { r.TotalLateHours = "1:\x0115" }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonInvalidCharacters,
			wantField: "total_late_hours",
		},
		{
			name:      "a day count above numeric(6,1)",
			row:       row(func(r *AttendanceRow) { r.PaidHolidays = "123456.0" }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonValueOutOfRange,
			wantField: "paid_holidays",
		},
		{
			name:      "a day count of 26 digits",
			row:       row(func(r *AttendanceRow) { r.WorkingDays = "77777777777777777777777777" }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonValueOutOfRange,
			wantField: "working_days",
		},
		{
			name:      "a duration beyond the integer minutes' bound",
			row:       row(func(r *AttendanceRow) { r.ActualWorkingHours = "88888888888:00" }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonValueOutOfRange,
			wantField: "actual_working_hours",
		},
		{
			name:      "a negative day count stays malformed",
			row:       row(func(r *AttendanceRow) { r.AbsenceDays = "-1.0" }),
			match:     AttendanceMatch{ByLink: linked},
			wantCode:  codes.ReasonInvalidValue,
			wantField: "absence_days",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sanitized := tt.row
			SanitizeAttendanceRow(&sanitized)
			for _, r := range []AttendanceRow{tt.row, sanitized} {
				d := DecideAttendance(r, tt.match, nil)
				if d.Outcome != codes.Error || d.ReasonCode != tt.wantCode || d.Field != tt.wantField {
					t.Fatalf("decision = %s %s (field %s): %s; want error %s naming %s", d.Outcome, d.ReasonCode, d.Field, d.Reason, tt.wantCode, tt.wantField)
				}
				if !strings.HasPrefix(d.Reason, "HRMOS user 7: ") || !strings.Contains(d.Reason, tt.wantField) {
					t.Errorf("reason %q does not name the HRMOS user and the field", d.Reason)
				}
				for _, v := range []string{"\x00", "\x01", "123456", "7777", "8888", "1111"} {
					if strings.Contains(d.Reason, v) {
						t.Errorf("reason %q holds the value %q", d.Reason, v)
					}
				}
			}
		})
	}
}
