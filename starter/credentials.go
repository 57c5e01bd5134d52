package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/credentials"
)

// connectionView is what `starter connections` shows of a connection: no
// ciphertext, only dates and status.
type connectionView struct {
	TenantID     string     `json:"tenantId"`
	CompanyID    string     `json:"companyId"`
	Status       string     `json:"status"`
	KeySetAt     *time.Time `json:"keySetAt,omitempty"`
	KeyExpiresAt *time.Time `json:"keyExpiresAt,omitempty"`
	DaysLeft     *int       `json:"daysUntilKeyExpires,omitempty"`
	// KeyState is key_expires_soon or key_expired, as runs note it.
	KeyState string `json:"keyState,omitempty"`
}

func connectionsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "connections [--json]",
		Short: "List tenants connected to HRMOS with their status and days until the API key expires",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			st, err := e.store()
			if err != nil {
				return err
			}
			conns, err := st.Connections(cmd.Context())
			if err != nil {
				return err
			}
			now := time.Now()
			views := make([]connectionView, 0, len(conns))
			for _, c := range conns {
				v := connectionView{TenantID: c.TenantID, CompanyID: c.CompanyID, Status: c.Status}
				if c.Ciphertext != nil {
					set, exp := c.KeySetAt, c.KeyExpiresAt
					state, days := codes.KeyExpiry(exp, now)
					v.KeySetAt, v.KeyExpiresAt, v.DaysLeft, v.KeyState = &set, &exp, &days, state
				}
				views = append(views, v)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(views)
			}
			if len(views) == 0 {
				fmt.Fprintln(out, "No tenant is connected to HRMOS yet: use `starter connect`.")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "TENANT\tCOMPANY\tSTATUS\tKEY SET\tKEY EXPIRES\tDAYS LEFT\t")
			for _, v := range views {
				set, exp, days, note := "-", "-", "-", ""
				if v.DaysLeft != nil {
					set, exp, days = v.KeySetAt.Format("2006-01-02"), v.KeyExpiresAt.Format("2006-01-02"), fmt.Sprint(*v.DaysLeft)
					switch v.KeyState {
					case codes.NoticeKeyExpired:
						note = "expired: generate a new key in HRMOS and connect again"
					case codes.NoticeKeyExpiresSoon:
						note = "expires soon: generate a new key in HRMOS and connect again"
					}
				}
				if v.Status == codes.ConnectionKeyRejected {
					note = "HRMOS rejected the key: generate a new one in HRMOS システム設定 and connect again"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.TenantID, v.CompanyID, v.Status, set, exp, days, note)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func rotateCredentialsKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-credentials-key",
		Short: "Re-encrypt every stored HRMOS API key under the first key of HRMOS_CREDENTIALS_KEY",
		Long: "Without downtime:\n" +
			"  1. run workers and this command with HRMOS_CREDENTIALS_KEY=<new>,<old> (both are accepted for reading);\n" +
			"  2. run `starter rotate-credentials-key`: every key is re-encrypted under <new>;\n" +
			"  3. once it reports no failures, set HRMOS_CREDENTIALS_KEY=<new> everywhere.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			sealer, err := credentials.NewSealer(e.cfg.CredentialsKey)
			if err != nil {
				return err
			}
			st, err := e.store()
			if err != nil {
				return err
			}
			rep, err := credentials.Rotate(cmd.Context(), st, sealer)
			fmt.Fprintf(cmd.OutOrStdout(), "re-encrypted %d, already under the new key %d, changed meanwhile %d (new key ID %s)\n",
				rep.Reencrypted, rep.AlreadyNew, rep.Skipped, sealer.PrimaryKeyID())
			if err != nil {
				return fmt.Errorf("some keys could not be re-encrypted; keep the old key in HRMOS_CREDENTIALS_KEY: %w", err)
			}
			return nil
		}),
	}
}
