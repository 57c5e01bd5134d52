package review

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// WriteText writes a run's review for people, as `starter runs show`
// prints it: readable at 300 employees, usable at 10,000 with the filters.
// q is the query the report was built with.
func WriteText(w io.Writer, rep Report, q Query) {
	r := rep.Run
	held := rep.State == "awaiting_approval"
	// A dry run, or a held one, has written nothing: it "would".
	would := r.DryRun || held
	writeRunHeader(w, r)
	if held {
		fmt.Fprintf(w, "  AWAITING APPROVAL since %s: the mass-change guard holds it because %s.\n",
			r.AwaitingApprovalSince.Local().Format("2006-01-02 15:04:05"), r.ApprovalReason)
		fmt.Fprintf(w, "  Nothing is written until it is approved: `starter approve --tenant %s --run %s`\n", r.TenantID, r.ID)
		fmt.Fprintf(w, "  (or the Temporal UI: workflow %s → Signal, name %q, input {\"by\":\"your name\"}).\n", r.WorkflowID, workflows.ApproveSignal)
		fmt.Fprintf(w, "  If it is wrong, reject it, writing nothing: `starter reject --tenant %s --run %s --reason \"<why>\"`\n", r.TenantID, r.ID)
		fmt.Fprintf(w, "  (or Signal, name %q, input {\"by\":\"your name\",\"reason\":\"why\"}).\n", workflows.RejectSignal)
	}
	if r.ApprovedBy != "" && r.ApprovedAt != nil {
		fmt.Fprintf(w, "  approved by %s at %s\n", r.ApprovedBy, r.ApprovedAt.Local().Format("2006-01-02 15:04:05"))
	}
	switch {
	case r.DryRun:
		fmt.Fprintln(w, "  A dry run: nothing was written; the outcomes and changes below are what a real sync would do.")
	case r.Status == codes.RunRunning && !held:
		fmt.Fprintln(w, "  Still running: records without an outcome yet are marked; run this again for more.")
	}

	// Outcomes by reason.
	fmt.Fprintln(w, "\nOutcomes by reason")
	if len(rep.CountsByReason) == 0 && rep.NotWrittenYet == (NotWritten{}) {
		fmt.Fprintln(w, "  none recorded")
	}
	for _, c := range rep.CountsByReason {
		fmt.Fprintf(w, "  %-24s %-44s %6d\n", outcomeLabel(c.Outcome, would), c.ReasonCode, c.Count)
	}
	nw := rep.NotWrittenYet
	mark := unwrittenMark(r)
	if nw.Created > 0 {
		fmt.Fprintf(w, "  %-24s %-44s %6d\n", "would create", mark, nw.Created)
	}
	if nw.Updated > 0 {
		fmt.Fprintf(w, "  %-24s %-44s %6d\n", "would update", mark, nw.Updated)
	}
	if nw.Undecided > 0 {
		what := "not decided yet"
		if held {
			what = "planned errors, recorded when it writes"
		}
		fmt.Fprintf(w, "  %-24s %-44s %6d\n", "no outcome yet", what, nw.Undecided)
	}

	// Employee by employee, outcome by outcome.
	fmt.Fprintf(w, "\nEmployees: %d listed of %d", len(rep.Items), rep.ItemsMatched)
	if q.Reason != "" {
		fmt.Fprintf(w, " with reason %s", q.Reason)
	}
	if len(rep.Items) < rep.ItemsMatched {
		fmt.Fprintf(w, " (the first %d of each outcome; --limit 0 lists all, --outcome and --reason narrow)", q.Limit)
	}
	fmt.Fprintln(w)
	if rep.ItemsMatched == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, outcome := range q.Outcomes {
		matched := rep.ItemsMatchedByOutcome[outcome]
		var listed []Item
		for _, it := range rep.Items {
			if it.Outcome == outcome {
				listed = append(listed, it)
			}
		}
		if matched == 0 {
			continue
		}
		heading := fmt.Sprintf(" %s: %d", outcomeLabel(outcome, would), matched)
		if len(listed) < matched {
			heading += fmt.Sprintf(", first %d listed", len(listed))
		}
		fmt.Fprintln(w, heading)
		for _, it := range listed {
			writeItem(w, r, it)
		}
	}
	if !slices.Contains(q.Outcomes, string(codes.Unchanged)) {
		if n := countOf(rep.CountsByReason, codes.Unchanged); n > 0 {
			fmt.Fprintf(w, "  (%d unchanged not listed: --outcome all lists them)\n", n)
		}
	}

	writeNeedsAction(w, rep)
}

// WriteNeedsActionText writes the run's first lines and its 要対応 report
// alone, as `starter runs show --needs-action` prints them.
func WriteNeedsActionText(w io.Writer, rep Report) {
	writeRunHeader(w, rep.Run)
	writeNeedsAction(w, rep)
}

