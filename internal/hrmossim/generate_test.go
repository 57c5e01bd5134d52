package hrmossim

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestGenerateIsDeterministic(t *testing.T) {
	spec := GenerateSpec{CompanyID: "acme", Users: 300, Seed: 42, Messy: MessyAll(),
		Months: []string{"2026-03", "2026-01"}, Now: testNow}
	render := func(c *Company) []byte {
		b := renderCompany(c)
		for _, m := range c.Months() {
			for _, r := range c.MonthlyRows[m] {
				b = strconv.AppendInt(b, int64(r.Status), 10)
			}
		}
		return b
	}
	a, b := render(MustGenerate(spec)), render(MustGenerate(spec))
	if !bytes.Equal(a, b) {
		t.Fatal("the same spec generated different companies")
	}
	if !json.Valid(mustJSON(MustGenerate(spec).Users[0])) {
		t.Fatal("a user renders invalid JSON")
	}

	other := spec
	other.Seed = 43
	if bytes.Equal(a, render(MustGenerate(other))) {
		t.Error("a different seed generated the same company")
	}
	if MustGenerate(spec).APIKey == MustGenerate(other).APIKey {
		t.Error("a different seed derived the same key")
	}

	// Switching messy data on keeps the clean base: the same people.
	clean := spec
	clean.Messy = MessyOptions{}
	cc, mc := MustGenerate(clean), MustGenerate(spec)
	if len(cc.Users) != len(mc.Users) || cc.Users[10].ID != mc.Users[10].ID || cc.Users[10].StartDate != mc.Users[10].StartDate {
		t.Error("messy options changed the underlying roster")
	}
	// Adding a month leaves the other months alone.
	more := spec
	more.Months = append(slices.Clone(spec.Months), "2026-02")
	if !slices.EqualFunc(MustGenerate(more).MonthlyRows["2026-03"], mc.MonthlyRows["2026-03"],
		func(x, y MonthlyRow) bool {
			return x.UserID == y.UserID && x.UpdatedAt.Equal(y.UpdatedAt.Time) && x.TotalWorkingHours == y.TotalWorkingHours
		}) {
		t.Error("adding a month changed another month's rows")
	}
}

func TestGenerateRejectsBadSpecs(t *testing.T) {
	for _, spec := range []GenerateSpec{
		{Users: 1},
		{CompanyID: "x", Users: -1},
		{CompanyID: "x", Users: 1, Months: []string{"2026-3"}},
	} {
		if _, err := Generate(spec); err == nil {
			t.Errorf("Generate(%+v) succeeded", spec)
		}
	}
}

var (
	emailPattern  = regexp.MustCompile(`^[a-z]\.[a-z]+[0-9]+@example\.co\.jp$`)
	numberPattern = regexp.MustCompile(`^[ACPHS][0-9]{5}$`)
	katakana      = regexp.MustCompile(`^[\p{Katakana}ー]+$`)
)

func TestCleanDataIsRealisticAndConsistent(t *testing.T) {
	c := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 3000, Seed: 11, Months: []string{"2026-03"}, Now: testNow})
	today := "2026-04-15"
	depts, lodgs, emps := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, d := range c.Departments {
		depts[d.ID] = true
	}
	for _, l := range c.Lodgments {
		lodgs[l.ID] = true
	}
	for _, e := range c.Employments {
		emps[e.ID] = true
	}
	emails, numbers := map[string]bool{}, map[string]bool{}
	retiredPast, leavingSoon := 0, 0
	cutoffs := map[int64]int{}
	for _, u := range c.Users {
		if !numberPattern.MatchString(u.Number.Value) || numbers[u.Number.Value] {
			t.Errorf("user %d number %q", u.ID, u.Number.Value)
		}
		numbers[u.Number.Value] = true
		if !emailPattern.MatchString(u.Email.Value) || emails[u.Email.Value] {
			t.Errorf("user %d email %q", u.ID, u.Email.Value)
		}
		emails[u.Email.Value] = true
		if !katakana.MatchString(u.LastNameKana.Value) || !katakana.MatchString(u.FirstNameKana.Value) {
			t.Errorf("user %d kana %q %q", u.ID, u.LastNameKana.Value, u.FirstNameKana.Value)
		}
		if u.LastName.Value == "" || u.FirstName.Value == "" {
			t.Errorf("user %d has no name", u.ID)
		}
		start, err := time.Parse(time.DateOnly, u.StartDate.Value)
		if err != nil || u.StartDate.Value >= today {
			t.Errorf("user %d start_date %q", u.ID, u.StartDate.Value)
		}
		switch u.EndDate.Presence {
		case Null:
		case Present:
			end, err := time.Parse(time.DateOnly, u.EndDate.Value)
			if err != nil || !end.After(start) {
				t.Errorf("user %d end_date %q after start %q", u.ID, u.EndDate.Value, u.StartDate.Value)
			}
			if u.EndDate.Value < today {
				retiredPast++
			} else {
				leavingSoon++
			}
		default:
			t.Errorf("user %d end_date presence %v in clean data", u.ID, u.EndDate.Presence)
		}
		if !depts[u.DepartmentID.Value] || !lodgs[u.LodgmentID.Value] || !emps[u.EmploymentID.Value] {
			t.Errorf("user %d points at unknown masters", u.ID)
		}
		cutoffs[u.CutoffDate.Value]++
		if u.CreatedAt.After(testNow) || u.UpdatedAt.Before(u.CreatedAt) || u.UpdatedAt.After(testNow) {
			t.Errorf("user %d timestamps %v %v", u.ID, u.CreatedAt, u.UpdatedAt)
		}
	}
	if retiredPast < 100 || leavingSoon < 10 {
		t.Errorf("retired %d, leaving soon %d: want a share of each", retiredPast, leavingSoon)
	}
	if cutoffs[31] < 2000 || cutoffs[25] == 0 || cutoffs[20] == 0 || len(cutoffs) != 3 {
		t.Errorf("cutoff dates %v, want mostly 31 with some 25 and 20", cutoffs)
	}
	for _, r := range c.MonthlyRows["2026-03"] {
		if _, ok := c.User(r.UserID); !ok {
			t.Errorf("clean data has a row for unknown user %d", r.UserID)
		}
	}
}

