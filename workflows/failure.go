package workflows

import (
	"errors"
	"fmt"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// ErrTypeSyncFailed is the type of the error a failed run ends with.
const ErrTypeSyncFailed = "SyncFailed"

// failureReason words why a run could not finish, for the execution
// history row that support reads first. Activity messages are written for
// that reader already; Temporal's own wrapping is dropped.
func failureReason(err error) string {
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return "the run was cancelled (from the Temporal UI or CLI) before it finished"
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return fmt.Sprintf("a step timed out (%s); see the workflow history", timeoutName(timeout.TimeoutType()))
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if appErr.NonRetryable() || slices.Contains(syncapi.NonRetryable, appErr.Type()) ||
			appErr.Type() == syncapi.ErrTypeInvalidInput || appErr.Type() == ErrTypeSyncFailed {
			return appErr.Message()
		}
		return "gave up after retries: " + appErr.Message()
	}
	return err.Error()
}

func timeoutName(t enumspb.TimeoutType) string {
	switch t {
	case enumspb.TIMEOUT_TYPE_HEARTBEAT:
		// The fetch heartbeats on a ticker whatever HRMOS does, so this is a
		// worker that died or lost its connection, never a slow HRMOS.
		return "no heartbeat: the worker fetching from HRMOS stopped (crashed or lost its connection to Temporal)"
	case enumspb.TIMEOUT_TYPE_START_TO_CLOSE:
		return "an attempt took too long"
	case enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START:
		return "no worker picked the task up"
	}
	return t.String()
}

// runFailed is the error a failed run's workflow ends with: the reason, and
// the original error as its cause for support.
func runFailed(reason string, cause error) error {
	return temporal.NewNonRetryableApplicationError(reason, ErrTypeSyncFailed, cause)
}
