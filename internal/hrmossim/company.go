package hrmossim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
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

// Clone returns a copy whose slices and map can be changed without touching c.
// Users' approver and calendar slices, and rows' nested objects, are shared:
// treat them as read-only.
func (c *Company) Clone() *Company {
	out := *c
	out.Users, out.Departments, out.Lodgments = slices.Clone(c.Users), slices.Clone(c.Departments), slices.Clone(c.Lodgments)
	out.Employments, out.formerSecrets = slices.Clone(c.Employments), slices.Clone(c.formerSecrets)
	out.MonthlyRows = make(map[string][]MonthlyRow, len(c.MonthlyRows))
	for m, rows := range c.MonthlyRows {
		out.MonthlyRows[m] = slices.Clone(rows)
	}
	return &out
}

// Months returns the months that have monthly rows, sorted.
func (c *Company) Months() []string { return slices.Sorted(maps.Keys(c.MonthlyRows)) }

// User returns the user with the given ID. Users must be sorted (they are in
// any Company returned by Generate or Server.Company).
func (c *Company) User(id int64) (User, bool) {
	if i, ok := find(c.Users, userID, id); ok {
		return c.Users[i], true
	}
	return User{}, false
}

func userID(u User) int64          { return u.ID }
func rowUserID(r MonthlyRow) int64 { return r.UserID }

// find looks for the item with the given ID in a list in ID order: its
// index, or where it belongs.
func find[T any](list []T, id func(T) int64, want int64) (int, bool) {
	return slices.BinarySearchFunc(list, want, func(x T, want int64) int { return cmp.Compare(id(x), want) })
}

