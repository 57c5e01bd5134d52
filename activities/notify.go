package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/notify"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Notifier posts ops' messages (NOTIFY_WEBHOOK_URL), linking runs into the
// Temporal UI at UIURL (TEMPORAL_UI_URL).
type Notifier struct {
	Poster *notify.Poster
	UIURL  string
}

// NewNotifier builds the notifier of the configuration: nil, which sends
// nothing, when webhookURL is empty.
func NewNotifier(webhookURL string, timeout time.Duration, uiURL string) (*Notifier, error) {
	if webhookURL == "" {
		return nil, nil
	}
	p, err := notify.NewPoster(webhookURL, timeout)
	if err != nil {
		return nil, err
	}
	return &Notifier{Poster: p, UIURL: uiURL}, nil
}

// keyExpiryTopic is the key notice's topic in ops_notices.
const keyExpiryTopic = "api_key_expiry"

// NotifyOps tells ops about a run that needs them: held by the guard,
// failed, or with the tenant's API key close to expiry (said at most once
// a day per tenant: ops_notices). Without a webhook it sends nothing. A
// refusal no retry changes is non-retryable; anything else is retried by
// Temporal within the workflow's bounded policy, and the workflow goes on
// whatever this returns: a message never fails a run.
func (a *Activities) NotifyOps(ctx context.Context, in syncapi.NotifyInput) (syncapi.NotifyResult, error) {
	if a.Notify == nil {
		return syncapi.NotifyResult{NotSent: "no webhook configured (NOTIFY_WEBHOOK_URL)"}, nil
	}
	info := activity.GetInfo(ctx)
	m := notify.Message{
		TenantID: in.TenantID, Kind: in.Kind, Month: in.Month, RunID: in.RunID, Trigger: in.Trigger, DryRun: in.DryRun,
		OnlyUser: in.OnlyUser, Code: in.Code, Why: in.Reason, HeldUntil: in.HeldUntil,
		Namespace: info.WorkflowNamespace, WorkflowID: info.WorkflowExecution.ID, WorkflowRunID: info.WorkflowExecution.RunID,
	}
	var claimed *store.Notice
	switch in.Event {
	case syncapi.NotifyHeld:
		m.Event = notify.Held
	case syncapi.NotifyFailed:
		m.Event = notify.Failed
		m.CompanyID = a.companyID(ctx, in.TenantID)
	case syncapi.NotifyKeyExpiry:
		conn, err := a.Store.Connection(ctx, in.TenantID)
		if errors.Is(err, store.ErrNotFound) {
			return syncapi.NotifyResult{NotSent: "the tenant is not connected"}, nil
		} else if err != nil {
			return syncapi.NotifyResult{}, safe(err)
		}
		// The expiry as it is now, not as the run started: a key rotated
		// meanwhile needs no message.
		now := a.Now()
		state, days := codes.KeyExpiry(conn.KeyExpiresAt, now)
		switch state {
		case codes.NoticeKeyExpiresSoon:
			m.Event = notify.KeyExpiresSoon
		case codes.NoticeKeyExpired:
			m.Event = notify.KeyExpired
		default:
			return syncapi.NotifyResult{NotSent: "the API key is not close to expiry (any more)"}, nil
		}
		m.KeyExpiresAt, m.DaysLeft, m.CompanyID = conn.KeyExpiresAt, days, conn.CompanyID
		n := store.Notice{TenantID: in.TenantID, Topic: keyExpiryTopic, Day: jst.Today(now), RunID: in.RunID, Now: now}
		ok, err := a.Store.ClaimNotice(ctx, n)
		if err != nil {
			return syncapi.NotifyResult{}, safe(err)
		}
		if !ok {
			return syncapi.NotifyResult{NotSent: "another run said it today, or is saying it (at most once a day per tenant)"}, nil
		}
		claimed = &n
	default:
		return syncapi.NotifyResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("no message for event %q", in.Event), syncapi.ErrTypeInvalidInput, nil)
	}

	p, err := notify.Build(m, a.Notify.UIURL)
	if err != nil {
		return syncapi.NotifyResult{}, temporal.NewNonRetryableApplicationError("word the message: "+err.Error(), syncapi.ErrTypeInvalidInput, nil)
	}
	log := activity.GetLogger(ctx)
	if err := a.Notify.Poster.Post(ctx, p); err != nil {
		// The error names the webhook's host, never its URL (a secret).
		var perr *notify.Error
		if errors.As(err, &perr) && !perr.Retryable {
			log.Warn("the ops webhook refused a message; not retried", "tenant", in.TenantID, "event", string(m.Event), "status", perr.Status)
			return syncapi.NotifyResult{}, temporal.NewNonRetryableApplicationError(err.Error(), syncapi.ErrTypeNotifyRefused, nil)
		}
		return syncapi.NotifyResult{}, fmt.Errorf("post the %s message of tenant %s: %w", m.Event, in.TenantID, err)
	}
	if claimed != nil {
		claimed.Now = a.Now()
		if err := a.Store.MarkNoticeSent(ctx, *claimed); err != nil {
			// Posted: a retry would post it again, which is worse than a
			// second run's claim finding it unsent after ten minutes.
			log.Warn("posted the key notice but could not record it", "tenant", in.TenantID, "error", safe(err))
		}
	}
	log.Info("told ops", "tenant", in.TenantID, "event", string(m.Event), "kind", in.Kind, "month", in.Month, "run", in.RunID)
	return syncapi.NotifyResult{Sent: true}, nil
}

// companyID is the tenant's HRMOS company ID for the reconnect command of
// a failed run's message, "" when it cannot be read in a moment (the
// failure may be the database's): the message then says "<company ID>".
func (a *Activities) companyID(ctx context.Context, tenantID string) string {
	if a.Store == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := a.Store.Connection(ctx, tenantID)
	if err != nil {
		return ""
	}
	return conn.CompanyID
}
