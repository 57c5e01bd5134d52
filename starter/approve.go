package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

func approveCmd() *cobra.Command {
	var tenant, runID, by string
	cmd := &cobra.Command{
		Use:   "approve --tenant T --run RUN [--by NAME]",
		Short: "Let a run held by the mass-change guard write its changes",
		Long: "A run that would create or change a large share of a tenant's employees (or whose attendance\n" +
			"month differs much from the month before) stops after deciding every record and waits for\n" +
			"approval; `starter runs` marks it AWAITING APPROVAL. Review what it would write with\n" +
			"`starter runs show --tenant T --run RUN`, then approve it with this command. It reads the run's\n" +
			"workflow from the execution history and sends it the signal \"approve\" with {\"by\": NAME}.\n" +
			"A run nobody approves fails when the approval timeout (GUARD_APPROVAL_TIMEOUT, 72h) passes.\n\n" +
			"The same from the Temporal UI: open the run's workflow (hrmos-roster-<tenant>, or\n" +
			"hrmos-attendance-<tenant>-<YYYY-MM>), choose Signal, name: approve, input: {\"by\":\"your name\"}.\n" +
			"Signalling the workflow that started it (one started from the UI's form with its own ID, or\n" +
			"the scheduled action) works too: it passes the approval on.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			ref := store.RunRef{TenantID: tenant, RunID: runID}
			if !review.ValidRunID(runID) {
				return review.NoRunError(ref)
			}
			st, err := e.store()
			if err != nil {
				return err
			}
			r, err := review.FindRun(cmd.Context(), st, ref)
			if err != nil {
				return err
			}
			if err := review.Approvable(r); err != nil {
				return err
			}
			if by = strings.TrimSpace(by); by == "" {
				by = defaultApprover()
			}
			c, err := e.temporal()
			if err != nil {
				return err
			}
			err = c.SignalWorkflow(cmd.Context(), r.WorkflowID, r.WorkflowRunID, workflows.ApproveSignal, workflows.Approval{By: by})
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return fmt.Errorf("run %s of tenant %s cannot be approved: its workflow %s has already ended (see `starter runs show --tenant %s --run %s`)",
					r.ID, tenant, r.WorkflowID, tenant, r.ID)
			}
			if err != nil {
				return fmt.Errorf("send the approval to workflow %s: %w", r.WorkflowID, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Approved run %s of tenant %s as %s: it now writes its changes.\n", r.ID, tenant, by)
			fmt.Fprintf(out, "Follow it with `starter runs --tenant %s` (or workflow %s in the Temporal UI); once it has finished,\n", tenant, r.WorkflowID)
			fmt.Fprintf(out, "`starter runs show --tenant %s --run %s` shows what it wrote.\n", tenant, r.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&runID, "run", "", "the run's ID, as starter runs lists it (required)")
	cmd.Flags().StringVar(&by, "by", "", "who approves, recorded with the run (default: $USER, else \"starter\")")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("run")
	return cmd
}

// defaultApprover names who runs the starter: $USER, else "starter".
func defaultApprover() string {
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	return "starter"
}