// WriteSummary writes the few lines `starter … --wait` ends with: what the
// run did, and where to review it.
func WriteSummary(w io.Writer, r store.Run) {
	fmt.Fprintln(w, Title(r))
	fmt.Fprintf(w, "  run %s, workflow %s\n", r.ID, r.WorkflowID)
	fmt.Fprintf(w, "  fetched %d, created %d, updated %d, unchanged %d, skipped %d, errors %d\n",
		r.Fetched, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors)
	if r.FailureReason != "" {
		fmt.Fprintf(w, "  failure: %s\n", r.FailureReason)
	}
	for _, n := range r.Notices {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  each employee's outcome and changes, and what needs action: starter runs show --tenant %s --run %s\n", r.TenantID, r.ID)
}

// Title is a run's first line wherever the starter prints one:
// "Roster sync of tenant acme: completed (dry run)", "Roster sync of HRMOS
// user 1234 of tenant acme: completed".
func Title(r store.Run) string {
	kind := KindAndMonth(r)
	dry := ""
	if r.DryRun {
		dry = " (dry run)"
	}
	of := ""
	if r.OnlyHRMOSUserID != nil {
		of = fmt.Sprintf(" of HRMOS user %d", *r.OnlyHRMOSUserID)
	}
	return fmt.Sprintf("%s sync%s of tenant %s: %s%s", strings.ToUpper(kind[:1])+kind[1:], of, r.TenantID, r.Status, dry)
}

// KindAndMonth names what a run syncs: "roster", "attendance 2026-10".
func KindAndMonth(r store.Run) string {
	if r.Month != "" {
		return r.Kind + " " + r.Month
	}
	return r.Kind
}

// KindLabel is KindAndMonth, marked when the run is a dry run or synced one
// HRMOS user alone.
func KindLabel(r store.Run) string {
	kind := KindAndMonth(r)
	if r.OnlyHRMOSUserID != nil {
		kind += fmt.Sprintf(" (HRMOS user %d only)", *r.OnlyHRMOSUserID)
	}
	if r.DryRun {
		kind += " (dry run)"
	}
	return kind
}

func writeRunHeader(w io.Writer, r store.Run) {
	fmt.Fprintln(w, Title(r))
	fmt.Fprintf(w, "  run %s, workflow %s, started from %s\n", r.ID, r.WorkflowID, r.Trigger)
	fmt.Fprintf(w, "  started %s", r.StartedAt.Local().Format("2006-01-02 15:04:05"))
	if r.FinishedAt != nil {
		fmt.Fprintf(w, ", finished %s (%s)", r.FinishedAt.Local().Format("2006-01-02 15:04:05"), r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
	}
	fmt.Fprintln(w)
	if r.Status != codes.RunRunning {
		fmt.Fprintf(w, "  fetched %d, created %d, updated %d, unchanged %d, skipped %d, errors %d\n",
			r.Fetched, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors)
	}
	if r.FailureReason != "" {
		fmt.Fprintf(w, "  failure: %s\n", r.FailureReason)
	}
}

// outcomeLabel words an outcome for the run: a dry run "would" do it.
func outcomeLabel(outcome string, dryRun bool) string {
	if !dryRun {
		return outcome
	}
	switch codes.Outcome(outcome) {
	case codes.Created:
		return "would create"
	case codes.Updated:
		return "would update"
	case codes.Skipped:
		return "would skip"
	case codes.Unchanged:
		return "would leave unchanged"
	}
	return outcome
}

// unwrittenMark says why a planned change has no outcome.
func unwrittenMark(r store.Run) string {
	switch {
	case AwaitingApproval(r):
		return "not written yet: awaiting approval"
	case r.Status == codes.RunRunning:
		return "not written yet"
	}
	return "never written: the run ended first"
}

func writeItem(w io.Writer, r store.Run, it Item) {
	emp := "new employee"
	if it.EmployeeID != nil {
		emp = fmt.Sprintf("employee %d", *it.EmployeeID)
	} else if it.Outcome != string(codes.Created) {
		emp = "no employee"
	}
	var what string
	if it.Planned {
		verb := "would update"
		if it.Outcome == string(codes.Created) {
			verb = "would create"
		}
		what = fmt.Sprintf("%s  [%s]", verb, unwrittenMark(r))
	} else {
		what = fmt.Sprintf("%s (%s)", outcomeLabel(it.Outcome, r.DryRun || AwaitingApproval(r)), it.ReasonCode)
	}
	fmt.Fprintf(w, "  HRMOS user %d, %s: %s\n", it.HRMOSUserID, emp, what)
	for _, c := range it.Changes {
		fmt.Fprintf(w, "      %s: %s → %s\n", c.Column, value(c.Old), value(c.New))
	}
	if it.Outcome == string(codes.Error) || it.Outcome == string(codes.Skipped) {
		if it.Reason != "" {
			fmt.Fprintf(w, "      %s\n", it.Reason)
		}
		if it.Field != "" {
			fmt.Fprintf(w, "      HRMOS field to fix: %s\n", it.Field)
		}
	}
}

// value shows a column's value: empty (NULL) and the empty string differ.
func value(v *string) string {
	if v == nil {
		return "(empty)"
	}
	if *v == "" {
		return `""`
	}
	return *v
}

func countOf(counts []store.ReasonCount, o codes.Outcome) int {
	n := 0
	for _, c := range counts {
		if c.Outcome == string(o) {
			n += c.Count
		}
	}
	return n
}

func writeNeedsAction(w io.Writer, rep Report) {
	na := rep.NeedsAction
	fmt.Fprintln(w, "\n要対応 (needs action)")
	if rep.NotWrittenYet.Created+rep.NotWrittenYet.Updated+rep.NotWrittenYet.Undecided > 0 {
		fmt.Fprintln(w, "  (from the records with an outcome so far; the others are added as the run writes them)")
	}

	fmt.Fprintf(w, "(a) Retired in HRMOS but still an account in mediment: delete by hand (%d)\n", len(na.RetiredStillHere))
	if len(na.RetiredStillHere) == 0 {
		fmt.Fprintln(w, "    none")
	} else {
		writeRefs(w, na.RetiredStillHere)
	}

	fmt.Fprintln(w, "(b) mediment-only fields missing: fill them in mediment (HRMOS cannot supply them)")
	if len(na.MissingMedimentOnly) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for i, f := range na.MissingMedimentOnly {
		why := ""
		if f.Why != "" {
			why = ": " + f.Why
		}
		fmt.Fprintf(w, "    %s (%s)%s — %s\n", f.Label, f.Column, why, employees(f.Count))
		// A new tenant usually misses every field for everyone: one list.
		if i > 0 && sameRefs(f.Employees, na.MissingMedimentOnly[i-1].Employees) {
			fmt.Fprintln(w, "    the same employees as above")
			continue
		}
		writeRefs(w, f.Employees)
	}

	fmt.Fprintf(w, "(c) Ambiguous or conflicting matches: nothing was written for them (%d)\n", len(na.AmbiguousMatches))
	writeProblems(w, na.AmbiguousMatches, false)

	fmt.Fprintf(w, "(d) Bad records: correct the field in HRMOS and sync again (%d)\n", len(na.BadRecords))
	writeProblems(w, na.BadRecords, true)

	if len(na.OtherErrors) > 0 {
		fmt.Fprintf(w, "    Other errors (%d): see the workflow history named above\n", len(na.OtherErrors))
		writeProblems(w, na.OtherErrors, false)
	}

	fmt.Fprintln(w, "(e) API key and notices")
	if na.KeyExpiry != nil {
		fmt.Fprintf(w, "    %s: %s\n", na.KeyExpiry.Code, na.KeyExpiry.Text)
	} else {
		fmt.Fprintln(w, "    API key: no expiry notice")
	}
	for _, n := range na.Notices {
		fmt.Fprintf(w, "    %s: %s\n", n.Code, n.Text)
	}
	if rep.Run.Status == codes.RunRunning && len(na.Notices) == 0 {
		fmt.Fprintln(w, "    (the run records its other notices when it ends)")
	}
}

// writeRefs lists employees compactly, as "employee ID/HRMOS user ID", a
// line of about 100 characters at a time: complete, yet 10,000 of them
// stay a few hundred lines.
func writeRefs(w io.Writer, refs []EmployeeRef) {
	const width = 100
	line := "    employee/HRMOS user:"
	for _, r := range refs {
		emp := "new"
		if r.EmployeeID != nil {
			emp = fmt.Sprint(*r.EmployeeID)
		}
		part := fmt.Sprintf(" %s/%d", emp, r.HRMOSUserID)
		if len(line)+len(part) > width {
			fmt.Fprintln(w, line)
			line = "     "
		}
		line += part
	}
	fmt.Fprintln(w, line)
}

func writeProblems(w io.Writer, ps []Problem, withField bool) {
	if len(ps) == 0 {
		fmt.Fprintln(w, "    none")
		return
	}
	for _, p := range ps {
		emp := ""
		if p.EmployeeID != nil {
			emp = fmt.Sprintf(", employee %d", *p.EmployeeID)
		}
		field := ""
		if withField && p.Field != "" {
			field = " — HRMOS field " + p.Field
		}
		fmt.Fprintf(w, "    HRMOS user %d%s: %s%s\n", p.HRMOSUserID, emp, p.ReasonCode, field)
		if p.Reason != "" {
			fmt.Fprintf(w, "        %s\n", p.Reason)
		}
	}
}

func employees(n int) string {
	if n == 1 {
		return "1 employee"
	}
	return fmt.Sprintf("%d employees", n)
}

func sameRefs(a, b []EmployeeRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].HRMOSUserID != b[i].HRMOSUserID {
			return false
		}
	}
	return true
}
