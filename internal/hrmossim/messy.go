package hrmossim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// MessyOptions switches on the kinds of dirty data live HRMOS tenants serve.
// Shares are probabilities in [0, 1] drawn per employee (or per field for the
// Empty* shapes); counts are exact numbers of affected employees or rows,
// capped at what the company has. The zero value generates clean data.
type MessyOptions struct {
	// How an empty optional value (a comment, end_date while employed, a
	// missing number, a zero duration…) is rendered: each becomes "" / null
	// / no key with these probabilities, else keeps its canonical shape
	// (doc.go: empty values).
	EmptyAsEmptyString, EmptyAsNull, EmptyAsMissingKey float64

	// FullWidthVariants is the share of employees typed the Japanese way:
	// full-width employee number (Ａ００１２３), half-width kana (ﾔﾏﾀﾞ),
	// ideographic spaces around or inside names (山田　), upper-case e-mail.
	FullWidthVariants float64
	MissingNumber     float64 // share of employees without 社員番号
	MissingKana       float64 // share of employees without セイ/メイ
	NullOrgIDs        float64 // share of employees with null department, lodgment and/or employment IDs
	MissingEmail      float64 // share of employees without an e-mail address

	UnknownDepartmentID int // employees pointing at a department /departments does not list
	DuplicateEmails     int // employees sharing the address of another employee
	MalformedDates      int // employees with a start_date such as "2020/04/01" or "2020-13-45"
	RowsForUnknownUsers int // rows per month of user IDs /users does not list (deleted employees)
	UsersWithoutRows    int // employed users per month without a monthly row
	// NegativeDurations is the share of monthly rows with one negative
	// duration ("-1:30", a correction).
	NegativeDurations float64
}

// MessyAll returns a realistic dirty mix with every kind switched on, rare
// enough that most data stays clean but dense enough that a 200-employee
// company shows each kind.
func MessyAll() MessyOptions {
	return MessyOptions{EmptyAsEmptyString: 0.05, EmptyAsNull: 0.03, EmptyAsMissingKey: 0.01,
		FullWidthVariants: 0.06, MissingNumber: 0.03, MissingKana: 0.04, NullOrgIDs: 0.03, MissingEmail: 0.04,
		UnknownDepartmentID: 2, DuplicateEmails: 3, MalformedDates: 2, RowsForUnknownUsers: 2, UsersWithoutRows: 3,
		NegativeDurations: 0.01}
}

// messer makes messy decisions from its own random stream, so the same seed
// gives the same clean base data with or without MessyOptions.
type messer struct {
	opts MessyOptions
	rng  *rand.Rand
}

func (m *messer) chance(p float64) bool { return p > 0 && m.rng.Float64() < p }

