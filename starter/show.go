package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// Listing every record of a 10,000-employee run helps nobody at a
// terminal: by default the per-employee list leaves out unchanged records
// and shows the first defaultShowLimit of each outcome, and says how to see
// more. The counts and the 要対応 lists are always complete, and --json
// lists every record unless told otherwise.
const defaultShowLimit = 50

var defaultShowOutcomes = []string{string(codes.Created), string(codes.Updated), string(codes.Skipped), string(codes.Error)}

type showFlags struct {
	outcome string
	reason  string
	limit   int
}

func (f *showFlags) register(cmd *cobra.Command, withLimit bool) {
	cmd.Flags().StringVar(&f.outcome, "outcome", "",
		"list only records with these outcomes, comma-separated (created,updated,unchanged,skipped,error) or \"all\"; "+
			"default: all but unchanged (--json: all)")
	cmd.Flags().StringVar(&f.reason, "reason", "", "list only records with this reason code (e.g. invalid_date)")
	if withLimit {
		cmd.Flags().IntVar(&f.limit, "limit", defaultShowLimit, "records listed per outcome, 0 for all (--json: all unless set)")
	}
}

// query turns the flags into what to list; limitSet says whether --limit
// was given.
func (f showFlags) query(asJSON, limitSet bool) (reportQuery, error) {
	rq := reportQuery{reason: f.reason, limit: f.limit}
	if !limitSet {
		rq.limit = defaultShowLimit
		if asJSON {
			rq.limit = 0
		}
	}
	if rq.limit < 0 {
		return reportQuery{}, fmt.Errorf("--limit must be 0 (all) or more, not %d", rq.limit)
	}
	switch f.outcome {
	case "":
		rq.outcomes = defaultShowOutcomes
		if asJSON || f.reason != "" {
			rq.outcomes = allOutcomes()
		}
	case "all":
		rq.outcomes = allOutcomes()
	default:
		for _, o := range strings.Split(f.outcome, ",") {
			o = strings.TrimSpace(o)
			if !slices.Contains(allOutcomes(), o) {
				return reportQuery{}, fmt.Errorf("--outcome takes created, updated, unchanged, skipped, error or all, not %q", o)
			}
			if !slices.Contains(rq.outcomes, o) {
				rq.outcomes = append(rq.outcomes, o)
			}
		}
	}
	return rq, nil
}

func allOutcomes() []string {
	out := make([]string, len(codes.Outcomes))
	for i, o := range codes.Outcomes {
		out[i] = string(o)
	}
	return out
}

func runsShowCmd() *cobra.Command {
	var tenant, runID string
	var asJSON bool
	var show showFlags
	cmd := &cobra.Command{
		Use:   "show --tenant T --run RUN [--json] [--outcome LIST] [--reason CODE] [--limit N]",
		Short: "Review one run: outcomes by reason, each employee's changes field by field, and the 要対応 lists",
		Long: "Prints the run's summary; its outcomes counted by reason code; then employee by employee what it\n" +
			"created or updated, each changed column as \"column: old → new\", and what it skipped or could not\n" +
			"sync, with the reason. A dry run, or a run the mass-change guard holds, shows what it would do;\n" +
			"records decided but not written yet are marked. Then the 要対応 (needs action) report, always\n" +
			"complete: (a) retired in HRMOS but still an account here, (b) missing mediment-only fields,\n" +
			"(c) ambiguous or conflicting matches, (d) bad records with the HRMOS field to fix, (e) the API\n" +
			"key's expiry and the run's other notices.\n\n" +
			"The values come from mediment's database (sync_run_changes), never from Temporal.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			return showRun(cmd, e, tenant, runID, asJSON, show)
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&runID, "run", "", "the run's ID, as starter runs lists it (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object: run, countsByReason, notWrittenYet, items with their changes, needsAction")
	show.register(cmd, true)
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("run")
	return cmd
}

func errNoRun(ref store.RunRef) error {
	return fmt.Errorf("tenant %s has no run %s; `starter runs --tenant %s` lists its runs", ref.TenantID, ref.RunID, ref.TenantID)
}

func showRun(cmd *cobra.Command, e *env, tenant, runID string, asJSON bool, show showFlags) error {
	// `runs --run` is `runs show`: its --limit then counts per outcome too.
	limitSet := cmd.Flags().Changed("limit")
	if limitSet {
		show.limit, _ = cmd.Flags().GetInt("limit")
	}
	rq, err := show.query(asJSON, limitSet)
	if err != nil {
		return err
	}
	if !validUUID(runID) {
		return errNoRun(store.RunRef{TenantID: tenant, RunID: runID})
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	rep, err := buildReport(cmd.Context(), st, store.RunRef{TenantID: tenant, RunID: runID}, rq, time.Now())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return writeJSON(out, rep)
	}
	printReport(out, rep, rq)
	return nil
}

