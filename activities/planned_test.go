package activities

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// countingMetrics counts what the record activities report.
type countingMetrics struct {
	mu    sync.Mutex
	stale map[string]int
}

func newCountingMetrics() *countingMetrics { return &countingMetrics{stale: map[string]int{}} }

func (m *countingMetrics) RunStarted(string, string)   {}
func (m *countingMetrics) RunFinished(string, string)  {}
func (m *countingMetrics) Records(string, string, int) {}
func (m *countingMetrics) PlanStale(kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stale[kind]++
}

// newCountedWorld is a world whose activities report to countingMetrics.
func newCountedWorld(t *testing.T) (*world, *countingMetrics) {
	w := newWorld(t, worldOptions{})
	m := newCountingMetrics()
	w.acts.Metrics = m
	return w, m
}

// stagedNumber is the 社員番号 staged for HRMOS user id in run p.
func (w *world) stagedNumber(p plannedRun, id int64) string {
	w.t.Helper()
	var number string
	if err := w.store.Pool().QueryRow(context.Background(),
		`SELECT number FROM roster_staging WHERE sync_run_id = $1 AND hrmos_user_id = $2`, p.in.RunID, id).Scan(&number); err != nil || number == "" {
		w.t.Fatalf("staged 社員番号 of HRMOS user %d = %q, %v", id, number, err)
	}
	return number
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	c, err := pgx.Connect(context.Background(), w.dbURL)
	if err != nil {
		w.t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// In a run nothing else touches, every record is written as planned: one
// statement each, none decided again.
func TestRecordsAreWrittenAsPlannedWhenNothingChanged(t *testing.T) {
	w, m := newCountedWorld(t)
	c := w.company("acme-co", 60)
	w.connect("acme", c)
	roster := w.syncRoster("acme")
	if n, err := w.sim.MutateUsers(c.ID, 20, 5); err != nil || n == 0 {
		t.Fatalf("MutateUsers = %d, %v", n, err)
	}
	changed := w.syncRoster("acme")
	month := w.syncAttendance("acme", reportMonth())

	if len(roster.pending) == 0 || len(changed.pending) == 0 || len(month.pending) == 0 {
		t.Fatalf("pending records: first sync %d, changed re-sync %d, month %d; the test needs all three",
			len(roster.pending), len(changed.pending), len(month.pending))
	}
	if m.stale[codes.KindRoster] != 0 || m.stale[codes.KindAttendance] != 0 {
		t.Errorf("decided again: %v; nothing changed between plan and write", m.stale)
	}
}

// The web app adds the employee (same 社員番号) after the plan decided to
// create them: the planned insert no longer holds, the record is decided
// again from fresh reads and links the web app's employee instead of
// creating a second one.
func TestAnEmployeeAddedAfterThePlanIsMatchedNotDuplicated(t *testing.T) {
	w, m := newCountedWorld(t)
	w.connect("acme", w.company("acme-co", 30))
	p := w.planRun("acme", codes.KindRoster, "")
	id := p.pending[0]
	number := w.stagedNumber(p, id)
	w.exec(`INSERT INTO employees (tenant_id, employee_number, last_name, first_name) VALUES ('acme', $1, 'ウェブ', 'アプリ')`, number)

	res := must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	if res.Outcome == codes.Created {
		t.Errorf("outcome %+v: the planned create was applied over the web app's employee", res)
	}
	if n := w.count(`SELECT count(*) FROM employees WHERE tenant_id = 'acme' AND employee_number = $1`, number); n != 1 {
		t.Errorf("%d employees hold 社員番号 of HRMOS user %d, want 1", n, id)
	}
	if m.stale[codes.KindRoster] != 1 {
		t.Errorf("decided again %d times, want 1", m.stale[codes.KindRoster])
	}
	if n := w.count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND hrmos_user_id = $2`, p.in.RunID, id); n != 1 {
		t.Errorf("%d items for the record, want 1", n)
	}
}

// The web app edits an employee after the plan decided its update: the
// write is decided again, so the diff shows the web app's value as the
// value before, not the one the plan read.
func TestAnEmployeeEditedAfterThePlanIsDecidedAgain(t *testing.T) {
	w, m := newCountedWorld(t)
	c := w.company("acme-co", 40)
	w.connect("acme", c)
	w.syncRoster("acme")
	if n, err := w.sim.MutateUsers(c.ID, 50, 9); err != nil || n == 0 {
		t.Fatalf("MutateUsers = %d, %v", n, err)
	}
	p := w.planRun("acme", codes.KindRoster, "")
	if len(p.pending) == 0 {
		t.Fatal("no update planned")
	}
	id := p.pending[0]
	w.exec(`UPDATE employees SET office = 'ウェブアプリで変更' WHERE tenant_id = 'acme' AND hrmos_user_id = $1`, id)

	res := must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	if res.Outcome != codes.Updated {
		t.Fatalf("outcome %+v, want updated", res)
	}
	if m.stale[codes.KindRoster] != 1 {
		t.Errorf("decided again %d times, want 1", m.stale[codes.KindRoster])
	}
	if n := w.count(`SELECT count(*) FROM sync_run_changes WHERE sync_run_id = $1 AND hrmos_user_id = $2 AND changes::text LIKE '%ウェブアプリで変更%'`, p.in.RunID, id); n != 1 {
		t.Errorf("the diff does not show the web app's value as the one replaced")
	}
}

// The web app writes the month after the plan decided to create it: the
// row is decided again and recorded as an update of the web app's month.
func TestAMonthWrittenAfterThePlanIsDecidedAgain(t *testing.T) {
	w, m := newCountedWorld(t)
	w.connect("acme", w.company("acme-co", 30))
	w.syncRoster("acme")
	month := reportMonth()
	p := w.planRun("acme", codes.KindAttendance, month)
	if len(p.pending) == 0 {
		t.Fatal("no month planned")
	}
	id := p.pending[0]
	w.exec(`INSERT INTO monthly_attendance (tenant_id, employee_id, month, working_days, sync_run_id)
		SELECT tenant_id, id, $2, 99, $3 FROM employees WHERE tenant_id = 'acme' AND hrmos_user_id = $1`, id, month, p.in.RunID)

	res := must[syncapi.RecordResult](w, w.acts.SyncAttendance, p.record(id))
	if res.Outcome != codes.Updated {
		t.Errorf("outcome %+v, want updated (the month exists now)", res)
	}
	if m.stale[codes.KindAttendance] != 1 {
		t.Errorf("decided again %d times, want 1", m.stale[codes.KindAttendance])
	}
	if n := w.count(`SELECT count(*) FROM monthly_attendance WHERE tenant_id = 'acme' AND month = $1 AND working_days = 99`, month); n != 0 {
		t.Errorf("the web app's value stayed; the sync's row should have replaced it")
	}
}

// A batch writes what still holds in its one statement and decides again,
// alone, the record the web app changed since the plan: every record of
// the batch gets its item once, and no duplicate employee is created.
func TestABatchWritesWhatHoldsAndDecidesTheRestAgain(t *testing.T) {
	w, m := newCountedWorld(t)
	w.connect("acme", w.company("acme-co", 40))
	p := w.planRun("acme", codes.KindRoster, "")
	ids := p.pending[:10]
	number := w.stagedNumber(p, ids[3])
	w.exec(`INSERT INTO employees (tenant_id, employee_number, last_name, first_name) VALUES ('acme', $1, 'ウェブ', 'アプリ')`, number)

	res := must[syncapi.BatchResult](w, w.acts.SyncEmployees, syncapi.BatchInput{TenantID: "acme", RunID: p.in.RunID, HRMOSUserIDs: ids, Today: today()})
	if len(res.Written) != len(ids) || len(res.Failed) != 0 {
		t.Fatalf("batch wrote %d and failed %v, want all %d written", len(res.Written), res.Failed, len(ids))
	}
	if m.stale[codes.KindRoster] != 1 {
		t.Errorf("decided again %d records, want the one changed", m.stale[codes.KindRoster])
	}
	if n := w.count(`SELECT count(*) FROM employees WHERE tenant_id = 'acme' AND employee_number = $1`, number); n != 1 {
		t.Errorf("%d employees hold the changed record's 社員番号, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND hrmos_user_id = ANY($2)`, p.in.RunID, ids); n != len(ids) {
		t.Errorf("%d items for the batch's %d records", n, len(ids))
	}
	// Run again (a retry after a crash): everything is recorded, nothing
	// is written twice.
	before := w.snapshot("acme")
	again := must[syncapi.BatchResult](w, w.acts.SyncEmployees, syncapi.BatchInput{TenantID: "acme", RunID: p.in.RunID, HRMOSUserIDs: ids, Today: today()})
	if len(again.Written) != len(ids) {
		t.Errorf("the retried batch returned %d outcomes, want %d", len(again.Written), len(ids))
	}
	if after := w.snapshot("acme"); after != before {
		t.Errorf("the retried batch wrote something:\nbefore %+v\nafter  %+v", before, after)
	}
}

// One record the database refuses fails the batch's statement, which
// writes nothing; the batch then writes each record alone, and returns the
// refused one as failed for the workflow to retry and record, while the
// others are written.
func TestOneRefusedRecordLeavesTheRestOfItsBatchWritten(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 40))
	p := w.planRun("acme", codes.KindRoster, "")
	ids := p.pending[:8]
	w.exec(`CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.hrmos_user_id = ` + strconv.FormatInt(ids[2], 10) + ` THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_one BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION refuse_one();`)

	res := must[syncapi.BatchResult](w, w.acts.SyncEmployees, syncapi.BatchInput{TenantID: "acme", RunID: p.in.RunID, HRMOSUserIDs: ids, Today: today()})
	if len(res.Failed) != 1 || res.Failed[0] != ids[2] {
		t.Errorf("failed = %v, want only HRMOS user %d", res.Failed, ids[2])
	}
	if len(res.Written) != len(ids)-1 {
		t.Errorf("written %d, want %d", len(res.Written), len(ids)-1)
	}
	if n := w.count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND hrmos_user_id = ANY($2)`, p.in.RunID, ids); n != len(ids)-1 {
		t.Errorf("%d items, want %d (all but the refused one)", n, len(ids)-1)
	}
}
