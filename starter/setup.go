package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/workflows"
)

// exampleFilter is a list filter ops can paste into the Temporal UI.
const exampleFilter = `HrmosKind = "attendance" AND HrmosMonth = "2026-10" AND HrmosStatus = "failed"`

func setupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Register the engine's custom search attributes in TEMPORAL_NAMESPACE (idempotent)",
		Long: "Every sync sets the search attributes HrmosTenant, HrmosKind, HrmosMonth, HrmosTrigger, HrmosStatus\n" +
			"and HrmosDryRun, so the Temporal UI's workflow list can be filtered by them. Temporal refuses a\n" +
			"workflow that sets attributes not registered in its namespace: run this once per namespace,\n" +
			"before the first worker (the worker also registers missing ones when it starts). Running it again\n" +
			"changes nothing.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			c, err := e.temporal()
			if err != nil {
				return err
			}
			added, err := app.EnsureSearchAttributes(cmd.Context(), c, e.cfg.TemporalNamespace)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(added) == 0 {
				var names []string
				for name := range workflows.SearchAttributes() {
					names = append(names, name)
				}
				slices.Sort(names)
				fmt.Fprintf(out, "All %d search attributes of the engine were already registered in namespace %s: %s.\n",
					len(names), e.cfg.TemporalNamespace, strings.Join(names, ", "))
			} else {
				fmt.Fprintf(out, "Registered in namespace %s: %s.\n", e.cfg.TemporalNamespace, strings.Join(added, ", "))
			}
			fmt.Fprintf(out, "Filter the Temporal UI's workflow list with them, e.g.:\n  %s\n", exampleFilter)
			return nil
		}),
	}
}
