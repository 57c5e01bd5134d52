package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database schema (idempotent)",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			st, err := e.store()
			if err != nil {
				return err
			}
			from, to, err := st.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if from == to {
				fmt.Fprintf(cmd.OutOrStdout(), "schema is up to date (version %d)\n", to)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "schema migrated from version %d to %d\n", from, to)
			}
			return nil
		}),
	}
}
