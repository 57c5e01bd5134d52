package review

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/review/reviewtest"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// The review read from the database, as the worker leaves a run there:
// reviewtest's runs of tenant acme, and this file's edge runs of tenant
// beta (a run still writing, and one that failed before writing its plan).

const (
	writingRun = "00000000-0000-0000-0000-000000000201"
	failedRun  = "00000000-0000-0000-0000-000000000202"
)

// reviewDB is a migrated database holding reviewtest's runs and the edge
// runs; now is the clock the edge runs were recorded against.
func reviewDB(t *testing.T) (st *store.Store, now time.Time) {
	t.Helper()
	if testing.Short() {
		t.Skip("uses PostgreSQL")
	}
	st, _ = testdb.New(t)
	reviewtest.Load(t, st)
	return st, loadEdgeRuns(t, st)
}

// loadEdgeRuns records tenant beta, connected with a key that expires in 5
// days, and two runs: an attendance run still writing (one row planned as a
// new month, one as an update, one not decided yet), and a roster run that
// failed with a change planned and never written.
func loadEdgeRuns(t *testing.T, st *store.Store) time.Time {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('beta', 'Beta')`)
	testdb.Exec(t, st, `INSERT INTO hrmos_connections (tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_set_at, key_expires_at, status)
		VALUES ('beta', 'beta-co', '\x00', 'k1', $1::timestamptz - interval '85 days', $1::timestamptz + interval '5 days', 'connected')`, now)
	var e1, e2 int64
	for _, p := range []struct {
		hrmos int64
		id    *int64
	}{{201, &e1}, {202, &e2}} {
		if err := st.Pool().QueryRow(ctx, `INSERT INTO employees (tenant_id, hrmos_user_id, employee_number) VALUES ('beta', $1::bigint, 'B' || $1::bigint) RETURNING id`, p.hrmos).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status, finished_at, failure_reason)
		VALUES ($1::uuid, 'beta', 'attendance', '2026-09', 'schedule', 'hrmos-attendance-beta-2026-09', $1::uuid::text, 'completed', now(), NULL)`,
		"00000000-0000-0000-0000-000000000200")
	testdb.Exec(t, st, `INSERT INTO monthly_attendance (tenant_id, employee_id, month, working_days, sync_run_id)
		VALUES ('beta', $1, '2026-10', 20.0, '00000000-0000-0000-0000-000000000200')`, e2)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status)
		VALUES ($1::uuid, 'beta', 'attendance', '2026-10', 'schedule', 'hrmos-attendance-beta-2026-10', $1::uuid::text, 'running')`, writingRun)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, finished_at, failure_reason)
		VALUES ($1::uuid, 'beta', 'roster', 'ui', 'hrmos-roster-beta', $1::uuid::text, 'failed', now(),
		        'the database was unreachable
after all retries')`, failedRun)

	s := func(v string) *string { return &v }
	writing := store.RunRef{TenantID: "beta", RunID: writingRun}
	if err := st.RecordChanges(ctx, writing, []store.Change{
		{HRMOSUserID: 201, EmployeeID: &e1, Column: "working_days", New: s("21.0")},
		{HRMOSUserID: 202, EmployeeID: &e2, Column: "working_days", Old: s("20.0"), New: s("")},
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{201, 202, 203} {
		testdb.Exec(t, st, `INSERT INTO attendance_staging (sync_run_id, tenant_id, hrmos_user_id, page) VALUES ($1, 'beta', $2, 1)`, writingRun, id)
	}
	failed := store.RunRef{TenantID: "beta", RunID: failedRun}
	if err := st.RecordChanges(ctx, failed, []store.Change{{HRMOSUserID: 201, EmployeeID: &e1, Column: "email", Old: s("a@example.jp"), New: s("b@example.jp")}}); err != nil {
		t.Fatal(err)
	}
	return now
}

// What ops read in `starter runs show`, run by run: each case names what
// it shows and the lines that show it.
func TestRunsShowTellsOpsWhatTheRunDid(t *testing.T) {
	st, now := reviewDB(t)
	acme := func(run string) store.RunRef { return store.RunRef{TenantID: "acme", RunID: run} }
	beta := func(run string) store.RunRef { return store.RunRef{TenantID: "beta", RunID: run} }
	for _, tt := range []struct {
		name    string
		run     store.RunRef
		filters Filters
		want    []string
		notWant []string
	}{
		{name: "the title names the kind, the tenant and the status, then where the run came from", run: acme(reviewtest.DoneRun),
			want: []string{"Roster sync of tenant acme: completed\n", "  run " + reviewtest.DoneRun + ", workflow hrmos-roster-acme, started from cli\n",
				"fetched 8, created 1, updated 2, unchanged 1, skipped 1, errors 3"}},
		{name: "outcomes are counted by reason code", run: acme(reviewtest.DoneRun),
			want: []string{"Outcomes by reason\n", "  created                  new_employee                                      1\n",
				"  updated                  matched_by_employee_number                        2\n", "  error                    invalid_date                                      1\n"}},
		{name: "each changed column shows as old → new, (empty) where there was nothing", run: acme(reviewtest.DoneRun),
			want: []string{"HRMOS user 101, employee", ": created (new_employee)\n", "      employee_number: (empty) → E101\n", "      last_name: (empty) → 山田\n",
				"      social_insurance: (empty) → true\n", "      email: old@example.jp → new@example.jp\n"}},
		{name: "a skipped or failed record says why, and which HRMOS field to fix", run: acme(reviewtest.DoneRun),
			want: []string{"HRMOS user 105, no employee: skipped (retired_not_in_mediment)\n      HRMOS user 105 retired and is not in mediment: not created\n",
				"HRMOS user 107, no employee: error (invalid_date)\n      HRMOS user 107: 入社日 is not a date as YYYY-MM-DD\n      HRMOS field to fix: start_date\n"}},
		{name: "unchanged records are counted, not listed, unless asked for", run: acme(reviewtest.DoneRun),
			want:    []string{"Employees: 7 listed of 7\n", "  (1 unchanged not listed: --outcome all lists them)\n"},
			notWant: []string{"HRMOS user 104,"}},
		{name: "--outcome all lists the unchanged records too", run: acme(reviewtest.DoneRun), filters: Filters{Outcome: "all"},
			want:    []string{"Employees: 8 listed of 8\n", " unchanged: 1\n", ": unchanged (matched_by_hrmos_link)\n"},
			notWant: []string{"unchanged not listed"}},
		{name: "--outcome and --limit narrow the employee list, never the 要対応 lists", run: acme(reviewtest.DoneRun),
			filters: Filters{Outcome: "error", Limit: 1, LimitSet: true},
			want: []string{"Employees: 1 listed of 3 (the first 1 of each outcome; --limit 0 lists all, --outcome and --reason narrow)\n",
				" error: 3, first 1 listed\n", "HRMOS user 106, no employee: error (conflicting_match_keys)",
				"(c) Ambiguous or conflicting matches: nothing was written for them (1)", "(d) Bad records: correct the field in HRMOS and sync again (1)"},
			notWant: []string{"HRMOS user 107, ", "E101"}},
		{name: "--reason lists the records of that code whatever their outcome", run: acme(reviewtest.DoneRun), filters: Filters{Reason: "matched_by_employee_number"},
			want:    []string{"Employees: 2 listed of 2 with reason matched_by_employee_number\n", " updated: 2\n", "HRMOS user 102, ", "HRMOS user 103, "},
			notWant: []string{"HRMOS user 101, ", "HRMOS user 104, "}},
		{name: "(a) lists the employee retired in HRMOS who keeps an account here", run: acme(reviewtest.DoneRun),
			want: []string{"(a) Retired in HRMOS but still an account in mediment: delete by hand (1)\n    employee/HRMOS user: ", "/103\n"}},
		{name: "(b) groups the missing mediment-only fields by column, with why each matters", run: acme(reviewtest.DoneRun),
			want: []string{"(b) mediment-only fields missing: fill them in mediment (HRMOS cannot supply them)\n",
				"    社保用の姓名（セイメイ） (insurance_name_kana): always required — 2 employees\n",
				"    正社員・管理職の有無 (employment_category): the unit of the stress check's group analysis — 1 employee\n"}},
		{name: "(c) lists the ambiguous and conflicting matches", run: acme(reviewtest.DoneRun),
			want: []string{"    HRMOS user 106: conflicting_match_keys\n        HRMOS user 106: 社員番号 finds employee 7, 氏名+メールアドレス finds employee 8\n"}},
		{name: "(d) lists the bad records with the HRMOS field to fix", run: acme(reviewtest.DoneRun),
			want: []string{"    HRMOS user 107: invalid_date — HRMOS field start_date\n"}},
		{name: "errors of no data cause point at the workflow history", run: acme(reviewtest.DoneRun),
			want: []string{"    Other errors (1): see the workflow history named above\n    HRMOS user 108: sync_failed\n"}},
		{name: "(e) shows the API key's expiry, then the run's other notices", run: acme(reviewtest.DoneRun),
			want: []string{"(e) API key and notices\n    key_expires_soon: the HRMOS API key expires in 9 days",
				"    gender_not_provided: HRMOS sent no 性別 (gender) for any employee"}},
		{name: "a held run says why it waits, how to approve it, and what it would write", run: acme(reviewtest.HeldRun),
			want: []string{"Roster sync of tenant acme: running\n", "  AWAITING APPROVAL since ", ": the mass-change guard holds it because it would change 2 of the tenant's 4 employees.\n",
				"  Nothing is written until it is approved: `starter approve --tenant acme --run " + reviewtest.HeldRun + "`\n",
				`  (or the Temporal UI: workflow hrmos-roster-acme → Signal, name "approve", input {"by":"your name"}).` + "\n",
				"  If it is wrong, reject it, writing nothing: `starter reject --tenant acme --run " + reviewtest.HeldRun + " --reason \"<why>\"`\n",
				"  would create             not written yet: awaiting approval                1\n",
				"  would update             not written yet: awaiting approval                1\n",
				"  no outcome yet           planned errors, recorded when it writes           1\n",
				"HRMOS user 102, employee", ": would update  [not written yet: awaiting approval]\n      email: new@example.jp → newer@example.jp\n",
				"HRMOS user 109, new employee: would create  [not written yet: awaiting approval]\n      employee_number: (empty) → E109\n",
				"  (from the records with an outcome so far; the others are added as the run writes them)\n"},
			notWant: []string{"fetched 0", "Still running"}},
		{name: "a dry run says it wrote nothing, and words every outcome as what it would do", run: acme(reviewtest.DryRun),
			want: []string{"Roster sync of tenant acme: completed (dry run)\n", "  A dry run: nothing was written; the outcomes and changes below are what a real sync would do.\n",
				"  would update             matched_by_employee_number", " would update: 1\n", ": would update (matched_by_employee_number)\n      email: new@example.jp → dry@example.jp\n",
				"    dry_run: nothing was written\n"}},
		{name: "a run still writing marks what it has not written, and says where the key stands now", run: beta(writingRun),
			want: []string{"Attendance 2026-10 sync of tenant beta: running\n", "  Still running: records without an outcome yet are marked; run this again for more.\n",
				"  would create             not written yet                                   1\n", "  would update             not written yet                                   1\n",
				"  no outcome yet           not decided yet                                   1\n",
				"HRMOS user 201, employee", ": would create  [not written yet]\n      working_days: (empty) → 21.0\n",
				": would update  [not written yet]\n      working_days: 20.0 → \"\"\n",
				"    key_expires_soon: the HRMOS API key expires in 5 days", "    (the run records its other notices when it ends)\n"},
			notWant: []string{"fetched 0", "none recorded"}},
		{name: "a failed run shows its reason, and the changes it planned but never wrote", run: beta(failedRun),
			want: []string{"Roster sync of tenant beta: failed\n", "  failure: the database was unreachable\nafter all retries\n",
				"  would update             never written: the run ended first                1\n",
				": would update  [never written: the run ended first]\n      email: a@example.jp → b@example.jp\n",
				"    API key: no expiry notice\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.filters.Query()
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Build(context.Background(), st, tt.run, q, now)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			WriteText(&out, rep, q)
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("no %q in:\n%s", w, out.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("%q in:\n%s", w, out.String())
				}
			}
		})
	}
}