func TestMessyOptionsProduceEveryShape(t *testing.T) {
	opts := MessyAll()
	c := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 2000, Seed: 12, Messy: opts,
		Months: []string{"2026-02", "2026-03"}, Now: testNow})

	var users []map[string]any
	for i := range c.Users {
		var m map[string]any
		mustUnmarshal(t, mustJSON(c.Users[i]), &m)
		users = append(users, m)
	}
	count := func(pred func(u map[string]any) bool) int {
		n := 0
		for _, u := range users {
			if pred(u) {
				n++
			}
		}
		return n
	}
	str := func(u map[string]any, k string) string { s, _ := u[k].(string); return s }
	isNull := func(k string) func(map[string]any) bool {
		return func(u map[string]any) bool { v, ok := u[k]; return ok && v == nil }
	}
	isEmpty := func(k string) func(map[string]any) bool {
		return func(u map[string]any) bool { v, ok := u[k]; return ok && v == "" }
	}
	isAbsent := func(k string) func(map[string]any) bool {
		return func(u map[string]any) bool { _, ok := u[k]; return !ok }
	}
	hasRune := func(k string, lo, hi rune) func(map[string]any) bool {
		return func(u map[string]any) bool {
			return strings.ContainsFunc(str(u, k), func(r rune) bool { return r >= lo && r <= hi })
		}
	}
	emailCounts := map[string]int{}
	for _, u := range users {
		if e := str(u, "email"); e != "" {
			emailCounts[e]++
		}
	}
	dupEmails := 0
	for _, n := range emailCounts {
		if n > 1 {
			dupEmails += n - 1
		}
	}
	malformedDate := func(u map[string]any) bool {
		_, err := time.Parse(time.DateOnly, str(u, "start_date"))
		return err != nil
	}
	maxDept := float64(len(c.Departments))
	unknownDept := func(u map[string]any) bool { d, ok := u["department_id"].(float64); return ok && d > maxDept }

	checks := []struct {
		name string
		n    int
		min  int
	}{
		{"number \"\"", count(isEmpty("number")), 1},
		{"number null or absent", count(isNull("number")) + count(isAbsent("number")), 1},
		{"kana \"\"", count(isEmpty("first_name_kana")), 1},
		{"email missing", count(isEmpty("email")) + count(isNull("email")) + count(isAbsent("email")), 1},
		{"comment \"\"", count(isEmpty("comment")), 1},
		{"end_date \"\"", count(isEmpty("end_date")), 1},
		{"end_date absent", count(isAbsent("end_date")), 1},
		{"department_id null", count(isNull("department_id")), 1},
		{"lodgment_id null", count(isNull("lodgment_id")), 1},
		{"employment_id null", count(isNull("employment_id")), 1},
		{"full-width number", count(hasRune("number", 0xFF10, 0xFF5A)), 1},
		{"half-width kana", count(hasRune("last_name_kana", 0xFF66, 0xFF9F)) + count(hasRune("first_name_kana", 0xFF66, 0xFF9F)), 1},
		{"ideographic space in a name", count(hasRune("last_name", 0x3000, 0x3000)) + count(hasRune("first_name", 0x3000, 0x3000)), 1},
		{"upper-case e-mail", count(func(u map[string]any) bool { return strings.ContainsFunc(str(u, "email"), unicode.IsUpper) }), 1},
		{"duplicate e-mails", dupEmails, opts.DuplicateEmails},
		{"malformed start_date", count(malformedDate), opts.MalformedDates},
		{"unknown department", count(unknownDept), opts.UnknownDepartmentID},
	}
	for _, c := range checks {
		if c.n < c.min {
			t.Errorf("%s: %d users, want at least %d", c.name, c.n, c.min)
		}
	}
	for _, u := range users {
		if v, ok := u["cutoff_date"]; ok && v == "" {
			t.Errorf("an integer field rendered \"\": %v", u["id"])
		}
	}

	// Monthly rows.
	for _, m := range c.Months() {
		rows := c.MonthlyRows[m]
		unknown, negative, emptyStr, null, absent := 0, 0, 0, 0, 0
		for i := range rows {
			if _, ok := c.User(rows[i].UserID); !ok {
				unknown++
			}
			for _, d := range rowDurations(&rows[i]) {
				if d.Minutes < 0 {
					negative++
				}
				switch d.Presence {
				case EmptyString:
					emptyStr++
				case Null:
					null++
				case Absent:
					absent++
				}
			}
			rendered := mustJSON(rows[i])
			if !json.Valid(rendered) {
				t.Fatalf("row %d renders invalid JSON", rows[i].UserID)
			}
		}
		if unknown != opts.RowsForUnknownUsers {
			t.Errorf("%s: %d rows for unknown users, want %d", m, unknown, opts.RowsForUnknownUsers)
		}
		if negative == 0 || emptyStr == 0 || null == 0 || absent == 0 {
			t.Errorf("%s: negative %d, \"\" %d, null %d, absent %d durations: want some of each", m, negative, emptyStr, null, absent)
		}
		if !strings.Contains(string(mustJSON(rows[0])), `"learve_early_days"`) &&
			rows[0].LeaveEarlyDays.Presence != Absent {
			t.Errorf("%s: learve_early_days key missing", m)
		}
	}
	clean := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 2000, Seed: 12, Months: []string{"2026-03"}, Now: testNow})
	if got, want := len(c.MonthlyRows["2026-03"]), len(clean.MonthlyRows["2026-03"])-opts.UsersWithoutRows+opts.RowsForUnknownUsers; got != want {
		t.Errorf("messy 2026-03 has %d rows, want %d (clean minus users without rows plus unknown users)", got, want)
	}
}

