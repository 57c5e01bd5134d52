package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
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
	reached := map[enumspb.EventType]bool{}
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
			for _, ev := range history.Events {
				reached[ev.GetEventType()] = true
			}
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
	// The recordings must reach what production runs, or the replay checks
	// less than it claims: chunk children, an approval signal (a held run,
	// and the launcher passing it on), a decision by Update (a held run
	// rejected), local activities, a failed run.
	for _, ev := range []enumspb.EventType{
		enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
		enumspb.EVENT_TYPE_MARKER_RECORDED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
	} {
		if !reached[ev] {
			t.Errorf("no recorded history reaches %s (refresh them with `make replay-histories`)", ev)
		}
	}
	for _, w := range New(DefaultOptions()).All() {
		if !seen[w.Name] {
			t.Errorf("no recorded history of %s in testdata (refresh them with `make replay-histories`)", w.Name)
		}
	}
}
