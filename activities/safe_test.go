package activities

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// pendingWith returns a pending record of the run whose HRMOS user has
// both an e-mail and a 社員番号, and that user.
func pendingWith(t *testing.T, c *hrmossim.Company, p plannedRun) (int64, hrmossim.User) {
	t.Helper()
	for _, id := range p.pending {
		if u, ok := c.User(id); ok && u.Email.Value != "" && u.Number.Value != "" {
			return id, u
		}
	}
	t.Fatal("no pending user with an e-mail and a number")
	return 0, hrmossim.User{}
}

// PostgreSQL quotes values in its messages: a trigger's RAISE whatever it
// was given, a unique violation its key. What reaches the activity's error
// (and so Temporal's history) keeps the SQLSTATE and names, never a value.
func TestDatabaseErrorsReachTheActivityWithoutValues(t *testing.T) {
	for _, tt := range []struct {
		name string
		// trigger is test-only SQL installed on the test database after the
		// plan; %s is the function's name.
		trigger string
		want    []string
		// value picks the personal value that must not appear.
		value func(u hrmossim.User) string
	}{
		{
			name: "a trigger's RAISE quoting the e-mail",
			trigger: `CREATE FUNCTION %[1]s() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'value %%', NEW.email; END $$;
				CREATE TRIGGER %[1]s BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION %[1]s();`,
			want:  []string{"SQLSTATE P0001", "raised by a trigger or function", "write the outcome of HRMOS user"},
			value: func(u hrmossim.User) string { return u.Email.Value },
		},
		{
			// Another writer created the same 社員番号 between the record's
			// read and its insert.
			name: "a unique violation on the 社員番号",
			trigger: `CREATE FUNCTION %[1]s() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF pg_trigger_depth() = 1 THEN
						INSERT INTO employees (tenant_id, employee_number) VALUES (NEW.tenant_id, NEW.employee_number);
					END IF;
					RETURN NEW;
				END $$;
				CREATE TRIGGER %[1]s BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION %[1]s();`,
			want:  []string{"SQLSTATE 23505", "integrity constraint violation", `constraint "employees_tenant_number_key"`, `table "employees"`},
			value: func(u hrmossim.User) string { return u.Number.Value },
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			c := w.company("acme-co", 10)
			w.connect("acme", c)
			p := w.planRun("acme", codes.KindRoster, "")
			id, u := pendingWith(t, c, p)
			testdb.Exec(t, w.store, fmt.Sprintf(tt.trigger, "test_only_refuse"))

			_, err := w.run(w.acts.SyncEmployee, p.record(id))

			appErr := appError(t, err)
			t.Logf("the activity failed with: %s", appErr.Message())
			if appErr.Type() != syncapi.ErrTypeDatabase || appErr.NonRetryable() {
				t.Fatalf("error = %q (type %s, non-retryable %v), want a retryable %s", appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeDatabase)
			}
			for _, want := range tt.want {
				if !strings.Contains(appErr.Message(), want) {
					t.Errorf("message %q does not say %q", appErr.Message(), want)
				}
			}
			if v := tt.value(u); strings.Contains(err.Error(), v) {
				t.Errorf("the error %q quotes the employee's value %q", err.Error(), v)
			}
			if n := w.count(`SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND hrmos_user_id = $2`, p.in.RunID, id); n != 0 {
				t.Errorf("the failed write recorded an outcome")
			}
		})
	}
}

// The FailureReason a failed record leaves is the safe message: a second
// check that RecordFailure, fed the error's text, stores no value either.
func TestRecordFailureStoresTheSafeReason(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 10)
	w.connect("acme", c)
	p := w.planRun("acme", codes.KindRoster, "")
	id, u := pendingWith(t, c, p)
	testdb.Exec(t, w.store, `CREATE FUNCTION test_only_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'value %', NEW.email; END $$;
		CREATE TRIGGER test_only_refuse BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION test_only_refuse();`)
	_, err := w.run(w.acts.SyncEmployee, p.record(id))
	cause := appError(t, err).Message()

	must[struct{}](w, w.acts.RecordFailure, syncapi.RecordFailureInput{TenantID: "acme", RunID: p.in.RunID, HRMOSUserID: id, Cause: cause})

	it, err := w.store.Item(context.Background(), ref(p.in.TenantID, p.in.RunID), id)
	if err != nil {
		t.Fatal(err)
	}
	if it.Outcome != string(codes.Error) || it.ReasonCode != codes.ReasonSyncFailed || !strings.Contains(it.Reason, "SQLSTATE P0001") ||
		strings.Contains(it.Reason, u.Email.Value) {
		t.Errorf("item = %+v, want a sync_failed error with the SQLSTATE and no e-mail", it)
	}
}
