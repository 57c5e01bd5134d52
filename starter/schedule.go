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
			fmt.Fprintf(out, ".\nMissed actions are caught up within %s (SCHEDULE_CATCHUP_WINDOW); `starter schedule list` shows each schedule's policies.\n",
				schedules.FormatWindow(settings.CatchupWindow))
			return nil
		}),
	}
}

func scheduleListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the engine's schedules: overlap policy, catch-up window, paused or not, last and next runs",
		Long: "Lists the engine's schedules as Temporal holds them. OVERLAP is what an action does when the schedule's\n" +
			"previous one still runs (buffer one: it starts once that one ends; skip: it is skipped). CATCH-UP is how\n" +
			"late an action missed while Temporal was down still runs (SCHEDULE_CATCHUP_WINDOW); the actions missed\n" +
			"beyond it, or skipped by the overlap policy, are counted below the table. A paused schedule shows its\n" +
			"note; the actions it misses while paused are never caught up. None pauses itself on failure (the\n" +
			"README's Schedules says why). Times are Japan time.",
		Args: cobra.NoArgs,
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
			fmt.Fprintln(tw, "SCHEDULE\tTENANT\tOVERLAP\tCATCH-UP\tPAUSED\tLAST RUN (JST)\tNEXT RUNS (JST)")
			var notes []string
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, orDash(e.TenantID),
					schedules.OverlapName(e.Policy.Overlap), schedules.FormatWindow(e.Policy.CatchupWindow),
					paused(e), lastRun(e.LastAction), nextRuns(e.Next, 2))
				if e.Policy.PauseOnFailure {
					notes = append(notes, e.ID+": pauses itself when an action fails")
				}
				if e.Missed > 0 || e.Skipped > 0 {
					notes = append(notes, fmt.Sprintf("%s: %d actions missed (older than the catch-up window when Temporal could run them), %d skipped by the overlap policy",
						e.ID, e.Missed, e.Skipped))
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(out, n)
			}
			fmt.Fprintln(out, "Overlap: what an action does while the schedule's previous one still runs. Catch-up: how late an action missed while\n"+
				"Temporal was down still runs. A paused schedule never runs the actions it missed while paused.")
			return nil
		}),
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// paused says whether a schedule is paused, and why when its note says.
func paused(e schedules.Entry) string {
	if !e.Paused {
		return "no"
	}
	if e.Note == "" || strings.HasPrefix(e.Note, "managed by `starter schedule apply`") {
		return "yes"
	}
	return "yes: " + e.Note
}

func lastRun(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.In(jst.Zone).Format("2006-01-02 15:04")
}

// nextRuns lists the first n of a schedule's next action times.
func nextRuns(times []time.Time, n int) string {
	var next []string
	for _, t := range times[:min(n, len(times))] {
		next = append(next, t.In(jst.Zone).Format("2006-01-02 15:04"))
	}
	if len(next) == 0 {
		return "none"
	}
	return strings.Join(next, ", ")
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
