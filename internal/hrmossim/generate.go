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
	start    civilDate
	end      civilDate
	hasEnd   bool
	cutoff   int
	partTime bool
	flex     bool
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
	g := &generator{
		spec:   spec,
		now:    now.Truncate(time.Second),
		today:  civilOf(now),
		rng:    rand.New(rand.NewPCG(spec.Seed, streamBase)),
		mess:   &messer{opts: spec.Messy, rng: rand.New(rand.NewPCG(spec.Seed, streamMess))},
		emails: make(map[string]struct{}, spec.Users),
	}
	y, m, _ := g.today.ymd()
	g.since = dateOf(y-8, m, 1)
	g.c = &Company{
		ID:          spec.CompanyID,
		APIKey:      spec.APIKey,
		KeyIssuedAt: g.now,
		MonthlyRows: make(map[string][]MonthlyRow, len(spec.Months)),
	}
	if g.c.APIKey == "" {
		g.c.APIKey = keyFromRand(rand.New(rand.NewPCG(spec.Seed, streamKey)))
	}
	g.masters()
	g.users()
	g.messUsersByCount()
	g.approvers()
	months := slices.Clone(spec.Months)
	slices.Sort(months)
	for _, month := range slices.Compact(months) {
		g.c.MonthlyRows[month] = g.monthlyRows(month)
	}
	if err := g.c.normalize(); err != nil {
		return nil, fmt.Errorf("generate company %q: %w", spec.CompanyID, err)
	}
	return g.c, nil
}

// MustGenerate is Generate for tests and fixed specs; it panics on a bad spec.
func MustGenerate(spec GenerateSpec) *Company {
	c, err := Generate(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// keyFromRand makes a Secret Key shaped like HRMOS's: the published sample is
// Base64 of a 24-hex-digit string.
func keyFromRand(r interface{ Uint64() uint64 }) string {
	raw := make([]byte, 12)
	for i := range raw {
		raw[i] = byte(r.Uint64())
	}
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(raw)))
}

// masters generates departments, lodgments and employments.
func (g *generator) masters() {
	n := g.spec.Users
	setup := g.since.at(10 * 3600)
	nDept := min(max(3+n/40, 3), len(departmentNames))
	for i := range nDept {
		g.c.Departments = append(g.c.Departments, Department{
			ID: int64(i + 1), Name: departmentNames[i], Sequence: i + 1,
			UpdatedAt: setup.Add(time.Duration(g.rng.IntN(400*24)) * time.Hour),
		})
	}
	nLodg := min(max(1+n/60, 1), len(lodgmentSeeds))
	for i := range nLodg {
		s := lodgmentSeeds[i]
		created := setup.Add(time.Duration(i*37) * 24 * time.Hour)
		g.c.Lodgments = append(g.c.Lodgments, Lodgment{
			ID: int64(i + 1), Name: s.name, Sequence: i + 1,
			Segments:      []int{1, 2, 3},
			IPAddresses:   []string{"192.0.2." + strconv.Itoa(10+i)},
			Address:       s.address,
			PrefecturalID: s.prefecturalID,
			CreatedAt:     At(created),
			UpdatedAt:     At(created.Add(time.Duration(g.rng.IntN(300*24)) * time.Hour)),
		})
	}
	for i, k := range employmentKinds {
		g.c.Employments = append(g.c.Employments, Employment{
			ID: int64(i + 1), Name: k.name, Sequence: i + 1,
			UpdatedAt: setup.Add(time.Duration(g.rng.IntN(200*24)) * time.Hour),
		})
	}
}

