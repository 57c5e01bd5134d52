package rules

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
)

// Fuzz targets for the value readers (docs/hrmos-api.md §7) and the SPEC §2/§3
// mappings built on them. Seed corpora are testdata/fuzz/<target>/: the
// spec's examples and the odd formats HRMOS or a typing human produce
// ("176:30", "-1:30", "", ".5", "20.0", "0.25", full-width digits, other
// date layouts). Run one for 30 s with
//
//	go test -run '^$' -fuzz '^FuzzParseDuration$' -fuzztime 30s ./internal/rules
//
// Properties: nothing panics; each reader accepts exactly its format (an
// oracle written independently, as a regular expression and bounds); a
// refused value is the reader's fixed error, which cannot quote it; an
// accepted value round-trips through the text people read (Format); a
// well-formed value beyond its column is ErrOutOfRange; a mapping's Problem
// names its field and reads the same whatever the values were, as long as
// each stays of its class (empty, valid, invalid, out of range, or text the
// database cannot take, by reason): its reason depends on no value, so it
// cannot carry one. A value the database cannot take is the mapping's
// first problem, naming the first such field.

var (
	durationFormat = regexp.MustCompile(`^-?([0-9]+):[0-5][0-9]$`)
	dayCountFormat = regexp.MustCompile(`^(?:([0-9]+)(?:\.[0-9]0*)?|\.[0-9]0*)$`)
	dateFormat     = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)
)

// atMost reports whether a string of ASCII digits is a number ≤ limit,
// however many digits (leading zeros included) it has.
func atMost(digits string, limit int) bool {
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > len(strconv.Itoa(limit)) {
		return false
	}
	n, err := strconv.Atoi("0" + digits)
	return err == nil && n <= limit
}

var (
	minutesColumn = AttendanceColumn{Name: "actual_work_minutes", Unit: Minutes}
	tenthsColumn  = AttendanceColumn{Name: "working_days", Unit: Tenths}
)

func FuzzParseDuration(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		minutes, ok, err := ParseDuration(s)
		trimmed := strings.TrimSpace(s)
		m := durationFormat.FindStringSubmatch(trimmed)
		wantOK := m != nil && atMost(m[1], maxDurationHours)
		// Well-formed beyond the bound is out of range, else malformed.
		wantErr := ErrInvalidDuration
		if m != nil && !wantOK {
			wantErr = ErrOutOfRange
		}
		switch {
		case trimmed == "":
			if ok || err != nil || minutes != 0 {
				t.Fatalf("ParseDuration(%q) = %d, %v, %v; an empty value is no value", s, minutes, ok, err)
			}
		case err != nil:
			if wantOK {
				t.Fatalf("ParseDuration(%q) refused a duration: %v", s, err)
			}
			if err != wantErr || ok || minutes != 0 {
				t.Fatalf("ParseDuration(%q) = %d, %v, %v; want %v alone", s, minutes, ok, err, wantErr)
			}
		default:
			if !ok || !wantOK {
				t.Fatalf("ParseDuration(%q) = %d, %v accepted what is not \"H:MM\"", s, minutes, ok)
			}
			h, _ := strconv.Atoi("0" + strings.TrimLeft(m[1], "0"))
			mm, _ := strconv.Atoi(trimmed[len(trimmed)-2:])
			want := h*60 + mm
			if strings.HasPrefix(trimmed, "-") {
				want = -want
			}
			if minutes != want {
				t.Fatalf("ParseDuration(%q) = %d minutes, want %d", s, minutes, want)
			}
			text := *minutesColumn.Format(&minutes)
			back, ok, err := ParseDuration(text)
			if !ok || err != nil || back != minutes {
				t.Fatalf("%d minutes formatted as %q read back as %d, %v, %v", minutes, text, back, ok, err)
			}
		}
	})
}

