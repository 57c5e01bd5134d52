package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
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

// One user added and another removed while the list is read keeps
// X-Total-Count where it was, and the user who moves back across the page
// boundary is never seen: the count alone passes. The added user, listed by
// HRMOS's `from` with a created_at inside the reading, gives it away; the
// run reads the list until two readings agree, and syncs exactly what HRMOS
// lists at the end: the added one in, the removed one out, the one who
// moved included. A list that keeps changing fails the run with the reason.
func TestPagingWithAnAddAndARemovalWhileRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	month := lastMonth()
	countOf := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := e.store.Pool().QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// checkItems proves that the run's items are exactly the IDs HRMOS
	// lists at the end, and names the one removed and the one that moved.
	const reread = "HRMOS's list may have changed while it was read; reading it again to compare"
	checkItems := func(t *testing.T, run store.Run, before, after []int64, rereadsBefore int) {
		t.Helper()
		items := e.items(run)
		if run.Status != codes.RunCompleted || run.Fetched != len(after) || len(items) != len(after) {
			t.Fatalf("run = %s %+v with %d items for the %d records HRMOS lists", run.Status, run.Counts, len(items), len(after))
		}
		for _, id := range after {
			if _, ok := items[id]; !ok {
				t.Errorf("HRMOS user %d is listed and missing from the run's items", id)
			}
		}
		if _, ok := items[before[0]]; ok || slices.Contains(after, before[0]) {
			t.Errorf("HRMOS user %d was removed during the read and is in the run's items", before[0])
		}
		if !slices.Contains(after, before[100]) {
			t.Fatalf("the user at the page boundary (%d) is not listed: the test proves nothing", before[100])
		}
		// Pass 1 is suspicious (the added record), pass 2 too (it differs
		// from pass 1), pass 3 agrees with pass 2.
		if n := strings.Count(e.logs.String(), reread) - rereadsBefore; n != 2 {
			t.Errorf("the run read the list again %d times to compare, want 2", n)
		}
		if n := e.stagedRows(); n != 0 {
			t.Errorf("%d staged rows left after the run", n)
		}
	}

	t.Run("roster", func(t *testing.T) {
		c := e.company(hrmossim.GenerateSpec{CompanyID: "addrm-roster", Users: 120, Seed: 71})
		e.mustConnect("addrm-roster", "addrm-roster", c.APIKey)
		before := userIDs(e.sim.Company(c.ID))
		rereads := strings.Count(e.logs.String(), reread)
		e.sim.SetFaults(hrmossim.Faults{AddAndRemoveBetweenPages: 1})
		defer e.sim.SetFaults(hrmossim.Faults{})

		run := e.mustRoster(workflows.RosterSyncInput{TenantID: "addrm-roster"})

		if left := e.sim.Faults().AddAndRemoveBetweenPages; left != 0 {
			t.Fatal("the list never changed: the test proves nothing")
		}
		after := userIDs(e.sim.Company(c.ID))
		checkItems(t, run, before, after, rereads)
		added := after[len(after)-1]
		if slices.Contains(before, added) {
			t.Fatalf("no user was added: %d", added)
		}
		if n := countOf(`SELECT count(*) FROM employees WHERE tenant_id = 'addrm-roster' AND hrmos_user_id = $1`, before[0]); n != 0 {
			t.Errorf("the removed HRMOS user %d became %d employees", before[0], n)
		}
		if n := countOf(`SELECT count(*) FROM employees WHERE tenant_id = 'addrm-roster' AND hrmos_user_id = ANY($1)`,
			[]int64{added, before[100]}); n != 2 {
			t.Errorf("the added user and the one at the page boundary: %d employees, want 2", n)
		}
	})

	t.Run("attendance", func(t *testing.T) {
		c := e.company(hrmossim.GenerateSpec{CompanyID: "addrm-att", Users: 130, Seed: 73, Months: []string{month}})
		e.mustConnect("addrm-att", "addrm-att", c.APIKey)
		e.mustRoster(workflows.RosterSyncInput{TenantID: "addrm-att"})
		before := rowIDs(e.sim.Company(c.ID), month)
		if len(before) <= 101 {
			t.Fatalf("%d rows: the report needs a second page", len(before))
		}
		rereads := strings.Count(e.logs.String(), reread)
		e.sim.SetFaults(hrmossim.Faults{AddAndRemoveBetweenPages: 1})
		defer e.sim.SetFaults(hrmossim.Faults{})

		run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "addrm-att", Month: month})

		if left := e.sim.Faults().AddAndRemoveBetweenPages; left != 0 {
			t.Fatal("the report never changed: the test proves nothing")
		}
		after := rowIDs(e.sim.Company(c.ID), month)
		checkItems(t, run, before, after, rereads)
		if n := countOf(`SELECT count(*) FROM monthly_attendance a JOIN employees e ON e.tenant_id = a.tenant_id AND e.id = a.employee_id
			WHERE a.tenant_id = 'addrm-att' AND a.month = $1 AND e.hrmos_user_id = $2`, month, before[100]); n != 1 {
			t.Errorf("the row at the page boundary (HRMOS user %d) wrote %d attendance records, want 1", before[100], n)
		}
		if n := countOf(`SELECT count(*) FROM monthly_attendance a JOIN employees e ON e.tenant_id = a.tenant_id AND e.id = a.employee_id
			WHERE a.tenant_id = 'addrm-att' AND a.month = $1 AND e.hrmos_user_id = $2`, month, before[0]); n != 0 {
			t.Errorf("the removed row (HRMOS user %d) wrote %d attendance records", before[0], n)
		}
	})

	t.Run("on every read: the run fails with the reason and writes nothing", func(t *testing.T) {
		c := e.company(hrmossim.GenerateSpec{CompanyID: "addrm-always", Users: 120, Seed: 79})
		e.mustConnect("addrm-always", "addrm-always", c.APIKey)
		e.sim.SetFaults(hrmossim.Faults{AddAndRemoveBetweenPages: 1 << 30})
		defer e.sim.SetFaults(hrmossim.Faults{})

		run, err := e.roster(workflows.RosterSyncInput{TenantID: "addrm-always"})
		if err == nil || run.Status != codes.RunFailed {
			t.Fatalf("run = %+v, err = %v", run, err)
		}
		for _, want := range []string{"HRMOS's list of users changed while it was being read, 3 times in a row",
			"someone was added or removed in HRMOS during the sync", "nothing was written, start the sync again"} {
			if !strings.Contains(run.FailureReason, want) {
				t.Errorf("failure reason %q does not say %q", run.FailureReason, want)
			}
		}
		if n := countOf(`SELECT count(*) FROM employees WHERE tenant_id = 'addrm-always'`) +
			countOf(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1`, run.ID) + e.stagedRows(); n != 0 {
			t.Fatalf("a failed read left %d employees, items or staged rows", n)
		}
	})
}

// userIDs are the IDs /users lists, in order.
func userIDs(c *hrmossim.Company) []int64 {
	ids := make([]int64, len(c.Users))
	for i, u := range c.Users {
		ids[i] = u.ID
	}
	return ids
}

// rowIDs are the user IDs of a month's report rows, in order.
func rowIDs(c *hrmossim.Company, month string) []int64 {
	ids := make([]int64, len(c.MonthlyRows[month]))
	for i, r := range c.MonthlyRows[month] {
		ids[i] = r.UserID
	}
	return ids
}
