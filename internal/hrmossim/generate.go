package hrmossim

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GenerateSpec describes a company to generate.
type GenerateSpec struct {
	// CompanyID is required.
	CompanyID string
	// APIKey; empty derives one from Seed (the same seed, the same key).
	APIKey string
	// Users is the number of employees (retirees included).
	Users int
	// Seed makes the output reproducible: the same spec gives byte-identical
	// JSON.
	Seed  uint64
	Messy MessyOptions
	// Months ("YYYY-MM") to generate 月次レポート rows for.
	Months []string
	// Now anchors every date (hire dates, retirements, timestamps, which
	// months are closed) and is the key's issue time. Zero means
	// 2026-04-01T10:00:00+09:00, so that a zero spec is reproducible too.
	Now time.Time
}

// defaultGenerateNow is GenerateSpec.Now's zero-value meaning.
var defaultGenerateNow = time.Date(2026, 4, 1, 10, 0, 0, 0, jst)

// Separate random streams (the second PCG word), so that e.g. adding a month
// or switching messy data on leaves the rest of the company unchanged.
const (
	streamBase = iota + 1
	streamMess
	streamKey
	streamApprovers
	streamMutate
	streamMonthBase = 1 << 32
	streamMonthMess = 2 << 32
)

// userFacts are the generator's true values behind a user's rendered fields,
// which messy data may have blanked or garbled.
type userFacts struct {
	start, end     civilDate
	hasEnd         bool
	cutoff         int // 締め日
	partTime, flex bool
}

type generator struct {
	spec   GenerateSpec
	now    time.Time
	today  civilDate
	since  civilDate // the tenant's first day on HRMOS
	rng    *rand.Rand
	mess   *messer
	c      *Company
	facts  []userFacts
	gapIDs []int64 // IDs skipped between users: deleted employees
	emails map[string]struct{}
}

// Generate builds a company deterministically from spec.
func Generate(spec GenerateSpec) (*Company, error) {
	if spec.CompanyID == "" {
		return nil, errors.New("generate company: CompanyID is empty")
	}
	if spec.Users < 0 {
		return nil, fmt.Errorf("generate company %q: Users is %d", spec.CompanyID, spec.Users)
	}
	for _, m := range spec.Months {
		if !validMonth(m) {
			return nil, fmt.Errorf("generate company %q: month %q is not YYYY-MM", spec.CompanyID, m)
		}
	}
	now := spec.Now
	if now.IsZero() {
		now = defaultGenerateNow
	}
	g := &generator{spec: spec, now: now.Truncate(time.Second), today: civilOf(now), emails: make(map[string]struct{}, spec.Users),
		rng: rand.New(rand.NewPCG(spec.Seed, streamBase)), mess: &messer{opts: spec.Messy, rng: rand.New(rand.NewPCG(spec.Seed, streamMess))}}
	y, m, _ := g.today.ymd()
	g.since = dateOf(y-8, m, 1)
	g.c = &Company{ID: spec.CompanyID, APIKey: spec.APIKey, KeyIssuedAt: g.now, MonthlyRows: make(map[string][]MonthlyRow, len(spec.Months))}
	if g.c.APIKey == "" {
		keyRNG, raw := rand.New(rand.NewPCG(spec.Seed, streamKey)), make([]byte, 12)
		for i := range raw {
			raw[i] = byte(keyRNG.Uint64())
		}
		g.c.APIKey = keyFrom(raw)
	}
	g.masters()
	g.users()
	g.messUsersByCount()
	g.approvers()
	for _, month := range slices.Compact(slices.Sorted(slices.Values(spec.Months))) {
		g.c.MonthlyRows[month] = g.monthlyRows(month)
	}
	return g.c, nil // in serving order by construction
}

// MustGenerate is Generate for tests and fixed specs; it panics on a bad spec.
func MustGenerate(spec GenerateSpec) *Company {
	c, err := Generate(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// keyFrom makes a Secret Key shaped like HRMOS's from 12 random bytes: the
// published sample is Base64 of a 24-hex-digit string.
func keyFrom(raw []byte) string {
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(raw)))
}

