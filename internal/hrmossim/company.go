package hrmossim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Company is one HRMOS tenant: its credentials and everything its endpoints
// list. Once handed to Server.AddCompany the server owns it; change it only
// through the Server's methods (PutUser, PutMonthlyRow, MutateUsers, RotateKey…),
// which are safe for concurrent use while requests are being served.
type Company struct {
	// ID is the company ID of /api/{company}/v1, compared case-sensitively.
	ID string
	// APIKey is the current Secret Key, matched verbatim after "Basic ".
	APIKey string
	// KeyIssuedAt starts the key's three months of validity.
	KeyIssuedAt time.Time

	// Users, Departments, Lodgments and Employments are served in ID order;
	// AddCompany sorts them.
	Users       []User
	Departments []Department
	Lodgments   []Lodgment
	Employments []Employment
	// MonthlyRows maps a month "YYYY-MM" to its 月次レポート rows, served in
	// UserID order.
	MonthlyRows map[string][]MonthlyRow

	// formerSecrets keeps what PersonalStrings must still report after it
	// left the company's data: earlier API keys and the strings of removed users.
	formerSecrets []string
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// validMonth reports whether s is a "YYYY-MM" month.
func validMonth(s string) bool { return monthPattern.MatchString(s) }

// Clone returns a copy whose slices and map can be changed without touching c.
// Users' approver and calendar slices, and rows' nested objects, are shared:
// treat them as read-only.
func (c *Company) Clone() *Company {
	out := *c
	out.Users = slices.Clone(c.Users)
	out.Departments = slices.Clone(c.Departments)
	out.Lodgments = slices.Clone(c.Lodgments)
	out.Employments = slices.Clone(c.Employments)
	out.MonthlyRows = make(map[string][]MonthlyRow, len(c.MonthlyRows))
	for m, rows := range c.MonthlyRows {
		out.MonthlyRows[m] = slices.Clone(rows)
	}
	out.formerSecrets = slices.Clone(c.formerSecrets)
	return &out
}

// Months returns the months that have monthly rows, sorted.
func (c *Company) Months() []string {
	return slices.Sorted(maps.Keys(c.MonthlyRows))
}

// User returns the user with the given ID. Users must be sorted (they are in
// any Company returned by Generate or Server.Company).
func (c *Company) User(id int64) (User, bool) {
	i, ok := slices.BinarySearchFunc(c.Users, id, func(u User, id int64) int { return cmp.Compare(u.ID, id) })
	if !ok {
		return User{}, false
	}
	return c.Users[i], true
}

// PersonalStrings returns, sorted and without duplicates, every personal or
// secret string the company has ever served: each name, kana and e-mail as
// rendered and in its cleaned form (spaces removed, kana and ASCII widths
// folded, e-mail lower-cased), full names with and without a space, every
// API key the company had, and the strings of users removed since. Strings
// shorter than two runes (a one-kanji given name such as 誠) are left out:
// they would match unrelated text; the full names still cover them.
// The project's tests scan Temporal histories and logs for these.
func (c *Company) PersonalStrings() []string {
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= 2 {
			out = append(out, s)
		}
	}
	for i := range c.Users {
		out = appendUserStrings(out, &c.Users[i])
	}
	for _, s := range c.formerSecrets {
		add(s)
	}
	add(c.APIKey)
	// appendUserStrings already dropped short strings.
	slices.Sort(out)
	return slices.Compact(out)
}

// appendUserStrings appends the personal strings of one user (see PersonalStrings).
func appendUserStrings(out []string, u *User) []string {
	add := func(s string) {
		if utf8.RuneCountInString(s) >= 2 {
			out = append(out, s)
		}
	}
	value := func(v OptString) string {
		if v.Presence != Present {
			return ""
		}
		return v.Value
	}
	pair := func(a, b string) {
		add(a)
		add(b)
		add(canonicalText(a))
		add(canonicalText(b))
		if a != "" && b != "" {
			ca, cb := canonicalText(a), canonicalText(b)
			add(ca + cb)
			add(ca + " " + cb)
			add(ca + ideographicSpace + cb)
			add(a + b)
		}
	}
	pair(value(u.LastName), value(u.FirstName))
	pair(value(u.LastNameKana), value(u.FirstNameKana))
	if e := value(u.Email); e != "" {
		add(e)
		add(strings.ToLower(strings.TrimSpace(e)))
	}
	return out
}

