package workflows

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (internal/e2e with UPDATE_REPLAY_HISTORY=1): a change to the workflow code
// that would break runs already in flight fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files := []string{"testdata/roster_sync.json", "testdata/roster_sync_chunk.json", "testdata/attendance_sync.json", "testdata/attendance_sync_chunk.json"}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			history, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var ids struct{ WorkflowID, RunID string }
			b, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".execution")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &ids); err != nil {
				t.Fatal(err)
			}
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(RosterSync, workflow.RegisterOptions{Name: RosterSyncName})
			r.RegisterWorkflowWithOptions(RosterSyncChunk, workflow.RegisterOptions{Name: RosterSyncChunkName})
			r.RegisterWorkflowWithOptions(AttendanceSync, workflow.RegisterOptions{Name: AttendanceSyncName})
			r.RegisterWorkflowWithOptions(AttendanceSyncChunk, workflow.RegisterOptions{Name: AttendanceSyncChunkName})
			err = r.ReplayWorkflowHistoryWithOptions(nil, history, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: ids.WorkflowID, RunID: ids.RunID},
			})
			if err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
