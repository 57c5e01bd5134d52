package activities

import (
	"context"
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
	w := newWorld(t, worldOptions{})
	m := newCountingMetrics()
	w.acts.Metrics = m
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
	w := newWorld(t, worldOptions{})
	m := newCountingMetrics()
	w.acts.Metrics = m
	w.connect("acme", w.company("acme-co", 30))
	p := w.planRun("acme", codes.KindRoster, "")
	id := p.pending[0]
	var number string
	if err := w.store.Pool().QueryRow(context.Background(),
		`SELECT number FROM roster_staging WHERE sync_run_id = $1 AND hrmos_user_id = $2`, p.in.RunID, id).Scan(&number); err != nil || number == "" {
		t.Fatalf("staged 社員番号 of HRMOS user %d = %q, %v", id, number, err)
	}
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
	w := newWorld(t, worldOptions{})
	m := newCountingMetrics()
	w.acts.Metrics = m
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
	w := newWorld(t, worldOptions{})
	m := newCountingMetrics()
	w.acts.Metrics = m
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
