// Package workflows holds the engine's Temporal workflows: deterministic,
// free of I/O, reading as the business process. All I/O is in activities.
package workflows

import "fmt"

// Workflow type names, as ops type them into the Temporal UI's Start
// Workflow form. Stable: renaming one breaks schedules and habits.
const (
	RosterSyncName          = "RosterSync"
	RosterSyncChunkName     = "RosterSyncChunk"
	AttendanceSyncName      = "AttendanceSync"
	AttendanceSyncChunkName = "AttendanceSyncChunk"
	ScheduledSyncName       = "ScheduledSync"
	StagingSweeperName      = "StagingSweeper"
)

// RosterWorkflowID is the one workflow ID a tenant's roster sync runs
// under. Temporal refuses a second open workflow with the same ID, which is
// what keeps it to one roster run per tenant at a time. A sync started with
// any other ID (the Temporal UI's random one) runs this one as its child.
func RosterWorkflowID(tenantID string) string { return "hrmos-roster-" + tenantID }

// AttendanceWorkflowID is the one workflow ID of a tenant's attendance
// sync of one month: one run per tenant and month at a time.
func AttendanceWorkflowID(tenantID, month string) string {
	return "hrmos-attendance-" + tenantID + "-" + month
}

// chunkWorkflowID is deterministic so a replay or a retried parent finds the
// same child, and readable so support can tell which run it belongs to.
func chunkWorkflowID(parentID, runID string, chunk int) string {
	return fmt.Sprintf("%s/%s/chunk-%04d", parentID, runID, chunk)
}
