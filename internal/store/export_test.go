package store

// The queries a run makes per record or per chunk, for the plan test.
var (
	StagedUsersInRange  = stagedUsersInRange
	CandidatesInRange   = candidatesInRange
	LockedCandidates    = lockedCandidates
	ItemQuery           = itemQuery
	StagedRowsInRange   = stagedRowsInRange
	LinkedRivalsQuery   = linkedRivalsQuery
	RunCompanyQuery     = runCompanyQuery
	PlannedChangesQuery = plannedChangesQuery
	TakeOverLinkSQL     = takeOverLinkSQL
	PendingQuery        = pendingQuery
	ExistingMonthQuery  = existingMonthQuery
)
