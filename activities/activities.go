// Package activities holds the engine's Temporal activities: every piece of
// I/O a sync does (HRMOS, PostgreSQL). They are methods on one struct that
// holds their dependencies; workflows call them through a typed nil pointer.
//
// Inputs, results and errors carry only references (tenant, run, page, HRMOS
// user ID) and counts: personal data travels between activities through the
// database, never through Temporal, whose history keeps payloads for good.
package activities

import (
	"time"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/store"
)

// Activities are registered once per worker.
type Activities struct {
	Store  *store.Store
	Sealer *credentials.Sealer
	HRMOS  *HRMOSClients
	// Temporal lets the sweeper ask whether a run's workflow still runs.
	Temporal client.Client
	Now      func() time.Time
	// Guard is the mass-change guard's configuration, handed to each run
	// when it starts (so a run keeps the settings it started with).
	Guard GuardSettings
	// Metrics counts runs and records; nil counts nothing.
	Metrics Metrics
}

// Metrics is what the activities report to the worker's metrics.
type Metrics interface {
	RunStarted(kind, trigger string)
	RunFinished(kind, status string)
	Records(kind, outcome string, n int)
}

type noMetrics struct{}

func (noMetrics) RunStarted(string, string)   {}
func (noMetrics) RunFinished(string, string)  {}
func (noMetrics) Records(string, string, int) {}

func (a *Activities) metrics() Metrics {
	if a.Metrics == nil {
		return noMetrics{}
	}
	return a.Metrics
}

// GuardSettings configure the mass-change guard: a run that would change more
// than a share of a tenant's employees (or whose attendance month differs
// that much from the month before) waits for ops to approve it before it
// writes. A tenant's first roster sync is held instead when it matches too
// few of the employees mediment already has. Small tenants (under
// MinEmployees) are never held back, nor is a first attendance sync.
type GuardSettings struct {
	// MaxChangeShare is the share of a tenant's employees a roster run may
	// create, change or newly flag as retired without approval (0.2 = 20%).
	MaxChangeShare float64
	// FirstSyncMinMatchShare is the share of the employees mediment already
	// has that a tenant's first roster sync must match (0.5 = 50%): below
	// it, the sync would create a second roster beside the first, the mark
	// of a wrong HRMOS company ID.
	FirstSyncMinMatchShare float64
	// AttendanceMaxChangeShare is how far a month's row count or total
	// working time may move from the month before without approval.
	AttendanceMaxChangeShare float64
	MinEmployees             int
	// ApprovalTimeout is how long a run waits for approval before it fails.
	ApprovalTimeout time.Duration
	// Disabled turns the guard off.
	Disabled bool
}

// Application error types: stable names support sees in the workflow
// history, and the workflow uses to word the run's failure.
const (
	ErrTypeInvalidInput       = "InvalidInput"
	ErrTypeTenantNotFound     = "TenantNotFound"
	ErrTypeTenantNotConnected = "TenantNotConnected"
	ErrTypeKeyRejected        = "HRMOSKeyRejected"
	ErrTypeCompanyNotFound    = "HRMOSCompanyNotFound"
	ErrTypeHRMOSForbidden     = "HRMOSForbidden"
	ErrTypeHRMOSBadRequest    = "HRMOSBadRequest"
	ErrTypeHRMOSUnavailable   = "HRMOSUnavailable"
	ErrTypeHRMOSListChanged   = "HRMOSListChanged"
	// ErrTypeCompanySwitched: the tenant was connected to another HRMOS
	// company after the run started.
	ErrTypeCompanySwitched = "HRMOSCompanySwitched"
	// ErrTypeRunCompleted: a completed run's workflow was reset; a reset
	// does not sync again.
	ErrTypeRunCompleted = "RunAlreadyCompleted"
	ErrTypeCredentials  = "CredentialsUndecryptable"
	ErrTypeStagingGone  = "StagingGone"
	ErrTypeDatabase     = "Database"
)

// NonRetryable lists the error types no retry can fix: the workflows put
// them in every retry policy so a broken run fails at once.
var NonRetryable = []string{
	ErrTypeInvalidInput, ErrTypeTenantNotFound, ErrTypeTenantNotConnected, ErrTypeKeyRejected,
	ErrTypeCompanyNotFound, ErrTypeHRMOSForbidden, ErrTypeHRMOSBadRequest, ErrTypeHRMOSListChanged, ErrTypeCompanySwitched, ErrTypeRunCompleted,
	ErrTypeCredentials, ErrTypeStagingGone,
}

// PermanentForTenant lists the error types that end every sync of a tenant
// until someone acts (reconnects, fixes the key): a scheduled run does not
// try the next sync of the same tenant after one of these.
var PermanentForTenant = []string{
	ErrTypeTenantNotFound, ErrTypeTenantNotConnected, ErrTypeKeyRejected, ErrTypeCompanyNotFound, ErrTypeCredentials,
}