// randomBetween returns a uniformly random instant in [lo, hi], whole seconds.
func randomBetween(rng *rand.Rand, lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	return lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)/time.Second)+1)) * time.Second)
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
		g.messUser(&u, &f)
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
		f.end = start + 30 + civilDate(g.rng.IntN(int(g.today-start)-30))
		if f.end >= g.today {
			f.end = g.today - 1
		}
		f.hasEnd = true
	case roll < 92: // leaving soon
		f.end = g.today + 1 + civilDate(g.rng.IntN(90))
		f.hasEnd = true
	}
	switch roll := g.rng.IntN(100); {
	case roll < 85:
		f.cutoff = 31
	case roll < 95:
		f.cutoff = 25
	default:
		f.cutoff = 20
	}
	f.flex = !kind.partTime && g.rng.IntN(100) < 8

	u := User{
		ID:               id,
		Number:           Str(string(kind.prefix) + fmt.Sprintf("%05d", i+1)),
		LastName:         Str(family.kanji),
		FirstName:        Str(given.kanji),
		LastNameKana:     Str(family.kana),
		FirstNameKana:    Str(given.kana),
		StartDate:        Str(start.String()),
		EndDate:          OptString{Presence: Null},
		Comment:          OptString{Presence: Null},
		CutoffDate:       Int(int64(f.cutoff)),
		NfcTagPC:         OptString{Presence: Null},
		Email:            Str(g.email(family, given)),
		LodgmentID:       Int(g.lodgmentID()),
		Agreement36ID:    Int(1),
		DepartmentID:     Int(g.departmentID()),
		EmploymentID:     Int(int64(kindIdx + 1)),
		Segment:          OptString{Presence: Null},
		DefaultSegmentID: Int(1),
	}
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
	u.DefaultHoliday1ID, u.DefaultHoliday2ID, u.DefaultHoliday3ID = Int(1), Int(2), Int(3)
	for _, id := range u.calendarIDs() {
		*id = OptInt{Presence: Null}
	}

	// Registered up to three weeks before the first day, or in the bulk
	// import when the tenant moved to HRMOS.
	nowT := g.now
	createdDay := start - civilDate(g.rng.IntN(21))
	if createdDay < g.since {
		createdDay = g.since + civilDate(g.rng.IntN(30))
	}
	u.CreatedAt = createdDay.at(9*3600 + g.rng.IntN(9*3600))
	if u.CreatedAt.After(nowT) {
		u.CreatedAt = nowT
	}
	lo := u.CreatedAt
	if f.hasEnd && f.end < g.today {
		if t := (f.end - 10).at(9 * 3600); t.After(lo) {
			lo = t
		}
	}
	u.UpdatedAt = randomBetween(g.rng, lo, nowT)
	return u, f
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

// messUser applies the per-employee messy shares and the empty shapes.
func (g *generator) messUser(u *User, f *userFacts) {
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
		if which&1 != 0 {
			u.DepartmentID = OptInt{Presence: Null}
		}
		if which&2 != 0 {
			u.LodgmentID = OptInt{Presence: Null}
		}
		if which&4 != 0 {
			u.EmploymentID = OptInt{Presence: Null}
		}
	}
	if m.chance(o.FullWidthVariants) {
		g.widthVariant(u)
	}
	if m.emptyEnabled() {
		for _, v := range []*OptString{&u.EndDate, &u.Comment, &u.NfcTagPC, &u.Segment} {
			if v.Presence != Present {
				v.Presence = m.emptyShape(v.Presence)
			}
		}
		for _, id := range u.calendarIDs() {
			id.Presence = m.emptyNonString(Null)
		}
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
	case 1:
		if u.LastNameKana.Presence == Present {
			u.LastNameKana.Value = toHalfWidthKana(u.LastNameKana.Value)
		}
		if u.FirstNameKana.Presence == Present {
			u.FirstNameKana.Value = toHalfWidthKana(u.FirstNameKana.Value)
		}
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

	var maxDept int64
	for _, d := range g.c.Departments {
		maxDept = max(maxDept, d.ID)
	}
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
		switch m.rng.IntN(3) {
		case 0:
			users[i].StartDate = Str(fmt.Sprintf("%04d/%02d/%02d", y, mo, d))
		case 1:
			users[i].StartDate = Str(fmt.Sprintf("%04d-13-45", y))
		default:
			users[i].StartDate = Str(fmt.Sprintf("%04d%02d%02d", y, mo, d))
		}
	}
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
