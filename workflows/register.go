package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Workflow is one workflow of the engine and the name ops see it by.
type Workflow struct {
	Name string
	Fn   any
}

// All lists every workflow of the engine under the name ops see. The worker
// and the replay test register from this one list, so a new workflow cannot
// be left out of either.
func (w Workflows) All() []Workflow {
	return []Workflow{
		{RosterSyncName, w.RosterSync},
		{RosterSyncChunkName, w.RosterSyncChunk},
		{AttendanceSyncName, w.AttendanceSync},
		{AttendanceSyncChunkName, w.AttendanceSyncChunk},
		{ScheduledSyncName, w.ScheduledSync},
		{StagingSweeperName, w.StagingSweeper},
	}
}

// Register puts every workflow on a worker (or a replayer).
func (w Workflows) Register(r worker.WorkflowRegistry) {
	for _, wf := range w.All() {
		r.RegisterWorkflowWithOptions(wf.Fn, workflow.RegisterOptions{Name: wf.Name})
	}
}
