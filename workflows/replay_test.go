package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded from real runs of
// every workflow type (`make replay-histories`, which runs internal/e2e's
// history test with UPDATE_REPLAY_HISTORY=1): a change to the workflow code
// that would break runs already in flight fails here. Such a change must go
// behind workflow.GetVersion; refresh the recordings only once no run of the
// old code can still be open.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
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
			seen[history.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()] = true
			r := worker.NewWorkflowReplayer()
			New(DefaultOptions()).Register(r)
			err = r.ReplayWorkflowHistoryWithOptions(nil, history, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: ids.WorkflowID, RunID: ids.RunID},
			})
			if err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
	for _, w := range New(DefaultOptions()).All() {
		if !seen[w.Name] {
			t.Errorf("no recorded history of %s in testdata (refresh them with `make replay-histories`)", w.Name)
		}
	}
}
