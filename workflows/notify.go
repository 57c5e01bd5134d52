package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Ops learn that a run needs them from a message on their webhook
// (NOTIFY_WEBHOOK_URL, README "Messages to ops"): a run the mass-change
// guard holds, a run that failed, a run that found its tenant's API key
// close to expiry. The message is an activity, NotifyOps, whose errors the
// run logs and ignores: a message never fails a run, nor holds it up longer
// than its bounded attempts.

// notifyOpsChange puts the messages behind a version: a run that started
// before them replays without the activity they add (the recorded
// histories in testdata, runs in flight when the worker is upgraded).
const notifyOpsChange = "notify-ops"

// notifyAttempts and the schedule-to-close timeout bound one message: five
// attempts (waits of 1, 2, 4 and 8 s between them with the default
// interval), each post bounded by NOTIFY_WEBHOOK_TIMEOUT, and two minutes
// in all, so that a failing run ends within them however dead the webhook.
const (
	notifyAttempts        = 5
	notifyScheduleToClose = 2 * time.Minute
)

// notify is for the ops message: a regular activity (an HTTP post to a
// third party, retried by the server, shown as its own step in the UI).
func (w Workflows) notify(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: notifyScheduleToClose,
		Summary:                summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        w.opts.NotifyRetryInterval,
			BackoffCoefficient:     2,
			MaximumInterval:        20 * time.Second,
			MaximumAttempts:        notifyAttempts,
			NonRetryableErrorTypes: []string{syncapi.ErrTypeNotifyRefused, syncapi.ErrTypeInvalidInput},
		},
	})
}

// notifyOps tells ops about this run and waits for the message's attempts
// to end, whatever they end with. It runs on a disconnected context: a
// failing or cancelled run still tells them.
func (r *syncRun) notifyOps(ctx workflow.Context, summary string, in syncapi.NotifyInput) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if workflow.GetVersion(dctx, notifyOpsChange, workflow.DefaultVersion, 1) < 1 {
		return
	}
	in.TenantID, in.Kind, in.Month, in.RunID, in.Trigger, in.DryRun = r.tenantID, r.kind, r.month, r.runID, r.trigger, r.dryRun
	in.OnlyUser = r.onlyUser
	var res syncapi.NotifyResult
	if err := workflow.ExecuteActivity(r.w.notify(dctx, summary), a.NotifyOps, in).Get(dctx, &res); err != nil {
		r.logger.Warn("ops could not be told; the run goes on", "tenant", r.tenantID, "kind", r.kind, "event", in.Event, "error", err)
	}
}

// notifyKeyExpiry tells ops when the run found the tenant's API key within
// 14 days of expiry or past it; the activity says it once a day per tenant.
func (r *syncRun) notifyKeyExpiry(ctx workflow.Context) {
	if r.started.KeyExpiryNotice == "" {
		return
	}
	r.notifyOps(ctx, "tell ops: the HRMOS API key expires soon", syncapi.NotifyInput{Event: syncapi.NotifyKeyExpiry})
}

// notifyHeld tells ops the run waits for approval, why, and until when
// (it fails after timeout unless approved).
func (r *syncRun) notifyHeld(ctx workflow.Context, reason string, timeout time.Duration) {
	r.notifyOps(ctx, "tell ops: held for approval", syncapi.NotifyInput{
		Event: syncapi.NotifyHeld, Code: syncapi.NotifyCodeHeld, Reason: reason, HeldUntil: workflow.Now(ctx).Add(timeout),
	})
}

// notifyFailed tells ops the run failed, with the reason its history row
// records and the code of its cause. A run ops rejected is their decision,
// nothing for them to act on (the alerts leave it out too), and its reason
// is their free text: it says nothing.
func (r *syncRun) notifyFailed(ctx workflow.Context, reason string, cause error) {
	code := failureCode(cause)
	if code == ErrTypeRejected {
		return
	}
	r.notifyOps(ctx, "tell ops: the run failed", syncapi.NotifyInput{Event: syncapi.NotifyFailed, Code: code, Reason: reason})
}

// failureCode is the stable code of why a run failed: the error type of its
// cause (syncapi's ErrType…, SyncFailed for the run's own refusals),
// syncapi.NotifyCodeCancelled or NotifyCodeTimeout.
func failureCode(err error) string {
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return syncapi.NotifyCodeCancelled
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return syncapi.NotifyCodeTimeout
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}
