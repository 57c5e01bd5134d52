package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/mediment/hrmos-sync/workflows"
)

// A running run's progress, as its workflow's "progress" query answers it,
// in the words of `starter runs` (one short column) and of `starter … --wait`
// (a bar's label, or a plain line for logs).

// TemporalUnreachable is the progress column of a running run when the
// starter cannot reach Temporal at all.
const TemporalUnreachable = "Temporal unreachable"

// ProgressLine is a run's progress in one short line.
func ProgressLine(p workflows.Progress) string {
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

// ProgressUnknown says in a few words why a progress query got no answer.
func ProgressUnknown(err error) string {
	var notFound *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.As(err, &notFound):
		return "workflow not found in Temporal"
	case errors.As(err, &unavailable):
		return TemporalUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		return "no answer (is a worker running?)"
	}
	return "no progress: " + OneLine(err.Error())
}

// PhaseLabel is the progress bar's label: the phase and what it has done
// so far.
func PhaseLabel(p workflows.Progress) string {
	switch p.Phase {
	case workflows.PhaseFetching:
		if p.Fetched == 0 {
			return p.Phase
		}
		return fmt.Sprintf("%s: %d listed", p.Phase, p.Fetched)
	case workflows.PhasePlanning:
		return fmt.Sprintf("%s: %d of %d decided", p.Phase, p.Planned, p.Total)
	case workflows.PhaseSyncing:
		return fmt.Sprintf("%s: chunk %d of %d", p.Phase, p.ChunksDone, p.ChunksTotal)
	}
	return p.Phase
}

// FollowLine is the plain line that stands for the bar where there is no
// terminal: the time, the phase and, once known, the counts so far.
func FollowLine(at time.Time, p workflows.Progress) string {
	line := fmt.Sprintf("%s  %s", at.Format("15:04:05"), PhaseLabel(p))
	if p.Total > 0 {
		line += fmt.Sprintf("; done %d of %d (decided so far: created %d, updated %d, unchanged %d, skipped %d, errors %d)",
			p.Done, p.Total, p.Created, p.Updated, p.Unchanged, p.Skipped, p.Errors)
	}
	return line
}
