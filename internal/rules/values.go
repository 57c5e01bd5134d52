// HRMOS sends dates, durations and day counts as text (docs/hrmos-api.md §7);
// reading them is a rule of SPEC §3, not a job of the client, which only
// decodes JSON.
package rules

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/internal/jst"
)

// Errors of the format parsers. They describe the expected format and never
// quote the input, which may be personal data.
var (
	ErrInvalidDuration = errors.New(`invalid duration: want "H:MM" with minutes 00-59, e.g. "176:30"`)
	ErrInvalidDayCount = errors.New(`invalid day count: want a non-negative number with at most one decimal, e.g. "20.0" or ".5"`)
	ErrInvalidDate     = errors.New(`invalid date: want an existing calendar date as "YYYY-MM-DD"`)
	// ErrOutOfRange is a value of the right format that mediment's column
	// cannot hold: a day count above numeric(6,1), a duration beyond
	// maxDurationHours, a date of year 0000 (PostgreSQL has no year 0).
	ErrOutOfRange = errors.New("value out of range: beyond what mediment's database stores")
)

// maxDurationHours bounds durations so that minutes, and 実労働 − 所定
// computed from two of them, stay far inside the integer columns (at most
// 2,147,483,647 minutes, about 35.8 million hours); no month has more than
// 744 hours.
const maxDurationHours = 1_000_000

// ParseDuration reads HRMOS's "H:MM" durations ("0:00", "176:30"; hours
// unpadded, a leading "-" allowed) as minutes. "" (after trimming spaces)
// means no value: ok is false and err nil. More than maxDurationHours hours
// is ErrOutOfRange.
func ParseDuration(s string) (minutes int, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	h, m, found := strings.Cut(s, ":")
	if !found || h == "" || !allDigits(h) || len(m) != 2 || !allDigits(m) || m[0] > '5' {
		return 0, false, ErrInvalidDuration
	}
	// Only a number too large for int fails here: h is digits.
	hours, err := strconv.Atoi(h)
	if err != nil || hours > maxDurationHours {
		return 0, false, ErrOutOfRange
	}
	mins, _ := strconv.Atoi(m)
	minutes = hours*60 + mins
	if neg {
		minutes = -minutes
	}
	return minutes, true, nil
}

// maxDayCount bounds the integer part of a day count so that every value
// accepted fits monthly_attendance's numeric(6,1) (at most 99999.9); a month
// has at most 31 days, and leave balances stay far below this.
const maxDayCount = 99_999

// ParseDayCount reads HRMOS's day counts ("20.0", "0.5", ".5", "1") as
// tenths of a day, the precision mediment stores. "" means no value. A
// negative value or a second non-zero decimal ("0.25") is an error rather
// than silently rounded; a count above maxDayCount is ErrOutOfRange.
func ParseDayCount(s string) (tenths int, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if (whole == "" && frac == "") || !allDigits(whole) || !allDigits(frac) || (hasDot && frac == "") ||
		(frac != "" && strings.Trim(frac[1:], "0") != "") {
		return 0, false, ErrInvalidDayCount
	}
	n := 0
	if whole != "" {
		// Only a number too large for int fails here: whole is digits.
		if n, err = strconv.Atoi(whole); err != nil || n > maxDayCount {
			return 0, false, ErrOutOfRange
		}
	}
	tenths = n * 10
	if frac != "" {
		tenths += int(frac[0] - '0')
	}
	return tenths, true, nil
}

// ParseDate reads a "YYYY-MM-DD" date as midnight in Japan time. "" means
// no value. Other layouts ("2020/04/01") and impossible dates ("2020-02-30")
// are errors. Year 0000, which the calendar of Go accepts and PostgreSQL's
// date has not (1 BC follows AD 1), is ErrOutOfRange; the four digits
// required keep every other date inside PostgreSQL's range.
func ParseDate(s string) (t time.Time, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, nil
	}
	// time.Parse alone would accept a 5-digit year or a sign in places.
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]+s[5:7]+s[8:]) {
		return time.Time{}, false, ErrInvalidDate
	}
	t, err = time.ParseInLocation(time.DateOnly, s, jst.Zone)
	if err != nil {
		return time.Time{}, false, ErrInvalidDate
	}
	if t.Year() < 1 {
		return time.Time{}, false, ErrOutOfRange
	}
	return t, true, nil
}

// allDigits reports whether s consists of ASCII digits only ("" counts).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
