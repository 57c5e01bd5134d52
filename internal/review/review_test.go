package review

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
)

// What `starter runs show` lists employee by employee, flag by flag.
func TestFiltersSelectWhatOpsSee(t *testing.T) {
	all := []string{"created", "updated", "unchanged", "skipped", "error"}
	allButUnchanged := []string{"created", "updated", "skipped", "error"}
	for _, tt := range []struct {
		name    string
		filters Filters
		want    Query
		err     string
	}{
		{name: "by default: every outcome but unchanged, the first 50 of each",
			want: Query{Outcomes: allButUnchanged, Limit: 50}},
		{name: "--json: every record of every outcome", filters: Filters{JSON: true},
			want: Query{Outcomes: all, Limit: 0}},
		{name: "--json --limit 3: every outcome, 3 of each", filters: Filters{JSON: true, Limit: 3, LimitSet: true},
			want: Query{Outcomes: all, Limit: 3}},
		{name: "--csv: every record of every outcome, as --json", filters: Filters{CSV: true},
			want: Query{Outcomes: all, Limit: 0}},
		{name: "--csv --outcome error --limit 5: the filters narrow it", filters: Filters{CSV: true, Outcome: "error", Limit: 5, LimitSet: true},
			want: Query{Outcomes: []string{"error"}, Limit: 5}},
		{name: "--limit 0: all of each outcome", filters: Filters{Limit: 0, LimitSet: true},
			want: Query{Outcomes: allButUnchanged, Limit: 0}},
		{name: "--reason: that code's records of every outcome", filters: Filters{Reason: "invalid_date"},
			want: Query{Outcomes: all, Reason: "invalid_date", Limit: 50}},
		{name: "--outcome all: unchanged too", filters: Filters{Outcome: "all"},
			want: Query{Outcomes: all, Limit: 50}},
		{name: "--outcome: in the order given, each once, spaces ignored", filters: Filters{Outcome: "error, skipped,error"},
			want: Query{Outcomes: []string{"error", "skipped"}, Limit: 50}},
		{name: "--outcome wins over --json's every outcome", filters: Filters{Outcome: "unchanged", JSON: true},
			want: Query{Outcomes: []string{"unchanged"}, Limit: 0}},
		{name: "an outcome that does not exist is refused, named", filters: Filters{Outcome: "created,fine"},
			err: `--outcome takes created, updated, unchanged, skipped, error or all, not "fine"`},
		{name: "a negative --limit is refused", filters: Filters{Limit: -1, LimitSet: true},
			err: "--limit must be 0 (all) or more, not -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.filters.Query()
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(q.Outcomes, tt.want.Outcomes) || q.Reason != tt.want.Reason || q.Limit != tt.want.Limit {
				t.Errorf("%+v, %v; want %+v", q, err, tt.want)
			}
		})
	}
}

// `starter approve` approves only a run the mass-change guard holds now.
func TestOnlyAHeldRunCanBeApproved(t *testing.T) {
	at := time.Date(2026, 10, 3, 9, 0, 0, 0, time.Local)
	run := func(status string, held, approved bool) store.Run {
		r := store.Run{ID: "R", TenantID: "acme", Status: status}
		if held {
			r.AwaitingApprovalSince = &at
		}
		if approved {
			r.ApprovedAt, r.ApprovedBy = &at, "sato"
		}
		return r
	}
	for _, tt := range []struct {
		name  string
		run   store.Run
		state string
		err   string
	}{
		{"a held run can be approved", run("running", true, false), "awaiting_approval", ""},
		{"a completed run has nothing to approve", run("completed", false, false), "completed",
			"run R of tenant acme is not awaiting approval: it has already finished (completed); nothing to approve"},
		{"a failed run, even one held before, has nothing to approve", run("failed", true, false), "failed",
			"run R of tenant acme is not awaiting approval: it has already finished (failed); nothing to approve"},
		{"a running run the guard did not hold has nothing to approve", run("running", false, false), "running",
			"run R of tenant acme is not awaiting approval: it is running and the mass-change guard has not held it; nothing to approve"},
		{"an approved run says who approved it, and when", run("running", true, true), "running",
			"run R of tenant acme was already approved by sato at 2026-10-03 09:00:00; it is writing its changes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Approvable(tt.run)
			if (tt.err == "" && err != nil) || (tt.err != "" && (err == nil || err.Error() != tt.err)) {
				t.Errorf("Approvable: %v, want %q", err, tt.err)
			}
			if got := State(tt.run); got != tt.state {
				t.Errorf("State: %s, want %s", got, tt.state)
			}
			if got := AwaitingApproval(tt.run); got != (tt.state == "awaiting_approval") {
				t.Errorf("AwaitingApproval: %v", got)
			}
		})
	}
}

// A run ID is a plain UUID; anything else names no run.
func TestRunIDsAreUUIDs(t *testing.T) {
	for id, ok := range map[string]bool{
		"01a23d6f-5185-7a38-9b17-c7f3a01828c4":          true,
		"00000000-0000-0000-0000-000000000101":          true,
		"urn:uuid:01a23d6f-5185-7a38-9b17-c7f3a01828c4": false,
		"{01a23d6f-5185-7a38-9b17-c7f3a01828c4}":        false,
		"01a23d6f51857a389b17c7f3a01828c4":              false,
		"not-a-run":                                     false,
		"":                                              false,
	} {
		if ValidRunID(id) != ok {
			t.Errorf("ValidRunID(%q) = %v", id, !ok)
		}
	}
}

