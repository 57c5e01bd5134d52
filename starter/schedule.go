package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/sweeper"
)

func scheduleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Manage the Temporal Schedules that run the syncs of every connected tenant",
	}
	cmd.AddCommand(scheduleApplyCmd(), scheduleListCmd())
	return cmd
}

func scheduleApplyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "apply",
		Short: "Create or update, idempotently, each connected tenant's schedules (and delete those of disconnected tenants)",
		Long: "Each connected tenant gets a monthly schedule (SCHEDULE_DAY_OF_MONTH at SCHEDULE_TIME, Japan time) that runs\n" +
			"its roster sync and then the previous month's attendance sync, plus a roster-only schedule when\n" +
			"SCHEDULE_ROSTER_CRON is set. Running apply twice changes nothing.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			settings, err := app.ScheduleSettings(e.cfg)
			if err != nil {
				return err
			}
			st, err := e.store()
			if err != nil {
				return err
			}
			tenants, err := st.ConnectedTenants(cmd.Context())
			if err != nil {
				return err
			}
			c, err := e.temporal()
			if err != nil {
				return err
			}
			changes, err := schedules.Apply(cmd.Context(), c.ScheduleClient(), tenants, settings)
			out := cmd.OutOrStdout()
			for _, ch := range changes {
				if ch.TenantID == "" {
					fmt.Fprintf(out, "%-9s %s\n", ch.Action, ch.ScheduleID)
					continue
				}
				fmt.Fprintf(out, "%-9s %s (tenant %s)\n", ch.Action, ch.ScheduleID, ch.TenantID)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%d connected tenants; monthly on day %d at %02d:%02d %s", len(tenants), settings.DayOfMonth, settings.Hour, settings.Minute, schedules.TimeZone)
			if settings.RosterCron != "" {
				fmt.Fprintf(out, "; roster also at %q", settings.RosterCron)
			}
			fmt.Fprintln(out, ".")
			return nil
		}),
	}
}

func scheduleListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the engine's schedules with their next run times",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			c, err := e.temporal()
			if err != nil {
				return err
			}
			entries, err := schedules.List(cmd.Context(), c.ScheduleClient())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(entries) == 0 {
				fmt.Fprintln(out, "No schedules yet: run `starter schedule apply`.")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHEDULE\tTENANT\tPAUSED\tNEXT RUNS (JST)")
			for _, e := range entries {
				var next []string
				for _, t := range e.Next {
					next = append(next, t.In(jst.Zone).Format("2006-01-02 15:04"))
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", e.ID, e.TenantID, e.Paused, strings.Join(next, ", "))
			}
			return tw.Flush()
		}),
	}
}

func sweepCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sweep",
		Short: "Close runs whose workflow was terminated or lost, and delete the personal data they staged (also runs hourly as a schedule)",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			st, err := e.store()
			if err != nil {
				return err
			}
			c, err := e.temporal()
			if err != nil {
				return err
			}
			res, err := sweeper.Sweep(cmd.Context(), st, sweeper.TemporalWorkflowState(c), time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "checked %d running runs, closed %d abandoned, deleted %d staged rows\n", res.Checked, res.Closed, res.StagingDeleted)
			return nil
		}),
	}
}
