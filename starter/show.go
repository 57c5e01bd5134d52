package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/internal/store"
)

// showFlags are the flags that narrow a review's list of employees (the
// defaults and their meaning: review.Filters), and those that choose what
// of it is printed how: --csv, --needs-action.
type showFlags struct {
	outcome string
	reason  string
	limit   int
	// csv prints the review as CSV for a spreadsheet (review.WriteItemsCSV).
	csv bool
	// needsAction prints the 要対応 lists alone.
	needsAction bool
}

func (f *showFlags) register(cmd *cobra.Command, withLimit bool) {
	cmd.Flags().StringVar(&f.outcome, "outcome", "",
		"list only records with these outcomes, comma-separated (created,updated,unchanged,skipped,error) or \"all\"; "+
			"default: all but unchanged (--json: all)")
	cmd.Flags().StringVar(&f.reason, "reason", "", "list only records with this reason code (e.g. invalid_date)")
	if withLimit {
		cmd.Flags().IntVar(&f.limit, "limit", review.DefaultLimit, "records listed per outcome, 0 for all (--json, --csv: all unless set)")
	}
	cmd.Flags().BoolVar(&f.csv, "csv", false,
		"print CSV for a spreadsheet (UTF-8 with a BOM, for Excel): one row per record with its outcome, reason, changed fields and 要対応; "+
			"with --needs-action, one row per thing to act on")
	cmd.Flags().BoolVar(&f.needsAction, "needs-action", false, "print only the 要対応 (needs action) lists, always complete (as text, --json or --csv)")
}

func runsShowCmd() *cobra.Command {
	var tenant, runID string
	var asJSON bool
	var show showFlags
	cmd := &cobra.Command{
		Use:   "show --tenant T --run RUN [--json | --csv] [--needs-action] [--outcome LIST] [--reason CODE] [--limit N]",
		Short: "Review one run: outcomes by reason, each employee's changes field by field, and the 要対応 lists",
		Long: "Prints the run's summary; its outcomes counted by reason code; then employee by employee what it\n" +
			"created or updated, each changed column as \"column: old → new\", and what it skipped or could not\n" +
			"sync, with the reason. A dry run, or a run the mass-change guard holds, shows what it would do;\n" +
			"records decided but not written yet are marked. Then the 要対応 (needs action) report, always\n" +
			"complete: (a) retired in HRMOS but still an account here, (b) missing mediment-only fields,\n" +
			"(c) ambiguous or conflicting matches, (d) bad records with the HRMOS field to fix, (e) the API\n" +
			"key's expiry and the run's other notices.\n\n" +
			"The values come from mediment's database (sync_run_changes), never from Temporal.\n\n" +
			"--csv prints the records for a spreadsheet instead (UTF-8 with a byte-order mark, so that Excel reads\n" +
			"Japanese): hrmos_user_id, employee_id, outcome, reason_code, reason, field, changed_fields,\n" +
			"needs_attention, needs_attention_labels, planned; lists in a cell are joined with \" / \"; no employee's\n" +
			"values. --needs-action prints the 要対応 lists alone; with --csv one row per thing to act on: list,\n" +
			"employee_id, hrmos_user_id, item, label, what_to_do, reason, hrmos_field.\n" +
			"  starter runs show --tenant acme --run <run ID> --csv > run.csv\n" +
			"  starter runs show --tenant acme --run <run ID> --csv --needs-action > needs-action.csv",
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

func showRun(cmd *cobra.Command, e *env, tenant, runID string, asJSON bool, show showFlags) error {
	if asJSON && show.csv {
		return errors.New("--json and --csv are two ways to print the review: give one of them")
	}
	// `runs --run` is `runs show`: its --limit then counts per outcome too.
	limitSet := cmd.Flags().Changed("limit")
	if limitSet {
		show.limit, _ = cmd.Flags().GetInt("limit")
	}
	// --needs-action lists no record: the 要対応 lists are built whatever
	// the query asks.
	var q review.Query
	if show.needsAction {
		if show.outcome != "" || show.reason != "" || limitSet {
			return errors.New("--needs-action prints the 要対応 lists alone, always complete: --outcome, --reason and --limit do not apply to it")
		}
	} else {
		var err error
		q, err = review.Filters{Outcome: show.outcome, Reason: show.reason, Limit: show.limit, LimitSet: limitSet, JSON: asJSON, CSV: show.csv}.Query()
		if err != nil {
			return err
		}
	}
	ref := store.RunRef{TenantID: tenant, RunID: runID}
	if !review.ValidRunID(runID) {
		return review.NoRunError(ref)
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	rep, err := review.Build(cmd.Context(), st, ref, q, time.Now())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	switch {
	case show.needsAction && asJSON:
		return writeJSON(out, rep.NeedsAction)
	case show.needsAction && show.csv:
		return review.WriteNeedsActionCSV(out, rep)
	case show.needsAction:
		review.WriteNeedsActionText(out, rep)
	case asJSON:
		return writeJSON(out, rep)
	case show.csv:
		return review.WriteItemsCSV(out, rep)
	default:
		review.WriteText(out, rep, q)
	}
	return nil
}
