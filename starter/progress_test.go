package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/workflows"
)

// Both ways of showing progress, fed a run's phases as the progress query
// answers them: the bar (drawn for a terminal) and plain lines.
func TestProgressViewsFollowThePhases(t *testing.T) {
	phases := []workflows.Progress{
		{Phase: workflows.PhaseStarting},
		{Phase: workflows.PhaseFetching},
		{Phase: workflows.PhaseFetching, Fetched: 300},
		{Phase: workflows.PhasePlanning, Fetched: 300, Total: 300, Planned: 100, Done: 90},
		{Phase: workflows.PhaseApproval, Fetched: 300, Total: 300, Planned: 300, Done: 250, AwaitingApproval: true, ApprovalReason: "too many"},
		{Phase: workflows.PhaseSyncing, Fetched: 300, Total: 300, Planned: 300, Done: 280, ChunksTotal: 1},
		{Phase: workflows.PhaseCompleted, Fetched: 300, Total: 300, Planned: 300, Done: 300, ChunksTotal: 1, ChunksDone: 1},
	}
	var bar bytes.Buffer
	bv := &barView{w: &bar}
	var lines bytes.Buffer
	lv := &lineView{w: &lines}
	for _, p := range phases {
		bv.show(p)
		lv.show(p)
	}
	bv.say("a line of its own")
	bv.finish(true)
	lv.finish(true)
	mustContain(t, "bar", bar.String(), "fetching from HRMOS: 300 listed", "deciding each record: 100 of 300 decided", "a line of its own",
		"writing changes: chunk 0 of 1", "300/300")
	mustContain(t, "lines", lines.String(), "starting\n", "fetching from HRMOS\n",
		"deciding each record: 100 of 300 decided; done 90 of 300", "waiting for approval; done 250 of 300", "completed; done 300 of 300")
	// One line per phase, not one per answer.
	if n := strings.Count(lines.String(), "\n"); n != 6 {
		t.Errorf("%d plain lines for 6 phases:\n%s", n, lines.String())
	}
}
