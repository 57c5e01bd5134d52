package hrmossim

import (
	"strconv"
	"time"
)

// civilDate is a calendar date in Japan as days since 1970-01-01. Generation
// does a lot of date arithmetic per employee and month; an int keeps it cheap.
type civilDate int32

func dateOf(year int, month time.Month, day int) civilDate {
	return civilDate(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// civilOf is the JST calendar date of t.
func civilOf(t time.Time) civilDate {
	y, m, d := t.In(jst).Date()
	return dateOf(y, m, d)
}

// ymd returns the date's year, month and day.
func (d civilDate) ymd() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

// at returns the instant seconds after midnight JST of d.
func (d civilDate) at(seconds int) time.Time {
	y, m, day := d.ymd()
	return time.Date(y, m, day, 0, 0, seconds, 0, jst)
}

// weekday of d; 1970-01-01 was a Thursday.
func (d civilDate) weekday() time.Weekday {
	return time.Weekday((int(d)%7 + 7 + 4) % 7)
}

// String renders d as "YYYY-MM-DD".
func (d civilDate) String() string {
	y, m, day := d.ymd()
	b := make([]byte, 0, 10)
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, int(m), 2)
	b = append(b, '-')
	b = appendPadded(b, day, 2)
	return string(b)
}

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// weekdaysBetween counts Monday–Friday dates in [from, to].
func weekdaysBetween(from, to civilDate) int {
	n := 0
	for d := from; d <= to; d++ {
		if wd := d.weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// closingPeriod returns the dates a month label covers for a closing day
// (締め日). 31 (or any day past the month's end) means the calendar month;
// otherwise the period ends on that day of the named month and starts the
// day after the previous month's closing day, e.g. 2020-09 with 25 is
// 2020-08-26 … 2020-09-25. See doc.go: the mapping is a guess.
func closingPeriod(year int, month time.Month, cutoff int) (start, end civilDate) {
	closing := func(y int, m time.Month) civilDate {
		last := dateOf(y, m+1, 1) - 1
		if cutoff <= 0 || cutoff >= 31 {
			return last
		}
		d := dateOf(y, m, cutoff)
		if d > last {
			return last
		}
		return d
	}
	end = closing(year, month)
	start = closing(year, month-1) + 1
	return start, end
}

// parseMonth splits a "YYYY-MM" month.
func parseMonth(s string) (int, time.Month, bool) {
	if !validMonth(s) {
		return 0, 0, false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:])
	return y, time.Month(m), true
}
