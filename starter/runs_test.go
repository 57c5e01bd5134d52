package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/internal/review/reviewtest"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// The review itself (what each line says, the 要対応 lists, the JSON's
// names) is tested in internal/review; here, that the commands pass their
// flags to it, print what it builds and exit as they should.

// reviewtest's runs of tenant acme.
const (
	doneRun = reviewtest.DoneRun
	heldRun = reviewtest.HeldRun
	dryRun  = reviewtest.DryRun
)

// Names temporal_test.go uses.
type runReport = review.Report

var awaitingApproval = review.AwaitingApproval

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

// loadRuns records reviewtest's runs: a completed roster run with one
// employee of each kind of outcome, a run the mass-change guard holds after
// its plan, and a dry run.
func loadRuns(t *testing.T, st *store.Store) {
	t.Helper()
	reviewtest.Load(t, st)
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: no %q in:\n%s", what, w, out)
		}
	}
}

// `runs show` prints exactly the review its flags select, as text or JSON,
// and `runs --run` is the same command.
func TestRunsShowPrintsTheReviewItsFlagsSelect(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	for _, tt := range []struct {
		name    string
		args    []string
		filters review.Filters
	}{
		{"no flags", []string{"--run", doneRun}, review.Filters{}},
		{"--json", []string{"--run", doneRun, "--json"}, review.Filters{JSON: true}},
		{"--outcome and --limit", []string{"--run", doneRun, "--outcome", "error,skipped", "--limit", "1"},
			review.Filters{Outcome: "error,skipped", Limit: 1, LimitSet: true}},
		{"--reason", []string{"--run", doneRun, "--reason", "matched_by_employee_number"}, review.Filters{Reason: "matched_by_employee_number"}},
		{"--json --limit", []string{"--run", doneRun, "--json", "--limit", "2"}, review.Filters{JSON: true, Limit: 2, LimitSet: true}},
		{"a held run", []string{"--run", heldRun, "--outcome", "all"}, review.Filters{Outcome: "all"}},
		{"a dry run", []string{"--run", dryRun, "--json", "--outcome", "updated"}, review.Filters{Outcome: "updated", JSON: true}},
		{"--csv", []string{"--run", doneRun, "--csv"}, review.Filters{CSV: true}},
		{"--csv --outcome --limit", []string{"--run", doneRun, "--csv", "--outcome", "error", "--limit", "2"},
			review.Filters{CSV: true, Outcome: "error", Limit: 2, LimitSet: true}},
		{"a held run as CSV", []string{"--run", heldRun, "--csv"}, review.Filters{CSV: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ref := store.RunRef{TenantID: "acme", RunID: tt.args[1]}
			q, err := tt.filters.Query()
			if err != nil {
				t.Fatal(err)
			}
			rep, err := review.Build(context.Background(), st, ref, q, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			switch {
			case tt.filters.JSON:
				if err := writeJSON(&want, rep); err != nil {
					t.Fatal(err)
				}
			case tt.filters.CSV:
				if err := review.WriteItemsCSV(&want, rep); err != nil {
					t.Fatal(err)
				}
			default:
				review.WriteText(&want, rep, q)
			}

			show, err := run(t, "", append([]string{"runs", "show", "--tenant", "acme"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if show != want.String() {
				t.Errorf("runs show %s printed:\n%s\nwant:\n%s", strings.Join(tt.args, " "), show, want.String())
			}
			alias, err := run(t, "", append([]string{"runs", "--tenant", "acme"}, tt.args...)...)
			if err != nil || alias != show {
				t.Errorf("runs --tenant acme %s differs from runs show: %v\n%s", strings.Join(tt.args, " "), err, alias)
			}
		})
	}
}

// --needs-action prints the 要対応 lists alone, complete, as text, JSON or
// CSV, from `runs show` and `runs --run` alike.
func TestRunsShowNeedsActionPrintsItsListsAlone(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	rep, err := review.Build(context.Background(), st, store.RunRef{TenantID: "acme", RunID: doneRun}, review.Query{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var text, js, csv bytes.Buffer
	review.WriteNeedsActionText(&text, rep)
	if err := writeJSON(&js, rep.NeedsAction); err != nil {
		t.Fatal(err)
	}
	if err := review.WriteNeedsActionCSV(&csv, rep); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--needs-action"}, text.String()},
		{[]string{"--needs-action", "--json"}, js.String()},
		{[]string{"--needs-action", "--csv"}, csv.String()},
	} {
		for _, cmd := range [][]string{{"runs", "show"}, {"runs"}} {
			args := append(append(cmd, "--tenant", "acme", "--run", doneRun), tt.args...)
			out, err := run(t, "", args...)
			if err != nil || out != tt.want {
				t.Errorf("%s: %v\n%s\nwant:\n%s", strings.Join(args, " "), err, out, tt.want)
			}
		}
	}
	mustContain(t, "--needs-action", text.String(), "要対応 (needs action)", "(b) mediment-only fields missing", "社保用の姓名（セイメイ）")
	if strings.Contains(text.String(), "Outcomes by reason") {
		t.Errorf("--needs-action lists the outcomes too:\n%s", text.String())
	}
	if !strings.HasPrefix(csv.String(), "\ufefflist,employee_id,hrmos_user_id,item,label,") {
		t.Errorf("--needs-action --csv starts %q", csv.String()[:min(60, csv.Len())])
	}
}

// Bad flags and unknown runs are one sentence and exit 1, before anything
// is read.
func TestRunsShowRefusesBadFlagsAndUnknownRuns(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"runs", "show", "--tenant", "acme", "--run", doneRun, "--outcome", "fine"},
			`--outcome takes created, updated, unchanged, skipped, error or all, not "fine"`},
		{[]string{"runs", "--tenant", "acme", "--run", doneRun, "--outcome", "fine"},
			`--outcome takes created, updated, unchanged, skipped, error or all, not "fine"`},
		{[]string{"runs", "show", "--tenant", "acme", "--run", doneRun, "--limit", "-1"}, "--limit must be 0 (all) or more, not -1"},
		{[]string{"runs", "show", "--tenant", "acme", "--run", "not-a-run"},
			"tenant acme has no run not-a-run; `starter runs --tenant acme` lists its runs"},
		{[]string{"runs", "show", "--tenant", "other", "--run", doneRun},
			"tenant other has no run " + doneRun + "; `starter runs --tenant other` lists its runs"},
		{[]string{"runs", "show", "--tenant", "acme"}, `required flag(s) "run" not set`},
		{[]string{"runs", "show", "--tenant", "acme", "--run", doneRun, "--json", "--csv"},
			"--json and --csv are two ways to print the review: give one of them"},
		{[]string{"runs", "show", "--tenant", "acme", "--run", doneRun, "--needs-action", "--outcome", "error"},
			"--needs-action prints the 要対応 lists alone, always complete: --outcome, --reason and --limit do not apply to it"},
		{[]string{"runs", "--tenant", "acme", "--run", doneRun, "--needs-action", "--limit", "3"},
			"--needs-action prints the 要対応 lists alone, always complete: --outcome, --reason and --limit do not apply to it"},
		{[]string{"runs", "--tenant", "acme", "--csv"},
			"--csv and --needs-action print one run's review: give --run (`starter runs --tenant acme` lists the runs)"},
		{[]string{"runs", "--tenant", "acme", "--needs-action"},
			"--csv and --needs-action print one run's review: give --run (`starter runs --tenant acme` lists the runs)"},
	} {
		out, err := run(t, "", tt.args...)
		var ee *exitError
		if err == nil || err.Error() != tt.want || errors.As(err, &ee) || out != "" {
			t.Errorf("%s: %q, %v; want the error %q and exit 1", strings.Join(tt.args, " "), out, err, tt.want)
		}
	}
}

// `runs` lists the history as the review words it, and marks the held run.
func TestRunsListsTheHistoryAndMarksTheHeldRun(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	// Nothing listens here: the held run's progress is unknown, quickly.
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")

	out, err := run(t, "", "runs", "--tenant", "acme")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "runs", out, "running, AWAITING APPROVAL", "roster (dry run)", doneRun, heldRun, dryRun,
		"starter approve --tenant acme --run <run>")

	out, err = run(t, "", "runs", "--tenant", "acme", "--json", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	var views []review.RunView
	if err := json.Unmarshal([]byte(out), &views); err != nil {
		t.Fatalf("runs --json: %v\n%s", err, out)
	}
	if len(views) != 2 {
		t.Fatalf("runs --json --limit 2 lists %d runs", len(views))
	}
	for _, v := range views {
		if v.ID == heldRun && (!v.AwaitingApproval || v.Progress != nil || v.ProgressError == "") {
			t.Errorf("the held run: %+v", v)
		}
	}
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

// reject refuses, from the history row, what approve refuses, and a blank
// reason before anything else: the reason is the run's failure reason.
func TestRejectRefusesARunThatIsNotHeld(t *testing.T) {
	st := reviewDB(t)
	loadRuns(t, st)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--run", doneRun, "--reason", "wrong"}, "run " + doneRun + " of tenant acme is not awaiting approval: it has already finished (completed); nothing to reject"},
		{[]string{"--run", "00000000-0000-0000-0000-000000000999", "--reason", "wrong"}, "tenant acme has no run 00000000-0000-0000-0000-000000000999"},
		{[]string{"--run", heldRun, "--reason", "  "}, "--reason must say why the run is rejected"},
		{[]string{"--run", heldRun}, `required flag(s) "reason" not set`},
	} {
		_, err := run(t, "", append([]string{"reject", "--tenant", "acme"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("reject %s: %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
