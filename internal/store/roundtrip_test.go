package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// Every synced field of the rules' column tables is written to its own
// column and read back unchanged: a field added to rules.SyncedColumns or
// rules.AttendanceColumns needs nothing else, and a mix-up shows here.
func TestEverySyncedFieldRoundTrips(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('a', 'A')`)
	run := startRun(t, st, "a")

	// A distinct value per column, so two swapped columns cannot agree.
	var f rules.SyncedFields
	for i, c := range rules.SyncedColumns {
		v := "v" + string(rune('a'+i))
		if c.Name == "hire_date" || c.Name == "retirement_date" {
			v = []string{"2020-04-01", "2030-03-31"}[map[string]int{"hire_date": 0, "retirement_date": 1}[c.Name]]
		}
		*c.Field(&f) = &v
	}
	f.GenderProvided = true
	var id *int64
	err := st.InTx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.WriteRecord(ctx, run, store.RecordWrite{
			Item:    store.Item{HRMOSUserID: 9, Outcome: string(codes.Created), ReasonCode: codes.ReasonNewEmployee},
			Changes: []rules.Change{{Column: "email", New: f.Email}},
		}.WithWrite(store.CreateEmployeeWrite("a", 9, "acme", f)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Employee(ctx, "a", *id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got.Synced); diff != "" {
		t.Errorf("synced fields after a round trip (-written +read):\n%s", diff)
	}
	if got.HRMOSUserID == nil || *got.HRMOSUserID != 9 {
		t.Errorf("hrmos_user_id = %v, want 9", got.HRMOSUserID)
	}
	var defaults []bool
	if err := st.Pool().QueryRow(ctx, `SELECT ARRAY[social_insurance, stress_check_target, health_checkup_target] FROM employees WHERE id = $1`, *id).
		Scan(&defaults); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{true, true, true}, defaults); diff != "" {
		t.Errorf("defaults of rule 6 (-want +got):\n%s", diff)
	}

	var m rules.AttendanceFields
	for i, c := range rules.AttendanceColumns {
		v := 10*i + 5 // tenths: "0.5", "1.5"… minutes: 5, 15…
		*c.Field(&m) = &v
	}
	err = st.InTx(ctx, func(q *store.Queries) error {
		_, err := q.WriteRecord(ctx, run, store.RecordWrite{
			Item: store.Item{HRMOSUserID: 10, EmployeeID: id, Outcome: string(codes.Created), ReasonCode: codes.ReasonNewAttendance},
		}.WithWrite(store.UpsertAttendanceWrite("a", *id, "2026-10", run.RunID, m)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	back, err := st.Attendance(ctx, "a", *id, "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&m, back); diff != "" {
		t.Errorf("attendance fields after a round trip (-written +read):\n%s", diff)
	}
	changes, err := st.Changes(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Column != "email" || *changes[0].New != *f.Email || changes[0].EmployeeID == nil {
		t.Errorf("changes = %+v", changes)
	}
}
