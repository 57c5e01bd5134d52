package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// a is the typed nil through which workflows name activities, so a renamed
// activity is a compile error rather than a runtime one. It is all the
// workflow code takes from the activities package: the method values it
// schedules, whose inputs and results are internal/syncapi's
// (internal/archtest checks it).
var a *activities.Activities

// Options are what a worker decides for every workflow it runs, fixed when
// it builds its Workflows (New): no workflow reads a setting that could
// change under a running worker.
type Options struct {
	// NotifyRetryInterval is the first wait before retrying a message to
	// ops that the webhook did not take (workflows/notify.go).
	NotifyRetryInterval time.Duration
	// DBRetryInterval is the first wait before retrying a failed database
	// step; it doubles up to 20 s over 6 attempts.
	DBRetryInterval time.Duration
	// HRMOSRetryInterval is the first wait before retrying a failed fetch
	// from HRMOS; it doubles up to a minute over 5 attempts.
	HRMOSRetryInterval time.Duration
	// OneUserWait is how long a scheduled action waits before it tries
	// again to start the tenant's roster sync while a one-user run holds
	// the roster's workflow ID (scheduled.go, afterOneUserRun).
	OneUserWait time.Duration
}

// DefaultOptions are production's. Tests of a database or HRMOS outage pass
// shorter waits, so that they run in seconds.
func DefaultOptions() Options {
	return Options{NotifyRetryInterval: time.Second, DBRetryInterval: time.Second, HRMOSRetryInterval: 5 * time.Second, OneUserWait: 30 * time.Second}
}

// Workflows are the engine's workflows, as methods of the options they run
// with. The worker (internal/app) and the tests build one with New and
// register it (Register); its options cannot change after.
type Workflows struct {
	opts Options
}

// New builds the workflows with opts; a zero field takes its default.
func New(opts Options) Workflows {
	def := DefaultOptions()
	if opts.NotifyRetryInterval <= 0 {
		opts.NotifyRetryInterval = def.NotifyRetryInterval
	}
	if opts.DBRetryInterval <= 0 {
		opts.DBRetryInterval = def.DBRetryInterval
	}
	if opts.HRMOSRetryInterval <= 0 {
		opts.HRMOSRetryInterval = def.HRMOSRetryInterval
	}
	if opts.OneUserWait <= 0 {
		opts.OneUserWait = def.OneUserWait
	}
	return Workflows{opts: opts}
}

// Every retry policy is bounded: Temporal's default retries forever, and a
// broken run must end as failed within minutes, not hang.

// db is for database steps (run rows, a chunk's plan, one record): local
// activities, run in the worker without a round trip through the server,
// about sixty times the throughput of regular activities (see README).
// summary names the step in the UI, e.g. "HRMOS user 12345".
func (w Workflows) db(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        w.opts.DBRetryInterval,
			BackoffCoefficient:     2,
			MaximumInterval:        20 * time.Second,
			MaximumAttempts:        6,
			NonRetryableErrorTypes: syncapi.NonRetryable,
		},
	})
}

// fetchHeartbeatTimeout is how long a fetch may go without a heartbeat
// before Temporal gives it to another worker. The fetch heartbeats every
// syncapi.HeartbeatEvery whatever HRMOS does, so only a dead worker misses
// it; it also bounds how long a killed worker delays the run.
const fetchHeartbeatTimeout = 6 * syncapi.HeartbeatEvery

// hrmos is for fetching from HRMOS: a regular activity that heartbeats its
// page, so a worker crash resumes on another worker after the last page
// staged. The client retries each request a few times itself; these
// attempts cover HRMOS being down for a few minutes.
func (w Workflows) hrmos(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    fetchHeartbeatTimeout,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        w.opts.HRMOSRetryInterval,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        5,
			NonRetryableErrorTypes: syncapi.NonRetryable,
		},
	})
}
