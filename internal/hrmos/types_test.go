package hrmos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func i64(n int64) *int64 { return &n }
func ip(n int) *int      { return &n }

func TestUserTolerantParsing(t *testing.T) {
	body := `[
	 {"id":3,"number":"A0001","last_name":"徳川","first_name":"家康","last_name_kana":"トクガワ","first_name_kana":"イエヤス",
	  "email":"ieyasu@ieyasu.co","start_date":"1603-02-12","end_date":"1616-06-01","department_id":1,"lodgment_id":1,
	  "employment_id":1,"agreement36_id":1,"cutoff_date":25,"comment":"コメント","segment":"1,2,5,6",
	  "group1_approvers":[{"id":1,"last_name":"a","first_name":"b"}],"created_at":"2022-03-22T09:46:48.000+09:00",
	  "updated_at":"2022-03-22T09:46:48.000+09:00"},
	 {"id":"4","number":"","last_name_kana":"","first_name_kana":"","email":null,"end_date":null,
	  "department_id":null,"lodgment_id":"","employment_id":"7","cutoff_date":"31"},
	 {"id":5,"number":12345,"email":{"x":1},"department_id":"abc","cutoff_date":1.5,"last_name":["x"],"start_date":true},
	 {"number":"B1"},
	 {"id":"x7","number":"B2"},
	 {"id":0},
	 {"id":6.0,"gender":"男"},
	 {"id":7,"gender":null},
	 {"id":8,"gender":""},
	 null,
	 "junk",
	 {"id":9,"department_id":9007199254740993,"lodgment_id":1e2}
	]`
	var got []User
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("one bad item failed the page: %v", err)
	}
	want := []User{
		{ID: 3, Number: "A0001", LastName: "徳川", FirstName: "家康", LastNameKana: "トクガワ", FirstNameKana: "イエヤス",
			Email: "ieyasu@ieyasu.co", StartDate: "1603-02-12", EndDate: "1616-06-01",
			DepartmentID: i64(1), LodgmentID: i64(1), EmploymentID: i64(1), CutoffDate: ip(25),
			CreatedAt: "2022-03-22T09:46:48.000+09:00", UpdatedAt: "2022-03-22T09:46:48.000+09:00"},
		{ID: 4, EmploymentID: i64(7), CutoffDate: ip(31)},
		{ID: 5, Number: "12345", Invalid: []string{"last_name", "email", "start_date", "department_id", "cutoff_date"}},
		{Number: "B1", Invalid: []string{"id"}},
		{Number: "B2", Invalid: []string{"id"}},
		{Invalid: []string{"id"}},
		{ID: 6, Gender: "男", HasGender: true},
		{ID: 7},
		{ID: 8},
		{Invalid: []string{"id"}},
		{Invalid: []string{"id"}},
		{ID: 9, DepartmentID: i64(9007199254740993), LodgmentID: i64(100)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("users (-want +got):\n%s", diff)
	}
}

