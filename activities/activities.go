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
}

// Application error types: stable names support sees in the workflow
// history, and the workflow uses to word the run's failure.
const (
	ErrTypeInvalidInput       = "InvalidInput"
	ErrTypeTenantNotFound     = "TenantNotFound"
	ErrTypeTenantNotConnected = "TenantNotConnected"
	ErrTypeKeyRejected        = "HRMOSKeyRejected"
	ErrTypeCompanyNotFound    = "HRMOSCompanyNotFound"
	ErrTypeHRMOSUnauthorized  = "HRMOSUnauthorized"
	ErrTypeHRMOSBadRequest    = "HRMOSBadRequest"
	ErrTypeHRMOSUnavailable   = "HRMOSUnavailable"
	ErrTypeCredentials        = "CredentialsUndecryptable"
	ErrTypeStagingGone        = "StagingGone"
)

// NonRetryable lists the error types no retry can fix: the workflows put
// them in every retry policy so a broken run fails at once.
var NonRetryable = []string{
	ErrTypeInvalidInput, ErrTypeTenantNotFound, ErrTypeTenantNotConnected, ErrTypeKeyRejected,
	ErrTypeCompanyNotFound, ErrTypeHRMOSUnauthorized, ErrTypeHRMOSBadRequest, ErrTypeCredentials, ErrTypeStagingGone,
}
