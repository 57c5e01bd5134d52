package hrmossim

import (
	"encoding/json"
	"strings"
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
	if got := string(mustJSON(At(time.Date(2020, 9, 18, 3, 57, 16, 0, time.UTC)))); got != `"2020-09-18T12:57:16.000+09:00"` {
		t.Errorf("timestamp = %s", got)
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
		Email:        Str("bad \xff utf8"),
	}
	var m map[string]any
	mustUnmarshal(t, mustJSON(u), &m)
	if m["number"] != "" || m["last_name"] != "山田" || m["first_name"] != nil || m["cutoff_date"] != nil ||
		m["email"] != "bad \ufffd utf8" {
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
	for _, k := range []string{"group1_approvers", "group4_approvers", "user_original_calendars"} {
		if v, ok := m[k].([]any); !ok || len(v) != 0 {
			t.Errorf("%s = %#v, want []", k, m[k])
		}
	}
	row := MonthlyRow{UserID: 1, Month: "202603", TotalWorkingHours: Minutes(0).As(EmptyString), PaidHolidays: Days(1.5),
		PaidHolidayWithTimePaid: Dec(0.5), KangoDays: Dec(0).As(Absent)}
	mustUnmarshal(t, mustJSON(row), &m)
	if m["total_working_hours"] != "" || m["paid_holidays"] != "1.5" || m["paid_holiday_with_time_paid"] != 0.5 || m["month"] != "202603" {
		t.Errorf("row rendered %v", m)
	}
	if _, ok := m["kango_days"]; ok {
		t.Error("absent kango_days rendered")
	}
	if flex, ok := m["flex"].(map[string]any); !ok || flex["total_working_hours"] != "0:00" {
		t.Errorf("nil flex rendered %v", m["flex"])
	}
}

// TestUserKeysInSchemaOrder pins the user's key order, which MarshalJSON
// assembles from the tags and the keys after the timestamps.
func TestUserKeysInSchemaOrder(t *testing.T) {
	want := []string{"id", "number", "last_name", "first_name", "last_name_kana", "first_name_kana", "start_date",
		"end_date", "comment", "cutoff_date", "nfc_tag_pc", "email", "lodgment_id", "agreement36_id", "department_id",
		"employment_id", "segment", "default_segment_id", "default_holiday_1_id", "default_holiday_2_id",
		"default_holiday_3_id", "default_calendar_1_id", "default_calendar_2_id", "default_calendar_3_id",
		"default_calendar_4_id", "default_calendar_5_id", "default_calendar_6_id", "default_calendar_7_id",
		"default_calendar_8_id", "created_at", "updated_at", "group1_approvers", "group2_approvers",
		"group3_approvers", "group4_approvers", "user_original_calendars"}
	body := string(mustJSON(MustGenerate(GenerateSpec{CompanyID: "a", Users: 1, Seed: 1}).Users[0]))
	last := -1
	for _, k := range want {
		i := strings.Index(body, `"`+k+`":`)
		if i < last {
			t.Fatalf("key %q missing or out of order in %s", k, body)
		}
		last = i
	}
	var m map[string]json.RawMessage
	mustUnmarshal(t, []byte(body), &m)
	if len(m) != len(want) {
		t.Errorf("user has %d keys, want %d", len(m), len(want))
	}
}