func TestUserWrongTypeKeepsRestOfPage(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	e.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		_, _ = w.Write([]byte(`[{"id":1,"email":"a@example.jp"},
			{"id":2,"email":["not","a","string"],"last_name":"徳川"},
			{"id":3,"email":"c@example.jp"}]`))
		return true
	}
	var got []User
	err := e.client(t, nil).Users(context.Background(), 1, func(p Page[User]) error {
		got = append(got, p.Items...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{ID: 1, Email: "a@example.jp"},
		{ID: 2, LastName: "徳川", Invalid: []string{"email"}},
		{ID: 3, Email: "c@example.jp"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestMonthlyReportRowParsing(t *testing.T) {
	body := `[
	 {"user_id":2,"number":"A0001","month":"202009","prescribed_working_hours":"160:00","hours_in_prescribed_working_hours":"15:00",
	  "excess_of_statutory_working_hours":"10:00","late_night_overtime_working_hours":"2:00","total_working_hours":"26:00",
	  "actual_working_hours":"26:00","total_late_hours":"1:00","total_leave_early_hours":"0:00","working_days":"29.0",
	  "absence_days":"0.0","tardy_days":"1.0","learve_early_days":"0.0","paid_holidays":"0.0","paid_holiday_with_time_paid":0.5,
	  "remain_paid_holidays":"4.0","discretion":{"considereds_time":"0:00"},"flex":{},"variable":null,
	  "created_at":"2020-09-01T00:12:03.000+09:00","updated_at":"2020-09-18T12:57:16.000+09:00"},
	 {"user_id":"5","month":"202009","working_days":20,"absence_days":0.5,"paid_holidays":".5","paid_holiday_with_time_paid":"1.5",
	  "actual_working_hours":"","total_late_hours":null,"created_at":null},
	 {"user_id":6,"leave_early_days":"2.0","paid_holiday_with_time_paid":"abc","tardy_days":{"v":1}},
	 {"number":"A9"}
	]`
	var got []MonthlyReportRow
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	half, oneHalf := 0.5, 1.5
	want := []MonthlyReportRow{
		{UserID: 2, Number: "A0001", Month: "202009", WorkingDays: "29.0", AbsenceDays: "0.0", TardyDays: "1.0",
			LeaveEarlyDays: "0.0", PaidHolidays: "0.0", ActualWorkingHours: "26:00", TotalLateHours: "1:00",
			TotalLeaveEarlyHours: "0:00", HoursInPrescribedWorkingHours: "15:00", ExcessOfStatutoryWorkingHours: "10:00",
			LateNightOvertimeWorkingHours: "2:00", PrescribedWorkingHours: "160:00", TotalWorkingHours: "26:00",
			PaidHolidayWithTimePaid: &half, CreatedAt: "2020-09-01T00:12:03.000+09:00", UpdatedAt: "2020-09-18T12:57:16.000+09:00"},
		{UserID: 5, Month: "202009", WorkingDays: "20", AbsenceDays: "0.5", PaidHolidays: ".5", PaidHolidayWithTimePaid: &oneHalf},
		{UserID: 6, LeaveEarlyDays: "2.0", Invalid: []string{"tardy_days", "paid_holiday_with_time_paid"}},
		{Number: "A9", Invalid: []string{"user_id"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
}

// created_at is read like every other text field (a number or an object
// marks it invalid, null or a missing key leaves it empty) and parsed only
// by ParseTimestamp, which takes what HRMOS sends and refuses the rest.
func TestCreatedAt(t *testing.T) {
	var users []User
	body := `[{"id":1,"created_at":"2026-10-01T09:00:00.000+09:00"},{"id":2,"created_at":null},{"id":3},
		{"id":4,"created_at":{"at":1}},{"id":5,"created_at":"yesterday"}]`
	if err := json.Unmarshal([]byte(body), &users); err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(users))
	for i, u := range users {
		got[i] = u.CreatedAt + "|" + fmt.Sprint(u.Invalid)
	}
	want := []string{"2026-10-01T09:00:00.000+09:00|[]", "|[]", "|[]", "|[created_at]", "yesterday|[]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("created_at (-want +got):\n%s", diff)
	}

	jst := time.FixedZone("JST", 9*60*60)
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2020-09-18T12:57:16.000+09:00", time.Date(2020, 9, 18, 12, 57, 16, 0, jst), true},
		{"2020-09-18T12:57:16+09:00", time.Date(2020, 9, 18, 12, 57, 16, 0, jst), true},
		{"2020-09-18T12:57:16.250+09:00", time.Date(2020, 9, 18, 12, 57, 16, 250e6, jst), true},
		{"2020-09-18T03:57:16Z", time.Date(2020, 9, 18, 12, 57, 16, 0, jst), true},
		{" 2020-09-18T12:57:16.000+09:00 ", time.Date(2020, 9, 18, 12, 57, 16, 0, jst), true},
		{"2020-09-18T12:57:16", time.Time{}, false}, // no offset: which clock?
		{"2020-09-18", time.Time{}, false},
		{"2020-09-18 12:57:16 +0900", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, ok := ParseTimestamp(tt.in)
		if ok != tt.ok || (ok && !got.Equal(tt.want)) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJSONValueHelpers(t *testing.T) {
	strs := map[string]struct {
		want string
		ok   bool
	}{
		``: {"", true}, `null`: {"", true}, `""`: {"", true}, `"x"`: {"x", true},
		`12`: {"12", true}, `-3.50`: {"-3.50", true}, `1e3`: {"1000", true}, `2.5E-1`: {"0.25", true},
		`true`: {"", false}, `{}`: {"", false}, `[]`: {"", false},
	}
	for in, w := range strs {
		got, ok := jsonString(json.RawMessage(in))
		if got != w.want || ok != w.ok {
			t.Errorf("jsonString(%s) = %q,%v want %q,%v", in, got, ok, w.want, w.ok)
		}
	}
	ints := map[string]struct {
		n              int64
		present, valid bool
	}{
		``: {0, false, true}, `null`: {0, false, true}, `""`: {0, false, true}, `" "`: {0, false, true},
		`7`: {7, true, true}, `"7"`: {7, true, true}, `" 7 "`: {7, true, true}, `7.0`: {7, true, true},
		`-2`: {-2, true, true}, `7.5`: {0, false, false}, `"7a"`: {0, false, false}, `false`: {0, false, false},
		`{"a":1}`: {0, false, false}, `1e400`: {0, false, false},
	}
	for in, w := range ints {
		n, p, v := jsonInt(json.RawMessage(in))
		if n != w.n || p != w.present || v != w.valid {
			t.Errorf("jsonInt(%s) = %d,%v,%v want %d,%v,%v", in, n, p, v, w.n, w.present, w.valid)
		}
	}
}

func TestErrorCode(t *testing.T) {
	for body, want := range map[string]int{
		`{"code":401,"message":"x"}`: 401,
		`{"code":"429"}`:             429,
		``:                           0,
		`<html>502</html>`:           0,
		`{"message":"no code"}`:      0,
		`{"code":99999999999}`:       0,
		`[1,2]`:                      0,
	} {
		if got := errorCode([]byte(body)); got != want {
			t.Errorf("errorCode(%q) = %d, want %d", body, got, want)
		}
	}
}

func TestLodgmentTolerantParsing(t *testing.T) {
	body := `[
	 {"id":1,"name":"原宿","sequence":1,"segments":[1,2,3],"ip_addresses":["192.168.0.1"],"address":"渋谷区渋谷2-15-1","prefectural_id":13},
	 {"name":"IDなし","sequence":2,"prefectural_id":null}
	]`
	var got []Lodgment
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := []Lodgment{
		{ID: 1, Name: "原宿", Sequence: 1, PrefecturalID: i64(13), Address: "渋谷区渋谷2-15-1"},
		{Name: "IDなし", Sequence: 2, Invalid: []string{"id"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("lodgments (-want +got):\n%s", diff)
	}
}
