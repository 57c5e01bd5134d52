// Package codes holds the stable names the engine shares with its readers:
// sync kinds, run statuses, triggers, per-employee outcomes and reason codes,
// run notices and connection statuses. mediment's web app, support staff and
// Temporal's search attributes key on these strings, so they are defined
// once, here, and never renamed (README "Reason codes").
//
// It imports nothing of this repository, so that every layer (workflows,
// rules, store, starter) may use it without pulling in another.
package codes

import (
	"math"
	"time"
)

// Sync kinds (sync_runs.kind).
const (
	KindRoster     = "roster"
	KindAttendance = "attendance"
)

// Run statuses (sync_runs.status).
const (
	RunRunning   = "running"
	RunCompleted = "completed"
	RunFailed    = "failed"
)

// Triggers (sync_runs.trigger). A run started from the Temporal UI carries no
// trigger in its JSON and is recorded as "ui".
const (
	TriggerCLI      = "cli"
	TriggerUI       = "ui"
	TriggerSchedule = "schedule"
)

// ValidTrigger reports whether t names a trigger.
func ValidTrigger(t string) bool {
	return t == TriggerCLI || t == TriggerUI || t == TriggerSchedule
}

// Outcome is what a run did with one HRMOS employee or report row
// (sync_run_items.outcome).
type Outcome string

// The outcomes of SPEC §6.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Skipped   Outcome = "skipped"
	Error     Outcome = "error"
)

// Outcomes lists every outcome in the order reports print them.
var Outcomes = []Outcome{Created, Updated, Unchanged, Skipped, Error}

// Connection statuses (hrmos_connections.status).
const (
	ConnectionConnected    = "connected"
	ConnectionDisconnected = "disconnected"
	ConnectionKeyRejected  = "key_rejected"
)

// KeyLifetime is how long an HRMOS API key lives (docs/hrmos-api.md §2.4), and
// KeyExpiryWarning how long before its end runs and `starter connections`
// warn about it.
const (
	KeyLifetime      = 3 // months
	KeyExpiryWarning = 14 * 24 * time.Hour
)

// KeyExpiry tells where an API key stands at now: NoticeKeyExpired,
// NoticeKeyExpiresSoon (within KeyExpiryWarning) or "" (fine, or no expiry
// known), and the whole days left, rounded up.
func KeyExpiry(expiresAt, now time.Time) (state string, daysLeft int) {
	if expiresAt.IsZero() {
		return "", 0
	}
	left := expiresAt.Sub(now)
	daysLeft = int(math.Ceil(left.Hours() / 24))
	switch {
	case left <= 0:
		return NoticeKeyExpired, daysLeft
	case left <= KeyExpiryWarning:
		return NoticeKeyExpiresSoon, daysLeft
	}
	return "", daysLeft
}
