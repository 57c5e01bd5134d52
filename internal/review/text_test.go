package review

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// How a run is named wherever the starter prints one.
func TestEveryRunIsNamedByKindMonthAndTenant(t *testing.T) {
	oneUser := int64(1234)
	for _, tt := range []struct {
		run          store.Run
		title, label string
	}{
		{store.Run{Kind: "roster", TenantID: "acme", Status: "completed"}, "Roster sync of tenant acme: completed", "roster"},
		{store.Run{Kind: "roster", TenantID: "acme", Status: "running", DryRun: true}, "Roster sync of tenant acme: running (dry run)", "roster (dry run)"},
		{store.Run{Kind: "attendance", Month: "2026-10", TenantID: "acme", Status: "failed"}, "Attendance 2026-10 sync of tenant acme: failed", "attendance 2026-10"},
		{store.Run{Kind: "attendance", Month: "2026-10", TenantID: "b", Status: "completed", DryRun: true},
			"Attendance 2026-10 sync of tenant b: completed (dry run)", "attendance 2026-10 (dry run)"},
		{store.Run{Kind: "roster", TenantID: "acme", Status: "completed", OnlyHRMOSUserID: &oneUser},
			"Roster sync of HRMOS user 1234 of tenant acme: completed", "roster (HRMOS user 1234 only)"},
	} {
		if got := Title(tt.run); got != tt.title {
			t.Errorf("Title = %q, want %q", got, tt.title)
		}
		if got := KindLabel(tt.run); got != tt.label {
			t.Errorf("KindLabel = %q, want %q", got, tt.label)
		}
	}
}

// The review's text in the cases the database tests do not reach, from
// reports built by hand.
func TestRunsShowTextInEveryCase(t *testing.T) {
	started := time.Date(2026, 10, 1, 3, 0, 0, 0, time.Local)
	finished := started.Add(83*time.Second + 400*time.Millisecond)
	id := func(n int64) *int64 { return &n }
	s := func(v string) *string { return &v }
	completed := store.Run{ID: "R", TenantID: "acme", Kind: "roster", Trigger: "schedule", WorkflowID: "hrmos-roster-acme", Status: "completed",
		StartedAt: started, FinishedAt: &finished}
	empty := Report{Run: completed, State: "completed", ItemsMatchedByOutcome: map[string]int{}, NeedsAction: needsActionOf(nil, nil, nil)}
	q, _ := Filters{}.Query()

	manyRefs := make([]EmployeeRef, 30)
	for i := range manyRefs {
		manyRefs[i] = EmployeeRef{HRMOSUserID: int64(1000 + i), EmployeeID: id(int64(5000 + i))}
	}
	withRefs := empty
	withRefs.NeedsAction = needsActionOf(nil, nil, nil)
	withRefs.NeedsAction.RetiredStillHere = []EmployeeRef{{HRMOSUserID: 9}}
	withRefs.NeedsAction.MissingMedimentOnly = []MissingField{
		{Column: "insurance_name_kana", Label: "社保用の姓名（セイメイ）", Why: "always required", Count: 30, Employees: manyRefs},
		{Column: "nationality", Label: "国籍", Why: "productivity analysis", Count: 30, Employees: manyRefs},
		{Column: "job_title", Label: "役職", Count: 1, Employees: manyRefs[:1]},
	}

	values := empty
	values.CountsByReason = []store.ReasonCount{{Outcome: "updated", ReasonCode: "matched_by_hrmos_link", Count: 1}}
	values.Items = []Item{{Item: store.Item{HRMOSUserID: 7, EmployeeID: id(70), Outcome: "updated", ReasonCode: "matched_by_hrmos_link"},
		Changes: []Change{{Column: "email", Old: s("a@example.jp"), New: s("")}, {Column: "retirement_date", Old: s("2026-09-30"), New: nil}}}}
	values.ItemsMatched, values.ItemsMatchedByOutcome = 1, map[string]int{"updated": 1}

	for _, tt := range []struct {
		name    string
		rep     Report
		want    []string
		notWant []string
	}{
		{"a run that recorded nothing says so in each section", empty,
			[]string{"Roster sync of tenant acme: completed\n  run R, workflow hrmos-roster-acme, started from schedule\n",
				"  started 2026-10-01 03:00:00, finished 2026-10-01 03:01:23 (1m23s)\n",
				"  fetched 0, created 0, updated 0, unchanged 0, skipped 0, errors 0\n",
				"\nOutcomes by reason\n  none recorded\n", "\nEmployees: 0 listed of 0\n  none\n",
				"(a) Retired in HRMOS but still an account in mediment: delete by hand (0)\n    none\n",
				"(b) mediment-only fields missing: fill them in mediment (HRMOS cannot supply them)\n    none\n",
				"(c) Ambiguous or conflicting matches: nothing was written for them (0)\n    none\n",
				"(d) Bad records: correct the field in HRMOS and sync again (0)\n    none\n",
				"(e) API key and notices\n    API key: no expiry notice\n"},
			[]string{"Other errors", "failure:", "approved by", "unchanged not listed", "(from the records"}},
		{"an emptied value shows as \"\", a cleared one as (empty)", values,
			[]string{"  HRMOS user 7, employee 70: updated (matched_by_hrmos_link)\n      email: a@example.jp → \"\"\n      retirement_date: 2026-09-30 → (empty)\n"}, nil},
		{"employee lists wrap at about 100 characters, and a list equal to the one above is not repeated", withRefs,
			[]string{"(a) Retired in HRMOS but still an account in mediment: delete by hand (1)\n    employee/HRMOS user: new/9\n",
				"    社保用の姓名（セイメイ） (insurance_name_kana): always required — 30 employees\n    employee/HRMOS user: 5000/1000 5001/1001",
				"\n      5007/1007 ", "    国籍 (nationality): productivity analysis — 30 employees\n    the same employees as above\n",
				"    役職 (job_title) — 1 employee\n    employee/HRMOS user: 5000/1000\n"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			WriteText(&out, tt.rep, q)
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
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(line, "    employee/HRMOS user:") || strings.HasPrefix(line, "      ") && !strings.Contains(line, ":") {
					if len(line) > 100 {
						t.Errorf("a list line of %d bytes: %q", len(line), line)
					}
				}
			}
		})
	}
}

