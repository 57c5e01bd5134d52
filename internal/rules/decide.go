package rules

import (
	"slices"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Candidates are the mediment employees of the same tenant that an HRMOS
// employee's keys find (matching keys normalized by the database).
type Candidates struct {
	// ByNumber have the same normalized 社員番号.
	ByNumber []Employee
	// ByNameEmail have the same normalized 氏名 and メールアドレス.
	ByNameEmail []Employee
	// ByLink is the employee an earlier sync linked to this HRMOS user.
	ByLink *Employee
}

// Decision is what a run does with one HRMOS employee.
type Decision struct {
	Outcome    codes.Outcome
	ReasonCode string
	// Reason is a sentence for the admin; it never holds personal values.
	Reason string
	// Employee is the matched employee (nil when creating or on error).
	Employee *Employee
	// Fields are the synced columns to write (created and updated only).
	Fields SyncedFields
	// ChangedFields name the employees columns the run changes.
	ChangedFields []string
	// NeedsAttention name what an admin must act on (SPEC §6).
	NeedsAttention []string
}

// DecideRoster applies SPEC §2 to one HRMOS employee. today is the Japan
// calendar date "YYYY-MM-DD".
func DecideRoster(u HRMOSUser, c Candidates, today string) Decision {
	if u.DuplicateKey != "" {
		return errorDecision(problem(u, codes.ReasonDuplicateInHRMOS, u.DuplicateKey,
			"another HRMOS user has the same %s, so neither can be matched safely; make them unique in HRMOS", duplicateLabel(u.DuplicateKey)))
	}
	fields, p := MapUser(u)
	if p != nil {
		return errorDecision(p)
	}
	match, how, p := Match(u, c)
	if p != nil {
		return errorDecision(p)
	}
	if match == nil {
		if IsRetired(fields.RetirementDate, today) {
			return Decision{
				Outcome:    codes.Skipped,
				ReasonCode: codes.ReasonRetiredNotInMediment,
				Reason:     "retired in HRMOS and not in mediment, so no account is created",
			}
		}
		return Decision{
			Outcome:        codes.Created,
			ReasonCode:     codes.ReasonNewEmployee,
			Reason:         "matched no mediment employee, so a new one is created with the default settings",
			Fields:         fields,
			ChangedFields:  createdColumns(fields),
			NeedsAttention: MedimentOnlyFields{}.Missing(),
		}
	}

	d := Decision{
		Employee:       match,
		ReasonCode:     how,
		Fields:         fields,
		ChangedFields:  changedColumns(match, fields, u.ID),
		NeedsAttention: match.MedimentOnly.Missing(),
		Outcome:        codes.Unchanged,
		Reason:         "already up to date",
	}
	if len(d.ChangedFields) > 0 {
		d.Outcome, d.Reason = codes.Updated, "synced fields overwritten with HRMOS's values"
	}
	if IsRetired(fields.RetirementDate, today) {
		// Rule 5: never deactivated automatically; the admin deletes it by hand.
		d.NeedsAttention = append(d.NeedsAttention, "retirement_date")
		d.Reason += "; retired in HRMOS: delete the account in mediment by hand"
	}
	return d
}

// Match finds the mediment employee of an HRMOS employee (SPEC §2 rule 2):
// same 社員番号, or else same 氏名 and メールアドレス. Keys that disagree, or a
// key that finds several employees, make the employee ambiguous. The link
// an earlier sync made (hrmos_user_id) is used when neither key finds
// anybody, e.g. after HRMOS changed both, and must agree with the keys.
func Match(u HRMOSUser, c Candidates) (*Employee, string, *Problem) {
	var match *Employee
	var how string
	switch {
	case len(c.ByNumber) > 1:
		return nil, "", problem(u, codes.ReasonAmbiguousNumber, "number",
			"its 社員番号 matches %d mediment employees (after normalizing full-width and spaces); make them unique in mediment", len(c.ByNumber))
	case len(c.ByNumber) == 1:
		match, how = &c.ByNumber[0], codes.ReasonMatchedByNumber
		for _, e := range c.ByNameEmail {
			if e.ID != match.ID {
				return nil, "", problem(u, codes.ReasonConflictingKeys, "number",
					"its 社員番号 matches mediment employee %d but its 氏名+メールアドレス matches employee %d; correct one of them", match.ID, e.ID)
			}
		}
	case len(c.ByNameEmail) > 1:
		return nil, "", problem(u, codes.ReasonAmbiguousNameMail, "email",
			"its 氏名+メールアドレス match %d mediment employees; set a 社員番号 in HRMOS and mediment", len(c.ByNameEmail))
	case len(c.ByNameEmail) == 1:
		match, how = &c.ByNameEmail[0], codes.ReasonMatchedByNameMail
	case c.ByLink != nil:
		match, how = c.ByLink, codes.ReasonMatchedByLink
	}
	if match == nil {
		return nil, "", nil
	}
	if c.ByLink != nil && c.ByLink.ID != match.ID {
		return nil, "", problem(u, codes.ReasonHRMOSUserLinkedToOther, "id",
			"it matches mediment employee %d but an earlier sync linked it to employee %d; correct the 社員番号 in HRMOS or mediment", match.ID, c.ByLink.ID)
	}
	if match.HRMOSUserID != nil && *match.HRMOSUserID != u.ID {
		return nil, "", problem(u, codes.ReasonLinkedToOtherHRMOSUser, "id",
			"it matches mediment employee %d, which is already linked to HRMOS user %d; two HRMOS users cannot share one employee", match.ID, *match.HRMOSUserID)
	}
	return match, how, nil
}

func errorDecision(p *Problem) Decision {
	return Decision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason}
}

func duplicateLabel(key string) string {
	if key == "name_and_email" {
		return "氏名+メールアドレス"
	}
	return "社員番号"
}

// createdColumns names what a creation writes: every synced column with a
// value, the link to HRMOS, and the defaults of rule 6.
func createdColumns(f SyncedFields) []string {
	cols := []string{"hrmos_user_id"}
	for _, c := range f.Columns() {
		if c.Value != nil {
			cols = append(cols, c.Name)
		}
	}
	return append(cols, Defaults...)
}

// changedColumns names the synced columns whose value differs, plus the
// HRMOS link when it is new.
func changedColumns(e *Employee, f SyncedFields, hrmosUserID int64) []string {
	var changed []string
	if e.HRMOSUserID == nil || *e.HRMOSUserID != hrmosUserID {
		changed = append(changed, "hrmos_user_id")
	}
	old := e.Synced.Columns()
	for _, c := range f.Columns() {
		i := slices.IndexFunc(old, func(o Column) bool { return o.Name == c.Name })
		var was *string
		if i >= 0 {
			was = old[i].Value
		}
		if !equal(was, c.Value) {
			changed = append(changed, c.Name)
		}
	}
	return changed
}

func equal(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