// normalize sorts the company's lists into serving order and checks what
// serving relies on: unique IDs, valid months, unique users per month.
func (c *Company) normalize() error {
	if c.ID == "" {
		return errors.New("company ID is empty")
	}
	slices.SortStableFunc(c.Users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(c.Users); i++ {
		if c.Users[i].ID == c.Users[i-1].ID {
			return fmt.Errorf("company %q: user ID %d appears twice", c.ID, c.Users[i].ID)
		}
	}
	slices.SortStableFunc(c.Departments, func(a, b Department) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(c.Lodgments, func(a, b Lodgment) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(c.Employments, func(a, b Employment) int { return cmp.Compare(a.ID, b.ID) })
	if c.MonthlyRows == nil {
		c.MonthlyRows = make(map[string][]MonthlyRow)
	}
	for month, rows := range c.MonthlyRows {
		if !validMonth(month) {
			return fmt.Errorf("company %q: monthly rows stored under %q, want YYYY-MM", c.ID, month)
		}
		slices.SortStableFunc(rows, func(a, b MonthlyRow) int { return cmp.Compare(a.UserID, b.UserID) })
		for i := range rows {
			if rows[i].Month == "" {
				rows[i].Month = month[:4] + month[5:]
			}
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].UserID == rows[i-1].UserID {
				return fmt.Errorf("company %q: month %s has two rows for user %d", c.ID, month, rows[i].UserID)
			}
		}
	}
	return nil
}

// putUser adds u or replaces the user with its ID, keeping ID order.
func (c *Company) putUser(u User) {
	i, found := slices.BinarySearchFunc(c.Users, u.ID, func(x User, id int64) int { return cmp.Compare(x.ID, id) })
	if found {
		c.formerSecrets = appendUserStrings(c.formerSecrets, &c.Users[i])
		c.Users[i] = u
		return
	}
	c.Users = slices.Insert(c.Users, i, u)
}

// removeUser deletes the user with the given ID; its monthly rows stay, as
// HRMOS keeps attendance of deleted users (they become rows for unknown users).
func (c *Company) removeUser(id int64) bool {
	i, found := slices.BinarySearchFunc(c.Users, id, func(x User, id int64) int { return cmp.Compare(x.ID, id) })
	if !found {
		return false
	}
	c.formerSecrets = appendUserStrings(c.formerSecrets, &c.Users[i])
	c.Users = slices.Delete(c.Users, i, i+1)
	return true
}

// putMonthlyRow adds row to month or replaces the row of the same user.
func (c *Company) putMonthlyRow(month string, row MonthlyRow) {
	if row.Month == "" {
		row.Month = month[:4] + month[5:]
	}
	rows := c.MonthlyRows[month]
	i, found := slices.BinarySearchFunc(rows, row.UserID, func(x MonthlyRow, id int64) int { return cmp.Compare(x.UserID, id) })
	if found {
		rows[i] = row
	} else {
		rows = slices.Insert(rows, i, row)
	}
	c.MonthlyRows[month] = rows
}

// maxUserID is the highest user ID in use (0 for none).
func (c *Company) maxUserID() int64 {
	if len(c.Users) == 0 {
		return 0
	}
	return c.Users[len(c.Users)-1].ID
}

// nextUserID is an ID no user or monthly row has used: past the last user
// and past every row (rows of deleted users keep theirs).
func (c *Company) nextUserID() int64 {
	next := c.maxUserID() + 1
	for _, rows := range c.MonthlyRows {
		if n := len(rows); n > 0 && rows[n-1].UserID >= next {
			next = rows[n-1].UserID + 1
		}
	}
	return next
}

// newHire is a user who joins today (now, in Japan), as HR registers one:
// the first department, office and employment of the masters, the
// month-end closing day, a name from the generator's lists and an e-mail
// and employee number no generated user has.
func (c *Company) newHire(id int64, now time.Time) User {
	family := familyNames[int(id%int64(len(familyNames)))]
	given := givenNames[int(id/7%int64(len(givenNames)))]
	first := func(ids []int64) OptInt {
		if len(ids) == 0 {
			return OptInt{Presence: Null}
		}
		return Int(ids[0])
	}
	var depts, lodgs, emps []int64
	for _, d := range c.Departments {
		depts = append(depts, d.ID)
	}
	for _, l := range c.Lodgments {
		lodgs = append(lodgs, l.ID)
	}
	for _, e := range c.Employments {
		emps = append(emps, e.ID)
	}
	u := User{
		ID: id, Number: Str(newHireNumber(id)),
		LastName: Str(family.kanji), FirstName: Str(given.kanji),
		LastNameKana: Str(family.kana), FirstNameKana: Str(given.kana),
		StartDate: Str(civilOf(now).String()), EndDate: OptString{Presence: Null},
		Comment: OptString{Presence: Null}, CutoffDate: Int(31), NfcTagPC: OptString{Presence: Null},
		Email:      Str(fmt.Sprintf("%s.%s%d@example.co.jp", given.romaji, family.romaji, id)),
		LodgmentID: first(lodgs), Agreement36ID: Int(1), DepartmentID: first(depts), EmploymentID: first(emps),
		Segment: OptString{Presence: Null}, DefaultSegmentID: Int(1),
		DefaultHoliday1ID: Int(1), DefaultHoliday2ID: Int(2), DefaultHoliday3ID: Int(3),
		CreatedAt: now, UpdatedAt: now,
	}
	for _, cal := range u.calendarIDs() {
		*cal = OptInt{Presence: Null}
	}
	return u
}

// newHireNumber is the 社員番号 of a user added while the simulator runs:
// "H" and six digits, a shape the generator never uses.
func newHireNumber(id int64) string { return fmt.Sprintf("H%06d", id) }