func FuzzParseDayCount(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		tenths, ok, err := ParseDayCount(s)
		trimmed := strings.TrimSpace(s)
		m := dayCountFormat.FindStringSubmatch(trimmed)
		wantOK := m != nil && atMost(m[1], maxDayCount)
		wantErr := ErrInvalidDayCount
		if m != nil && !wantOK {
			wantErr = ErrOutOfRange
		}
		switch {
		case trimmed == "":
			if ok || err != nil || tenths != 0 {
				t.Fatalf("ParseDayCount(%q) = %d, %v, %v; an empty value is no value", s, tenths, ok, err)
			}
		case err != nil:
			if wantOK {
				t.Fatalf("ParseDayCount(%q) refused a day count: %v", s, err)
			}
			if err != wantErr || ok || tenths != 0 {
				t.Fatalf("ParseDayCount(%q) = %d, %v, %v; want %v alone", s, tenths, ok, err, wantErr)
			}
		default:
			if !ok || !wantOK {
				t.Fatalf("ParseDayCount(%q) = %d, %v accepted what is not a day count", s, tenths, ok)
			}
			whole, frac, _ := strings.Cut(trimmed, ".")
			n, _ := strconv.Atoi("0" + strings.TrimLeft(whole, "0"))
			want := n * 10
			if frac != "" {
				want += int(frac[0] - '0')
			}
			if tenths != want {
				t.Fatalf("ParseDayCount(%q) = %d tenths, want %d", s, tenths, want)
			}
			text := *tenthsColumn.Format(&tenths)
			back, ok, err := ParseDayCount(text)
			if !ok || err != nil || back != tenths {
				t.Fatalf("%d tenths formatted as %q read back as %d, %v, %v", tenths, text, back, ok, err)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		date, ok, err := ParseDate(s)
		trimmed := strings.TrimSpace(s)
		wantOK, wantErr := false, ErrInvalidDate
		if m := dateFormat.FindStringSubmatch(trimmed); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			norm := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, jst.Zone)
			exists := mo >= 1 && mo <= 12 && norm.Day() == d && int(norm.Month()) == mo
			// PostgreSQL's calendar has no year 0.
			wantOK = exists && y >= 1
			if exists && y == 0 {
				wantErr = ErrOutOfRange
			}
		}
		switch {
		case trimmed == "":
			if ok || err != nil || !date.IsZero() {
				t.Fatalf("ParseDate(%q) = %v, %v, %v; an empty value is no value", s, date, ok, err)
			}
		case err != nil:
			if wantOK {
				t.Fatalf("ParseDate(%q) refused a date: %v", s, err)
			}
			if err != wantErr || ok || !date.IsZero() {
				t.Fatalf("ParseDate(%q) = %v, %v, %v; want %v alone", s, date, ok, err, wantErr)
			}
		default:
			if !ok || !wantOK {
				t.Fatalf("ParseDate(%q) = %v accepted what is not an existing YYYY-MM-DD date", s, date)
			}
			if got := date.Format(time.DateOnly); got != trimmed {
				t.Fatalf("ParseDate(%q) = %s, which reads back as %q", s, date, got)
			}
			if date.Location() != jst.Zone || date.Hour() != 0 || date.Minute() != 0 {
				t.Fatalf("ParseDate(%q) = %s, want midnight in Japan", s, date)
			}
		}
	})
}

// class is what a reader makes of a raw value: none (empty), a value,
// invalid, out of range, or text the database cannot take (TextProblem). A
// Problem may depend on the class of each value, never on the value itself.
type class int

const (
	none class = iota
	valid
	invalid
	outOfRange
	badCharacters
	tooLong
)

func classOf[T any](parse func(string) (T, bool, error), raw string) class {
	if c := textClassOf(raw); c != none {
		return c
	}
	_, ok, err := parse(raw)
	switch {
	case errors.Is(err, ErrOutOfRange):
		return outOfRange
	case err != nil:
		return invalid
	case ok:
		return valid
	}
	return none
}

// textClassOf is badCharacters or tooLong for text the database cannot
// take, none otherwise.
func textClassOf(raw string) class {
	switch TextProblem(raw) {
	case codes.ReasonInvalidCharacters:
		return badCharacters
	case codes.ReasonValueTooLong:
		return tooLong
	}
	return none
}