// Every error reason code goes to the 要対応 list that says what to do
// about it: (c) for a match no employee could safely get, (d) for data to
// correct in HRMOS, the other errors for the rest.
func TestEachProblemGoesToTheListThatSaysWhatToDo(t *testing.T) {
	for _, tt := range []struct {
		list  problemList
		codes []string
	}{
		{ambiguousMatches, []string{codes.ReasonAmbiguousNumber, codes.ReasonAmbiguousNameMail, codes.ReasonConflictingKeys,
			codes.ReasonLinkedToOtherHRMOSUser, codes.ReasonHRMOSUserLinkedToOther, codes.ReasonDuplicateInHRMOS,
			codes.ReasonNumberOfOtherHRMOSUser, codes.ReasonDuplicateAttendanceRow}},
		{badRecords, []string{codes.ReasonInvalidField, codes.ReasonInvalidDate, codes.ReasonInvalidValue, codes.ReasonMissingIdentity,
			codes.ReasonUnknownDepartment, codes.ReasonUnknownOffice, codes.ReasonInvalidCharacters, codes.ReasonValueTooLong,
			codes.ReasonValueOutOfRange}},
		{otherErrors, []string{codes.ReasonSyncFailed, "a_code_this_review_does_not_know"}},
	} {
		for _, code := range tt.codes {
			if got := listOf(code); got != tt.list {
				t.Errorf("%s goes to list %d, want %d", code, got, tt.list)
			}
		}
	}
}

// The 要対応 lists from what the run recorded, whatever the filters.
func TestNeedsActionListsWhatAnAdminMustDo(t *testing.T) {
	id := func(n int64) *int64 { return &n }
	attention := []store.Item{
		{HRMOSUserID: 1, EmployeeID: id(11), NeedsAttention: []string{"retirement_date", "nationality", "insurance_name_kana"}},
		{HRMOSUserID: 2, EmployeeID: id(12), NeedsAttention: []string{"insurance_name_kana", "a_new_column"}},
		{HRMOSUserID: 3, NeedsAttention: []string{"nationality", "insurance_name_kana"}},
	}
	problems := []store.Item{
		{HRMOSUserID: 4, Outcome: "error", ReasonCode: codes.ReasonAmbiguousNumber, Reason: "two employees"},
		{HRMOSUserID: 5, Outcome: "error", ReasonCode: codes.ReasonValueTooLong, Field: "last_name"},
		{HRMOSUserID: 6, Outcome: "error", ReasonCode: codes.ReasonSyncFailed},
		{HRMOSUserID: 7, EmployeeID: id(17), Outcome: "skipped", ReasonCode: codes.ReasonDuplicateAttendanceRow},
	}
	notices := []string{"gender_not_provided: no 性別", "key_expired: the key passed its 3 months: renew it", "dry_run: nothing was written"}
	na := needsActionOf(attention, problems, notices)

	refs := func(rs []EmployeeRef) (ids []int64) {
		for _, r := range rs {
			ids = append(ids, r.HRMOSUserID)
		}
		return ids
	}
	var columns []string
	for _, f := range na.MissingMedimentOnly {
		columns = append(columns, f.Column)
	}
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"(a) lists who retired in HRMOS and keeps an account", slices.Equal(refs(na.RetiredStillHere), []int64{1}) && *na.RetiredStillHere[0].EmployeeID == 11},
		{"(b) lists each missing field once, in the order of the SPEC's list, an unknown column last by name",
			slices.Equal(columns, []string{"insurance_name_kana", "nationality", "a_new_column"})},
		{"(b) counts and lists the employees of each field, new ones included",
			na.MissingMedimentOnly[0].Count == 3 && slices.Equal(refs(na.MissingMedimentOnly[0].Employees), []int64{1, 2, 3}) &&
				na.MissingMedimentOnly[0].Label == "社保用の姓名（セイメイ）" && na.MissingMedimentOnly[0].Why != ""},
		{"(b) an unknown column is its own label, with no why", na.MissingMedimentOnly[2].Label == "a_new_column" && na.MissingMedimentOnly[2].Why == ""},
		{"(c) lists ambiguous matches, skipped ones too", len(na.AmbiguousMatches) == 2 && na.AmbiguousMatches[1].Outcome == "skipped"},
		{"(d) lists bad records with the field to fix", len(na.BadRecords) == 1 && na.BadRecords[0].Field == "last_name"},
		{"the other errors are listed apart", len(na.OtherErrors) == 1 && na.OtherErrors[0].ReasonCode == codes.ReasonSyncFailed},
		{"(e) the key's notice stands apart from the others",
			na.KeyExpiry != nil && *na.KeyExpiry == Notice{Code: "key_expired", Text: "the key passed its 3 months: renew it"}},
		{"(e) the other notices keep their order, split at the first colon",
			slices.Equal(na.Notices, []Notice{{"gender_not_provided", "no 性別"}, {"dry_run", "nothing was written"}})},
	} {
		if !tt.ok {
			t.Errorf("%s: %+v", tt.name, na)
		}
	}

	// Nothing to act on is empty lists, never null in JSON.
	empty := needsActionOf(nil, nil, nil)
	if empty.RetiredStillHere == nil || empty.MissingMedimentOnly == nil || empty.AmbiguousMatches == nil || empty.BadRecords == nil ||
		empty.OtherErrors == nil || empty.Notices == nil || empty.KeyExpiry != nil {
		t.Errorf("nothing to act on: %+v", empty)
	}
	if !strings.HasPrefix(NoRunError(store.RunRef{TenantID: "acme", RunID: "x"}).Error(), "tenant acme has no run x; ") {
		t.Error("NoRunError does not name the tenant and the run")
	}
}
