package syncapi

// Application error types: stable names support sees in the workflow
// history, and the workflows use to word the run's failure.
const (
	// ErrTypeInvalidInput: input no retry can fix (a workflow's input typed
	// into the Temporal UI, a client the activity cannot build).
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
	// ErrTypeUserNotListed: a one-user run's HRMOS user is not in HRMOS's
	// list of the company's users. The workflow raises it (non-retryable)
	// from what the fetch staged; no activity fails with it.
	ErrTypeUserNotListed = "HRMOSUserNotListed"
	ErrTypeDatabase      = "Database"
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
