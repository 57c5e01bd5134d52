package syncapi

import "time"

// The events NotifyInput names: what ops are told about.
const (
	// NotifyHeld: the mass-change guard holds the run for approval.
	NotifyHeld = "held"
	// NotifyFailed: the run ended failed (cancelled included).
	NotifyFailed = "failed"
	// NotifyKeyExpiry: the run found the tenant's API key within 14 days of
	// its expiry, or past it (StartRunResult.KeyExpiryNotice). The activity
	// reads the key's expiry itself and says it once a day per tenant.
	NotifyKeyExpiry = "key_expiry"
)

// ErrTypeNotifyRefused: the ops webhook refused a message in a way no
// retry changes (a revoked webhook, a payload it does not take).
const ErrTypeNotifyRefused = "NotifyRefused"

// The codes of a notice's reason that are no error type: the mass-change
// guard's, and a run's cancellation or timeout.
const (
	NotifyCodeHeld      = "mass_change"
	NotifyCodeCancelled = "cancelled"
	NotifyCodeTimeout   = "timeout"
)

// NotifyInput is a notice to ops about a run: references, codes and counts,
// and the reason sentence the run records anyway. The activity finds the
// workflow (and the link to it) from its own info.
type NotifyInput struct {
	Event    string
	TenantID string
	Kind     string
	Month    string
	RunID    string
	Trigger  string
	DryRun   bool
	// OnlyUser is the HRMOS user a one-user roster run synced (0: all).
	OnlyUser int64 `json:",omitempty"`
	// Code is the reason's stable code: a failure's error type
	// (ErrType…), NotifyCodeCancelled or NotifyCodeTimeout; NotifyCodeHeld.
	Code string
	// Reason is the guard's reason or the failure reason, as the run's
	// history row records it.
	Reason string
	// HeldUntil is when a held run fails unless approved.
	HeldUntil time.Time
}

// NotifyResult says whether ops were told, and if not why (the webhook is
// off, the key notice was said today already): shown in the UI.
type NotifyResult struct {
	Sent    bool
	NotSent string `json:",omitempty"`
}
