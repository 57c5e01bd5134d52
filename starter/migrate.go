package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/app"
)

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database schema (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := app.OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Pool().Close()
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
		},
	}
}
