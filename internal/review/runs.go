package review

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// RunView is a row of `starter runs --json`: the history row, and for a
// running run what its workflow answered to the progress query.
type RunView struct {
	store.Run
	AwaitingApproval bool                `json:"awaitingApproval"`
	Progress         *workflows.Progress `json:"progress,omitempty"`
	// ProgressError says why a running run's progress is unknown.
	ProgressError string `json:"progressError,omitempty"`
}

// NewRunView is a run's row before its progress is asked for.
func NewRunView(r store.Run) RunView {
	return RunView{Run: r, AwaitingApproval: AwaitingApproval(r)}
}

// AsksProgress says whether the run's row shows its workflow's progress:
// only a running run has one to ask.
func (v RunView) AsksProgress() bool { return v.Status == codes.RunRunning }

// WriteRuns writes a tenant's execution history as `starter runs` lists it,
// newest first, one line per run.
func WriteRuns(w io.Writer, tenant string, views []RunView) error {
	if len(views) == 0 {
		fmt.Fprintf(w, "Tenant %s has no runs yet.\n", tenant)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
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
			progress = ProgressLine(*v.Progress)
		case v.ProgressError != "":
			progress = v.ProgressError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			r.StartedAt.Local().Format("2006-01-02 15:04:05"), KindLabel(r), r.Trigger, status, progress,
			r.Fetched, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors, r.ID, OneLine(r.FailureReason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if held {
		fmt.Fprintf(w, "\nA run awaiting approval writes nothing until approved: review it with `starter runs show --tenant %s --run <run>`, then `starter approve --tenant %s --run <run>`, or `starter reject --tenant %s --run <run> --reason \"<why>\"`.\n", tenant, tenant, tenant)
	}
	return nil
}

// OneLine puts a text on one line, its runs of white space one space each.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