// masters generates departments, lodgments and employments, set up when the
// tenant moved to HRMOS and edited now and then since.
func (g *generator) masters() {
	n := g.spec.Users
	setup := g.since.at(10 * 3600)
	edited := func(t time.Time, days int) time.Time { return t.Add(time.Duration(g.rng.IntN(days*24)) * time.Hour) }
	for i := range min(max(3+n/40, 3), len(departmentNames)) {
		g.c.Departments = append(g.c.Departments, Department{ID: int64(i + 1), Name: departmentNames[i], Sequence: i + 1, UpdatedAt: edited(setup, 400)})
	}
	for i, s := range lodgmentSeeds[:min(max(1+n/60, 1), len(lodgmentSeeds))] {
		created := setup.Add(time.Duration(i*37) * 24 * time.Hour)
		g.c.Lodgments = append(g.c.Lodgments, Lodgment{
			ID: int64(i + 1), Name: s.name, Sequence: i + 1, Segments: []int{1, 2, 3},
			IPAddresses: []string{"192.0.2." + strconv.Itoa(10+i)}, Address: s.address, PrefecturalID: s.prefecturalID,
			CreatedAt: At(created), UpdatedAt: At(edited(created, 300)),
		})
	}
	for i, k := range employmentKinds {
		g.c.Employments = append(g.c.Employments, Employment{ID: int64(i + 1), Name: k.name, Sequence: i + 1, UpdatedAt: edited(setup, 200)})
	}
}

func (g *generator) employmentKind() int {
	r := g.rng.Float64()
	for i, k := range employmentKinds {
		if r < k.share {
			return i
		}
		r -= k.share
	}
	return 0
}

// users generates the roster: clean values from the base stream, then the
// per-employee messy shares from the mess stream.
func (g *generator) users() {
	n := g.spec.Users
	g.c.Users = make([]User, 0, n)
	g.facts = make([]userFacts, 0, n)
	var id int64
	for i := range n {
		id++
		if g.rng.IntN(100) < 3 { // a deleted employee leaves a gap
			gap := int64(1 + g.rng.IntN(4))
			for j := range gap {
				g.gapIDs = append(g.gapIDs, id+j)
			}
			id += gap
		}
		u, f := g.cleanUser(i, id)
		g.messUser(&u)
		g.c.Users = append(g.c.Users, u)
		g.facts = append(g.facts, f)
	}
}

func (g *generator) cleanUser(i int, id int64) (User, userFacts) {
	family := familyNames[g.rng.IntN(len(familyNames))]
	given := givenNames[g.rng.IntN(len(givenNames))]
	kindIdx := g.employmentKind()
	kind := employmentKinds[kindIdx]

	// Tenure skewed to recent hires; a third joined on 1 April (新卒).
	r := g.rng.Float64()
	start := g.today - civilDate(20+int(r*r*25*365))
	if g.rng.IntN(3) == 0 {
		y, _, _ := start.ymd()
		if april := dateOf(y, time.April, 1); april < g.today {
			start = april
		}
	}
	f := userFacts{start: start, partTime: kind.partTime}
	switch roll := g.rng.IntN(1000); {
	case roll < 80 && g.today-start > 40: // retired
		f.end = min(start+30+civilDate(g.rng.IntN(int(g.today-start)-30)), g.today-1)
		f.hasEnd = true
	case roll < 92: // leaving soon
		f.end = g.today + 1 + civilDate(g.rng.IntN(90))
		f.hasEnd = true
	}
	f.cutoff = [...]int{31, 25, 20}[weighted(g.rng.IntN(100), 85, 95)] // 85%, 10%, 5%
	f.flex = !kind.partTime && g.rng.IntN(100) < 8

	email, lodgment, department := g.email(family, given), g.lodgmentID(), g.departmentID()
	u := newUser(id, string(kind.prefix)+fmt.Sprintf("%05d", i+1), family, given, start, email)
	u.CutoffDate, u.LodgmentID, u.DepartmentID, u.EmploymentID = Int(int64(f.cutoff)), Int(lodgment), Int(department), Int(int64(kindIdx+1))
	if f.hasEnd {
		u.EndDate = Str(f.end.String())
	}
	if g.rng.IntN(10) == 0 {
		u.Agreement36ID = Int(2)
	}
	if g.rng.IntN(20) == 0 {
		u.Comment = Str(sampleComments[g.rng.IntN(len(sampleComments))])
	}
	if g.rng.IntN(5) == 0 {
		u.NfcTagPC = Str(strings.ToUpper(strconv.FormatUint(g.rng.Uint64()|1<<63, 16)))
	}
	if g.rng.IntN(10) < 3 {
		u.Segment = Str("1,2,5,6")
	}

	// Registered up to three weeks before the first day, or in the bulk
	// import when the tenant moved to HRMOS; updated since, or around leaving.
	createdDay := start - civilDate(g.rng.IntN(21))
	if createdDay < g.since {
		createdDay = g.since + civilDate(g.rng.IntN(30))
	}
	u.CreatedAt = earlier(createdDay.at(9*3600+g.rng.IntN(9*3600)), g.now)
	lo := u.CreatedAt
	if f.hasEnd && f.end < g.today {
		lo = later((f.end - 10).at(9*3600), lo)
	}
	u.UpdatedAt = randomBetween(g.rng, lo, g.now)
	return u, f
}

