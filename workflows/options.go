package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
)

// a is the typed nil through which workflows name activities, so a renamed
// activity is a compile error rather than a runtime one.
var a *activities.Activities

// Every retry policy is bounded: Temporal's default retries forever, and a
// broken run must end as failed within minutes, not hang.

// DBRetryInterval is the first wait before retrying a failed database step;
// it doubles up to 20 s over 6 attempts. A variable only so that tests of a
// database outage run in seconds: production never changes it.
var DBRetryInterval = time.Second

// dbOptions are for database steps (run rows, a chunk's plan, one record):
// local activities, run in the worker without a round trip through the
// server, about sixty times the throughput of regular activities (see
// README). summary names the step in the UI, e.g. "HRMOS user 12345".
func dbOptions(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        DBRetryInterval,
			BackoffCoefficient:     2,
			MaximumInterval:        20 * time.Second,
			MaximumAttempts:        6,
			NonRetryableErrorTypes: activities.NonRetryable,
		},
	})
}

// HRMOSRetryInterval is the first wait before retrying a failed fetch from
// HRMOS; it doubles up to a minute. A variable only so that tests of an HRMOS
// outage run in seconds: production never changes it.
var HRMOSRetryInterval = 5 * time.Second

// fetchHeartbeatTimeout is how long a fetch may go without a heartbeat
// before Temporal gives it to another worker. The fetch heartbeats every
// activities.HeartbeatEvery whatever HRMOS does, so only a dead worker
// misses it; it also bounds how long a killed worker delays the run.
const fetchHeartbeatTimeout = 6 * activities.HeartbeatEvery

// hrmosOptions are for fetching from HRMOS: a regular activity that
// heartbeats its page, so a worker crash resumes on another worker after
// the last page staged. The client retries each request a few times
// itself; these attempts cover HRMOS being down for a few minutes.
func hrmosOptions(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    fetchHeartbeatTimeout,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        HRMOSRetryInterval,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        5,
			NonRetryableErrorTypes: activities.NonRetryable,
		},
	})
}