// `runs show --json` is one object whose names scripts and mediment's
// support tools read: camelCase, stable, every list present.
func TestRunsShowJSONNamesEverythingScriptsRead(t *testing.T) {
	st, now := reviewDB(t)
	q, err := Filters{JSON: true}.Query()
	if err != nil {
		t.Fatal(err)
	}
	built, err := Build(context.Background(), st, store.RunRef{TenantID: "acme", RunID: reviewtest.DoneRun}, q, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
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
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	na := rep.NeedsAction
	switch {
	case rep.Run.ID != reviewtest.DoneRun || rep.State != "completed" || len(rep.CountsByReason) != 7:
		t.Errorf("run and counts: %+v", rep)
	case len(rep.Items) != 8 || rep.ItemsMatched != 8: // JSON lists every record, unchanged included
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
	for _, key := range []string{`"countsByReason"`, `"notWrittenYet"`, `"itemsMatched"`, `"itemsMatchedByOutcome"`, `"needsAction"`,
		`"missingMedimentOnly"`, `"hrmosUserId"`, `"changedFields"`, `"needsAttention"`, `"planned"`} {
		if !strings.Contains(out, key) {
			t.Errorf("no %s in %s", key, out)
		}
	}
}

// What a script reads of a run that has not written everything: the
// counts of what has no outcome yet, and which items are only planned.
func TestRunsShowJSONCountsWhatIsNotWrittenYet(t *testing.T) {
	st, now := reviewDB(t)
	for _, tt := range []struct {
		name       string
		run        store.RunRef
		state      string
		notWritten NotWritten
		planned    []int64
		keyExpiry  string
	}{
		{"a held run: its plan, and its planned errors undecided", store.RunRef{TenantID: "acme", RunID: reviewtest.HeldRun}, "awaiting_approval",
			NotWritten{Created: 1, Updated: 1, Undecided: 1}, []int64{109, 102}, ""},
		{"a run still writing: a new month is a creation, a month already there an update", store.RunRef{TenantID: "beta", RunID: writingRun}, "running",
			NotWritten{Created: 1, Updated: 1, Undecided: 1}, []int64{201, 202}, "key_expires_soon"},
		{"a failed run: what it planned stays, nothing is undecided", store.RunRef{TenantID: "beta", RunID: failedRun}, "failed",
			NotWritten{Updated: 1}, []int64{201}, ""},
		{"a completed run: everything has its outcome", store.RunRef{TenantID: "acme", RunID: reviewtest.DoneRun}, "completed",
			NotWritten{}, nil, "key_expires_soon"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := Filters{JSON: true}.Query()
			rep, err := Build(context.Background(), st, tt.run, q, now)
			if err != nil {
				t.Fatal(err)
			}
			var planned []int64
			for _, it := range rep.Items {
				if it.Planned {
					planned = append(planned, it.HRMOSUserID)
					if len(it.ChangedFields) != len(it.Changes) || len(it.Changes) == 0 {
						t.Errorf("planned item %d: changedFields %v for changes %+v", it.HRMOSUserID, it.ChangedFields, it.Changes)
					}
				}
			}
			key := ""
			if rep.NeedsAction.KeyExpiry != nil {
				key = rep.NeedsAction.KeyExpiry.Code
			}
			if rep.State != tt.state || rep.NotWrittenYet != tt.notWritten || !equal(planned, tt.planned) || key != tt.keyExpiry {
				t.Errorf("state %s, not written %+v, planned %v, key %q; want %s, %+v, %v, %q",
					rep.State, rep.NotWrittenYet, planned, key, tt.state, tt.notWritten, tt.planned, tt.keyExpiry)
			}
		})
	}
}

// A run another tenant owns, or none at all, is one sentence that says
// where to look.
func TestRunsShowRefusesARunTheTenantDoesNotHave(t *testing.T) {
	st, now := reviewDB(t)
	q, _ := Filters{}.Query()
	for _, ref := range []store.RunRef{
		{TenantID: "beta", RunID: reviewtest.DoneRun},
		{TenantID: "acme", RunID: "00000000-0000-0000-0000-000000000999"},
		{TenantID: "acme", RunID: "not-a-run"},
	} {
		_, err := Build(context.Background(), st, ref, q, now)
		want := "tenant " + ref.TenantID + " has no run " + ref.RunID + "; `starter runs --tenant " + ref.TenantID + "` lists its runs"
		if err == nil || err.Error() != want {
			t.Errorf("%+v: %v, want %q", ref, err, want)
		}
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