// newUser is a user as HR registers one: no end date, comment, NFC tag,
// segments or calendars, the first 36協定, 勤務区分 and holidays, the month's
// end as closing day; the generator varies these, a new hire keeps them.
func newUser(id int64, number string, family, given nameReading, start civilDate, email string) User {
	u := User{
		ID: id, Number: Str(number), LastName: Str(family.kanji), FirstName: Str(given.kanji),
		LastNameKana: Str(family.kana), FirstNameKana: Str(given.kana), StartDate: Str(start.String()),
		EndDate: OptString{Presence: Null}, Comment: OptString{Presence: Null}, CutoffDate: Int(31),
		NfcTagPC: OptString{Presence: Null}, Email: Str(email), Agreement36ID: Int(1),
		Segment: OptString{Presence: Null}, DefaultSegmentID: Int(1),
		DefaultHoliday1ID: Int(1), DefaultHoliday2ID: Int(2), DefaultHoliday3ID: Int(3),
	}
	for _, id := range u.calendarIDs() {
		*id = OptInt{Presence: Null}
	}
	return u
}

var sampleComments = []string{"時短勤務", "育休復帰", "出向中", "兼務: 開発部", "週4日勤務", "在宅勤務中心"}

// email builds a unique address like t.yamada123@example.co.jp.
func (g *generator) email(family, given nameReading) string {
	for attempt := 0; ; attempt++ {
		n := 1 + g.rng.IntN(999)
		if attempt > 5 {
			n = 1000 + len(g.emails)
		}
		e := given.romaji[:1] + "." + family.romaji + strconv.Itoa(n) + "@example.co.jp"
		if _, dup := g.emails[e]; !dup {
			g.emails[e] = struct{}{}
			return e
		}
	}
}

// departmentID favours the first departments (sales and development are big).
func (g *generator) departmentID() int64 {
	r := g.rng.Float64()
	return int64(int(r*r*float64(len(g.c.Departments)))) + 1
}

// lodgmentID puts half of the staff at the head office.
func (g *generator) lodgmentID() int64 {
	if len(g.c.Lodgments) == 1 || g.rng.IntN(2) == 0 {
		return 1
	}
	return int64(2 + g.rng.IntN(len(g.c.Lodgments)-1))
}

// approvers gives some employees a first approver group naming an earlier
// employee, copied as rendered (so messy names show up there too).
func (g *generator) approvers() {
	rng := rand.New(rand.NewPCG(g.spec.Seed, streamApprovers))
	users := g.c.Users
	for i := 1; i < len(users); i++ {
		if rng.IntN(100) >= 15 {
			continue
		}
		a := &users[rng.IntN(i)]
		users[i].GroupApprovers[0] = []Approver{{
			ID: a.ID, LastName: a.LastName, FirstName: a.FirstName,
			LodgmentID: a.LodgmentID, DepartmentID: a.DepartmentID,
		}}
	}
}
