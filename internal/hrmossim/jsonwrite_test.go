package hrmossim

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationAndDayFormats(t *testing.T) {
	for minutes, want := range map[int32]string{
		0: "0:00", 5: "0:05", 90: "1:30", 960: "16:00", 9600: "160:00", 10590: "176:30", -90: "-1:30", -5: "-0:05",
	} {
		if got := string(appendDuration(nil, minutes)); got != want {
			t.Errorf("duration %d = %q, want %q", minutes, got, want)
		}
	}
	for tenths, want := range map[int32]string{0: "0.0", 5: "0.5", 15: "1.5", 200: "20.0", -10: "-1.0"} {
		if got := string(appendTenths(nil, tenths)); got != want {
			t.Errorf("tenths %d = %q, want %q", tenths, got, want)
		}
	}
	if got := formatTimestamp(time.Date(2020, 9, 18, 3, 57, 16, 0, time.UTC)); got != "2020-09-18T12:57:16.000+09:00" {
		t.Errorf("timestamp = %q", got)
	}
}

func TestJSONStringEscaping(t *testing.T) {
	for _, s := range []string{"", "山田　太郎", `quote " and \ backslash`, "tab\tnew\nline\x01", "bad \xff utf8", "<a&b>"} {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("%q renders invalid JSON %s: %v", s, b, err)
			continue
		}
		want := s
		if s == "bad \xff utf8" {
			want = "bad \ufffd utf8"
		}
		if back != want {
			t.Errorf("%q round-trips to %q", s, back)
		}
	}
}

func TestPresenceShapes(t *testing.T) {
	u := User{
		ID:           1,
		Number:       Str("").As(Present),
		LastName:     Str("山田"),
		FirstName:    OptString{Presence: Null},
		LastNameKana: OptString{Presence: Absent},
		CutoffDate:   Int(31).As(Null),
		DepartmentID: Int(3).As(Absent),
	}
	var m map[string]any
	if err := json.Unmarshal(appendUser(nil, &u), &m); err != nil {
		t.Fatal(err)
	}
	if m["number"] != "" || m["last_name"] != "山田" || m["first_name"] != nil || m["cutoff_date"] != nil {
		t.Errorf("rendered %v", m)
	}
	for _, k := range []string{"last_name_kana", "department_id"} {
		if _, ok := m[k]; ok {
			t.Errorf("absent %s rendered", k)
		}
	}
	if _, ok := m["first_name"]; !ok {
		t.Error("null first_name left out")
	}
	row := MonthlyRow{UserID: 1, TotalWorkingHours: Minutes(0).As(EmptyString), PaidHolidays: Days(1.5),
		PaidHolidayWithTimePaid: Dec(0.5)}
	if err := json.Unmarshal(appendMonthlyRow(nil, &row, "202603"), &m); err != nil {
		t.Fatal(err)
	}
	if m["total_working_hours"] != "" || m["paid_holidays"] != "1.5" || m["paid_holiday_with_time_paid"] != 0.5 || m["month"] != "202603" {
		t.Errorf("row rendered %v", m)
	}
}
