package activities

import (
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// The plan counts the records it decided as an existing mediment employee
// (updated or unchanged, retirements included): the mass-change guard
// compares that with the employees mediment has on a tenant's first sync.
func TestPlanCountsTheEmployeesItMatched(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 10)
	w.connect("acme", c)
	// mediment has four of them already, typed in by hand with their 社員番号.
	matched := 0
	for _, u := range c.Users {
		if matched == 4 {
			break
		}
		if u.Number.Value == "" {
			continue
		}
		testdb.Exec(t, w.store, `INSERT INTO employees (tenant_id, employee_number) VALUES ('acme', $1)`, u.Number.Value)
		matched++
	}

	sum := func(p plannedRun) syncapi.PlanResult {
		var s syncapi.PlanResult
		for _, r := range p.planned {
			s.Merge(r)
		}
		return s
	}
	first := sum(w.syncRoster("acme"))
	if first.Matched != 4 || first.Matched != first.Updated+first.Unchanged || first.Created == 0 {
		t.Errorf("first sync planned %+v, want the 4 employees mediment had matched, the others created", first)
	}
	again := sum(w.planRun("acme", codes.KindRoster, ""))
	if again.Matched != again.Updated+again.Unchanged || again.Matched != first.Matched+first.Created {
		t.Errorf("second sync planned %+v, want every employee the first one matched or created matched", again)
	}
}
