package rules

import (
	"slices"
	"strconv"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Candidates are the mediment employees of the same tenant that an HRMOS
// employee's keys find. The database finds them by the matching keys it
// computes (NormNumber, NormName and NormEmail say in Go what they are).
type Candidates struct {
	// ByNumber have the same 社員番号 key (NormNumber).
	ByNumber []Employee
	// ByNameEmail have the same 氏名 and メールアドレス keys (NormName,
	// NormEmail).
	ByNameEmail []Employee
	// ByLink is the employee linked to this HRMOS user ID, of whichever
	// company: Match uses it only when the link is of Company.
	ByLink *Employee
	// NumberHeldByOther lists the IDs, among ByNameEmail, of employees whose
	// 社員番号 is another HRMOS user's of the same run: by rule 2 (number
	// first) they are that user's employee, not this one's.
	NumberHeldByOther []int64
	// Company is the HRMOS company the run reads. A link made under another
	// company never matches: its HRMOS user N is another person than this
	// company's user N.
	Company string
}

// Decision is what a run does with one HRMOS employee.
type Decision struct {
	Outcome    codes.Outcome
	ReasonCode string
	// Reason is a sentence for the admin; it never holds personal values.
	Reason string
	// Field is the HRMOS field to correct, for errors.
	Field string
	// Employee is the matched employee (nil when creating or on error).
	Employee *Employee
	// Fields are the synced columns to write (created and updated only).
	Fields SyncedFields
	// ChangedFields name the employees columns the run changes.
	ChangedFields []string
	// NeedsAttention name what an admin must act on (SPEC §6).
	NeedsAttention []string
	// TakesOverLink is set when the HRMOS user ID is held by an employee
	// through another company's link: the write archives that stale link
	// and clears it before it links the user (the ID is unique per tenant).
	TakesOverLink bool
	// company is the run's HRMOS company, for the diff of the link.
	company string
}

// DecideRoster applies SPEC §2 to one HRMOS employee. today is the Japan
// calendar date "YYYY-MM-DD".
func DecideRoster(u HRMOSUser, c Candidates, today string) Decision {
	// First (rule 8): a field staged empty because the database cannot take
	// it is the error, whatever the emptied keys would say of duplicates.
	if p := userUnstorable(u); p != nil {
		return errorDecision(p)
	}
	if u.NumberShared {
		return errorDecision(problem(u, codes.ReasonDuplicateInHRMOS, "number",
			"another HRMOS user has the same 社員番号, so neither can be matched safely; make them unique in HRMOS"))
	}
	fields, p := MapUser(u)
	if p != nil {
		return errorDecision(p)
	}
	match, how, p := Match(u, c)
	if p != nil {
		return errorDecision(p)
	}
	staleLink := c.ByLink != nil && c.ByLink.LinkIn(c.Company) == nil
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
			TakesOverLink:  staleLink,
			company:        c.Company,
		}
	}

	d := Decision{
		Employee:       match,
		ReasonCode:     how,
		Fields:         fields,
		ChangedFields:  changedColumns(match, fields, u.ID, c.Company),
		NeedsAttention: match.MedimentOnly.Missing(),
		Outcome:        codes.Unchanged,
		Reason:         "already up to date",
		company:        c.Company,
	}
	if len(d.ChangedFields) > 0 {
		d.Outcome, d.Reason = codes.Updated, "synced fields overwritten with HRMOS's values"
		d.TakesOverLink = staleLink
	}
	if IsRetired(fields.RetirementDate, today) {
		// Rule 5: never deactivated automatically; the admin deletes it by hand.
		d.NeedsAttention = append(d.NeedsAttention, NeedsAttentionRetired)
		d.Reason += "; retired in HRMOS: delete the account in mediment by hand"
	}
	return d
}

// NewlyRetired reports whether a decision records a retirement that was not
// in mediment before: the employee matched, has retired in HRMOS, and the
// run changes its 退職日. The mass-change guard counts these.
func (d Decision) NewlyRetired() bool {
	return d.Employee != nil && slices.Contains(d.NeedsAttention, NeedsAttentionRetired) &&
		slices.Contains(d.ChangedFields, "retirement_date")
}

