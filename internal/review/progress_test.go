package review

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/mediment/hrmos-sync/workflows"
)

// A running run's progress, phase by phase, in the three places ops read
// it: the PROGRESS column of `starter runs`, the bar of `--wait` at a
// terminal, and the plain lines of `--wait` in a log.
func TestProgressReadsTheSameInEveryPlace(t *testing.T) {
	at := time.Date(2026, 10, 1, 9, 5, 7, 0, time.Local)
	for _, tt := range []struct {
		name                 string
		p                    workflows.Progress
		column, label, plain string
	}{
		{"starting", workflows.Progress{Phase: workflows.PhaseStarting},
			"starting", "starting", "09:05:07  starting"},
		{"fetching, nothing listed yet", workflows.Progress{Phase: workflows.PhaseFetching},
			"fetching from HRMOS", "fetching from HRMOS", "09:05:07  fetching from HRMOS"},
		{"fetching, some listed", workflows.Progress{Phase: workflows.PhaseFetching, Fetched: 300},
			"fetching from HRMOS: 300 listed", "fetching from HRMOS: 300 listed", "09:05:07  fetching from HRMOS: 300 listed"},
		{"deciding", workflows.Progress{Phase: workflows.PhasePlanning, Fetched: 300, Total: 300, Planned: 100, Done: 90, Unchanged: 90},
			"deciding each record: 90 of 300 done", "deciding each record: 100 of 300 decided",
			"09:05:07  deciding each record: 100 of 300 decided; done 90 of 300 (decided so far: created 0, updated 0, unchanged 90, skipped 0, errors 0)"},
		{"held by the guard", workflows.Progress{Phase: workflows.PhaseApproval, Total: 300, Planned: 300, Done: 250, AwaitingApproval: true, Created: 10, Updated: 40},
			"waiting for approval (250 of 300 done)", "waiting for approval",
			"09:05:07  waiting for approval; done 250 of 300 (decided so far: created 10, updated 40, unchanged 0, skipped 0, errors 0)"},
		{"writing", workflows.Progress{Phase: workflows.PhaseSyncing, Total: 300, Done: 280, ChunksTotal: 3, ChunksDone: 2, Errors: 1},
			"writing changes: 280 of 300 done", "writing changes: chunk 2 of 3",
			"09:05:07  writing changes: chunk 2 of 3; done 280 of 300 (decided so far: created 0, updated 0, unchanged 0, skipped 0, errors 1)"},
		{"completed", workflows.Progress{Phase: workflows.PhaseCompleted, Total: 300, Done: 300},
			"completed: 300 of 300 done", "completed",
			"09:05:07  completed; done 300 of 300 (decided so far: created 0, updated 0, unchanged 0, skipped 0, errors 0)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProgressLine(tt.p); got != tt.column {
				t.Errorf("column %q, want %q", got, tt.column)
			}
			if got := PhaseLabel(tt.p); got != tt.label {
				t.Errorf("bar %q, want %q", got, tt.label)
			}
			if got := FollowLine(at, tt.p); got != tt.plain {
				t.Errorf("line %q, want %q", got, tt.plain)
			}
		})
	}
}

// Why `starter runs` could not show a running run's progress, in a few
// words.
func TestAnUnknownProgressSaysWhy(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{serviceerror.NewNotFound("workflow not found"), "workflow not found in Temporal"},
		{fmt.Errorf("query: %w", serviceerror.NewUnavailable("connection refused")), "Temporal unreachable"},
		{context.DeadlineExceeded, "no answer (is a worker running?)"},
		{serviceerror.NewDeadlineExceeded("context deadline exceeded"), "no answer (is a worker running?)"},
		{errors.New("unknown queryType progress.\n  KnownQueryTypes=[__stack_trace]"), "no progress: unknown queryType progress. KnownQueryTypes=[__stack_trace]"},
	} {
		if got := ProgressUnknown(tt.err); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.err, got, tt.want)
		}
	}
}
