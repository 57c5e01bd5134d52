package rules

// Outcome is what a run did with one HRMOS employee (sync_run_items.outcome).
type Outcome string

// The outcomes of SPEC §6.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Skipped   Outcome = "skipped"
	Error     Outcome = "error"
)

// Reason codes (sync_run_items.reason_code): stable snake_case, one per
// distinct cause. Support and mediment's web app key on them, so never
// rename one; the README lists them all with what the admin should do.
const (
	// Successful outcomes say how the employee was found.
	ReasonNewEmployee       = "new_employee"
	ReasonMatchedByNumber   = "matched_by_employee_number"
	ReasonMatchedByNameMail = "matched_by_name_and_email"
	ReasonMatchedByLink     = "matched_by_hrmos_link"

	// Skipped.
	ReasonRetiredNotInMediment = "retired_not_in_mediment"

	// Errors: nothing is written for the employee.
	ReasonDuplicateInHRMOS       = "duplicate_in_hrmos"
	ReasonInvalidField           = "invalid_field"
	ReasonInvalidDate            = "invalid_date"
	ReasonMissingIdentity        = "missing_identity"
	ReasonUnknownDepartment      = "unknown_department"
	ReasonUnknownOffice          = "unknown_office"
	ReasonAmbiguousNumber        = "ambiguous_employee_number"
	ReasonAmbiguousNameMail      = "ambiguous_name_and_email"
	ReasonConflictingKeys        = "conflicting_match_keys"
	ReasonLinkedToOtherHRMOSUser = "employee_linked_to_other_hrmos_user"
	ReasonHRMOSUserLinkedToOther = "hrmos_user_linked_to_other_employee"
	// ReasonSyncFailed: the employee's activity failed after all retries for a
	// reason that is not the data (e.g. a database constraint nobody expected).
	ReasonSyncFailed = "sync_failed"
)

// Reason codes of the attendance sync (SPEC §3).
const (
	ReasonNewAttendance         = "new_attendance"
	ReasonAttendanceResynced    = "attendance_resynced"
	ReasonEmployeeNotInMediment = "employee_not_in_mediment"
	ReasonInvalidValue          = "invalid_value"
)
