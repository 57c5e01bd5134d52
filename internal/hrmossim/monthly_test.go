package hrmossim

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	durationPattern = regexp.MustCompile(`^-?[0-9]+:[0-5][0-9]$`)
	dayCountPattern = regexp.MustCompile(`^[0-9]+\.[0-9]$`)
)

// monthlyKeys are the top-level keys of a 月次レポート row, in schema order.
var monthlyKeys = []string{
	"user_id", "number", "month",
	"prescribed_working_hours", "hours_in_prescribed_working_hours", "hours_in_statutory_working_hours",
	"excess_of_statutory_working_hours", "excess_of_statutory_working_hours_in_holidays",
	"working_hours_in_statutory_holidays", "late_night_overtime_working_hours", "total_working_hours",
	"actual_working_hours", "total_late_hours", "total_leave_early_hours", "lack_prescribed_work_time",
	"over_work_time", "over_work_time_36",
	"prescribed_working_days", "working_days", "working_days_in_non_statutory_holidays",
	"working_days_in_statutory_holidays", "absence_days", "tardy_days", "learve_early_days",
	"public_holidays", "paid_holidays", "remain_paid_holidays",
	"paid_holiday_with_time_paid", "time_paid_holiday", "time_paid_holiday_zansu",
	"kango_days", "kango_remain", "kango_time_paid_holiday", "kango_time_paid_holiday_zansu",
	"kango_paid_holiday_with_time_paid", "kaigo_days", "kaigo_remain", "kaigo_time_paid_holiday",
	"kaigo_time_paid_holiday_zansu", "kaigo_paid_holiday_with_time_paid",
	"expense", "created_at", "updated_at",
	"daytime_prescribed_work_time", "midnight_prescribed_work_time", "daytime_statutory_work_overtime",
	"midnight_statutory_work_overtime", "daytime_out_statutory_work_time", "midnight_out_statutory_work_time",
	"daytime_out_statutory_holiday_work_time", "midnight_out_statutory_holiday_work_time",
	"daytime_statutory_holiday_work_time", "midnight_statutory_holiday_work_time",
	"jikangai_under_45", "jikangai_45_to_60", "jikangai_over_60",
	"discretion", "flex", "variable",
}

func TestMonthlyRowShape(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 150, Seed: 8, Months: []string{"2026-02"}})
	res := e.get("/work_output_months/monthly/2026-02?limit=100", e.token())
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	// Key order as in the schema.
	first := string(res.body[:strings.Index(string(res.body), `"discretion"`)])
	last := -1
	for _, k := range monthlyKeys[:len(monthlyKeys)-3] {
		i := strings.Index(first, `"`+k+`":`)
		if i < 0 || i < last {
			t.Fatalf("key %q missing or out of order in the first row", k)
		}
		last = i
	}
	rows := objects(t, res.body)
	sawLongHours := false
	for _, row := range rows {
		if len(row) != len(monthlyKeys) {
			t.Errorf("row has %d keys, want %d", len(row), len(monthlyKeys))
		}
		for _, forbidden := range []string{"status", "last_name", "first_name", "full_name", "gender", "leave_early_days"} {
			if _, ok := row[forbidden]; ok {
				t.Errorf("row carries %q", forbidden)
			}
		}
		if row["month"] != "202602" {
			t.Errorf("month = %v, want 202602", row["month"])
		}
		for _, k := range monthlyKeys {
			v := row[k]
			switch {
			case strings.HasSuffix(k, "_days") || k == "public_holidays" || k == "paid_holidays" || k == "remain_paid_holidays":
				if s, ok := v.(string); ok && dayCountPattern.MatchString(s) {
					continue
				}
				if _, ok := v.(float64); ok && strings.HasPrefix(k, "ka") { // kango_days/kaigo_days are numbers
					continue
				}
				t.Errorf("%s = %#v, want a day count string", k, v)
			case strings.Contains(k, "hours") || strings.Contains(k, "time") && !strings.Contains(k, "paid_holiday") || strings.HasPrefix(k, "jikangai"):
				if k == "created_at" || k == "updated_at" {
					continue
				}
				s, ok := v.(string)
				if !ok || !durationPattern.MatchString(s) {
					t.Errorf("%s = %#v, want an H:MM duration", k, v)
					continue
				}
				if h, _ := strconv.Atoi(strings.Split(s, ":")[0]); h >= 100 {
					sawLongHours = true
				}
			}
		}
		for obj, n := range map[string]int{"discretion": 4, "flex": 20, "variable": 17} {
			nested, ok := row[obj].(map[string]any)
			if !ok || len(nested) != n {
				t.Errorf("%s = %v, want an object of %d durations", obj, row[obj], n)
			}
			for k, v := range nested {
				if s, ok := v.(string); !ok || !durationPattern.MatchString(s) {
					t.Errorf("%s.%s = %#v", obj, k, v)
				}
			}
		}
		if _, ok := row["paid_holiday_with_time_paid"].(float64); !ok {
			t.Errorf("paid_holiday_with_time_paid = %#v, want a number", row["paid_holiday_with_time_paid"])
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if _, err := time.Parse("2006-01-02T15:04:05.000+09:00", row[k].(string)); err != nil {
				t.Errorf("%s = %v: %v", k, row[k], err)
			}
		}
	}
	if !sawLongHours {
		t.Error("no duration of 100 hours or more (e.g. prescribed 160:00)")
	}
}

