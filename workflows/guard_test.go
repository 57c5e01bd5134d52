package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/syncapi"
)

var testGuard = syncapi.GuardSettings{MaxChangeShare: 0.2, FirstSyncMinMatchShare: 0.5, AttendanceMaxChangeShare: 0.5,
	MinEmployees: 50, ApprovalTimeout: 72 * time.Hour}

func TestRosterGuard(t *testing.T) {
	tenant := func(employees int) syncapi.StartRunResult {
		return syncapi.StartRunResult{Employees: employees, Guard: testGuard}
	}
	// first is a tenant's first roster sync (no roster run ever wrote to
	// it) with this many employees in mediment.
	first := func(employees int) syncapi.StartRunResult {
		return syncapi.StartRunResult{Employees: employees, FirstSync: true, Guard: testGuard}
	}
	tests := []struct {
		name    string
		guard   syncapi.GuardSettings
		started syncapi.StartRunResult
		plan    syncapi.PlanResult
		// want is "" for a run that may write, else what its reason must say.
		want []string
	}{
		{name: "changing up to MaxChangeShare of the tenant writes",
			started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 10, Updated: 10, Unchanged: 80}}},
		{name: "creating more than MaxChangeShare holds the run",
			started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 21, Unchanged: 79}},
			want: []string{"create 21 and change 0 employees", "of the tenant's 100", "21%", "more than the 20%"}},
		{name: "updates count as changes",
			started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Updated: 30, Unchanged: 70}},
			want: []string{"change 30 employees", "30%"}},
		{name: "newly retired employees are among the changes and named",
			started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Updated: 25, Unchanged: 75}, NewlyRetired: 25},
			want: []string{"(25 of them newly retired)", "25%"}},
		{name: "unchanged, skipped and failed records are not changes",
			started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 5, Unchanged: 60, Skipped: 200, Errors: 300}}},
		{name: "a first sync into a tenant without employees is never held",
			started: first(0), plan: syncapi.PlanResult{Records: 1000, Tally: syncapi.Tally{Created: 1000}}},
		{name: "a first sync matching most of the tenant's employees writes, however many more HRMOS holds",
			started: first(100), plan: syncapi.PlanResult{Records: 1000, Tally: syncapi.Tally{Created: 910, Updated: 40, Unchanged: 50}, Matched: 90}},
		{name: "a first sync matching exactly the minimum share writes",
			started: first(100), plan: syncapi.PlanResult{Records: 100, Tally: syncapi.Tally{Created: 50, Unchanged: 50}, Matched: 50}},
		{name: "a first sync matching few of the tenant's employees is held: a wrong company",
			started: first(100), plan: syncapi.PlanResult{Records: 120, Tally: syncapi.Tally{Created: 117, Unchanged: 3}, Matched: 3},
			want: []string{"this first sync of the tenant matches only 3 of its 100 employees in mediment (3%, less than the 50%",
				"would create 117 new ones beside them", "A wrong HRMOS company ID is the usual cause", "`starter connections`",
				"reject this run (`starter reject`", "if it is right, approve the run"}},
		{name: "a first sync that matches few but creates nobody builds no second roster and writes",
			started: first(100), plan: syncapi.PlanResult{Records: 100, Tally: syncapi.Tally{Errors: 90, Skipped: 10}}},
		{name: "records in error are not matches",
			started: first(100), plan: syncapi.PlanResult{Records: 100, Tally: syncapi.Tally{Errors: 60, Created: 40}}, want: []string{"matches only 0 of its 100"}},
		{name: "a first sync of a tenant small in mediment and in HRMOS is never held",
			started: first(20), plan: syncapi.PlanResult{Records: 49, Tally: syncapi.Tally{Created: 49}}},
		{name: "a first sync of a tenant small in mediment but not in HRMOS is guarded",
			started: first(10), plan: syncapi.PlanResult{Records: 500, Tally: syncapi.Tally{Created: 500}}, want: []string{"matches only 0 of its 10", "would create 500"}},
		{name: "a first sync of a tenant small in HRMOS but not in mediment is guarded",
			started: first(60), plan: syncapi.PlanResult{Records: 5, Tally: syncapi.Tally{Created: 5}}, want: []string{"matches only 0 of its 60"}},
		{name: "the guard switched off holds no first sync",
			guard: syncapi.GuardSettings{FirstSyncMinMatchShare: 0.5, Disabled: true}, started: first(100), plan: syncapi.PlanResult{Records: 100, Tally: syncapi.Tally{Created: 100}}},
		{name: "without a minimum match share a first sync is never held",
			guard: syncapi.GuardSettings{MaxChangeShare: 0.2, MinEmployees: 50}, started: first(100), plan: syncapi.PlanResult{Records: 100, Tally: syncapi.Tally{Created: 100}}},
		{name: "a tenant under MinEmployees in mediment and in HRMOS is never held",
			started: tenant(49), plan: syncapi.PlanResult{Records: 49, Tally: syncapi.Tally{Created: 49}}},
		{name: "a tenant small in mediment but not in HRMOS is guarded",
			started: tenant(10), plan: syncapi.PlanResult{Records: 500, Tally: syncapi.Tally{Created: 495, Unchanged: 5}},
			want: []string{"create 495 and change 0 employees", "of the tenant's 10"}},
		{name: "a tenant at MinEmployees is guarded",
			started: tenant(50), plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 50}}, want: []string{"100%"}},
		{name: "a tenant without employees is never held, even with no minimum",
			guard: syncapi.GuardSettings{MaxChangeShare: 0.2}, started: tenant(0), plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 1000}}},
		{name: "the guard switched off holds nothing",
			guard: syncapi.GuardSettings{MaxChangeShare: 0.2, Disabled: true}, started: tenant(100), plan: syncapi.PlanResult{Tally: syncapi.Tally{Updated: 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.guard
			if g == (syncapi.GuardSettings{}) {
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
	started := syncapi.StartRunResult{Employees: 100}
	const hours = 60
	prev := syncapi.MonthFigures{Rows: 100, WorkMinutes: 100 * 160 * hours}
	rows := func(n int, workHours int64) syncapi.PlanResult {
		return syncapi.PlanResult{Tally: syncapi.Tally{Created: n / 2, Updated: n - n/2}, WorkMinutes: workHours * hours}
	}
	tests := []struct {
		name     string
		guard    syncapi.GuardSettings
		started  syncapi.StartRunResult
		plan     syncapi.PlanResult
		previous syncapi.MonthFigures
		want     []string
	}{
		{name: "a month like the one before writes",
			started: started, plan: rows(98, 98*160), previous: prev},
		{name: "unchanged rows count as the month's rows",
			started: started, plan: syncapi.PlanResult{Tally: syncapi.Tally{Unchanged: 100}, WorkMinutes: 100 * 160 * hours}, previous: prev},
		{name: "rows moving by exactly the allowed share write",
			started: started, plan: rows(150, 150*160), previous: syncapi.MonthFigures{Rows: 100, WorkMinutes: 150 * 160 * hours}},
		{name: "far fewer rows than the month before hold the run",
			started: started, plan: rows(40, 40*160), previous: prev,
			want: []string{"2026-10 has 40 employees' rows with 6400 working hours in all", "against 100 rows and 16000 hours in 2026-09", "more than the 50%"}},
		{name: "far more rows than the month before hold the run",
			started: started, plan: rows(300, 100*160), previous: prev, want: []string{"has 300 employees' rows"}},
		{name: "the same rows with twice the working time hold the run",
			started: started, plan: rows(100, 100*320), previous: prev, want: []string{"32000 working hours"}},
		{name: "skipped and failed rows are not the month's rows",
			started: started, plan: syncapi.PlanResult{Tally: syncapi.Tally{Created: 100, Skipped: 500, Errors: 500}, WorkMinutes: 100 * 160 * hours}, previous: prev},
		{name: "a month before without working time compares rows only",
			started: started, plan: rows(100, 100*160), previous: syncapi.MonthFigures{Rows: 100}},
		{name: "a tenant's first attendance sync is never held",
			started: syncapi.StartRunResult{FirstSync: true}, plan: rows(1000, 1), previous: prev},
		{name: "no month before is never held",
			started: started, plan: rows(1000, 1000*160), previous: syncapi.MonthFigures{}},
		{name: "a month before with fewer rows than MinEmployees is never held",
			started: started, plan: rows(1000, 1000*160), previous: syncapi.MonthFigures{Rows: 49, WorkMinutes: 49 * 160 * hours}},
		{name: "with no minimum, one row the month before is enough to compare",
			guard: syncapi.GuardSettings{AttendanceMaxChangeShare: 0.5}, started: started, plan: rows(10, 10*160),
			previous: syncapi.MonthFigures{Rows: 1, WorkMinutes: 160 * hours}, want: []string{"has 10 employees' rows"}},
		{name: "the guard switched off holds nothing",
			guard: syncapi.GuardSettings{AttendanceMaxChangeShare: 0.5, Disabled: true}, started: started, plan: rows(10, 1), previous: prev},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.guard
			if g == (syncapi.GuardSettings{}) {
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
