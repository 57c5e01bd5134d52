package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mediment/hrmos-sync/internal/connect"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/schedules"
)

// connectEnv is read by connect alone: the key may come from the
// environment, never from a flag (flags show in `ps` and shell history).
type connectEnv struct {
	APIKey string `env:"HRMOS_API_KEY"`
}

func connectCmd() *cobra.Command {
	var tenant, company string
	var switchCompany bool
	cmd := &cobra.Command{
		Use:   "connect --tenant T --company C [--switch-company]",
		Short: "Connect a tenant to its HRMOS company (API key on standard input or in HRMOS_API_KEY)",
		Long: "Validates the HRMOS company ID and API key by obtaining a token, then stores the key encrypted.\n" +
			"The key is read from HRMOS_API_KEY or, when that is unset, from standard input.\n" +
			"Connecting a tenant that is already connected to the same company replaces its key once the new one works.\n" +
			"Connecting it to another company is a company switch and needs --switch-company: HRMOS numbers users\n" +
			"per company, so the employees' links to the old company's users are archived and the next roster sync\n" +
			"matches by 社員番号 and 氏名+メール.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			key, err := readAPIKey(cmd)
			if err != nil {
				return err
			}
			st, err := e.store()
			if err != nil {
				return err
			}
			sealer, err := credentials.NewSealer(e.cfg.CredentialsKey)
			if err != nil {
				return err
			}
			svc := &connect.Service{Store: st, Sealer: sealer, BaseURL: e.cfg.HRMOSBaseURL, Timeout: e.cfg.HRMOSRequestTimeout, Now: time.Now}
			res, err := svc.ConnectWith(cmd.Context(), connect.Request{TenantID: tenant, CompanyID: company, APIKey: key, SwitchCompany: switchCompany})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, connect.Confirmation)
			if res.Replaced {
				fmt.Fprintf(out, "The API key of tenant %s was replaced.\n", tenant)
			}
			if res.SwitchedFrom != "" {
				fmt.Fprintf(out, "Tenant %s was switched from HRMOS company %s: %d employees' links to %s's users were archived (hrmos_link_archive). "+
					"Run the roster sync next: it matches by 社員番号 and 氏名+メール and links %s's users.\n",
					tenant, res.SwitchedFrom, res.LinksArchived, res.SwitchedFrom, company)
			}
			fmt.Fprintf(out, "Tenant %s is connected to HRMOS company %s. The key expires around %s: generate a new one in HRMOS before then and connect again.\n",
				tenant, company, res.KeyExpiresAt.Format("2006-01-02"))
			return nil
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&company, "company", "", "HRMOS company ID, from the login URL https://f.ieyasu.co/{company}/login (required)")
	cmd.Flags().BoolVar(&switchCompany, "switch-company", false,
		"allow connecting a tenant to another HRMOS company than the one it is connected to (archives the old links)")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("company")
	return cmd
}

func readAPIKey(cmd *cobra.Command) (hrmos.Secret, error) {
	var env connectEnv
	if err := envconfig.Process(cmd.Context(), &env); err != nil {
		return "", fmt.Errorf("read HRMOS_API_KEY: %w", err)
	}
	if env.APIKey != "" {
		return hrmos.Secret(env.APIKey), nil
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "HRMOS API key (input hidden): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read the API key: %w", err)
		}
		return hrmos.Secret(strings.TrimSpace(string(b))), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the API key from standard input: %w", err)
	}
	return hrmos.Secret(strings.TrimSpace(line)), nil
}

func disconnectCmd() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "disconnect --tenant T",
		Short: "Disconnect a tenant from HRMOS and forget its API key",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			st, err := e.store()
			if err != nil {
				return err
			}
			svc := &connect.Service{Store: st}
			if err := svc.Disconnect(cmd.Context(), tenant); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Tenant %s is disconnected from HRMOS; its API key was deleted.\n", tenant)
			// Its schedules go too, so nothing runs for it unattended.
			c, err := e.temporal()
			if err == nil {
				var removed []string
				if removed, err = schedules.Remove(cmd.Context(), c.ScheduleClient(), tenant); err == nil {
					for _, id := range removed {
						fmt.Fprintf(out, "Deleted schedule %s.\n", id)
					}
					return nil
				}
			}
			return fmt.Errorf("tenant %s is disconnected, but its schedules could not be deleted (%v); run `starter schedule apply` once Temporal is reachable", tenant, err)
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}
