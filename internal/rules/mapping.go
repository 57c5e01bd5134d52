package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Problem is why one HRMOS employee cannot be synced. Its text names the
// field and the HRMOS user, never the value: values are personal data and
// end up in run history.
type Problem struct {
	Code   string
	Field  string
	Reason string
}

func (p *Problem) Error() string { return p.Reason }

func problem(u HRMOSUser, code, field, format string, args ...any) *Problem {
	return &Problem{
		Code:   code,
		Field:  field,
		Reason: fmt.Sprintf("HRMOS user %d: ", u.ID) + fmt.Sprintf(format, args...),
	}
}

// MapUser turns an HRMOS employee into mediment's synced columns (SPEC §2
// table), or says why it cannot (rule 8: bad data is per-employee). Each
// field of UserFields is read by its Kind; the 部門, 拠点 and 性別, which
// need more than their own text, are mapped after them by hand.
func MapUser(u HRMOSUser) (SyncedFields, *Problem) {
	// First: a field staged empty because the database cannot take it must
	// not read as "no value" (a missing identity, a user without 退職日).
	if p := userUnstorable(u); p != nil {
		return SyncedFields{}, p
	}
	if len(u.InvalidFields) > 0 {
		return SyncedFields{}, problem(u, codes.ReasonInvalidField, u.InvalidFields[0],
			"field %s has a value of the wrong type; correct it in HRMOS", u.InvalidFields[0])
	}
	var f SyncedFields
	// The first value that cannot be read, in table order; a missing
	// identity is reported before it.
	var unreadable *Problem
	for _, field := range UserFields {
		if field.Raw == nil {
			continue
		}
		v, p := field.Kind.read(u, field.Key, *field.Raw(&u))
		if p != nil && unreadable == nil {
			unreadable = p
		}
		*field.Value(&f) = v
	}
	hasName := f.LastName != nil || f.FirstName != nil
	if f.EmployeeNumber == nil && (f.Email == nil || !hasName) {
		return SyncedFields{}, problem(u, codes.ReasonMissingIdentity, "number",
			"has no 社員番号 (number) and no 氏名+メールアドレス (last_name/first_name and email), so it cannot be matched; set a 社員番号 in HRMOS")
	}
	if unreadable != nil {
		return SyncedFields{}, unreadable
	}
	if u.DepartmentID != nil {
		if u.DepartmentName == nil {
			return SyncedFields{}, problem(u, codes.ReasonUnknownDepartment, departmentField,
				"department_id %d is not among HRMOS's departments (部門); fix the employee's 部門 in HRMOS", *u.DepartmentID)
		}
		f.Department1 = text(*u.DepartmentName)
	}
	if u.LodgmentID != nil {
		if u.LodgmentName == nil {
			return SyncedFields{}, problem(u, codes.ReasonUnknownOffice, lodgmentField,
				"lodgment_id %d is not among HRMOS's offices (拠点); fix the employee's 拠点 in HRMOS", *u.LodgmentID)
		}
		f.Office = text(*u.LodgmentName)
	}
	if u.HasGender {
		f.GenderProvided = true
		f.Gender = text(u.Gender)
	}
	return f, nil
}

// read maps HRMOS's text of one field (key) of a user by its kind.
func (k Kind) read(u HRMOSUser, key, raw string) (*string, *Problem) {
	if k == Date {
		return date(u, key, raw)
	}
	return text(raw), nil
}

// text trims HRMOS's value; empty becomes NULL because HRMOS sends "", null
// and a missing key alike for "no value".
func text(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

func date(u HRMOSUser, field, raw string) (*string, *Problem) {
	t, ok, err := ParseDate(strings.TrimSpace(raw))
	if errors.Is(err, ErrOutOfRange) {
		return nil, problem(u, codes.ReasonValueOutOfRange, field,
			"%s is a date mediment's database cannot store (it holds 0001-01-01 to 9999-12-31); correct it in HRMOS", field)
	}
	if err != nil {
		return nil, problem(u, codes.ReasonInvalidDate, field, "%s is not a date of the form YYYY-MM-DD; correct it in HRMOS", field)
	}
	if !ok {
		return nil, nil
	}
	s := t.Format(time.DateOnly)
	return &s, nil
}

// IsRetired reports whether a 退職日 is set and not in the future, in Japan
// time (SPEC §2 rule 4). today is the Japan calendar date "YYYY-MM-DD".
func IsRetired(retirementDate *string, today string) bool {
	return retirementDate != nil && *retirementDate <= today
}
