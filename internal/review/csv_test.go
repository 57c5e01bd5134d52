package review

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/review/reviewtest"
	"github.com/mediment/hrmos-sync/internal/store"
)

// readCSV checks what every CSV of the review must be for a spreadsheet
// (the UTF-8 byte-order mark first, CRLF line ends, one header) and parses
// it back.
func readCSV(t *testing.T, out []byte, header []string) [][]string {
	t.Helper()
	if !bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("the CSV does not start with the UTF-8 byte-order mark Excel needs to read Japanese: % x", out[:min(len(out), 8)])
	}
	body := out[3:]
	if n, crlf := bytes.Count(body, []byte("\n")), bytes.Count(body, []byte("\r\n")); n != crlf || n == 0 {
		t.Errorf("%d line ends, %d of them CRLF; want every one CRLF", n, crlf)
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse back: %v\n%s", err, out)
	}
	if len(rows) == 0 || !cmp.Equal(rows[0], header) {
		t.Fatalf("header %q, want %q", rows[0], header)
	}
	return rows[1:]
}

// One row per record: its outcome, reason, changed fields and 要対応, lists
// joined with " / ", the 要対応 with their Japanese labels too.
func TestItemsCSVHasOneRowPerRecord(t *testing.T) {
	id := func(n int64) *int64 { return &n }
	for _, tt := range []struct {
		name  string
		items []Item
		want  [][]string
	}{
		{"no records: the header alone", nil, nil},
		{"a created employee with everything to fill in",
			[]Item{{Item: store.Item{HRMOSUserID: 101, EmployeeID: id(7), Outcome: "created", ReasonCode: "new_employee",
				Reason:         "matched nobody: created",
				ChangedFields:  []string{"employee_number", "last_name", "email"},
				NeedsAttention: []string{"insurance_name_kana", "employment_category", "nationality"}}}},
			[][]string{{"101", "7", "created", "new_employee", "matched nobody: created", "",
				"employee_number / last_name / email", "insurance_name_kana / employment_category / nationality",
				"社保用の姓名（セイメイ） / 正社員・管理職の有無 / 国籍", "false"}}},
		{"a retiree still here, and a column this review does not know by its name",
			[]Item{{Item: store.Item{HRMOSUserID: 103, EmployeeID: id(9), Outcome: "updated", ReasonCode: "matched_by_employee_number",
				ChangedFields: []string{"retirement_date"}, NeedsAttention: []string{"retirement_date", "blood_type"}}}},
			[][]string{{"103", "9", "updated", "matched_by_employee_number", "", "", "retirement_date",
				"retirement_date / blood_type", RetiredLabel + " / blood_type", "false"}}},
		{"an error without an employee names the HRMOS field; a comma and a quote stay in their cell",
			[]Item{{Item: store.Item{HRMOSUserID: 107, Outcome: "error", ReasonCode: "invalid_date",
				Reason: `HRMOS user 107: 入社日 is not a date as "YYYY-MM-DD", e.g. 2026-10-01`, Field: "start_date"}}},
			[][]string{{"107", "", "error", "invalid_date", `HRMOS user 107: 入社日 is not a date as "YYYY-MM-DD", e.g. 2026-10-01`, "start_date", "", "", "", "false"}}},
		{"a change planned and not written yet",
			[]Item{{Item: store.Item{HRMOSUserID: 109, Outcome: "created", ChangedFields: []string{"employee_number"}}, Planned: true}},
			[][]string{{"109", "", "created", "", "", "", "employee_number", "", "", "true"}}},
		{"a cell a spreadsheet would run as a formula is kept text",
			[]Item{{Item: store.Item{HRMOSUserID: 1, Outcome: "error", ReasonCode: "sync_failed", Reason: "=HYPERLINK(\"x\")", Field: "@x"}}},
			[][]string{{"1", "", "error", "sync_failed", "'=HYPERLINK(\"x\")", "'@x", "", "", "", "false"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteItemsCSV(&out, Report{Items: tt.items}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, readCSV(t, out.Bytes(), ItemsCSVHeader), cmpEmptyRows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// nil and no rows are the same CSV.
var cmpEmptyRows = cmp.FilterValues(func(a, b [][]string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

// The 要対応 lists alone: one row per thing to act on, each missing
// mediment-only field with its Japanese label and why it matters, the
// run's notices last.
func TestNeedsActionCSVHasOneRowPerThingToActOn(t *testing.T) {
	id := func(n int64) *int64 { return &n }
	refs := []EmployeeRef{{HRMOSUserID: 101, EmployeeID: id(1)}, {HRMOSUserID: 102, EmployeeID: id(2)}}
	for _, tt := range []struct {
		name string
		na   NeedsAction
		want [][]string
	}{
		{"nothing to act on: the header alone", needsActionOf(nil, nil, nil), nil},
		{"every list",
			NeedsAction{
				RetiredStillHere: []EmployeeRef{{HRMOSUserID: 103, EmployeeID: id(3)}},
				MissingMedimentOnly: []MissingField{
					{Column: "insurance_name_kana", Label: "社保用の姓名（セイメイ）", Why: "always required", Count: 2, Employees: refs},
					{Column: "job_title", Label: "役職", Why: "needed for the health pulse survey's productivity analysis", Count: 1, Employees: refs[1:]},
				},
				AmbiguousMatches: []Problem{{HRMOSUserID: 106, Outcome: "error", ReasonCode: "conflicting_match_keys", Reason: "社員番号 finds employee 7, 氏名+メールアドレス finds employee 8"}},
				BadRecords:       []Problem{{HRMOSUserID: 107, Outcome: "error", ReasonCode: "invalid_date", Reason: "入社日 is not a date", Field: "start_date"}},
				OtherErrors:      []Problem{{HRMOSUserID: 108, EmployeeID: id(8), Outcome: "error", ReasonCode: "sync_failed", Reason: "failed after all retries"}},
				KeyExpiry:        &Notice{Code: "key_expires_soon", Text: "the HRMOS API key expires in 9 days"},
				Notices:          []Notice{{Code: "gender_not_provided", Text: "HRMOS sent no 性別"}},
			},
			[][]string{
				{"retiredStillHere", "3", "103", "retirement_date", RetiredLabel, doRetired, "", ""},
				{"missingMedimentOnly", "1", "101", "insurance_name_kana", "社保用の姓名（セイメイ）", "fill it in mediment (HRMOS cannot supply it): always required", "", ""},
				{"missingMedimentOnly", "2", "102", "insurance_name_kana", "社保用の姓名（セイメイ）", "fill it in mediment (HRMOS cannot supply it): always required", "", ""},
				{"missingMedimentOnly", "2", "102", "job_title", "役職", "fill it in mediment (HRMOS cannot supply it): needed for the health pulse survey's productivity analysis", "", ""},
				{"ambiguousMatches", "", "106", "conflicting_match_keys", "", doAmbiguous, "社員番号 finds employee 7, 氏名+メールアドレス finds employee 8", ""},
				{"badRecords", "", "107", "invalid_date", "", doBad, "入社日 is not a date", "start_date"},
				{"otherErrors", "8", "108", "sync_failed", "", doOther, "failed after all retries", ""},
				{"keyExpiry", "", "", "key_expires_soon", "", "", "the HRMOS API key expires in 9 days", ""},
				{"notices", "", "", "gender_not_provided", "", "", "HRMOS sent no 性別", ""},
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteNeedsActionCSV(&out, Report{NeedsAction: tt.na}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, readCSV(t, out.Bytes(), NeedsActionCSVHeader), cmpEmptyRows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// A run read from the database as CSV: every record once, every 要対応
// entry once, and none of the values `runs show` prints as "old → new".
func TestACSVOfARunHoldsItsRecordsAndNoValues(t *testing.T) {
	st, _ := reviewDB(t)
	ctx := context.Background()
	for _, runID := range []string{reviewtest.DoneRun, reviewtest.HeldRun, reviewtest.DryRun} {
		q, err := Filters{CSV: true}.Query()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Build(ctx, st, store.RunRef{TenantID: "acme", RunID: runID}, q, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var items, needs bytes.Buffer
		if err := WriteItemsCSV(&items, rep); err != nil {
			t.Fatal(err)
		}
		if err := WriteNeedsActionCSV(&needs, rep); err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, items.Bytes(), ItemsCSVHeader)
		if len(rows) != rep.ItemsMatched || len(rows) != len(rep.Items) {
			t.Errorf("run %s: %d rows, want every record (%d)", runID, len(rows), rep.ItemsMatched)
		}
		wantNeeds := len(rep.NeedsAction.RetiredStillHere) + len(rep.NeedsAction.AmbiguousMatches) + len(rep.NeedsAction.BadRecords) +
			len(rep.NeedsAction.OtherErrors) + len(rep.NeedsAction.Notices)
		for _, f := range rep.NeedsAction.MissingMedimentOnly {
			wantNeeds += len(f.Employees)
		}
		if rep.NeedsAction.KeyExpiry != nil {
			wantNeeds++
		}
		if got := len(readCSV(t, needs.Bytes(), NeedsActionCSVHeader)); got != wantNeeds {
			t.Errorf("run %s: %d 要対応 rows, want %d", runID, got, wantNeeds)
		}
		for _, value := range []string{"E101", "E109", "山田", "old@example.jp", "new@example.jp", "newer@example.jp", "dry@example.jp", "2026-09-30"} {
			if strings.Contains(items.String()+needs.String(), value) {
				t.Errorf("run %s: the CSV holds the value %q", runID, value)
			}
		}
	}
}
