package main

import (
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/spf13/cobra"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows"
)

func rosterCmd() *cobra.Command {
	var tenant string
	var user int64
	var dryRun, wait bool
	cmd := &cobra.Command{
		Use:   "roster --tenant T [--user N] [--dry-run] [--wait]",
		Short: "Start a roster sync (従業員名簿を同期する) of a tenant, or of one of its HRMOS users",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			if cmd.Flags().Changed("user") && user <= 0 {
				return fmt.Errorf("--user must be an HRMOS user ID (a positive whole number), not %d", user)
			}
			var only string
			if user != 0 {
				only = fmt.Sprintf(" of HRMOS user %d", user)
			}
			return startSync(e, syncRequest{
				kind: "roster", only: only, tenant: tenant, dryRun: dryRun, wait: wait,
				workflowType: workflows.RosterSyncName,
				options: func(taskQueue string) client.StartWorkflowOptions {
					return startopts.RosterOfUser(taskQueue, tenant, codes.TriggerCLI, dryRun, user)
				},
				input: workflows.RosterSyncInput{TenantID: tenant, DryRun: dryRun, Trigger: codes.TriggerCLI, UserID: user},
			})
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().Int64Var(&user, "user", 0, "sync only this HRMOS user (HRMOS's user ID, not the 社員番号): a new hire today, not at the next monthly run")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "compute and record every outcome without writing any employee")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the run (a progress bar at a terminal), print its summary, exit non-zero if it failed")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

func attendanceCmd() *cobra.Command {
	var tenant, month string
	var dryRun, wait bool
	cmd := &cobra.Command{
		Use:   "attendance --tenant T --month YYYY-MM [--dry-run] [--wait]",
		Short: "Start a monthly attendance sync (勤怠情報を連携する) of a tenant",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			if !jst.ValidMonth(month) {
				return fmt.Errorf("--month must be a month as YYYY-MM (e.g. 2026-10), not %q", month)
			}
			return startSync(e, syncRequest{
				kind: "attendance", tenant: tenant, dryRun: dryRun, wait: wait,
				workflowType: workflows.AttendanceSyncName,
				options: func(taskQueue string) client.StartWorkflowOptions {
					return startopts.Attendance(taskQueue, tenant, month, codes.TriggerCLI, dryRun)
				},
				input: workflows.AttendanceSyncInput{TenantID: tenant, Month: month, DryRun: dryRun, Trigger: codes.TriggerCLI},
			})
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&month, "month", "", "target month 対象の年月 as YYYY-MM (required)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "compute and record every outcome without writing any attendance")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the run (a progress bar at a terminal), print its summary, exit non-zero if it failed")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("month")
	return cmd
}

type syncRequest struct {
	kind string
	// only names the one record a run is limited to (" of HRMOS user N").
	only         string
	tenant       string
	dryRun, wait bool
	workflowType string
	options      func(taskQueue string) client.StartWorkflowOptions
	input        any
}

func startSync(e *env, req syncRequest) error {
	ctx := e.cmd.Context()
	c, err := e.temporal()
	if err != nil {
		return err
	}
	opts := req.options(e.cfg.TaskQueue)
	// Marked as the starter's start (a header the Temporal UI cannot set):
	// the run records trigger cli from it, not from the input.
	run, err := c.ExecuteWorkflow(workflows.FromStarter(ctx), opts, req.workflowType, req.input)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		// A one-user run shares the roster's workflow ID: it waits for a
		// full run as a full run waits for it.
		return fmt.Errorf("the %s sync of tenant %s is already running (workflow %s); wait for it to finish or open it in the Temporal UI", req.kind, req.tenant, opts.ID)
	}
	if err != nil {
		return fmt.Errorf("start the %s sync%s of tenant %s: %w", req.kind, req.only, req.tenant, err)
	}
	out := e.cmd.OutOrStdout()
	what := req.kind + " sync" + req.only
	if req.dryRun {
		what = "dry run of the " + what
	}
	fmt.Fprintf(out, "Started the %s of tenant %s: workflow %s, run %s.\n", what, req.tenant, run.GetID(), run.GetRunID())
	if !req.wait {
		fmt.Fprintf(out, "Follow it with `starter runs --tenant %s` or in the Temporal UI.\n", req.tenant)
		return nil
	}

	var result syncapi.RunResult
	runErr := followRun(ctx, c, run, &result, e.cmd.ErrOrStderr(), req.tenant, e.cfg.TaskQueue)
	if ctx.Err() != nil {
		// Ctrl-C (or SIGTERM) stops the following, not the run: above all a
		// run held by the mass-change guard, which ops leave to review.
		return &exitError{code: 130, msg: stoppedFollowing(what, req.tenant, run.GetID(), run.GetRunID())}
	}
	summary, err := finishedRun(e, store.RunRef{TenantID: req.tenant, RunID: run.GetRunID()})
	if err != nil {
		if runErr != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("The %s of tenant %s failed: %s", what, req.tenant, workflowFailure(runErr))}
		}
		return err
	}
	review.WriteSummary(out, summary)
	if summary.Status != codes.RunCompleted {
		return &exitError{code: 1, msg: fmt.Sprintf("The %s of tenant %s failed: %s", what, req.tenant, summary.FailureReason)}
	}
	return nil
}

// finishedRun reads the history row of a run whose workflow failed.
func finishedRun(e *env, ref store.RunRef) (store.Run, error) {
	st, err := e.store()
	if err != nil {
		return store.Run{}, err
	}
	return st.Run(e.cmd.Context(), ref)
}

func workflowFailure(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}

func stoppedFollowing(what, tenant, workflowID, runID string) string {
	return fmt.Sprintf("Stopped following the %s of tenant %s; the run goes on (workflow %s, run %s).\n"+
		"Follow it with `starter runs --tenant %s` or in the Temporal UI; stop it there (Request Cancellation) to end it.",
		what, tenant, workflowID, runID, tenant)
}
