package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// Every field of the rules' tables goes the whole way a run takes it: a
// value staged for it is read back by the plan's read and by a record's
// write's read, mapped, written into its own employees (monthly_attendance)
// column, and read back from there, first by a creation and then, with
// another value for every field, by an update whose diff names every
// column with its old and new value. The test is driven by the tables
// (rules.UserFields, rules.AttendanceColumns), so a field a step leaves out
// fails it, and a value per field distinct from every other one shows a
// mix-up. What lands in each column is checked in the row as the database
// holds it (to_jsonb), not only through the store's own read.

// today is after every date staged below, and before every 退職日: the
// employee is created, not skipped as retired.
const roundTripToday = "2026-11-25"

const hrmosUserID = 9

func TestEverySyncedFieldRoundTrips(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('a', 'A')`)

	// Creation: staged, read by the plan's read, decided, written.
	first, firstWant := stagedUser(t, 1)
	run := startRun(t, st, "a")
	if err := st.StageUsers(ctx, run, 1, []rules.HRMOSUser{first}); err != nil {
		t.Fatal(err)
	}
	recs, err := st.RosterRecords(ctx, run, syncapi.Range{First: hrmosUserID, Last: hrmosUserID})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("the plan read %d staged users, want 1", len(recs))
	}
	if diff := cmp.Diff(first, recs[0].User, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the staged user read by the plan (-staged +read):\n%s", diff)
	}
	created := rules.DecideRoster(recs[0].User, recs[0].Candidates, roundTripToday)
	if created.Outcome != codes.Created {
		t.Fatalf("decision = %+v, want a creation", created)
	}
	checkChanges(t, created.Changes(hrmosUserID), nil, firstWant)
	var id *int64
	err = st.InTx(ctx, func(q *store.Queries) error {
		id, err = q.WriteRecord(ctx, run, store.RecordWrite{
			Item:    store.ItemFor(hrmosUserID, created.Outcome, created.ReasonCode, created.Reason, "", nil, created.ChangedFields, nil),
			Changes: created.Changes(hrmosUserID),
		}.WithWrite(store.CreateEmployeeWrite("a", hrmosUserID, "", created.Fields)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkEmployee(t, st, *id, firstWant)
	var defaults []bool
	if err := st.Pool().QueryRow(ctx, `SELECT ARRAY[social_insurance, stress_check_target, health_checkup_target] FROM employees WHERE id = $1`, *id).
		Scan(&defaults); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{true, true, true}, defaults); diff != "" {
		t.Errorf("defaults of rule 6 (-want +got):\n%s", diff)
	}

	// Update: every field changed, read by a record's write's read (its
	// candidates locked), decided, written over the first values.
	second, secondWant := stagedUser(t, 2)
	run = startRun(t, st, "a")
	if err := st.StageUsers(ctx, run, 1, []rules.HRMOSUser{second}); err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(q *store.Queries) error {
		rec, recorded, err := q.RosterRecordForWrite(ctx, run, hrmosUserID)
		if err != nil || recorded != nil {
			return fmt.Errorf("read for the write: %v, already recorded %+v", err, recorded)
		}
		if diff := cmp.Diff(second, rec.User, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the staged user read by the write (-staged +read):\n%s", diff)
		}
		updated := rules.DecideRoster(rec.User, rec.Candidates, roundTripToday)
		if updated.Outcome != codes.Updated || updated.Employee.ID != *id {
			return fmt.Errorf("decision = %+v, want an update of employee %d", updated, *id)
		}
		checkChanges(t, updated.Changes(hrmosUserID), firstWant, secondWant)
		_, err = q.WriteRecord(ctx, run, store.RecordWrite{
			Item:    store.ItemFor(hrmosUserID, updated.Outcome, updated.ReasonCode, updated.Reason, "", id, updated.ChangedFields, nil),
			Changes: updated.Changes(hrmosUserID),
		}.WithWrite(store.UpdateEmployeeWrite("a", *id, hrmosUserID, "", updated.Fields)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkEmployee(t, st, *id, secondWant)
	// The plan's read of the employee as a candidate.
	recs, err = st.RosterRecords(ctx, run, syncapi.Range{First: hrmosUserID, Last: hrmosUserID})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Candidates.ByLink == nil {
		t.Fatalf("the plan's read finds no employee linked to HRMOS user %d: %+v", hrmosUserID, recs)
	}
	checkSynced(t, "the plan's read of the employee", recs[0].Candidates.ByLink.Synced, secondWant)
	changes, err := st.Changes(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]store.Change{}
	for _, c := range changes {
		recorded[c.Column] = c
	}
	for _, f := range rules.UserFields {
		c, ok := recorded[f.Column]
		if !ok || c.Old == nil || *c.Old != firstWant[f.Column] || c.New == nil || *c.New != secondWant[f.Column] || c.EmployeeID == nil {
			t.Errorf("the recorded change of %s = %s → %s (employee %v), want %q → %q", f.Column, deref(c.Old), deref(c.New), c.EmployeeID,
				firstWant[f.Column], secondWant[f.Column])
		}
	}

	t.Run("attendance", func(t *testing.T) { attendanceRoundTrip(t, st, *id) })
}

// stagedUser is HRMOS user hrmosUserID as a fetch stages it, with a value
// of its own for every field of rules.UserFields (gen makes another set),
// and what each employees column must then hold.
func stagedUser(t *testing.T, gen int) (rules.HRMOSUser, map[string]string) {
	u := rules.HRMOSUser{ID: hrmosUserID}
	want := map[string]string{}
	for i, f := range rules.UserFields {
		if f.Raw == nil {
			continue
		}
		v := fmt.Sprintf("%s-%d", f.Key, gen)
		if f.Kind == rules.Date {
			v = fmt.Sprintf("%d-%02d-%02d", 2100+gen, 1+i%12, 1+i)
		}
		*f.Raw(&u) = v
		want[f.Column] = v
	}
	// The fields the fetch stages by hand (rules.UserFields says why).
	department, office := fmt.Sprintf("部門-%d", gen), fmt.Sprintf("拠点-%d", gen)
	u.DepartmentID, u.DepartmentName = ptr(int64(gen)), &department
	u.LodgmentID, u.LodgmentName = ptr(int64(10+gen)), &office
	u.HasGender, u.Gender = true, fmt.Sprintf("gender-%d", gen)
	want["department1"], want["office"], want["gender"] = department, office, u.Gender
	for _, f := range rules.UserFields {
		if _, ok := want[f.Column]; !ok {
			t.Fatalf("employees.%s gets no value in this test: stage one for it above", f.Column)
		}
	}
	return u, want
}

// checkEmployee checks each synced column of an employee as the database
// holds it and as the store reads it.
func checkEmployee(t *testing.T, st *store.Store, id int64, want map[string]string) {
	t.Helper()
	var row map[string]any
	if err := st.Pool().QueryRow(context.Background(), `SELECT to_jsonb(e) FROM employees e WHERE id = $1`, id).Scan(&row); err != nil {
		t.Fatal(err)
	}
	for _, f := range rules.UserFields {
		if got, ok := row[f.Column].(string); !ok || got != want[f.Column] {
			t.Errorf("employees.%s holds %v, want %q", f.Column, row[f.Column], want[f.Column])
		}
	}
	e, err := st.Employee(context.Background(), "a", id)
	if err != nil {
		t.Fatal(err)
	}
	if e.HRMOSUserID == nil || *e.HRMOSUserID != hrmosUserID {
		t.Errorf("hrmos_user_id = %v, want %d", e.HRMOSUserID, hrmosUserID)
	}
	checkSynced(t, "the store's read of the employee", e.Synced, want)
}

func checkSynced(t *testing.T, what string, got rules.SyncedFields, want map[string]string) {
	t.Helper()
	for _, c := range rules.SyncedColumns {
		if v := *c.Field(&got); v == nil || *v != want[c.Name] {
			t.Errorf("%s: %s = %s, want %q", what, c.Name, deref(v), want[c.Name])
		}
	}
}

// checkChanges checks a decision's diff: every synced column, from old (nil
// for a creation) to want.
func checkChanges(t *testing.T, changes []rules.Change, old, want map[string]string) {
	t.Helper()
	byColumn := map[string]rules.Change{}
	for _, c := range changes {
		byColumn[c.Column] = c
	}
	for _, f := range rules.UserFields {
		c, ok := byColumn[f.Column]
		wantOld, hadOld := old[f.Column]
		if !ok || c.New == nil || *c.New != want[f.Column] || (c.Old == nil) == hadOld || hadOld && *c.Old != wantOld {
			t.Errorf("the diff of %s = %s → %s (listed: %v), want %q → %q", f.Column, deref(c.Old), deref(c.New), ok, wantOld, want[f.Column])
		}
	}
}

func attendanceRoundTrip(t *testing.T, st *store.Store, employeeID int64) {
	ctx := context.Background()
	const month = "2026-10"

	var written *rules.AttendanceFields
	for gen := 1; gen <= 2; gen++ {
		row := stagedRow(gen)
		run := startAttendanceRun(t, st, "a", month)
		if err := st.StageAttendance(ctx, run, 1, []rules.AttendanceRow{row}); err != nil {
			t.Fatal(err)
		}
		// The plan's read, then a record's write's read (its month locked).
		recs, err := st.AttendanceRecords(ctx, run, month, syncapi.Range{First: hrmosUserID, Last: hrmosUserID})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Fatalf("the plan read %d staged rows, want 1", len(recs))
		}
		if diff := cmp.Diff(row, recs[0].Row, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the staged row read by the plan (-staged +read):\n%s", diff)
		}
		if diff := cmp.Diff(written, recs[0].Existing); diff != "" {
			t.Errorf("the month already synced, read by the plan (-written +read):\n%s", diff)
		}
		var want rules.AttendanceFields
		err = st.InTx(ctx, func(q *store.Queries) error {
			rec, recorded, err := q.AttendanceRecordForWrite(ctx, run, month, hrmosUserID)
			if err != nil || recorded != nil {
				return fmt.Errorf("read for the write: %v, already recorded %+v", err, recorded)
			}
			if diff := cmp.Diff(row, rec.Row, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the staged row read by the write (-staged +read):\n%s", diff)
			}
			if diff := cmp.Diff(written, rec.Existing); diff != "" {
				t.Errorf("the month already synced, read by the write (-written +read):\n%s", diff)
			}
			d := rules.DecideAttendance(rec.Row, rec.Match, rec.Existing)
			if d.EmployeeID == nil || *d.EmployeeID != employeeID || (d.Outcome != codes.Created && d.Outcome != codes.Updated) {
				return fmt.Errorf("decision = %+v, want employee %d's month written", d, employeeID)
			}
			want = d.Fields
			checkAttendanceChanges(t, d.Changes(), written, want)
			_, err = q.WriteRecord(ctx, run, store.RecordWrite{
				Item:    store.ItemFor(hrmosUserID, d.Outcome, d.ReasonCode, d.Reason, "", d.EmployeeID, d.ChangedFields, nil),
				Changes: d.Changes(),
			}.WithWrite(store.UpsertAttendanceWrite("a", employeeID, month, run.RunID, d.Fields)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		checkMonth(t, st, employeeID, month, want)
		written = &want
	}
}

// stagedRow is a report row of HRMOS user hrmosUserID as a fetch stages
// it, with a value of its own for every field of rules.AttendanceColumns
// with an HRMOS source (gen makes another set).
func stagedRow(gen int) rules.AttendanceRow {
	r := rules.AttendanceRow{HRMOSUserID: hrmosUserID, Number: fmt.Sprintf("number-%d", gen)}
	for i, c := range rules.AttendanceColumns {
		if c.Raw == nil {
			continue
		}
		n := 100*gen + i
		*c.Raw(&r) = fmt.Sprintf("%d:%02d", n, i)
		if c.Unit == rules.Tenths {
			*c.Raw(&r) = fmt.Sprintf("%d.%d", n, i%10)
		}
	}
	return r
}

// checkMonth checks each column of an employee's month as the database
// holds it and as the store reads it.
func checkMonth(t *testing.T, st *store.Store, employeeID int64, month string, want rules.AttendanceFields) {
	t.Helper()
	ctx := context.Background()
	var raw []byte
	if err := st.Pool().QueryRow(ctx, `SELECT to_jsonb(m) FROM monthly_attendance m WHERE employee_id = $1 AND month = $2`,
		employeeID, month).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var row map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&row); err != nil {
		t.Fatal(err)
	}
	for _, c := range rules.AttendanceColumns {
		w := c.Format(*c.Field(&want))
		var g *string
		if got, ok := row[c.Name].(json.Number); ok {
			v := stored(c, got)
			g = c.Format(&v)
		}
		if (g == nil) != (w == nil) || g != nil && *g != *w {
			t.Errorf("monthly_attendance.%s holds %v, want %v", c.Name, deref(g), deref(w))
		}
	}
	back, err := st.Attendance(ctx, "a", employeeID, month)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, back); diff != "" {
		t.Errorf("the store's read of the month (-written +read):\n%s", diff)
	}
}

// stored is a column's JSON number as rules.AttendanceFields holds it.
func stored(c rules.AttendanceColumn, n json.Number) int {
	f, _ := n.Float64()
	if c.Unit == rules.Tenths {
		f *= 10
	}
	return int(f + 0.5*sign(f))
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// checkAttendanceChanges checks a decision's diff: every column with a
// value, from what was written before (nil: nothing) to want.
func checkAttendanceChanges(t *testing.T, changes []rules.Change, old *rules.AttendanceFields, want rules.AttendanceFields) {
	t.Helper()
	for _, c := range rules.AttendanceColumns {
		var before *string
		if old != nil {
			before = c.Format(*c.Field(old))
		}
		after := c.Format(*c.Field(&want))
		i := slices.IndexFunc(changes, func(ch rules.Change) bool { return ch.Column == c.Name })
		switch {
		case deref(before) == deref(after):
			if i >= 0 {
				t.Errorf("the diff names %s, which does not change (%s)", c.Name, deref(after))
			}
		case i < 0:
			t.Errorf("the diff leaves out %s (%s → %s)", c.Name, deref(before), deref(after))
		case deref(changes[i].Old) != deref(before) || deref(changes[i].New) != deref(after):
			t.Errorf("the diff of %s = %s → %s, want %s → %s", c.Name, deref(changes[i].Old), deref(changes[i].New), deref(before), deref(after))
		}
	}
}

// startAttendanceRun records a running attendance run of a tenant's month.
func startAttendanceRun(t *testing.T, st *store.Store, tenant, month string) store.RunRef {
	t.Helper()
	id := uuid.NewString()
	if _, err := st.StartRun(context.Background(), store.Run{ID: id, TenantID: tenant, Kind: "attendance", Month: month, Trigger: "cli",
		WorkflowID: "w-" + id, WorkflowRunID: id, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return store.RunRef{TenantID: tenant, RunID: id}
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}
