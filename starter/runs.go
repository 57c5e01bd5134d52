package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/store"
)

func runsCmd() *cobra.Command {
	var tenant, runID string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "runs --tenant T [--json] [--run ID]",
		Short: "List a tenant's execution history (実行履歴), or one run's per-employee outcomes",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			st, err := e.store()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if runID != "" {
				return printRun(cmd, st, tenant, runID, asJSON)
			}
			runs, err := st.Runs(cmd.Context(), tenant, limit)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if runs == nil {
					runs = []store.Run{}
				}
				return enc.Encode(runs)
			}
			if len(runs) == 0 {
				fmt.Fprintf(out, "Tenant %s has no runs yet.\n", tenant)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "STARTED\tKIND\tTRIGGER\tSTATUS\tFETCHED\tCREATED\tUPDATED\tUNCHANGED\tSKIPPED\tERRORS\tRUN\tREASON")
			for _, r := range runs {
				kind := r.Kind
				if r.Month != "" {
					kind += " " + r.Month
				}
				if r.DryRun {
					kind += " (dry run)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
					r.StartedAt.Local().Format("2006-01-02 15:04:05"), kind, r.Trigger, r.Status,
					r.Fetched, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors, r.ID, r.FailureReason)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&runID, "run", "", "show one run and each employee's outcome")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "how many recent runs to list")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

func printRun(cmd *cobra.Command, st *store.Store, tenant, runID string, asJSON bool) error {
	ref := store.RunRef{TenantID: tenant, RunID: runID}
	r, err := st.Run(cmd.Context(), ref)
	if err != nil {
		return fmt.Errorf("tenant %s has no run %s", tenant, runID)
	}
	items, err := st.Items(cmd.Context(), ref)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if items == nil {
			items = []store.Item{}
		}
		return enc.Encode(struct {
			store.Run
			Items []store.Item `json:"items"`
		}{r, items})
	}
	printSummary(out, r)
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "HRMOS USER\tEMPLOYEE\tOUTCOME\tREASON CODE\tCHANGED\tNEEDS ATTENTION\tREASON")
	for _, it := range items {
		emp := "-"
		if it.EmployeeID != nil {
			emp = fmt.Sprint(*it.EmployeeID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", it.HRMOSUserID, emp, it.Outcome, it.ReasonCode,
			strings.Join(it.ChangedFields, ","), strings.Join(it.NeedsAttention, ","), it.Reason)
	}
	return tw.Flush()
}
