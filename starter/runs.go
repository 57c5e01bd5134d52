package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

func runsCmd() *cobra.Command {
	var tenant, runID string
	var asJSON bool
	var limit int
	var show showFlags
	cmd := &cobra.Command{
		Use:   "runs --tenant T [--json] [--run ID]",
		Short: "List a tenant's execution history (実行履歴), or review one run (same as `runs show`)",
		Long: "Lists a tenant's most recent runs, newest first. A running run shows its progress, asked of its\n" +
			"workflow in Temporal (or why it could not be asked); a run held by the mass-change guard is\n" +
			"marked \"awaiting approval\" (see `starter approve`).\n" +
			"With --run it reviews that run, exactly as `starter runs show`.",
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, e *env) error {
			if runID != "" {
				return showRun(cmd, e, tenant, runID, asJSON, show)
			}
			return listRuns(cmd, e, tenant, limit, asJSON)
		}),
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "mediment tenant ID (required)")
	cmd.Flags().StringVar(&runID, "run", "", "review one run, as runs show does")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "how many recent runs to list (with --run: records listed per outcome, as in runs show)")
	show.register(cmd, false)
	_ = cmd.MarkFlagRequired("tenant")
	cmd.AddCommand(runsShowCmd())
	return cmd
}

// runView is a row of `runs --json`: the history row, and for a running
// run what its workflow answered to the progress query.
type runView struct {
	store.Run
	AwaitingApproval bool                `json:"awaitingApproval"`
	Progress         *workflows.Progress `json:"progress,omitempty"`
	// ProgressError says why a running run's progress is unknown.
	ProgressError string `json:"progressError,omitempty"`
}

func listRuns(cmd *cobra.Command, e *env, tenant string, limit int, asJSON bool) error {
	st, err := e.store()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	runs, err := st.Runs(ctx, tenant, limit)
	if err != nil {
		return err
	}
	views := make([]runView, len(runs))
	var tc client.Client
	var dialErr error
	dialed := false
	for i, r := range runs {
		views[i] = runView{Run: r, AwaitingApproval: awaitingApproval(r)}
		if r.Status != codes.RunRunning {
			continue
		}
		if !dialed {
			tc, dialErr = e.temporal()
			dialed = true
		}
		if dialErr != nil {
			views[i].ProgressError = "Temporal unreachable"
			continue
		}
		p, err := queryProgress(ctx, tc, r.WorkflowID, r.WorkflowRunID)
		if err != nil {
			views[i].ProgressError = progressFailure(err)
			continue
		}
		views[i].Progress = &p
	}
	if asJSON {
		return writeJSON(out, views)
	}
	if len(runs) == 0 {
		fmt.Fprintf(out, "Tenant %s has no runs yet.\n", tenant)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tKIND\tTRIGGER\tSTATUS\tPROGRESS\tFETCHED\tCREATED\tUPDATED\tUNCHANGED\tSKIPPED\tERRORS\tRUN\tREASON")
	held := false
	for _, v := range views {
		r := v.Run
		status := r.Status
		if v.AwaitingApproval {
			status, held = "running, AWAITING APPROVAL", true
		}
		progress := "-"
		switch {
		case v.Progress != nil:
			progress = progressLine(*v.Progress)
		case v.ProgressError != "":
			progress = v.ProgressError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			r.StartedAt.Local().Format("2006-01-02 15:04:05"), kindLabel(r), r.Trigger, status, progress,
			r.Fetched, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors, r.ID, oneLine(r.FailureReason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if held {
		fmt.Fprintf(out, "\nA run awaiting approval writes nothing until approved: review it with `starter runs show --tenant %s --run <run>`, then `starter approve --tenant %s --run <run>`.\n", tenant, tenant)
	}
	return nil
}

// queryProgress asks a run's workflow for its progress, briefly: a worker
// answers a query at once or not at all.
func queryProgress(ctx context.Context, c client.Client, workflowID, runID string) (workflows.Progress, error) {
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(qctx, workflowID, runID, workflows.ProgressQuery)
	if err != nil {
		return workflows.Progress{}, err
	}
	var p workflows.Progress
	if err := v.Get(&p); err != nil {
		return workflows.Progress{}, err
	}
	return p, nil
}

// progressFailure says in a few words why a progress query got no answer.
func progressFailure(err error) string {
	var notFound *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.As(err, &notFound):
		return "workflow not found in Temporal"
	case errors.As(err, &unavailable):
		return "Temporal unreachable"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		return "no answer (is a worker running?)"
	}
	return "no progress: " + oneLine(err.Error())
}

// progressLine is a run's progress in one short line.
func progressLine(p workflows.Progress) string {
	switch {
	case p.AwaitingApproval:
		return fmt.Sprintf("%s (%d of %d done)", workflows.PhaseApproval, p.Done, p.Total)
	case p.Total > 0:
		return fmt.Sprintf("%s: %d of %d done", p.Phase, p.Done, p.Total)
	case p.Fetched > 0:
		return fmt.Sprintf("%s: %d listed", p.Phase, p.Fetched)
	}
	return p.Phase
}

func kindLabel(r store.Run) string {
	kind := kindAndMonth(r)
	if r.DryRun {
		kind += " (dry run)"
	}
	return kind
}

// kindAndMonth names what a run syncs: "roster", "attendance 2026-10".
func kindAndMonth(r store.Run) string {
	if r.Month != "" {
		return r.Kind + " " + r.Month
	}
	return r.Kind
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