func TestMonthlyRowsAddUp(t *testing.T) {
	c := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 500, Seed: 9, Months: []string{"2026-01", "2026-02"}, Now: testNow})
	sawHalfDay, sawOvertime, sawLate := false, false, false
	for _, m := range c.Months() {
		for _, r := range c.MonthlyRows[m] {
			parts := r.HoursInPrescribedWorkingHours.Minutes + r.HoursInStatutoryWorkingHours.Minutes +
				r.ExcessOfStatutoryWorkingHours.Minutes + r.ExcessOfStatutoryWorkingHoursInHolidays.Minutes +
				r.WorkingHoursInStatutoryHolidays.Minutes
			if r.TotalWorkingHours.Minutes != parts || r.ActualWorkingHours.Minutes != parts {
				t.Fatalf("user %d %s: total %d, parts %d", r.UserID, m, r.TotalWorkingHours.Minutes, parts)
			}
			if r.TotalWorkingHours.Minutes > r.PrescribedWorkingHours.Minutes+100*60 {
				t.Errorf("user %d %s: implausible total %d", r.UserID, m, r.TotalWorkingHours.Minutes)
			}
			if r.WorkingDays.Tenths+r.AbsenceDays.Tenths > r.PrescribedWorkingDays.Tenths+40 {
				t.Errorf("user %d %s: working %d + absent %d days past prescribed %d", r.UserID, m,
					r.WorkingDays.Tenths, r.AbsenceDays.Tenths, r.PrescribedWorkingDays.Tenths)
			}
			sawHalfDay = sawHalfDay || r.PaidHolidays.Tenths%10 == 5
			sawOvertime = sawOvertime || r.JikangaiOver60.Minutes > 0
			sawLate = sawLate || r.TardyDays.Tenths > 0 && r.TotalLateHours.Minutes > 0
		}
	}
	if !sawHalfDay || !sawOvertime || !sawLate {
		t.Errorf("missing variety: half day %v, >60 h overtime %v, late %v", sawHalfDay, sawOvertime, sawLate)
	}
}

func TestMonthlyBadMonthIs400(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 8})
	tok := e.token()
	for _, m := range []string{"2026-3", "202603", "2026-13", "2026-00", "26-03", "2026-03-01"} {
		wantError(t, e.get("/work_output_months/monthly/"+m, tok), http.StatusBadRequest)
	}
	res := e.get("/work_output_months/monthly/2019-01", tok)
	if res.status != http.StatusOK || string(res.body) != "[]" || res.header.Get("X-Total-Count") != "0" {
		t.Errorf("month without data: %d %q", res.status, res.body)
	}
}

