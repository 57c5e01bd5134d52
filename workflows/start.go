package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// RosterStartOptions are how every caller (starter, tests, benchmarks)
// starts a tenant's roster sync: under its one workflow ID, refused while
// one is running, allowed again once it has finished, listed in the UI with
// its summary and search attributes from the first moment.
func RosterStartOptions(taskQueue, tenantID, trigger string, dryRun bool) client.StartWorkflowOptions {
	return startOptions(taskQueue, RosterWorkflowID(tenantID), codes.KindRoster, tenantID, "", trigger, dryRun)
}

// AttendanceStartOptions are how every caller starts a tenant's attendance
// sync of a month.
func AttendanceStartOptions(taskQueue, tenantID, month, trigger string, dryRun bool) client.StartWorkflowOptions {
	return startOptions(taskQueue, AttendanceWorkflowID(tenantID, month), codes.KindAttendance, tenantID, month, trigger, dryRun)
}

func startOptions(taskQueue, workflowID, kind, tenantID, month, trigger string, dryRun bool) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       workflowID,
		TaskQueue:                                taskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            Summary(kind, tenantID, month, trigger, dryRun),
		TypedSearchAttributes:                    searchFor(tenantID, kind, month, trigger, codes.RunRunning, dryRun),
	}
}
