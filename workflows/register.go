package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// All lists every workflow of the engine under the name ops see. The worker
// and the replay test register from this one list, so a new workflow cannot
// be left out of either.
var All = []struct {
	Name string
	Fn   any
}{
	{RosterSyncName, RosterSync},
	{RosterSyncChunkName, RosterSyncChunk},
	{AttendanceSyncName, AttendanceSync},
	{AttendanceSyncChunkName, AttendanceSyncChunk},
	{ScheduledSyncName, ScheduledSync},
	{StagingSweeperName, StagingSweeper},
}

// Register puts every workflow on a worker (or a replayer).
func Register(r worker.WorkflowRegistry) {
	for _, w := range All {
		r.RegisterWorkflowWithOptions(w.Fn, workflow.RegisterOptions{Name: w.Name})
	}
}