// Match finds the mediment employee of an HRMOS employee (SPEC §2 rule 2):
// same 社員番号, or else same 氏名 and メールアドレス. Keys that disagree, or a
// key that finds several employees, make the employee ambiguous. The link
// an earlier sync made (hrmos_user_id) is used when neither key finds
// anybody, e.g. after HRMOS changed both, and must agree with the keys; a
// link made under another HRMOS company than the run's counts for nothing
// (that company's user N is another person), neither as a match nor as a
// conflict.
//
// The 氏名+メール fallback never takes an employee whose 社員番号 belongs to
// another HRMOS user of the run, and it is refused when another HRMOS user
// shares this one's 氏名+メール: then the two cannot be told apart by it.
// A rehired employee (the retiree's old account with 社員番号 A beside the
// new one with B, same name and email) therefore matches by number alone.
func Match(u HRMOSUser, c Candidates) (*Employee, string, *Problem) {
	var match *Employee
	var how string
	byNameEmail := slices.DeleteFunc(slices.Clone(c.ByNameEmail), func(e Employee) bool {
		return slices.Contains(c.NumberHeldByOther, e.ID)
	})
	byLink := c.ByLink
	if byLink != nil && byLink.LinkIn(c.Company) == nil {
		byLink = nil // another company's user of the same ID
	}
	switch {
	case len(c.ByNumber) > 1:
		return nil, "", problem(u, codes.ReasonAmbiguousNumber, "number",
			"its 社員番号 matches %d mediment employees (after normalizing full-width and spaces); make them unique in mediment", len(c.ByNumber))
	case len(c.ByNumber) == 1:
		match, how = &c.ByNumber[0], codes.ReasonMatchedByNumber
		for _, e := range byNameEmail {
			if e.ID != match.ID {
				return nil, "", problem(u, codes.ReasonConflictingKeys, "number",
					"its 社員番号 matches mediment employee %d but its 氏名+メールアドレス matches employee %d; correct one of them", match.ID, e.ID)
			}
		}
	case u.NameEmailShared && (len(byNameEmail) > 0 || text(u.Number) == nil):
		return nil, "", problem(u, codes.ReasonDuplicateInHRMOS, "email",
			"another HRMOS user has the same 氏名+メールアドレス and this one's 社員番号 finds no mediment employee, so the two cannot be told apart; give each its own 社員番号 in HRMOS and mediment")
	case len(byNameEmail) > 1:
		return nil, "", problem(u, codes.ReasonAmbiguousNameMail, "email",
			"its 氏名+メールアドレス match %d mediment employees; set a 社員番号 in HRMOS and mediment", len(byNameEmail))
	case len(byNameEmail) == 1:
		match, how = &byNameEmail[0], codes.ReasonMatchedByNameMail
	case byLink != nil:
		match, how = byLink, codes.ReasonMatchedByLink
	}
	if match == nil {
		return nil, "", nil
	}
	if byLink != nil && byLink.ID != match.ID {
		return nil, "", problem(u, codes.ReasonHRMOSUserLinkedToOther, "id",
			"it matches mediment employee %d but an earlier sync linked it to employee %d; correct the 社員番号 in HRMOS or mediment", match.ID, byLink.ID)
	}
	if linked := match.LinkIn(c.Company); linked != nil && *linked != u.ID {
		return nil, "", problem(u, codes.ReasonLinkedToOtherHRMOSUser, "id",
			"it matches mediment employee %d, which is already linked to HRMOS user %d; two HRMOS users cannot share one employee", match.ID, *linked)
	}
	return match, how, nil
}

func errorDecision(p *Problem) Decision {
	return Decision{Outcome: codes.Error, ReasonCode: p.Code, Reason: p.Reason, Field: p.Field}
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
	for _, d := range Defaults {
		cols = append(cols, d.Column)
	}
	return cols
}

// changedColumns names the synced columns whose value differs, plus the
// HRMOS link when it is new (a link of another company is no link).
func changedColumns(e *Employee, f SyncedFields, hrmosUserID int64, company string) []string {
	var changed []string
	if linked := e.LinkIn(company); linked == nil || *linked != hrmosUserID {
		changed = append(changed, "hrmos_user_id")
	}
	for _, c := range f.Columns() {
		if !Equal(e.Synced.value(c.Name), c.Value) {
			changed = append(changed, c.Name)
		}
	}
	return changed
}

// Change is one column a decision changes: its value before and after.
type Change struct {
	Column string
	Old    *string
	New    *string
}

// Changes lists, column by column, what the decision writes over what the
// employee held (Old is nil for a created employee). It is what a dry run
// shows and what ops review before approving a large run.
func (d Decision) Changes(hrmosUserID int64) []Change {
	if d.Outcome != codes.Created && d.Outcome != codes.Updated {
		return nil
	}
	var out []Change
	for _, name := range d.ChangedFields {
		var old, now *string
		switch {
		case name == "hrmos_user_id":
			now = ptrTo(strconv.FormatInt(hrmosUserID, 10))
			if d.Employee != nil {
				if linked := d.Employee.LinkIn(d.company); linked != nil {
					old = ptrTo(strconv.FormatInt(*linked, 10))
				}
			}
		case isDefault(name):
			now = ptrTo("true")
		default:
			now = d.Fields.value(name)
			if d.Employee != nil {
				old = d.Employee.Synced.value(name)
			}
		}
		out = append(out, Change{Column: name, Old: old, New: now})
	}
	return out
}

func isDefault(column string) bool {
	return slices.ContainsFunc(Defaults, func(d Default) bool { return d.Column == column })
}

func ptrTo(s string) *string { return &s }

// Equal reports whether two optional values are the same: both absent, or
// both present and equal. The one nil-aware comparison of the engine (the
// rules' diffs, the store's check of a write's diff against its plan's).
func Equal[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