// The summary `starter … --wait` ends with.
func TestASyncThatWasWaitedForEndsWithItsSummary(t *testing.T) {
	r := store.Run{ID: "R", TenantID: "acme", Kind: "attendance", Month: "2026-10", WorkflowID: "hrmos-attendance-acme-2026-10", Status: "failed",
		Counts: store.Counts{Fetched: 3, Created: 1, Errors: 2}, FailureReason: "HRMOS was unreachable", Notices: []string{"key_expired: renew it"}}
	var out bytes.Buffer
	WriteSummary(&out, r)
	want := "Attendance 2026-10 sync of tenant acme: failed\n" +
		"  run R, workflow hrmos-attendance-acme-2026-10\n" +
		"  fetched 3, created 1, updated 0, unchanged 0, skipped 0, errors 2\n" +
		"  failure: HRMOS was unreachable\n" +
		"  note: key_expired: renew it\n" +
		"  each employee's outcome and changes, and what needs action: starter runs show --tenant acme --run R\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// `starter runs`: one line per run, its progress when it is running, and
// what to do about a held one.
func TestRunsListsTheHistoryNewestFirst(t *testing.T) {
	at := time.Date(2026, 10, 1, 3, 0, 0, 0, time.Local)
	held := store.Run{ID: "H", Kind: "roster", Trigger: "cli", Status: "running", StartedAt: at, AwaitingApprovalSince: &at}
	writing := store.Run{ID: "W", Kind: "attendance", Month: "2026-09", Trigger: "schedule", Status: "running", StartedAt: at}
	lost := store.Run{ID: "L", Kind: "roster", Trigger: "ui", Status: "running", StartedAt: at, DryRun: true}
	failed := store.Run{ID: "F", Kind: "roster", Trigger: "ui", Status: "failed", StartedAt: at, FailureReason: "HRMOS rejected\n  the key",
		Counts: store.Counts{Fetched: 12, Errors: 1}}

	var out bytes.Buffer
	if err := WriteRuns(&out, "acme", nil); err != nil || out.String() != "Tenant acme has no runs yet.\n" {
		t.Errorf("no runs: %q, %v", out.String(), err)
	}

	views := []RunView{NewRunView(held), NewRunView(writing), NewRunView(lost), NewRunView(failed)}
	views[0].Progress = &workflows.Progress{Phase: workflows.PhaseApproval, AwaitingApproval: true, Total: 40, Done: 30}
	views[1].Progress = &workflows.Progress{Phase: workflows.PhaseSyncing, Total: 40, Done: 12}
	views[2].ProgressError = ProgressUnknown(errors.New("boom"))
	out.Reset()
	if err := WriteRuns(&out, "acme", views); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, tt := range []struct {
		name, got, want string
	}{
		{"a header names the columns", lines[0], "STARTED              KIND                TRIGGER   STATUS                      PROGRESS                              FETCHED  CREATED  UPDATED  UNCHANGED  SKIPPED  ERRORS  RUN  REASON"},
		{"a held run is marked, with its progress", lines[1], "2026-10-01 03:00:00  roster              cli       running, AWAITING APPROVAL  waiting for approval (30 of 40 done)  0        0        0        0          0        0       H    "},
		{"a running run shows its progress", lines[2], "2026-10-01 03:00:00  attendance 2026-09  schedule  running                     writing changes: 12 of 40 done        0        0        0        0          0        0       W    "},
		{"a running run whose progress is unknown says why", lines[3], "2026-10-01 03:00:00  roster (dry run)    ui        running                     no progress: boom                     0        0        0        0          0        0       L    "},
		{"a failed run shows its reason on one line", lines[4], "2026-10-01 03:00:00  roster              ui        failed                      -                                     12       0        0        0          0        1       F    HRMOS rejected the key"},
		{"a held run is followed by how to review and approve it", strings.Join(lines[5:], "\n"),
			"\nA run awaiting approval writes nothing until approved: review it with `starter runs show --tenant acme --run <run>`, then `starter approve --tenant acme --run <run>`, or `starter reject --tenant acme --run <run> --reason \"<why>\"`.\n"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
	if !views[0].AsksProgress() || !views[2].AsksProgress() || views[3].AsksProgress() || !views[0].AwaitingApproval || views[1].AwaitingApproval {
		t.Errorf("views: %+v", views)
	}
}
