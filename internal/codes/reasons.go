package codes

// Reason codes (sync_run_items.reason_code): stable snake_case, one per
// distinct cause. Support and mediment's web app key on them, so never rename
// one; the README lists them all with what the admin should do.
const (
	// Successful roster outcomes say how the employee was found.
	ReasonNewEmployee       = "new_employee"
	ReasonMatchedByNumber   = "matched_by_employee_number"
	ReasonMatchedByNameMail = "matched_by_name_and_email"
	ReasonMatchedByLink     = "matched_by_hrmos_link"

	// Skipped.
	ReasonRetiredNotInMediment = "retired_not_in_mediment"

	// Roster errors: nothing is written for the employee.
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
	// ReasonSyncFailed: the record's activity failed after all retries for a
	// reason that is not the data (e.g. a database constraint nobody expected).
	ReasonSyncFailed = "sync_failed"
)

// Reason codes of the attendance sync (SPEC §3).
const (
	ReasonNewAttendance         = "new_attendance"
	ReasonAttendanceResynced    = "attendance_resynced"
	ReasonEmployeeNotInMediment = "employee_not_in_mediment"
	ReasonInvalidValue          = "invalid_value"
	// ReasonNumberOfOtherHRMOSUser: the row's 社員番号 finds an employee that
	// the roster sync linked to a different HRMOS user; writing the row there
	// would put one person's month on another.
	ReasonNumberOfOtherHRMOSUser = "number_matches_employee_of_other_hrmos_user"
	// ReasonDuplicateAttendanceRow: another report row of the run resolves to
	// the same employee and month and won (the linked row, else the lowest
	// HRMOS user ID).
	ReasonDuplicateAttendanceRow = "duplicate_attendance_row"
)

// Reason codes of both syncs for a value mediment's database cannot hold
// (SPEC §2 rule 8). The fetch stages such a field empty and the plan makes
// it the record's error, naming the field: it never reaches a write, so it
// is never retried as a database failure.
const (
	// ReasonInvalidCharacters: a NUL or another control character (Unicode
	// Cc; surrounding whitespace is trimmed and does not count), or text
	// that is not UTF-8.
	ReasonInvalidCharacters = "invalid_characters"
	// ReasonValueTooLong: text longer than rules.MaxTextChars characters, or
	// than rules.MaxNormalizedBytes bytes once NFKC-normalized (the matching
	// keys' index entries must fit).
	ReasonValueTooLong = "value_too_long"
	// ReasonValueOutOfRange: a well-formed value beyond what its column can
	// store: a date of year 0000, a day count above numeric(6,1)'s 99999.9,
	// a duration beyond the integer minutes' bound.
	ReasonValueOutOfRange = "value_out_of_range"
)
