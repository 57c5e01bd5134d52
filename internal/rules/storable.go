package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// SPEC §2 rule 8: a value mediment's database cannot hold is one record's
// error, never a failed page. PostgreSQL's text refuses a NUL character
// (SQLSTATE 22021), and a B-tree index entry holds at most about 2,700
// bytes (SQLSTATE 54000): a staging insert carries a whole page, so one such
// value would fail every record of the page on every retry. The fetch
// therefore stages an unstorable field empty and names it in the record's
// Unstorable list, and the rules make that the record's error before they
// look at anything else.

// Limits of a text value the sync stores: every string field it stages.
const (
	// MaxTextChars bounds a value in characters, surrounding spaces
	// included (the value is staged as HRMOS sent it). No 社員番号, name,
	// kana, e-mail address (RFC 5321 allows 254 characters), date or
	// 部門/拠点 name is longer; a longer one is a mistake in HRMOS.
	MaxTextChars = 255
	// MaxNormalizedBytes bounds a value's NFKC form in UTF-8 bytes. The
	// database indexes the matching keys NFKC-normalized (sync_norm_number,
	// sync_norm_name, sync_norm_email): the widest entry, 氏名 (family and
	// given name together) beside the e-mail address, then holds at most
	// 600+600+600 bytes (×1.5 at worst for lower() of the address), well
	// under PostgreSQL's B-tree limit of about 2,700 bytes, however much NFKC
	// expands a character (U+FDFA, 3 bytes, becomes 18 characters and 33
	// bytes). 600 bytes is 200 characters of Japanese text.
	MaxNormalizedBytes = 600
)

// TextProblem says why the database cannot take a text value as the sync
// stages, stores and indexes it: codes.ReasonInvalidCharacters for text
// that is not UTF-8 or holds a NUL or another control character (Unicode
// category Cc) once surrounding whitespace is trimmed, as the sync trims it
// before it compares or writes; codes.ReasonValueTooLong beyond MaxTextChars
// characters or MaxNormalizedBytes bytes in NFKC form. "" when it can.
func TextProblem(s string) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(strings.TrimSpace(s), unicode.IsControl) {
		return codes.ReasonInvalidCharacters
	}
	// Counting first bounds the normalization's work and memory.
	if utf8.RuneCountInString(s) > MaxTextChars || len(norm.NFKC.String(s)) > MaxNormalizedBytes {
		return codes.ReasonValueTooLong
	}
	return ""
}

// textField is one string field of a staged record: the HRMOS JSON key an
// admin corrects, and where the value lives.
type textField struct {
	key   string
	value *string
}

// userTexts are every string field of an HRMOS user the sync stages: the
// fields of UserFields staged as sent, then the 部門 and 拠点 names, which
// come from HRMOS's masters (an admin finds them through the user's
// department_id and lodgment_id), then 性別.
func userTexts(u *HRMOSUser) []textField {
	var fields []textField
	for _, f := range UserFields {
		if f.Raw != nil {
			fields = append(fields, textField{f.Key, f.Raw(u)})
		}
	}
	// A fresh copy, so that blanking it never writes through a pointer the
	// record shares with its caller.
	if u.DepartmentName != nil {
		name := *u.DepartmentName
		u.DepartmentName = &name
		fields = append(fields, textField{departmentField, u.DepartmentName})
	}
	if u.LodgmentName != nil {
		name := *u.LodgmentName
		u.LodgmentName = &name
		fields = append(fields, textField{lodgmentField, u.LodgmentName})
	}
	return append(fields, textField{"gender", &u.Gender})
}

const (
	departmentField = "department_id"
	lodgmentField   = "lodgment_id"
)

// attendanceTexts are every string field of a report row the sync stages,
// by HRMOS's key.
func attendanceTexts(r *AttendanceRow) []textField {
	fields := []textField{{"number", &r.Number}}
	for _, c := range AttendanceColumns {
		if c.Raw != nil {
			fields = append(fields, textField{c.Source, c.Raw(r)})
		}
	}
	return fields
}

// sanitize blanks each field the database cannot take and returns the
// list naming them, "field:reason_code" each, after those already named.
// The list it returns never shares memory with the one it was given.
func sanitize(fields []textField, named []string) []string {
	out := slices.Clip(named)
	for _, f := range fields {
		if code := TextProblem(*f.value); code != "" {
			*f.value = ""
			out = append(out, f.key+":"+code)
		}
	}
	return out
}

// SanitizeUser makes an HRMOS user safe to stage: each string field the
// database cannot take (TextProblem) is emptied and named in u.Unstorable,
// which MapUser and DecideRoster then report as the user's error. Running
// it again changes nothing.
func SanitizeUser(u *HRMOSUser) {
	u.Unstorable = sanitize(userTexts(u), u.Unstorable)
}

// SanitizeAttendanceRow does for a report row what SanitizeUser does for a
// user: the row's 社員番号 and every duration and day count as sent.
func SanitizeAttendanceRow(r *AttendanceRow) {
	r.Unstorable = sanitize(attendanceTexts(r), r.Unstorable)
}

// unstorableProblem is the record's error for the fields named unstorable
// (the first is the Problem's field; the others are named too), nil when
// none. who is the reason's opening ("HRMOS user 7"). Its text names the
// fields and the limit, never the value.
func unstorableProblem(who string, unstorable []string) *Problem {
	if len(unstorable) == 0 {
		return nil
	}
	field, code, _ := strings.Cut(unstorable[0], ":")
	what, fix := field, "correct it in HRMOS"
	switch field {
	case departmentField:
		what, fix = "the name of its 部門 (department_id)", "correct the 部門's name in HRMOS"
	case lodgmentField:
		what, fix = "the name of its 拠点 (lodgment_id)", "correct the 拠点's name in HRMOS"
	}
	var why string
	switch code {
	case codes.ReasonInvalidCharacters:
		why = what + " contains a NUL or another control character (or is not UTF-8 text), which mediment cannot store"
	case codes.ReasonValueTooLong:
		why = fmt.Sprintf("%s is longer than mediment stores (%d characters, %d bytes once normalized)", what, MaxTextChars, MaxNormalizedBytes)
	default: // not written by SanitizeUser or SanitizeAttendanceRow
		code, why = codes.ReasonInvalidCharacters, what+" cannot be stored in mediment"
	}
	if len(unstorable) > 1 {
		others := make([]string, 0, len(unstorable)-1)
		for _, u := range unstorable[1:] {
			f, _, _ := strings.Cut(u, ":")
			others = append(others, f)
		}
		why += fmt.Sprintf(" (%s cannot be stored either)", strings.Join(others, ", "))
	}
	return &Problem{Code: code, Field: field, Reason: fmt.Sprintf("%s: %s; %s", who, why, fix)}
}

// userUnstorable is a user's error for a value the database cannot take:
// the fields the fetch blanked, and any still held (a record that did not
// come through SanitizeUser).
func userUnstorable(u HRMOSUser) *Problem {
	SanitizeUser(&u)
	return unstorableProblem(fmt.Sprintf("HRMOS user %d", u.ID), u.Unstorable)
}

// attendanceUnstorable is the same for a report row.
func attendanceUnstorable(r AttendanceRow) *Problem {
	SanitizeAttendanceRow(&r)
	return unstorableProblem(fmt.Sprintf("HRMOS user %d", r.HRMOSUserID), r.Unstorable)
}
