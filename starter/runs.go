package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/workflows"
)

func runsCmd() *cobra.Command {
	var tenant, runID string
	var asJSON bool
	var limit int
	var show showFlags
	cmd := &cobra.Command{
		Use:   "runs --tenant T [--json] [--run ID [--csv] [--needs-action]]",
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
			if show.csv || show.needsAction {
				return errors.New("--csv and --needs-action print one run's review: give --run (`starter runs --tenant " + tenant + "` lists the runs)")
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

func listRuns(cmd *cobra.Command, e *env, tenant string, limit int, asJSON bool) error {
	st, err := e.store()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	runs, err := st.Runs(ctx, tenant, limit)
	if err != nil {
		return err
	}
	views := make([]review.RunView, len(runs))
	var tc client.Client
	var dialErr error
	dialed := false
	for i, r := range runs {
		views[i] = review.NewRunView(r)
		if !views[i].AsksProgress() {
			continue
		}
		if !dialed {
			tc, dialErr = e.temporal()
			dialed = true
		}
		if dialErr != nil {
			views[i].ProgressError = review.TemporalUnreachable
			continue
		}
		p, err := queryProgress(ctx, tc, r.WorkflowID, r.WorkflowRunID)
		if err != nil {
			views[i].ProgressError = review.ProgressUnknown(err)
			continue
		}
		views[i].Progress = &p
	}
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), views)
	}
	return review.WriteRuns(cmd.OutOrStdout(), tenant, views)
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