// unstorableText is a value of an unstorable class other than any the
// fuzzer gives; "" for the other classes.
func unstorableText(c class) string {
	switch c {
	case badCharacters:
		return "\x00"
	case tooLong:
		return strings.Repeat("9", MaxTextChars+1)
	}
	return ""
}

// textCode is the reason code of an unstorable class.
func textCode(c class) string {
	if c == badCharacters {
		return codes.ReasonInvalidCharacters
	}
	return codes.ReasonValueTooLong
}

// representative is a value of the class other than any the fuzzer gives
// for a field of the unit.
func representative(unit Unit, c class) string {
	switch {
	case c == badCharacters || c == tooLong:
		return unstorableText(c)
	case c == none:
		return "\t"
	case c == invalid:
		return "not a value"
	case c == outOfRange && unit == Tenths:
		return "100000.0"
	case c == outOfRange:
		return "1000001:00"
	case unit == Tenths:
		return "3.5"
	}
	return "7:45"
}

// checkProblem: a Problem names its field, its reason names the field and
// the HRMOS user, and it is the same Problem for other values of the same
// classes (sameClasses): the reason depends on no value.
func checkProblem(t *testing.T, p, same *Problem, id int64) {
	t.Helper()
	if p.Field == "" || p.Code == "" {
		t.Fatalf("problem %+v does not name its field and code", p)
	}
	if !strings.Contains(p.Reason, p.Field) {
		t.Fatalf("reason %q does not name the field %s", p.Reason, p.Field)
	}
	if !strings.HasPrefix(p.Reason, "HRMOS user "+strconv.FormatInt(id, 10)+": ") {
		t.Fatalf("reason %q does not start with the HRMOS user", p.Reason)
	}
	if same == nil || *same != *p {
		t.Fatalf("the problem depends on the values:\n%+v\nbut with other values of the same kinds\n%+v", p, same)
	}
	if p.Error() != p.Reason {
		t.Fatalf("Error() = %q, Reason %q", p.Error(), p.Reason)
	}
}