func TestMonthlyNumberFilter(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 80, Seed: 8, Months: []string{"2026-03"}})
	rows := e.company.MonthlyRows["2026-03"]
	a, b := rows[3].Number.Value, rows[40].Number.Value
	tok := e.token()
	for _, q := range []string{
		"number=" + a + "," + b,
		"number=" + a + "&number=" + b,
		"number%5B%5D=" + a + "&number%5B%5D=" + b,
		"number=" + a + ",%20" + b + ",NOPE",
	} {
		res := e.get("/work_output_months/monthly/2026-03?"+q, tok)
		var got []string
		for _, r := range objects(t, res.body) {
			got = append(got, r["number"].(string))
		}
		if !slices.Equal(sortedCopy(got), sortedCopy([]string{a, b})) {
			t.Errorf("%s: numbers %v, want %s and %s", q, got, a, b)
		}
	}
	if res := e.get("/work_output_months/monthly/2026-03?number=", tok); res.header.Get("X-Total-Count") != itoa(len(rows)) {
		t.Errorf("empty number filter should not filter: %s", res.header.Get("X-Total-Count"))
	}
}

func TestMonthlyStatusFilter(t *testing.T) {
	// 2026-01 is long closed at testNow (mostly approved); 2026-04 is running.
	e := newEnv(t, Options{}, GenerateSpec{Users: 300, Seed: 8, Months: []string{"2026-01", "2026-04"}})
	tok := e.token()
	status := map[int64]ClosingStatus{}
	counts := map[ClosingStatus]int{}
	for _, r := range e.company.MonthlyRows["2026-01"] {
		status[r.UserID] = r.Status
		counts[r.Status]++
	}
	if counts[StatusApproved] == 0 || counts[StatusForceApproved] == 0 || counts[StatusApproved] < len(status)/2 {
		t.Errorf("closed month statuses %v, want mostly approved with some forced", counts)
	}
	res := e.get("/work_output_months/monthly/2026-01?status=3,99&limit=100", tok)
	if want := itoa(counts[StatusApproved] + counts[StatusForceApproved]); res.header.Get("X-Total-Count") != want {
		t.Errorf("status=3,99: X-Total-Count %s, want %s", res.header.Get("X-Total-Count"), want)
	}
	for _, r := range objects(t, res.body) {
		if st := status[int64(r["user_id"].(float64))]; st != StatusApproved && st != StatusForceApproved {
			t.Errorf("user %v has status %d", r["user_id"], st)
		}
	}
	if got := e.get("/work_output_months/monthly/2026-04?status=3,99", tok).header.Get("X-Total-Count"); got != "0" {
		t.Errorf("running month has %s approved rows", got)
	}
	wantError(t, e.get("/work_output_months/monthly/2026-01?status=approved", tok), http.StatusBadRequest)
}

func TestClosingPeriod(t *testing.T) {
	tests := []struct {
		month      string
		cutoff     int
		start, end string
	}{
		{"2020-09", 31, "2020-09-01", "2020-09-30"},
		{"2020-09", 25, "2020-08-26", "2020-09-25"},
		{"2020-09", 20, "2020-08-21", "2020-09-20"},
		{"2021-01", 25, "2020-12-26", "2021-01-25"},
		{"2021-03", 30, "2021-03-01", "2021-03-30"}, // February closes on its last day
		{"2024-02", 31, "2024-02-01", "2024-02-29"},
	}
	for _, tt := range tests {
		y, m, _ := parseMonth(tt.month)
		s, e := closingPeriod(y, m, tt.cutoff)
		if s.String() != tt.start || e.String() != tt.end {
			t.Errorf("%s cutoff %d: %s…%s, want %s…%s", tt.month, tt.cutoff, s, e, tt.start, tt.end)
		}
	}
}

func TestRowsFollowEmployment(t *testing.T) {
	c := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 2000, Seed: 10, Months: []string{"2026-03"}, Now: testNow})
	rowFor := map[int64]bool{}
	for _, r := range c.MonthlyRows["2026-03"] {
		rowFor[r.UserID] = true
	}
	missing := 0
	for _, u := range c.Users {
		from, to := closingPeriod(2026, time.March, int(u.CutoffDate.Value))
		employed := u.StartDate.Value <= to.String() &&
			(u.EndDate.Presence != Present || u.EndDate.Value >= from.String())
		if rowFor[u.ID] != employed {
			missing++
			t.Errorf("user %d (%s–%s, cutoff %d): row %v, employed %v", u.ID, u.StartDate.Value, u.EndDate.Value,
				u.CutoffDate.Value, rowFor[u.ID], employed)
		}
	}
	if missing > 0 {
		t.Errorf("%d users with a row they should not have or without one they should", missing)
	}
	if len(rowFor) == len(c.Users) {
		t.Error("every user has a row: retirees should not")
	}
}
