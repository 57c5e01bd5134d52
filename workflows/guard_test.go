package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/activities"
)

var testGuard = activities.GuardSettings{MaxChangeShare: 0.2, AttendanceMaxChangeShare: 0.5, MinEmployees: 50, ApprovalTimeout: 72 * time.Hour}

func TestRosterGuard(t *testing.T) {
	tenant := func(employees int) activities.StartRunResult {
		return activities.StartRunResult{Employees: employees, Guard: testGuard}
	}
	tests := []struct {
		name    string
		guard   activities.GuardSettings
		started activities.StartRunResult
		plan    activities.PlanResult
		// want is "" for a run that may write, else what its reason must say.
		want []string
	}{
		{name: "changing up to MaxChangeShare of the tenant writes",
			started: tenant(100), plan: activities.PlanResult{Created: 10, Updated: 10, Unchanged: 80}},
		{name: "creating more than MaxChangeShare holds the run",
			started: tenant(100), plan: activities.PlanResult{Created: 21, Unchanged: 79},
			want: []string{"create 21 and change 0 employees", "of the tenant's 100", "21%", "more than the 20%"}},
		{name: "updates count as changes",
			started: tenant(100), plan: activities.PlanResult{Updated: 30, Unchanged: 70},
			want: []string{"change 30 employees", "30%"}},
		{name: "newly retired employees are among the changes and named",
			started: tenant(100), plan: activities.PlanResult{Updated: 25, NewlyRetired: 25, Unchanged: 75},
			want: []string{"(25 of them newly retired)", "25%"}},
		{name: "unchanged, skipped and failed records are not changes",
			started: tenant(100), plan: activities.PlanResult{Created: 5, Unchanged: 60, Skipped: 200, Errors: 300}},
		{name: "a tenant's first sync is never held",
			started: activities.StartRunResult{Employees: 100, FirstSync: true}, plan: activities.PlanResult{Created: 100}},
		{name: "a tenant under MinEmployees is never held",
			started: tenant(49), plan: activities.PlanResult{Created: 49}},
		{name: "a tenant at MinEmployees is guarded",
			started: tenant(50), plan: activities.PlanResult{Created: 50}, want: []string{"100%"}},
		{name: "a tenant without employees is never held, even with no minimum",
			guard: activities.GuardSettings{MaxChangeShare: 0.2}, started: tenant(0), plan: activities.PlanResult{Created: 1000}},
		{name: "the guard switched off holds nothing",
			guard: activities.GuardSettings{MaxChangeShare: 0.2, Disabled: true}, started: tenant(100), plan: activities.PlanResult{Updated: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.guard
			if g == (activities.GuardSettings{}) {
				g = testGuard
			}
			got := rosterGuard(g, tt.started, tt.plan)
			if (got == "") != (len(tt.want) == 0) {
				t.Fatalf("rosterGuard = %q, want held: %v", got, len(tt.want) > 0)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("reason %q does not say %q", got, w)
				}
			}
		})
	}
}

func TestAttendanceGuard(t *testing.T) {
	started := activities.StartRunResult{Employees: 100}
	const hours = 60
	prev := activities.MonthFigures{Rows: 100, WorkMinutes: 100 * 160 * hours}
	rows := func(n int, workHours int64) activities.PlanResult {
		return activities.PlanResult{Created: n / 2, Updated: n - n/2, WorkMinutes: workHours * hours}
	}
	tests := []struct {
		name     string
		guard    activities.GuardSettings
		started  activities.StartRunResult
		plan     activities.PlanResult
		previous activities.MonthFigures
		want     []string
	}{
		{name: "a month like the one before writes",
			started: started, plan: rows(98, 98*160), previous: prev},
		{name: "unchanged rows count as the month's rows",
			started: started, plan: activities.PlanResult{Unchanged: 100, WorkMinutes: 100 * 160 * hours}, previous: prev},
		{name: "rows moving by exactly the allowed share write",
			started: started, plan: rows(150, 150*160), previous: activities.MonthFigures{Rows: 100, WorkMinutes: 150 * 160 * hours}},
		{name: "far fewer rows than the month before hold the run",
			started: started, plan: rows(40, 40*160), previous: prev,
			want: []string{"2026-10 has 40 employees' rows with 6400 working hours in all", "against 100 rows and 16000 hours in 2026-09", "more than the 50%"}},
		{name: "far more rows than the month before hold the run",
			started: started, plan: rows(300, 100*160), previous: prev, want: []string{"has 300 employees' rows"}},
		{name: "the same rows with twice the working time hold the run",
			started: started, plan: rows(100, 100*320), previous: prev, want: []string{"32000 working hours"}},
		{name: "skipped and failed rows are not the month's rows",
			started: started, plan: activities.PlanResult{Created: 100, Skipped: 500, Errors: 500, WorkMinutes: 100 * 160 * hours}, previous: prev},
		{name: "a month before without working time compares rows only",
			started: started, plan: rows(100, 100*160), previous: activities.MonthFigures{Rows: 100}},
		{name: "a tenant's first attendance sync is never held",
			started: activities.StartRunResult{FirstSync: true}, plan: rows(1000, 1), previous: prev},
		{name: "no month before is never held",
			started: started, plan: rows(1000, 1000*160), previous: activities.MonthFigures{}},
		{name: "a month before with fewer rows than MinEmployees is never held",
			started: started, plan: rows(1000, 1000*160), previous: activities.MonthFigures{Rows: 49, WorkMinutes: 49 * 160 * hours}},
		{name: "with no minimum, one row the month before is enough to compare",
			guard: activities.GuardSettings{AttendanceMaxChangeShare: 0.5}, started: started, plan: rows(10, 10*160),
			previous: activities.MonthFigures{Rows: 1, WorkMinutes: 160 * hours}, want: []string{"has 10 employees' rows"}},
		{name: "the guard switched off holds nothing",
			guard: activities.GuardSettings{AttendanceMaxChangeShare: 0.5, Disabled: true}, started: started, plan: rows(10, 1), previous: prev},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.guard
			if g == (activities.GuardSettings{}) {
				g = testGuard
			}
			got := attendanceGuard(g, tt.started, tt.plan, "2026-10", "2026-09", tt.previous)
			if (got == "") != (len(tt.want) == 0) {
				t.Fatalf("attendanceGuard = %q, want held: %v", got, len(tt.want) > 0)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("reason %q does not say %q", got, w)
				}
			}
		})
	}
}