// validUUID: a run ID that is not a UUID names no run (and PostgreSQL
// would refuse it with a less helpful error).
func validUUID(s string) bool {
	// Only the plain form: Validate also takes the urn: and braced forms.
	return len(s) == 36 && uuid.Validate(s) == nil
}

// printReport writes a run's review for people: readable at 300
// employees, usable at 10,000 with the filters.
func printReport(w io.Writer, rep runReport, rq reportQuery) {
	r := rep.Run
	held := rep.State == "awaiting_approval"
	// A dry run, or a held one, has written nothing: it "would".
	would := r.DryRun || held
	printRunHeader(w, r)
	if held {
		fmt.Fprintf(w, "  AWAITING APPROVAL since %s: the mass-change guard holds it because %s.\n",
			r.AwaitingApprovalSince.Local().Format("2006-01-02 15:04:05"), r.ApprovalReason)
		fmt.Fprintf(w, "  Nothing is written until it is approved: `starter approve --tenant %s --run %s`\n", r.TenantID, r.ID)
		fmt.Fprintf(w, "  (or the Temporal UI: workflow %s → Signal, name %q, input {\"by\":\"your name\"}).\n", r.WorkflowID, workflows.ApproveSignal)
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
	if len(rep.CountsByReason) == 0 && rep.NotWrittenYet == (notWritten{}) {
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
	if rq.reason != "" {
		fmt.Fprintf(w, " with reason %s", rq.reason)
	}
	if len(rep.Items) < rep.ItemsMatched {
		fmt.Fprintf(w, " (the first %d of each outcome; --limit 0 lists all, --outcome and --reason narrow)", rq.limit)
	}
	fmt.Fprintln(w)
	if rep.ItemsMatched == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, outcome := range rq.outcomes {
		matched := rep.ItemsMatchedByOutcome[outcome]
		var listed []reportItem
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
			printItem(w, r, it)
		}
	}
	if !slices.Contains(rq.outcomes, string(codes.Unchanged)) {
		if n := countOf(rep.CountsByReason, codes.Unchanged); n > 0 {
			fmt.Fprintf(w, "  (%d unchanged not listed: --outcome all lists them)\n", n)
		}
	}

	printNeedsAction(w, rep)
}

// runTitle is a run's first line wherever the starter prints one:
// "Roster sync of tenant acme: completed (dry run)".
func runTitle(r store.Run) string {
	kind := kindAndMonth(r)
	dry := ""
	if r.DryRun {
		dry = " (dry run)"
	}
	return fmt.Sprintf("%s sync of tenant %s: %s%s", strings.ToUpper(kind[:1])+kind[1:], r.TenantID, r.Status, dry)
}

func printRunHeader(w io.Writer, r store.Run) {
	fmt.Fprintln(w, runTitle(r))
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
	case awaitingApproval(r):
		return "not written yet: awaiting approval"
	case r.Status == codes.RunRunning:
		return "not written yet"
	}
	return "never written: the run ended first"
}

func printItem(w io.Writer, r store.Run, it reportItem) {
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
		what = fmt.Sprintf("%s (%s)", outcomeLabel(it.Outcome, r.DryRun || awaitingApproval(r)), it.ReasonCode)
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

func printNeedsAction(w io.Writer, rep runReport) {
	na := rep.NeedsAction
	fmt.Fprintln(w, "\n要対応 (needs action)")
	if rep.NotWrittenYet.Created+rep.NotWrittenYet.Updated+rep.NotWrittenYet.Undecided > 0 {
		fmt.Fprintln(w, "  (from the records with an outcome so far; the others are added as the run writes them)")
	}

	fmt.Fprintf(w, "(a) Retired in HRMOS but still an account in mediment: delete by hand (%d)\n", len(na.RetiredStillHere))
	if len(na.RetiredStillHere) == 0 {
		fmt.Fprintln(w, "    none")
	} else {
		printRefs(w, na.RetiredStillHere)
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
		printRefs(w, f.Employees)
	}

	fmt.Fprintf(w, "(c) Ambiguous or conflicting matches: nothing was written for them (%d)\n", len(na.AmbiguousMatches))
	printProblems(w, na.AmbiguousMatches, false)

	fmt.Fprintf(w, "(d) Bad records: correct the field in HRMOS and sync again (%d)\n", len(na.BadRecords))
	printProblems(w, na.BadRecords, true)

	if len(na.OtherErrors) > 0 {
		fmt.Fprintf(w, "    Other errors (%d): see the workflow history named above\n", len(na.OtherErrors))
		printProblems(w, na.OtherErrors, false)
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

// printRefs lists employees compactly, as "employee ID/HRMOS user ID", a
// line of about 100 characters at a time: complete, yet 10,000 of them
// stay a few hundred lines.
func printRefs(w io.Writer, refs []employeeRef) {
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

func printProblems(w io.Writer, ps []problem, withField bool) {
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

func sameRefs(a, b []employeeRef) bool {
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
