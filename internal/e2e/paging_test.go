package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// HRMOS pages by page number: a user deleted while the list is read moves
// every later one up a place, and one of them is never seen. The run
// notices (fewer read than the first page's X-Total-Count), reads the list
// again, and gives up rather than sync a list with someone missing.
func TestPagingThatShiftsWhileRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	countOf := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := e.store.Pool().QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("once: the list is read again and every user synced", func(t *testing.T) {
		c := e.company(hrmossim.GenerateSpec{CompanyID: "shift-once", Users: 120, Seed: 61})
		e.mustConnect("shift-once", "shift-once", c.APIKey)
		e.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1})
		defer e.sim.SetFaults(hrmossim.Faults{})

		run := e.mustRoster(workflows.RosterSyncInput{TenantID: "shift-once"})
		if left := e.sim.Faults().ShiftRowsBetweenPages; left != 0 {
			t.Fatalf("the shift fault was not used (%d left)", left)
		}
		if !strings.Contains(e.logs.String(), "HRMOS's list changed while it was read; reading it again") {
			t.Fatal("the run did not read the list again")
		}
		users := e.sim.Company("shift-once").Users // one was deleted by the shift
		items := e.items(run)
		if run.Fetched != len(users) || len(items) != len(users) {
			t.Fatalf("run = %+v with %d items for the %d users HRMOS has", run.Counts, len(items), len(users))
		}
		for _, u := range users {
			if _, ok := items[u.ID]; !ok {
				t.Errorf("HRMOS user %d was not synced", u.ID)
			}
		}
		if n := countOf(`SELECT count(*) FROM employees WHERE tenant_id = 'shift-once'`); n != run.Created || run.Created == 0 {
			t.Fatalf("%d employees, %d created", n, run.Created)
		}
	})

	t.Run("on every read: the run fails and writes nothing", func(t *testing.T) {
		c := e.company(hrmossim.GenerateSpec{CompanyID: "shift-always", Users: 120, Seed: 67})
		e.mustConnect("shift-always", "shift-always", c.APIKey)
		e.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1 << 30})
		defer e.sim.SetFaults(hrmossim.Faults{})

		run, err := e.roster(workflows.RosterSyncInput{TenantID: "shift-always"})
		if err == nil || run.Status != codes.RunFailed || !strings.Contains(run.FailureReason, "HRMOS's list of users changed while it was being read") {
			t.Fatalf("run = %+v, err = %v", run, err)
		}
		if n := countOf(`SELECT count(*) FROM employees WHERE tenant_id = 'shift-always'`) +
			countOf(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1`, run.ID) + e.stagedRows(); n != 0 {
			t.Fatalf("a failed read left %d employees, items or staged rows", n)
		}
	})
}
