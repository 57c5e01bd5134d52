package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// decisionTimeout bounds the wait for the held run's answer: the worker
// answers an Update in its next workflow task, within seconds; no answer
// in a minute means no worker is polling.
const decisionTimeout = time.Minute

func approveCmd() *cobra.Command {
	var tenant, runID, by string
	cmd := &cobra.Command{
		Use:   "approve --tenant T --run RUN [--by NAME]",
		Short: "Let a run held by the mass-change guard write its changes",
		Long: "A run that would create or change a large share of a tenant's employees (or whose attendance\n" +
			"month differs much from the month before) stops after deciding every record and waits for\n" +
			"approval; `starter runs` marks it AWAITING APPROVAL. Review what it would write with\n" +
			"`starter runs show --tenant T --run RUN`, then approve it with this command (or reject it:\n" +
			"`starter reject`). It reads the run's workflow from the execution history and sends it the\n" +
			"Update \"approve\" with {\"by\": NAME}: the run answers at once, refusing with why when it is\n" +
			"not held, else with what it now writes. A run nobody approves fails when the approval\n" +
			"timeout (GUARD_APPROVAL_TIMEOUT, 72h) passes.\n\n" +
			"The same from the Temporal UI: open the run's workflow (hrmos-roster-<tenant>, or\n" +
			"hrmos-attendance-<tenant>-<YYYY-MM>), choose Update (name: approve, input: {\"by\":\"your name\"})\n" +
			"for an answer, or Signal (the same name and input). Signalling the workflow that started it\n" +
			"(one started from the UI's form with its own ID, or the scheduled action) works too: it passes\n" +
			"the approval on.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			r, err := findHeldRun(cmd.Context(), e, tenant, runID, review.Approvable)
			if err != nil {
				return err
			}
			by = approver(by)
			d, err := decide(cmd.Context(), e, r, "approved", workflows.ApproveUpdate, workflows.Approval{By: by})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Approved run %s of tenant %s as %s: it now writes its changes: %s.\n", r.ID, tenant, d.By, writes(d))
			if kept := d.Unchanged + d.Skipped; kept > 0 {
				fmt.Fprintf(out, "(%d unchanged and %d skipped were recorded when it decided each record.)\n", d.Unchanged, d.Skipped)
			}
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

func rejectCmd() *cobra.Command {
	var tenant, runID, by, reason string
	cmd := &cobra.Command{
		Use:   "reject --tenant T --run RUN --reason WHY [--by NAME]",
		Short: "End a run held by the mass-change guard without writing anything",
		Long: "The other answer to a run the mass-change guard holds (see `starter approve`): when what it would\n" +
			"write is wrong (a wrong HRMOS company connected, a botched import in HRMOS), reject it. It ends\n" +
			"failed with \"rejected by NAME: WHY\" and writes nothing; what it had decided stays readable with\n" +
			"`starter runs show`. It sends the run's workflow the Update \"reject\" with {\"by\": NAME,\n" +
			"\"reason\": WHY}: the run answers at once, refusing with why when it is not held. A rejected\n" +
			"run is ops' decision, so it does not fire the failed-scheduled-run alert.\n\n" +
			"The same from the Temporal UI: open the run's workflow, choose Update (name: reject, input:\n" +
			"{\"by\":\"your name\",\"reason\":\"why\"}) for an answer, or Signal (the same name and input), also\n" +
			"on the workflow that started it, which passes it on.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			if reason = strings.TrimSpace(reason); reason == "" {
				return errors.New("--reason must say why the run is rejected: it is the run's failure reason")
			}
			r, err := findHeldRun(cmd.Context(), e, tenant, runID, review.Rejectable)
			if err != nil {
				return err
			}
			by = approver(by)
			d, err := decide(cmd.Context(), e, r, "rejected", workflows.RejectUpdate, workflows.Rejection{By: by, Reason: reason})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Rejected run %s of tenant %s as %s: it ends failed with \"rejected by %s: %s\" and writes nothing\n", r.ID, tenant, d.By, d.By, d.Reason)
			fmt.Fprintf(out, "(it would have written: %s).\n", writes(d))
			fmt.Fprintf(out, "`starter runs show --tenant %s --run %s` still shows what it had decided.\n", tenant, r.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&runID, "run", "", "the run's ID, as starter runs lists it (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the run is rejected, recorded as its failure reason (required)")
	cmd.Flags().StringVar(&by, "by", "", "who rejects, recorded with the run (default: $USER, else \"starter\")")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("run")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

// findHeldRun finds the run and refuses, from its history row, one that cannot
// be held now (finished, never held, approved already); the workflow has
// the last word.
func findHeldRun(ctx context.Context, e *env, tenant, runID string, decidable func(store.Run) error) (store.Run, error) {
	ref := store.RunRef{TenantID: tenant, RunID: runID}
	if !review.ValidRunID(runID) {
		return store.Run{}, review.NoRunError(ref)
	}
	st, err := e.store()
	if err != nil {
		return store.Run{}, err
	}
	r, err := review.FindRun(ctx, st, ref)
	if err != nil {
		return store.Run{}, err
	}
	return r, decidable(r)
}

// decide sends the held run's workflow the Update and returns its answer.
// The Update goes to the run's own workflow, whichever workflow started it
// (the row names it): a launcher or a scheduled action would refuse it.
func decide(ctx context.Context, e *env, r store.Run, verb, update string, input any) (workflows.Decision, error) {
	c, err := e.temporal()
	if err != nil {
		return workflows.Decision{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, decisionTimeout)
	defer cancel()
	var d workflows.Decision
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: r.WorkflowID, RunID: r.WorkflowRunID, UpdateName: update, Args: []any{input},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &d)
	}
	var refused *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return d, nil
	case errors.As(err, &refused):
		// The validator's sentence: what the run is doing instead.
		return workflows.Decision{}, fmt.Errorf("the run refused: %s", refused.Message())
	case errors.As(err, &notFound):
		return workflows.Decision{}, fmt.Errorf("run %s of tenant %s cannot be %s: its workflow %s has already ended (see `starter runs show --tenant %s --run %s`)",
			r.ID, r.TenantID, verb, r.WorkflowID, r.TenantID, r.ID)
	case errors.Is(err, context.DeadlineExceeded):
		return workflows.Decision{}, fmt.Errorf("workflow %s did not answer within %s: is the worker running? The decision may still reach the run once a worker polls; check with `starter runs --tenant %s`",
			r.WorkflowID, decisionTimeout, r.TenantID)
	}
	return workflows.Decision{}, fmt.Errorf("send the %s Update to workflow %s: %w", update, r.WorkflowID, err)
}

// writes words what the held run's plan leaves to write.
func writes(d workflows.Decision) string {
	s := fmt.Sprintf("created %d, updated %d", d.Created, d.Updated)
	if d.NewlyRetired > 0 {
		s += fmt.Sprintf(" (%d of them newly retired)", d.NewlyRetired)
	}
	return s + fmt.Sprintf(", errors %d", d.Errors)
}

// approver is who decides: --by, else whoever runs the starter.
func approver(by string) string {
	if by = strings.TrimSpace(by); by != "" {
		return by
	}
	return defaultApprover()
}

// defaultApprover names who runs the starter: $USER, else "starter".
func defaultApprover() string {
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	return "starter"
}
