package store

// The queries a run makes per record or per chunk, for the plan test.
var (
	StagedUsersInRange   = stagedUsersInRange
	CandidatesInRange    = candidatesInRange
	LockedCandidates     = lockedCandidates
	ItemQuery            = itemQuery
	StagedRowsInRange    = stagedRowsInRange
	LinkedRivalsQuery    = linkedRivalsQuery
	RunCompanyQuery      = runCompanyQuery
	PlannedChangesQuery  = plannedChangesQuery
	TakeOverLinkSQL      = takeOverLinkSQL
	PendingQuery         = pendingQuery
	ExistingMonthQuery   = existingMonthQuery
	PlannedEmployeeSQL   = plannedEmployeeSQL
	PlannedAttendanceSQL = plannedAttendanceSQL
	DefaultValues        = defaultValues
	PlannedWritesOfRange = plannedWritesOfRange
)

// PlannedUpdateFixture keeps a planned write for HRMOS user $3 of run $1,
// tenant $2, that holds: an update of the employee linked to the user
// (roster), or of its month $4 (attendance), decided from the versions as
// they are now.
var (
	PlannedEmployeeUpdateFixture = `INSERT INTO sync_run_writes (sync_run_id, tenant_id, hrmos_user_id, outcome, employee_id, candidates,
		target_version, fields, reason_code, changed_fields, needs_attention)
		SELECT $1, $2, w.hrmos_user_id, 'updated', e.id, ` + plannedRosterVersion + `, e.xmin::text, '{"office":"本社"}', 'matched_by_link', '{office}', '{}'
		FROM (SELECT $3::bigint AS hrmos_user_id) w JOIN employees e ON e.tenant_id = $2 AND e.hrmos_user_id = w.hrmos_user_id`
	PlannedMonthUpdateFixture = `INSERT INTO sync_run_writes (sync_run_id, tenant_id, hrmos_user_id, outcome, employee_id, candidates,
		target_version, fields, reason_code, changed_fields, needs_attention)
		SELECT $1, $2, w.hrmos_user_id, 'updated', e.id, ` + plannedAttendanceVersion + `, m.xmin::text, '{"actual_work_minutes":9601}', 'matched_by_link',
			'{actual_work_minutes}', '{}'
		FROM (SELECT $3::bigint AS hrmos_user_id) w JOIN employees e ON e.tenant_id = $2 AND e.hrmos_user_id = w.hrmos_user_id
		JOIN monthly_attendance m ON m.tenant_id = e.tenant_id AND m.employee_id = e.id AND m.month = $4`
)
