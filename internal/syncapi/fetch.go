package syncapi

// FetchRosterInput names the run whose roster to fetch.
type FetchRosterInput struct {
	TenantID string
	RunID    string
}

// FetchAttendanceInput names the run and month whose report to fetch.
type FetchAttendanceInput struct {
	TenantID string
	RunID    string
	Month    string
}

// FetchResult counts what HRMOS sent (users or report rows).
type FetchResult struct {
	// Fetched is every record HRMOS listed; Staged those with a usable ID.
	Fetched int
	Staged  int
	// WithoutID counts records whose user id was missing or unusable: they
	// cannot be matched or even named in the history.
	WithoutID int
	// GenderProvided is true when any user carried a gender (roster only).
	GenderProvided bool
	// Refetched is true when HRMOS's list was read more than once (it
	// changed, or may have changed, while it was read); Passes says how
	// many readings it took.
	Refetched bool
	Passes    int
}