func FuzzMapAttendance(f *testing.F) {
	f.Fuzz(func(t *testing.T, id int64, working, absence, tardy, leaveEarly, paid, actual, late, leaveEarlyHours, prescribed, statutory, lateNight string,
		invalidField string) {
		r := AttendanceRow{
			HRMOSUserID: id, Number: "A0001",
			WorkingDays: working, AbsenceDays: absence, TardyDays: tardy, LeaveEarlyDays: leaveEarly, PaidHolidays: paid,
			ActualWorkingHours: actual, TotalLateHours: late, TotalLeaveEarlyHours: leaveEarlyHours,
			HoursInPrescribedWorkingHours: prescribed, ExcessOfStatutoryWorkingHours: statutory, LateNightOvertimeWorkingHours: lateNight,
		}
		if invalidField != "" {
			r.InvalidFields = []string{invalidField}
		}
		fields, p := MapAttendance(r)

		// The same row with every value replaced by another of its class.
		same := r
		var firstBad, firstUnstorable *AttendanceColumn
		var badClass, unstorableClass class
		for _, c := range AttendanceColumns {
			if c.Raw == nil {
				continue
			}
			raw := *c.Raw(&r)
			cl := classOf(ParseDuration, raw)
			if c.Unit == Tenths {
				cl = classOf(ParseDayCount, raw)
			}
			switch {
			case (cl == badCharacters || cl == tooLong) && firstUnstorable == nil:
				firstUnstorable, unstorableClass = &c, cl
			case (cl == invalid || cl == outOfRange) && firstBad == nil:
				firstBad, badClass = &c, cl
			}
			*c.Raw(&same) = representative(c.Unit, cl)
		}
		_, sameP := MapAttendance(same)

		switch {
		case firstUnstorable != nil:
			// Rule 8 first: a value the database cannot take.
			if p == nil || p.Code != textCode(unstorableClass) || p.Field != firstUnstorable.Source {
				t.Fatalf("the row's first unstorable value is %s, the problem %+v", firstUnstorable.Source, p)
			}
			checkProblem(t, p, sameP, id)
			return
		case invalidField != "":
			if p == nil || p.Code != codes.ReasonInvalidField || p.Field != invalidField {
				t.Fatalf("a row with an invalid %q mapped to %+v", invalidField, p)
			}
			checkProblem(t, p, sameP, id)
			return
		case firstBad != nil:
			wantCode := codes.ReasonInvalidValue
			if badClass == outOfRange {
				wantCode = codes.ReasonValueOutOfRange
			}
			if p == nil || p.Code != wantCode || p.Field != firstBad.Source {
				t.Fatalf("the row's first bad value is %s (%s), the problem %+v", firstBad.Source, wantCode, p)
			}
			checkProblem(t, p, sameP, id)
			return
		case p != nil:
			t.Fatalf("a row of good values mapped to %+v", p)
		}

		for _, c := range AttendanceColumns {
			got := *c.Field(&fields)
			if c.Raw == nil {
				continue
			}
			raw := *c.Raw(&r)
			var want int
			var ok bool
			if c.Unit == Tenths {
				want, ok, _ = ParseDayCount(raw)
			} else {
				want, ok, _ = ParseDuration(raw)
			}
			if !ok {
				if got != nil {
					t.Fatalf("%s: no value in HRMOS became %d", c.Name, *got)
				}
				continue
			}
			if got == nil || *got != want {
				t.Fatalf("%s: %q became %v, want %d", c.Name, raw, got, want)
			}
			// What the run's diff shows reads back as the stored value.
			text := *c.Format(got)
			var back int
			if c.Unit == Tenths {
				back, ok, _ = ParseDayCount(text)
			} else {
				back, ok, _ = ParseDuration(text)
			}
			if !ok || back != *got {
				t.Fatalf("%s: %d formatted as %q reads back as %d", c.Name, *got, text, back)
			}
		}
		if fields.BreakMinutes != nil || fields.PaidLeaveMinutes != nil {
			t.Fatalf("columns without an HRMOS source got values: %+v", fields)
		}
		switch {
		case fields.ActualWorkMinutes == nil:
			if fields.NonPrescribedMinutes != nil {
				t.Fatalf("所定外 without 実労働: %d", *fields.NonPrescribedMinutes)
			}
		default:
			want := *fields.ActualWorkMinutes
			if fields.PrescribedMinutes != nil {
				want -= *fields.PrescribedMinutes
			}
			if want = max(want, 0); fields.NonPrescribedMinutes == nil || *fields.NonPrescribedMinutes != want {
				t.Fatalf("所定外 = %v, want 実労働 − 所定 never below 0 = %d", fields.NonPrescribedMinutes, want)
			}
		}
	})
}

// userClasses replaces every value of an HRMOS user by another of the same
// class: unstorable (by reason), else empty or not for text, and
// none/valid/invalid/out of range for dates.
func userClasses(u HRMOSUser) HRMOSUser {
	textClass := func(s, other string) string {
		if c := textClassOf(s); c != none {
			return unstorableText(c)
		}
		if strings.TrimSpace(s) == "" {
			return " "
		}
		return other
	}
	dateClass := func(s string) string {
		switch c := classOf(ParseDate, s); c {
		case badCharacters, tooLong:
			return unstorableText(c)
		case valid:
			return "1999-12-31"
		case invalid:
			return "31/12/1999"
		case outOfRange:
			return "0000-12-31"
		}
		return ""
	}
	same := u
	for _, f := range UserFields {
		if f.Raw == nil {
			continue
		}
		switch f.Kind {
		case Date:
			*f.Raw(&same) = dateClass(*f.Raw(&u))
		default:
			*f.Raw(&same) = textClass(*f.Raw(&u), "別の"+f.Key)
		}
	}
	same.Gender = textClass(u.Gender, "?")
	if u.DepartmentName != nil {
		same.DepartmentName = new(string)
		*same.DepartmentName = textClass(*u.DepartmentName, "部門")
	}
	if u.LodgmentName != nil {
		same.LodgmentName = new(string)
		*same.LodgmentName = textClass(*u.LodgmentName, "拠点")
	}
	return same
}

