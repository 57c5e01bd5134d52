package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// RosterStartOptions are how every caller (starter, tests, schedules)
// starts a tenant's roster sync: under its one workflow ID, refused while
// one is running, allowed again once it has finished.
func RosterStartOptions(taskQueue, tenantID string) client.StartWorkflowOptions {
	return startOptions(taskQueue, RosterWorkflowID(tenantID))
}

// AttendanceStartOptions are how every caller starts a tenant's attendance
// sync of a month.
func AttendanceStartOptions(taskQueue, tenantID, month string) client.StartWorkflowOptions {
	return startOptions(taskQueue, AttendanceWorkflowID(tenantID, month))
}

func startOptions(taskQueue, workflowID string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       workflowID,
		TaskQueue:                                taskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
}
