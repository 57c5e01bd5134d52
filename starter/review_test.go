package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

const (
	doneRun = "00000000-0000-0000-0000-000000000101"
	heldRun = "00000000-0000-0000-0000-000000000102"
	dryRun  = "00000000-0000-0000-0000-000000000103"
)

// reviewDB is a migrated database for the starter, without HRMOS or
// Temporal.
func reviewDB(t *testing.T) *store.Store {
	t.Helper()
	if testing.Short() {
		t.Skip("uses PostgreSQL")
	}
	st, dbURL := testdb.New(t)
	t.Setenv("DATABASE_URL", dbURL)
	return st
}

// loadRuns builds, in the database as the worker would have left them, a
// completed roster run with one employee of each kind of outcome, a run the
// mass-change guard holds after its plan, and a dry run.
func loadRuns(t *testing.T, st *store.Store) {
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
		doneRun, []string{
			"key_expires_soon: the HRMOS API key expires in 9 days (2026-10-12): generate a new one in HRMOS システム設定 and run `starter connect`",
			"gender_not_provided: HRMOS sent no 性別 (gender) for any employee; mediment's 性別 values were left as they are",
		})
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, awaiting_approval_since, approval_reason)
		VALUES ($1::uuid, 'acme', 'roster', 'cli', 'hrmos-roster-acme', $1::uuid::text, 'running', now(), 'it would change 2 of the tenant''s 4 employees')`, heldRun)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, dry_run, workflow_id, workflow_run_id, status, finished_at, notices)
		VALUES ($1::uuid, 'acme', 'roster', 'cli', true, 'hrmos-roster-acme', $1::uuid::text, 'completed', now(), '{"dry_run: nothing was written"}')`, dryRun)

	s := func(v string) *string { return &v }
	done := store.RunRef{TenantID: "acme", RunID: doneRun}
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
	}, nil); err != nil {
		t.Fatal(err)
	}

	held := store.RunRef{TenantID: "acme", RunID: heldRun}
	if err := st.RecordItems(ctx, held, []store.Item{{HRMOSUserID: 104, EmployeeID: emp[104], Outcome: "unchanged", ReasonCode: "matched_by_hrmos_link"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, held, []store.Change{
		{HRMOSUserID: 102, EmployeeID: emp[102], Column: "email", Old: s("new@example.jp"), New: s("newer@example.jp")},
		{HRMOSUserID: 109, Column: "employee_number", New: s("E109")},
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{102, 104, 109, 110} {
		testdb.Exec(t, st, `INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page) VALUES ($1, 'acme', $2, 1)`, heldRun, id)
	}

	dry := store.RunRef{TenantID: "acme", RunID: dryRun}
	if err := st.RecordItems(ctx, dry, []store.Item{{HRMOSUserID: 102, EmployeeID: emp[102], Outcome: "updated", ReasonCode: "matched_by_employee_number",
		ChangedFields: []string{"email"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, dry, []store.Change{{HRMOSUserID: 102, EmployeeID: emp[102], Column: "email", Old: s("new@example.jp"), New: s("dry@example.jp")}}, nil); err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: no %q in:\n%s", what, w, out)
		}
	}
}

func TestRunsShowPrintsTheDiffAndEveryNeedsActionList(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)

	out, err := run(t, "", "runs", "show", "--tenant", "acme", "--run", doneRun)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs show", out,
		"Roster sync of tenant acme: completed",
		// Counts by reason.
		"created                  new_employee", "error                    invalid_date",
		// Employee by employee, with each changed column, old → new.
		"HRMOS user 101, employee", "employee_number: (empty) → E101", "last_name: (empty) → 山田", "social_insurance: (empty) → true",
		"email: old@example.jp → new@example.jp",
		"retired_not_in_mediment", "HRMOS field to fix: start_date",
		"(1 unchanged not listed: --outcome all lists them)",
		// 要対応.
		"要対応 (needs action)",
		"(a) Retired in HRMOS but still an account in mediment: delete by hand (1)", "/103",
		"社保用の姓名（セイメイ） (insurance_name_kana): always required — 2 employees",
		"正社員・管理職の有無 (employment_category): the unit of the stress check's group analysis — 1 employee",
		"(c) Ambiguous or conflicting matches: nothing was written for them (1)", "HRMOS user 106: conflicting_match_keys",
		"(d) Bad records: correct the field in HRMOS and sync again (1)", "HRMOS user 107: invalid_date — HRMOS field start_date",
		"Other errors (1)", "HRMOS user 108: sync_failed",
		"key_expires_soon: the HRMOS API key expires in 9 days", "gender_not_provided: HRMOS sent no 性別")
	// Unchanged records are left out unless asked for.
	if strings.Contains(out, "HRMOS user 104,") {
		t.Errorf("an unchanged record is listed by default:\n%s", out)
	}

	// The old form is an alias.
	alias, err := run(t, "", "runs", "--tenant", "acme", "--run", doneRun)
	if err != nil || alias != out {
		t.Errorf("runs --run differs from runs show: %v\n%s", err, alias)
	}

	// Filters narrow the per-employee list, never the 要対応 lists.
	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", doneRun, "--outcome", "error", "--limit", "1")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "--outcome error --limit 1", out, "1 listed of 3", "error: 3, first 1 listed", "HRMOS user 106, no employee: error (conflicting_match_keys)",
		"(d) Bad records: correct the field in HRMOS and sync again (1)")
	if strings.Contains(out, "HRMOS user 107, ") || strings.Contains(out, "E101") {
		t.Errorf("--outcome error --limit 1 lists more:\n%s", out)
	}
	if _, err := run(t, "", "runs", "show", "--tenant", "acme", "--run", doneRun, "--outcome", "fine"); err == nil ||
		!strings.Contains(err.Error(), "--outcome takes created, updated, unchanged, skipped, error or all") {
		t.Errorf("a wrong --outcome: %v", err)
	}

	// The JSON form: one object, stable camelCase names.
	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", doneRun, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Run struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"run"`
		State          string `json:"state"`
		CountsByReason []struct {
			Outcome, ReasonCode string
			Count               int
		} `json:"countsByReason"`
		Items []struct {
			HRMOSUserID int64  `json:"hrmosUserId"`
			Outcome     string `json:"outcome"`
			Planned     bool   `json:"planned"`
			Changes     []struct {
				Column string  `json:"column"`
				Old    *string `json:"old"`
				New    *string `json:"new"`
			} `json:"changes"`
		} `json:"items"`
		ItemsMatched int `json:"itemsMatched"`
		NeedsAction  struct {
			RetiredStillHere []struct {
				HRMOSUserID int64 `json:"hrmosUserId"`
			} `json:"retiredStillHere"`
			MissingMedimentOnly []struct {
				Column, Label, Why string
				Count              int
				Employees          []struct{ HRMOSUserID int64 } `json:"employees"`
			} `json:"missingMedimentOnly"`
			AmbiguousMatches []struct{ ReasonCode string }        `json:"ambiguousMatches"`
			BadRecords       []struct{ ReasonCode, Field string } `json:"badRecords"`
			OtherErrors      []struct{ ReasonCode string }        `json:"otherErrors"`
			KeyExpiry        *struct{ Code, Text string }         `json:"keyExpiry"`
			Notices          []struct{ Code, Text string }        `json:"notices"`
		} `json:"needsAction"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("runs show --json: %v\n%s", err, out)
	}
	na := rep.NeedsAction
	switch {
	case rep.Run.ID != doneRun || rep.State != "completed" || len(rep.CountsByReason) != 7:
		t.Errorf("run and counts: %+v", rep)
	case len(rep.Items) != 8 || rep.ItemsMatched != 8: // --json lists every record, unchanged included
		t.Errorf("items: %d of %d", len(rep.Items), rep.ItemsMatched)
	case len(rep.Items[1].Changes) != 1 || rep.Items[1].Changes[0].Column != "email" || *rep.Items[1].Changes[0].New != "new@example.jp":
		t.Errorf("the update's changes: %+v", rep.Items[1])
	case len(na.RetiredStillHere) != 1 || na.RetiredStillHere[0].HRMOSUserID != 103:
		t.Errorf("retiredStillHere: %+v", na.RetiredStillHere)
	case len(na.MissingMedimentOnly) != 2 || na.MissingMedimentOnly[0].Label != "社保用の姓名（セイメイ）" || na.MissingMedimentOnly[0].Count != 2 ||
		na.MissingMedimentOnly[0].Why == "":
		t.Errorf("missingMedimentOnly: %+v", na.MissingMedimentOnly)
	case len(na.AmbiguousMatches) != 1 || len(na.BadRecords) != 1 || na.BadRecords[0].Field != "start_date" || len(na.OtherErrors) != 1:
		t.Errorf("problems: %+v %+v %+v", na.AmbiguousMatches, na.BadRecords, na.OtherErrors)
	case na.KeyExpiry == nil || na.KeyExpiry.Code != "key_expires_soon" || len(na.Notices) != 1 || na.Notices[0].Code != "gender_not_provided":
		t.Errorf("notices: %+v %+v", na.KeyExpiry, na.Notices)
	}
	for _, key := range []string{`"countsByReason"`, `"notWrittenYet"`, `"itemsMatched"`, `"needsAction"`, `"missingMedimentOnly"`, `"hrmosUserId"`} {
		mustContain(t, "--json", out, key)
	}
}

func TestRunsShowSaysWhatAHeldOrDryRunWouldDo(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)

	out, err := run(t, "", "runs", "show", "--tenant", "acme", "--run", heldRun)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "held run", out,
		"AWAITING APPROVAL since", "because it would change 2 of the tenant's 4 employees",
		"starter approve --tenant acme --run "+heldRun, `Signal, name "approve", input {"by":"your name"}`,
		"would create", "would update", "no outcome yet",
		"HRMOS user 102, employee", "would update  [not written yet: awaiting approval]", "email: new@example.jp → newer@example.jp",
		"HRMOS user 109, new employee: would create  [not written yet: awaiting approval]", "employee_number: (empty) → E109")

	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", heldRun, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		State         string
		NotWrittenYet struct{ Created, Updated, Undecided int }
		Items         []struct {
			HRMOSUserID int64
			Planned     bool
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.State != "awaiting_approval" || rep.NotWrittenYet.Created != 1 || rep.NotWrittenYet.Updated != 1 || rep.NotWrittenYet.Undecided != 1 {
		t.Errorf("held run JSON: %+v", rep)
	}
	planned := 0
	for _, it := range rep.Items {
		if it.Planned {
			planned++
		}
	}
	if planned != 2 {
		t.Errorf("%d planned items, want 2: %+v", planned, rep.Items)
	}

	out, err = run(t, "", "runs", "show", "--tenant", "acme", "--run", dryRun)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "dry run", out, "A dry run: nothing was written", "would update (matched_by_employee_number)", "email: new@example.jp → dry@example.jp")

	// The history marks the held run.
	out, err = run(t, "", "runs", "--tenant", "acme")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs", out, "running, AWAITING APPROVAL", "starter approve --tenant acme --run <run>")
}

func TestApproveRefusesARunThatIsNotHeld(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status)
		VALUES ('00000000-0000-0000-0000-000000000104', 'acme', 'attendance', '2026-10', 'cli', 'w', 'r', 'running')`)
	for _, tt := range []struct{ run, want string }{
		{doneRun, "run " + doneRun + " of tenant acme is not awaiting approval: it has already finished (completed); nothing to approve"},
		{"00000000-0000-0000-0000-000000000104", "is not awaiting approval: it is running and the mass-change guard has not held it"},
		{"00000000-0000-0000-0000-000000000999", "tenant acme has no run 00000000-0000-0000-0000-000000000999"},
		{"not-a-run", "tenant acme has no run not-a-run"},
	} {
		_, err := run(t, "", "approve", "--tenant", "acme", "--run", tt.run)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("approve %s: %v, want %q", tt.run, err, tt.want)
		}
	}
	// Another tenant cannot approve acme's held run.
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('other', 'Other')`)
	if _, err := run(t, "", "approve", "--tenant", "other", "--run", heldRun); err == nil || !strings.Contains(err.Error(), "tenant other has no run") {
		t.Errorf("approve as another tenant: %v", err)
	}
}
