package workflows

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (internal/e2e, UPDATE_REPLAY_HISTORY=1): a change to the workflow code that
// would break runs already in flight fails here.
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"testdata/roster_sync.json", "testdata/roster_sync_chunk.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(RosterSync, workflow.RegisterOptions{Name: RosterSyncName})
			r.RegisterWorkflowWithOptions(RosterSyncChunk, workflow.RegisterOptions{Name: RosterSyncChunkName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
