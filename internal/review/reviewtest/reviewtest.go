// Package reviewtest loads, into a migrated test database, the runs the
// run review is tested on, as the worker would have left them: the review's
// own tests and the starter's tests of its commands read the same runs.
package reviewtest

import (
	"context"
	"testing"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// The runs Load records, all of tenant acme.
const (
	// DoneRun is a completed roster run with one employee of each kind of
	// outcome and notices.
	DoneRun = "00000000-0000-0000-0000-000000000101"
	// HeldRun is a roster run the mass-change guard holds after its plan.
	HeldRun = "00000000-0000-0000-0000-000000000102"
	// DryRun is a completed dry run that would update one employee.
	DryRun = "00000000-0000-0000-0000-000000000103"
)

// Load records tenant acme, its employees 101 to 104 (by HRMOS user ID)
// and the runs DoneRun, HeldRun and DryRun.
func Load(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
	emp := map[int64]*int64{}
	for _, hrmosID := range []int64{101, 102, 103, 104} {
		var id int64
		if err := st.Pool().QueryRow(ctx, `INSERT INTO employees (tenant_id, hrmos_user_id, employee_number) VALUES ('acme', $1::bigint, 'E' || $1::bigint) RETURNING id`, hrmosID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		emp[hrmosID] = &id
	}
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, finished_at, notices, fetched,
			created, updated, unchanged, skipped, errors)
		VALUES ($1::uuid, 'acme', 'roster', 'cli', 'hrmos-roster-acme', $1::uuid::text, 'completed', now(), $2, 8, 1, 2, 1, 1, 3)`,
		DoneRun, []string{
			"key_expires_soon: the HRMOS API key expires in 9 days (2026-10-12): generate a new one in HRMOS システム設定 and run `starter connect`",
			"gender_not_provided: HRMOS sent no 性別 (gender) for any employee; mediment's 性別 values were left as they are",
		})
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, awaiting_approval_since, approval_reason)
		VALUES ($1::uuid, 'acme', 'roster', 'cli', 'hrmos-roster-acme', $1::uuid::text, 'running', now(), 'it would change 2 of the tenant''s 4 employees')`, HeldRun)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, dry_run, workflow_id, workflow_run_id, status, finished_at, notices)
		VALUES ($1::uuid, 'acme', 'roster', 'cli', true, 'hrmos-roster-acme', $1::uuid::text, 'completed', now(), '{"dry_run: nothing was written"}')`, DryRun)

	s := func(v string) *string { return &v }
	done := store.RunRef{TenantID: "acme", RunID: DoneRun}
	if err := st.RecordItems(ctx, done, []store.Item{
		{HRMOSUserID: 101, EmployeeID: emp[101], Outcome: "created", ReasonCode: "new_employee",
			ChangedFields: []string{"employee_number", "last_name", "social_insurance"}, NeedsAttention: []string{"insurance_name_kana", "employment_category"}},
		{HRMOSUserID: 102, EmployeeID: emp[102], Outcome: "updated", ReasonCode: "matched_by_employee_number",
			ChangedFields: []string{"email"}, NeedsAttention: []string{"insurance_name_kana"}},
		{HRMOSUserID: 103, EmployeeID: emp[103], Outcome: "updated", ReasonCode: "matched_by_employee_number",
			ChangedFields: []string{"retirement_date"}, NeedsAttention: []string{"retirement_date"}},
		{HRMOSUserID: 104, EmployeeID: emp[104], Outcome: "unchanged", ReasonCode: "matched_by_hrmos_link"},
		{HRMOSUserID: 105, Outcome: "skipped", ReasonCode: "retired_not_in_mediment", Reason: "HRMOS user 105 retired and is not in mediment: not created"},
		{HRMOSUserID: 106, Outcome: "error", ReasonCode: "conflicting_match_keys", Reason: "HRMOS user 106: 社員番号 finds employee 7, 氏名+メールアドレス finds employee 8"},
		{HRMOSUserID: 107, Outcome: "error", ReasonCode: "invalid_date", Reason: "HRMOS user 107: 入社日 is not a date as YYYY-MM-DD", Field: "start_date"},
		{HRMOSUserID: 108, Outcome: "error", ReasonCode: "sync_failed", Reason: "HRMOS user 108: the sync failed after all retries"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, done, []store.Change{
		{HRMOSUserID: 101, EmployeeID: emp[101], Column: "employee_number", New: s("E101")},
		{HRMOSUserID: 101, EmployeeID: emp[101], Column: "last_name", New: s("山田")},
		{HRMOSUserID: 101, EmployeeID: emp[101], Column: "social_insurance", New: s("true")},
		{HRMOSUserID: 102, EmployeeID: emp[102], Column: "email", Old: s("old@example.jp"), New: s("new@example.jp")},
		{HRMOSUserID: 103, EmployeeID: emp[103], Column: "retirement_date", New: s("2026-09-30")},
	}); err != nil {
		t.Fatal(err)
	}

	held := store.RunRef{TenantID: "acme", RunID: HeldRun}
	if err := st.RecordItems(ctx, held, []store.Item{{HRMOSUserID: 104, EmployeeID: emp[104], Outcome: "unchanged", ReasonCode: "matched_by_hrmos_link"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, held, []store.Change{
		{HRMOSUserID: 102, EmployeeID: emp[102], Column: "email", Old: s("new@example.jp"), New: s("newer@example.jp")},
		{HRMOSUserID: 109, Column: "employee_number", New: s("E109")},
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{102, 104, 109, 110} {
		testdb.Exec(t, st, `INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page) VALUES ($1, 'acme', $2, 1)`, HeldRun, id)
	}

	dry := store.RunRef{TenantID: "acme", RunID: DryRun}
	if err := st.RecordItems(ctx, dry, []store.Item{{HRMOSUserID: 102, EmployeeID: emp[102], Outcome: "updated", ReasonCode: "matched_by_employee_number",
		ChangedFields: []string{"email"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, dry, []store.Change{{HRMOSUserID: 102, EmployeeID: emp[102], Column: "email", Old: s("new@example.jp"), New: s("dry@example.jp")}}); err != nil {
		t.Fatal(err)
	}
}