func FuzzMapUser(f *testing.F) {
	f.Fuzz(func(t *testing.T, id int64, number, lastName, firstName, lastKana, firstKana, email, start, end string,
		department int64, departmentName string, lodgment int64, lodgmentName string, gender string, flags uint8, invalidField string) {
		u := HRMOSUser{ID: id, Number: number, LastName: lastName, FirstName: firstName, LastNameKana: lastKana, FirstNameKana: firstKana,
			Email: email, StartDate: start, EndDate: end, HasGender: flags&1 != 0, Gender: gender}
		// flags: bit 1 a department, bit 2 one HRMOS lists; bits 3 and 4 the same for the office.
		if flags&2 != 0 {
			u.DepartmentID = &department
			if flags&4 != 0 {
				u.DepartmentName = &departmentName
			}
		}
		if flags&8 != 0 {
			u.LodgmentID = &lodgment
			if flags&16 != 0 {
				u.LodgmentName = &lodgmentName
			}
		}
		if invalidField != "" {
			u.InvalidFields = []string{invalidField}
		}
		fields, p := MapUser(u)
		_, sameP := MapUser(userClasses(u))

		// The first field, in the user's order, the database cannot take.
		var unstorable, unstorableCode string
		check := u
		for _, f := range userTexts(&check) {
			if code := TextProblem(*f.value); code != "" {
				unstorable, unstorableCode = f.key, code
				break
			}
		}
		if unstorable != "" && (p == nil || p.Code != unstorableCode || p.Field != unstorable) {
			t.Fatalf("the user's first unstorable field is %s (%s), the problem %+v", unstorable, unstorableCode, p)
		}
		if p != nil {
			switch p.Code {
			case codes.ReasonInvalidField:
				if p.Field != invalidField {
					t.Fatalf("invalid field %q reported as %+v", invalidField, p)
				}
			case codes.ReasonInvalidCharacters, codes.ReasonValueTooLong:
				if unstorable == "" {
					t.Fatalf("a user of storable values reported as %+v", p)
				}
			case codes.ReasonValueOutOfRange:
				if p.Field != "start_date" && p.Field != "end_date" {
					t.Fatalf("a value out of range reported as %+v", p)
				}
			case codes.ReasonMissingIdentity, codes.ReasonInvalidDate, codes.ReasonUnknownDepartment, codes.ReasonUnknownOffice:
			default:
				t.Fatalf("unexpected problem %+v", p)
			}
			checkProblem(t, p, sameP, id)
			return
		}
		if invalidField != "" {
			t.Fatalf("a user with an invalid %q mapped without a problem", invalidField)
		}
		if sameP != nil {
			t.Fatalf("the user mapped, the same kinds of values did not: %+v", sameP)
		}
		trimmedOrNil := func(s string) *string {
			if s = strings.TrimSpace(s); s == "" {
				return nil
			}
			return &s
		}
		// Each field of the table is its text trimmed; a good date reads
		// back as HRMOS sent it.
		for _, f := range UserFields {
			if f.Raw == nil {
				continue
			}
			got, want := *f.Value(&fields), trimmedOrNil(*f.Raw(&u))
			if (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Fatalf("%s = %v, want %v", f.Column, deref(got), deref(want))
			}
		}
		if fields.EmployeeNumber == nil && (fields.Email == nil || fields.LastName == nil && fields.FirstName == nil) {
			t.Fatalf("a user that cannot be matched mapped: %+v", fields)
		}
		if u.DepartmentID != nil && !Equal(fields.Department1, trimmedOrNil(departmentName)) ||
			u.DepartmentID == nil && fields.Department1 != nil {
			t.Fatalf("department1 = %v", deref(fields.Department1))
		}
		if u.LodgmentID != nil && !Equal(fields.Office, trimmedOrNil(lodgmentName)) || u.LodgmentID == nil && fields.Office != nil {
			t.Fatalf("office = %v", deref(fields.Office))
		}
		if fields.GenderProvided != u.HasGender || !u.HasGender && fields.Gender != nil {
			t.Fatalf("gender provided %v = %v, HRMOS sent one: %v", fields.GenderProvided, deref(fields.Gender), u.HasGender)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return strconv.Quote(*s)
}