// emptyShape picks how one empty field is rendered (see MessyOptions).
func (m *messer) emptyShape(canonical Presence) Presence {
	o := &m.opts
	if !m.emptyEnabled() {
		return canonical
	}
	switch r := m.rng.Float64(); {
	case r < o.EmptyAsEmptyString:
		return EmptyString
	case r < o.EmptyAsEmptyString+o.EmptyAsNull:
		return Null
	case r < o.EmptyAsEmptyString+o.EmptyAsNull+o.EmptyAsMissingKey:
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
	take := func(i int) {
		if i < n && !taken[i] && ok(i) {
			taken[i] = true
			out = append(out, i)
		}
	}
	for tries := 0; len(out) < k && tries < 50*k+100; tries++ {
		take(m.rng.IntN(max(n, 1)))
	}
	for i := 0; len(out) < k && i < n; i++ { // a small or heavily filtered company: the first eligible ones
		take(i)
	}
	return out
}

// messUser applies the per-employee messy shares and the empty shapes.
func (g *generator) messUser(u *User) {
	m := g.mess
	o := &m.opts
	if m.chance(o.MissingNumber) {
		u.Number = OptString{Presence: m.emptyShape(EmptyString)}
	}
	if m.chance(o.MissingKana) {
		u.FirstNameKana = OptString{Presence: m.emptyShape(EmptyString)}
		if m.rng.IntN(10) < 7 {
			u.LastNameKana = OptString{Presence: m.emptyShape(EmptyString)}
		}
	}
	if m.chance(o.MissingEmail) {
		u.Email = OptString{Presence: m.emptyShape(EmptyString)}
	}
	if m.chance(o.NullOrgIDs) {
		which := 1 + m.rng.IntN(7) // a non-empty subset of the three IDs
		for bit, id := range []*OptInt{&u.DepartmentID, &u.LodgmentID, &u.EmploymentID} {
			if which&(1<<bit) != 0 {
				*id = OptInt{Presence: Null}
			}
		}
	}
	if m.chance(o.FullWidthVariants) {
		g.widthVariant(u)
	}
	for _, v := range []*OptString{&u.EndDate, &u.Comment, &u.NfcTagPC, &u.Segment} {
		if v.Presence != Present {
			v.Presence = m.emptyShape(v.Presence)
		}
	}
	for _, id := range u.calendarIDs() {
		id.Presence = m.emptyNonString(Null)
	}
}

// widthVariant garbles one user the way Japanese data entry does.
func (g *generator) widthVariant(u *User) {
	m := g.mess
	switch m.rng.IntN(5) {
	case 0:
		if u.Number.Presence == Present && u.Number.Value != "" {
			u.Number.Value = toFullWidthASCII(u.Number.Value)
			return
		}
		fallthrough
	case 1: // a missing kana's value is "", which stays ""
		u.LastNameKana.Value, u.FirstNameKana.Value = toHalfWidthKana(u.LastNameKana.Value), toHalfWidthKana(u.FirstNameKana.Value)
	case 2:
		u.LastName.Value += ideographicSpace
	case 3:
		// Both names typed into one field's neighbourhood: a leading space
		// on the given name and one inside the kana.
		u.FirstName.Value = ideographicSpace + u.FirstName.Value
		if u.LastNameKana.Presence == Present {
			u.LastNameKana.Value += ideographicSpace
		}
	case 4:
		if u.Email.Presence == Present && u.Email.Value != "" {
			if m.rng.IntN(2) == 0 {
				u.Email.Value = strings.ToUpper(u.Email.Value)
			} else {
				u.Email.Value = strings.ToUpper(u.Email.Value[:1]) + u.Email.Value[1:]
			}
			return
		}
		u.LastName.Value += ideographicSpace
	}
}

// messUsersByCount applies the count-based kinds to distinct employees.
func (g *generator) messUsersByCount() {
	m := g.mess
	o := &m.opts
	users := g.c.Users
	n := len(users)
	taken := make([]bool, n)
	anyone := func(int) bool { return true }

	maxDept := g.c.Departments[len(g.c.Departments)-1].ID // generated in ID order
	for j, i := range m.pickDistinct(o.UnknownDepartmentID, n, taken, anyone) {
		users[i].DepartmentID = Int(maxDept + 100 + int64(j))
	}

	hasEmail := func(i int) bool { return users[i].Email.Presence == Present && users[i].Email.Value != "" }
	for range o.DuplicateEmails {
		src := m.pickDistinct(1, n, taken, hasEmail)
		dst := m.pickDistinct(1, n, taken, anyone)
		if len(src) == 0 || len(dst) == 0 {
			break
		}
		users[dst[0]].Email = users[src[0]].Email
	}

	for _, i := range m.pickDistinct(o.MalformedDates, n, taken, anyone) {
		y, mo, d := g.facts[i].start.ymd()
		malformed := []string{fmt.Sprintf("%04d/%02d/%02d", y, mo, d), fmt.Sprintf("%04d-13-45", y), fmt.Sprintf("%04d%02d%02d", y, mo, d)}
		users[i].StartDate = Str(malformed[m.rng.IntN(3)])
	}
}

// messRow applies NegativeDurations and the empty shapes of zero values.
func (mg *monthGen) messRow(r *MonthlyRow) {
	m := mg.mess
	if m.chance(m.opts.NegativeDurations) {
		neg := Minutes(-15 * (1 + m.rng.IntN(8)))
		*[]*Duration{&r.ExcessOfStatutoryWorkingHours, &r.OverWorkTime, &r.LackPrescribedWorkTime}[m.rng.IntN(3)] = neg
	}
	if !m.emptyEnabled() {
		return
	}
	for d := range fieldsOf[Duration](r) {
		if d.Minutes == 0 {
			d.Presence = m.emptyShape(Present)
		}
	}
	for d := range fieldsOf[DayCount](r) {
		if d.Tenths == 0 {
			d.Presence = m.emptyShape(Present)
		}
	}
	for d := range fieldsOf[Decimal](r) {
		if d.Tenths == 0 {
			d.Presence = m.emptyNonString(Present)
		}
	}
	if r.Expense.Value == "0" {
		r.Expense.Presence = m.emptyShape(Present)
	}
}
