// Package startopts holds how every client of the engine (the starter, and
// through it the benchmark; the tests) starts a sync: the Temporal client's
// start options, built from what the workflows export (their IDs, summary
// and search attributes). It is an adapter: the workflows package itself
// imports no Temporal client.
package startopts

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/workflows"
)

// Roster are how every caller (the starter, the tests) starts a
// tenant's roster sync: under its one workflow ID, refused while one is
// running, allowed again once it has finished, listed in the UI with its
// summary and search attributes from the first moment.
func Roster(taskQueue, tenantID, trigger string, dryRun bool) client.StartWorkflowOptions {
	return options(taskQueue, workflows.RosterWorkflowID(tenantID), codes.KindRoster, tenantID, "", trigger, dryRun)
}

// RosterOfUser are Roster for a sync of one HRMOS user (`starter roster
// --user`): the same workflow ID, so it never overlaps a full roster run,
// and a summary that names the user.
func RosterOfUser(taskQueue, tenantID, trigger string, dryRun bool, userID int64) client.StartWorkflowOptions {
	o := Roster(taskQueue, tenantID, trigger, dryRun)
	o.StaticSummary = workflows.RosterSummary(tenantID, trigger, dryRun, userID)
	return o
}

// Attendance are how every caller starts a tenant's attendance sync of a
// month.
func Attendance(taskQueue, tenantID, month, trigger string, dryRun bool) client.StartWorkflowOptions {
	return options(taskQueue, workflows.AttendanceWorkflowID(tenantID, month), codes.KindAttendance, tenantID, month, trigger, dryRun)
}

func options(taskQueue, workflowID, kind, tenantID, month, trigger string, dryRun bool) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       workflowID,
		TaskQueue:                                taskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            workflows.Summary(kind, tenantID, month, trigger, dryRun),
		TypedSearchAttributes:                    workflows.SearchFor(tenantID, kind, month, trigger, codes.RunRunning, dryRun),
	}
}