// sortByID sorts a list into ID order, keeping the order of equal IDs, and
// returns an ID that appears twice, if any.
func sortByID[T any](list []T, id func(T) int64) (dup int64, ok bool) {
	slices.SortStableFunc(list, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	for i := 1; i < len(list); i++ {
		if id(list[i]) == id(list[i-1]) {
			return id(list[i]), true
		}
	}
	return 0, false
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
	out := append(slices.Clone(c.formerSecrets), c.APIKey)
	for i := range c.Users {
		out = appendUserStrings(out, &c.Users[i])
	}
	out = slices.DeleteFunc(out, func(s string) bool { return utf8.RuneCountInString(s) < 2 })
	slices.Sort(out)
	return slices.Compact(out)
}

// appendUserStrings appends the personal strings of one user (see PersonalStrings).
func appendUserStrings(out []string, u *User) []string {
	value := func(v OptString) string {
		if v.Presence != Present {
			return ""
		}
		return v.Value
	}
	for _, pair := range [][2]string{{value(u.LastName), value(u.FirstName)}, {value(u.LastNameKana), value(u.FirstNameKana)}} {
		a, b := pair[0], pair[1]
		ca, cb := canonicalText(a), canonicalText(b)
		out = append(out, a, b, ca, cb)
		if a != "" && b != "" {
			out = append(out, ca+cb, ca+" "+cb, ca+ideographicSpace+cb, a+b)
		}
	}
	if e := value(u.Email); e != "" {
		out = append(out, e, strings.ToLower(strings.TrimSpace(e)))
	}
	return out
}

// normalize sorts the company's lists into serving order and checks what
// serving relies on: unique user IDs, valid months, unique users per month.
func (c *Company) normalize() error {
	if c.ID == "" {
		return errors.New("company ID is empty")
	}
	if dup, ok := sortByID(c.Users, userID); ok {
		return fmt.Errorf("company %q: user ID %d appears twice", c.ID, dup)
	}
	sortByID(c.Departments, func(d Department) int64 { return d.ID })
	sortByID(c.Lodgments, func(l Lodgment) int64 { return l.ID })
	sortByID(c.Employments, func(e Employment) int64 { return e.ID })
	if c.MonthlyRows == nil {
		c.MonthlyRows = make(map[string][]MonthlyRow)
	}
	for month, rows := range c.MonthlyRows {
		if !validMonth(month) {
			return fmt.Errorf("company %q: monthly rows stored under %q, want YYYY-MM", c.ID, month)
		}
		if dup, ok := sortByID(rows, rowUserID); ok {
			return fmt.Errorf("company %q: month %s has two rows for user %d", c.ID, month, dup)
		}
		for i := range rows {
			rows[i].Month = cmp.Or(rows[i].Month, month[:4]+month[5:])
		}
	}
	return nil
}

// putUser adds u or replaces the user with its ID, keeping ID order.
func (c *Company) putUser(u User) {
	i, found := find(c.Users, userID, u.ID)
	if found {
		c.formerSecrets = appendUserStrings(c.formerSecrets, &c.Users[i])
		c.Users[i] = u
		return
	}
	c.Users = slices.Insert(c.Users, i, u)
}

// removeUser deletes the user with the given ID; its monthly rows stay (doc.go).
func (c *Company) removeUser(id int64) {
	if i, found := find(c.Users, userID, id); found {
		c.formerSecrets = appendUserStrings(c.formerSecrets, &c.Users[i])
		c.Users = slices.Delete(c.Users, i, i+1)
	}
}

// putMonthlyRow adds row to month or replaces the row of the same user.
func (c *Company) putMonthlyRow(month string, row MonthlyRow) {
	row.Month = cmp.Or(row.Month, month[:4]+month[5:])
	rows := c.MonthlyRows[month]
	if i, found := find(rows, rowUserID, row.UserID); found {
		rows[i] = row
	} else {
		c.MonthlyRows[month] = slices.Insert(rows, i, row)
	}
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
// the first department, office and employment of the masters, a name from the
// generator's lists and an e-mail and employee number no generated user has.
func (c *Company) newHire(id int64, now time.Time) User {
	family, given := familyNames[int(id%int64(len(familyNames)))], givenNames[int(id/7%int64(len(givenNames)))]
	u := newUser(id, newHireNumber(id), family, given, civilOf(now), fmt.Sprintf("%s.%s%d@example.co.jp", given.romaji, family.romaji, id))
	u.DepartmentID, u.LodgmentID, u.EmploymentID = firstID(c.Departments, func(d Department) int64 { return d.ID }),
		firstID(c.Lodgments, func(l Lodgment) int64 { return l.ID }), firstID(c.Employments, func(e Employment) int64 { return e.ID })
	u.CreatedAt, u.UpdatedAt = now, now
	return u
}

func firstID[T any](list []T, id func(T) int64) OptInt {
	if len(list) == 0 {
		return OptInt{Presence: Null}
	}
	return Int(id(list[0]))
}

// newHireNumber is the 社員番号 of a user added while the simulator runs:
// "H" and six digits, a shape the generator never uses.
func newHireNumber(id int64) string { return fmt.Sprintf("H%06d", id) }

// churnUsers and churnRows are the faults that change a list between two
// pages (see Faults): the first record goes, and with add a new one joins
// first: a new hire, or a row for a new user ID with the last row's figures.
func (c *Company) churnUsers(now time.Time, add bool) {
	if len(c.Users) == 0 {
		return
	}
	first := c.Users[0].ID
	if add {
		c.putUser(c.newHire(c.nextUserID(), now))
	}
	c.removeUser(first)
}

func (c *Company) churnRows(month string, now time.Time, add bool) {
	rows := c.MonthlyRows[month]
	if len(rows) == 0 {
		return
	}
	if add {
		row := rows[len(rows)-1]
		row.UserID = c.nextUserID()
		row.Number = Str(newHireNumber(row.UserID))
		row.CreatedAt, row.UpdatedAt = At(now), At(now)
		c.putMonthlyRow(month, row)
	}
	c.MonthlyRows[month] = c.MonthlyRows[month][1:]
}

// mutateUsers changes one synced field of percent % of the active users
// (rounded; retirees are left alone) and stamps them now: see Server.MutateUsers.
func (c *Company) mutateUsers(percent float64, seed uint64, now time.Time) int {
	today := civilOf(now).String()
	var active []int
	for i, u := range c.Users {
		if u.EndDate.Presence != Present || u.EndDate.Value == "" || u.EndDate.Value >= today {
			active = append(active, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, streamMutate))
	n := int(math.Round(float64(len(active)) * percent / 100))
	for _, k := range rng.Perm(len(active))[:n] {
		u := c.Users[active[k]]
		mutateUser(&u, c, rng)
		u.UpdatedAt = now
		c.putUser(u) // keeps the old values for PersonalStrings
	}
	return n
}

// mutateUser changes one synced field of u.
func mutateUser(u *User, c *Company, rng *rand.Rand) {
	switch rng.IntN(3) {
	case 0:
		if n := len(c.Departments); n > 1 {
			i := rng.IntN(n)
			if c.Departments[i].ID == u.DepartmentID.Value && u.DepartmentID.Presence == Present {
				i = (i + 1 + rng.IntN(n-1)) % n // any other
			}
			u.DepartmentID = Int(c.Departments[i].ID)
			return
		}
		fallthrough
	case 1:
		kana := familyNames[rng.IntN(len(familyNames))].kana
		if kana == u.LastNameKana.Value {
			kana += "ー"
		}
		u.LastNameKana = Str(kana)
	default:
		email := u.Email.Value
		switch {
		case u.Email.Presence != Present || email == "":
			email = "user" + strconv.FormatInt(u.ID, 10) + "@example.co.jp"
		case strings.HasSuffix(email, "@example.co.jp"):
			email = strings.TrimSuffix(email, ".co.jp") + ".jp"
		default:
			local, _, _ := strings.Cut(email, "@")
			email = local + "@example.co.jp"
		}
		u.Email = Str(email)
	}
}