func TestNoGenderAnywhere(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 200, Seed: 13, Messy: MessyAll(), Months: []string{"2026-03"}})
	tok := e.token()
	for _, path := range []string{"/users?limit=100", "/users?limit=100&page=2", "/departments", "/lodgments",
		"/employments", "/work_output_months/monthly/2026-03?limit=100"} {
		body := strings.ToLower(string(e.get(path, tok).body))
		for _, word := range []string{"gender", `"sex"`, "性別"} {
			if strings.Contains(body, word) {
				t.Errorf("%s mentions %s", path, word)
			}
		}
	}
}

func TestPersonalStrings(t *testing.T) {
	c := MustGenerate(GenerateSpec{CompanyID: "acme", Users: 1500, Seed: 14, Messy: MessyAll(), Now: testNow})
	strs := c.PersonalStrings()
	if !slices.IsSorted(strs) || len(slices.Compact(slices.Clone(strs))) != len(strs) {
		t.Error("PersonalStrings is not sorted and unique")
	}
	has := func(s string) bool { _, ok := slices.BinarySearch(strs, s); return ok }
	if !has(c.APIKey) {
		t.Error("API key missing")
	}
	for _, u := range c.Users[:200] {
		for _, v := range []OptString{u.LastNameKana, u.FirstNameKana, u.Email} {
			if v.Presence == Present && v.Value != "" && !has(v.Value) && len([]rune(v.Value)) >= 2 {
				t.Errorf("user %d: %q missing", u.ID, v.Value)
			}
		}
		full := canonicalText(u.LastName.Value) + canonicalText(u.FirstName.Value)
		if !has(full) || !has(canonicalText(u.LastName.Value)+" "+canonicalText(u.FirstName.Value)) {
			t.Errorf("user %d: full name %q missing", u.ID, full)
		}
	}
	// Messy values are listed raw and cleaned.
	for _, u := range c.Users {
		k := u.LastNameKana.Value
		if strings.ContainsRune(k, 'ﾞ') || strings.ContainsFunc(k, func(r rune) bool { return r >= 0xFF66 && r <= 0xFF9D }) {
			if !has(k) || !has(canonicalText(k)) {
				t.Errorf("half-width kana %q or its cleaned %q missing", k, canonicalText(k))
			}
			break
		}
	}
	for _, s := range strs {
		if len([]rune(s)) < 2 {
			t.Errorf("one-rune string %q listed", s)
		}
	}
}
