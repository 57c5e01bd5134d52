package activities

import (
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// snapshot is what a record's write may change, for one tenant.
type snapshot struct {
	employees, attendance, items, changes int
	employeesDigest, attendanceDigest     string
	itemsDigest, changesDigest            string
}

func (w *world) snapshot(tenant string) snapshot {
	w.t.Helper()
	return snapshot{
		employees:        w.count(`SELECT count(*) FROM employees WHERE tenant_id = $1`, tenant),
		attendance:       w.count(`SELECT count(*) FROM monthly_attendance WHERE tenant_id = $1`, tenant),
		items:            w.count(`SELECT count(*) FROM sync_run_items WHERE tenant_id = $1`, tenant),
		changes:          w.count(`SELECT count(*) FROM sync_run_changes WHERE tenant_id = $1`, tenant),
		employeesDigest:  w.tableDigest("employees", tenant),
		attendanceDigest: w.tableDigest("monthly_attendance", tenant),
		itemsDigest:      w.tableDigest("sync_run_items", tenant),
		changesDigest:    w.tableDigest("sync_run_changes", tenant),
	}
}

// A retried SyncEmployee (the worker crashed after the commit, before
// Temporal heard of it) finds the outcome its first attempt recorded,
// returns it, and writes nothing: no second employee, no second item, the
// diff as it was.
func TestSyncEmployeeRetriedAfterItsCommitWritesOnce(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 30))
	p := w.planRun("acme", codes.KindRoster, "")
	if len(p.pending) == 0 {
		t.Fatal("a fresh tenant's roster left nothing to create")
	}
	id := p.pending[0]

	before := w.snapshot("acme")
	first := must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	if first.Outcome != codes.Created || first.ReasonCode == "" {
		t.Fatalf("first attempt = %+v, want the employee created", first)
	}
	afterFirst := w.snapshot("acme")
	if afterFirst.employees != before.employees+1 || afterFirst.items != before.items+1 {
		t.Fatalf("first attempt wrote %d employees and %d items, want 1 and 1", afterFirst.employees-before.employees, afterFirst.items-before.items)
	}

	second := must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	if second != first {
		t.Errorf("retry returned %+v, want the recorded %+v", second, first)
	}
	if afterSecond := w.snapshot("acme"); afterSecond != afterFirst {
		t.Errorf("the retry wrote something:\nafter the first attempt %+v\nafter the retry         %+v", afterFirst, afterSecond)
	}
}

// The same for an attendance row: the month is written once, the retry
// returns the recorded outcome.
func TestSyncAttendanceRetriedAfterItsCommitWritesOnce(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 30))
	w.syncRoster("acme")
	p := w.planRun("acme", codes.KindAttendance, reportMonth())
	if len(p.pending) == 0 {
		t.Fatal("a first attendance sync left no month to write")
	}
	id := p.pending[0]

	before := w.snapshot("acme")
	first := must[syncapi.RecordResult](w, w.acts.SyncAttendance, p.record(id))
	if first.Outcome != codes.Created {
		t.Fatalf("first attempt = %+v, want the month created", first)
	}
	afterFirst := w.snapshot("acme")
	if afterFirst.attendance != before.attendance+1 || afterFirst.items != before.items+1 {
		t.Fatalf("first attempt wrote %d months and %d items, want 1 and 1", afterFirst.attendance-before.attendance, afterFirst.items-before.items)
	}

	second := must[syncapi.RecordResult](w, w.acts.SyncAttendance, p.record(id))
	if second != first {
		t.Errorf("retry returned %+v, want the recorded %+v", second, first)
	}
	if afterSecond := w.snapshot("acme"); afterSecond != afterFirst {
		t.Errorf("the retry wrote something:\nafter the first attempt %+v\nafter the retry         %+v", afterFirst, afterSecond)
	}
}

// A plan retried after it committed (its local activity's result was lost)
// decides the same and records the same settled items and diff: nothing
// doubles, nothing changes.
func TestPlanRetriedAfterItsCommitRecordsTheSame(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 150)
	w.connect("acme", c)
	w.syncRoster("acme")
	// A day of HR edits: the next roster run has unchanged employees (items
	// recorded by the plan) and updated ones (a diff recorded by the plan).
	if n, err := w.sim.MutateUsers(c.ID, 20, 3); err != nil || n == 0 {
		t.Fatalf("MutateUsers = %d, %v", n, err)
	}

	for _, kind := range []string{codes.KindRoster, codes.KindAttendance} {
		t.Run(kind, func(t *testing.T) {
			month := ""
			if kind == codes.KindAttendance {
				// A month synced before: the plan records every row as unchanged.
				month = reportMonth()
				w.syncAttendance("acme", month)
			}
			p := w.planRun("acme", kind, month)
			first := w.snapshot("acme")
			var settled, diffs int
			for _, r := range p.planned {
				settled += r.Records - r.Pending
			}
			diffs = w.count(`SELECT count(*) FROM sync_run_changes WHERE sync_run_id = $1`, p.in.RunID)
			if kind == codes.KindRoster && (settled == 0 || diffs == 0) {
				t.Fatalf("the plan recorded %d items and %d changes; the test needs both", settled, diffs)
			}
			if kind == codes.KindAttendance && settled == 0 {
				t.Fatalf("the plan recorded no items; the test needs some")
			}

			t.Logf("the plan recorded %d settled items and %d changes in %d chunks", settled, diffs, len(p.chunks.Ranges))
			plan := w.acts.PlanRosterChunk
			if kind == codes.KindAttendance {
				plan = w.acts.PlanAttendanceChunk
			}
			for i, rg := range p.chunks.Ranges {
				again := must[syncapi.PlanResult](w, plan, p.chunkInput(rg))
				if again != p.planned[i] {
					t.Errorf("chunk %d planned again = %+v, first %+v", i+1, again, p.planned[i])
				}
			}
			if second := w.snapshot("acme"); second != first {
				t.Errorf("the retried plan wrote something:\nfirst plan %+v\nretried    %+v", first, second)
			}
		})
	}
}
