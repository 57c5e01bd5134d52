package hrmossim

import "math/rand/v2"

// MessyOptions switches on the kinds of dirty data live HRMOS tenants serve.
// Shares are probabilities in [0, 1] drawn per employee (or per field for the
// Empty* shapes); counts are exact numbers of affected employees or rows,
// capped at what the company has. The zero value generates clean data.
type MessyOptions struct {
	// How an empty optional value (comment, end_date while employed, a
	// missing number/kana/e-mail, a zero duration or day count…) is rendered:
	// each empty field independently becomes "" / null / no key with these
	// probabilities; otherwise it keeps its canonical shape (null for dates
	// and free text, "" for number/kana/e-mail as in a live fixture, "0:00"
	// and "0.0" for durations and day counts).
	EmptyAsEmptyString float64
	EmptyAsNull        float64
	EmptyAsMissingKey  float64

	// FullWidthVariants is the share of employees typed the Japanese way:
	// full-width employee number (Ａ００１２３), half-width kana (ﾔﾏﾀﾞ),
	// ideographic spaces around or inside names (山田　), upper-case e-mail.
	FullWidthVariants float64
	// MissingNumber is the share of employees without 社員番号.
	MissingNumber float64
	// MissingKana is the share of employees without セイ/メイ.
	MissingKana float64
	// NullOrgIDs is the share of employees with null department, lodgment
	// and/or employment IDs.
	NullOrgIDs float64
	// MissingEmail is the share of employees without an e-mail address.
	MissingEmail float64

	// UnknownDepartmentID employees point at a department /departments does not list.
	UnknownDepartmentID int
	// DuplicateEmails employees share the address of another employee.
	DuplicateEmails int
	// MalformedDates employees have a start_date such as "2020/04/01" or "2020-13-45".
	MalformedDates int
	// RowsForUnknownUsers rows per month belong to user IDs /users does not
	// list (deleted employees).
	RowsForUnknownUsers int
	// UsersWithoutRows employed users per month have no monthly row.
	UsersWithoutRows int
	// NegativeDurations is the share of monthly rows with one negative
	// duration ("-1:30", a correction).
	NegativeDurations float64
}

// MessyAll returns a realistic dirty mix with every kind switched on, rare
// enough that most data stays clean but dense enough that a 200-employee
// company shows each kind.
func MessyAll() MessyOptions {
	return MessyOptions{
		EmptyAsEmptyString:  0.05,
		EmptyAsNull:         0.03,
		EmptyAsMissingKey:   0.01,
		FullWidthVariants:   0.06,
		MissingNumber:       0.03,
		MissingKana:         0.04,
		NullOrgIDs:          0.03,
		MissingEmail:        0.04,
		UnknownDepartmentID: 2,
		DuplicateEmails:     3,
		MalformedDates:      2,
		RowsForUnknownUsers: 2,
		UsersWithoutRows:    3,
		NegativeDurations:   0.01,
	}
}

// messer makes messy decisions from its own random stream, so the same seed
// gives the same clean base data with or without MessyOptions.
type messer struct {
	opts MessyOptions
	rng  *rand.Rand
}

func (m *messer) chance(p float64) bool {
	return p > 0 && m.rng.Float64() < p
}

// emptyShape picks how one empty field is rendered (see MessyOptions).
func (m *messer) emptyShape(canonical Presence) Presence {
	o := &m.opts
	total := o.EmptyAsEmptyString + o.EmptyAsNull + o.EmptyAsMissingKey
	if total <= 0 {
		return canonical
	}
	r := m.rng.Float64()
	switch {
	case r < o.EmptyAsEmptyString:
		return EmptyString
	case r < o.EmptyAsEmptyString+o.EmptyAsNull:
		return Null
	case r < total:
		return Absent
	}
	return canonical
}

// emptyNonString is emptyShape for JSON numbers and integer IDs, which a
// Rails API renders null or leaves out but never as "".
func (m *messer) emptyNonString(canonical Presence) Presence {
	if p := m.emptyShape(canonical); p != EmptyString {
		return p
	}
	return Null
}

// emptyEnabled reports whether any Empty* share is set, so generation can
// skip per-field draws for clean data.
func (m *messer) emptyEnabled() bool {
	o := &m.opts
	return o.EmptyAsEmptyString > 0 || o.EmptyAsNull > 0 || o.EmptyAsMissingKey > 0
}

// pickDistinct chooses up to k indices in [0, n) that satisfy ok and are not
// yet taken, marks them taken and returns them in the order drawn.
func (m *messer) pickDistinct(k, n int, taken []bool, ok func(i int) bool) []int {
	var out []int
	for tries := 0; len(out) < k && tries < 50*k+100; tries++ {
		i := m.rng.IntN(max(n, 1))
		if i < n && !taken[i] && ok(i) {
			taken[i] = true
			out = append(out, i)
		}
	}
	// A small or heavily filtered company: take the first eligible ones.
	for i := 0; len(out) < k && i < n; i++ {
		if !taken[i] && ok(i) {
			taken[i] = true
			out = append(out, i)
		}
	}
	return out
}
