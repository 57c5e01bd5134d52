package hrmossim

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Clock is the simulator's only source of "now": token and key expiry, the
// rate-limit window and default timestamps all read it, so tests can move time
// with a ManualClock instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that only moves when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock reading t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time { return c.Advance(0) }

// Advance moves the clock forward by d and returns the new time.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// jst is HRMOS's offset; a fixed zone so the binary needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

// Timestamp is a date-time rendered as HRMOS does: in JST with milliseconds,
// "2020-09-18T12:57:16.000+09:00".
type Timestamp struct{ time.Time }

// At returns t as a Timestamp.
func At(t time.Time) Timestamp { return Timestamp{t} }

func (t Timestamp) MarshalJSON() ([]byte, error) { return appendTimestamp(nil, t.Time), nil }

func appendTimestamp(b []byte, t time.Time) []byte {
	return append(t.In(jst).AppendFormat(append(b, '"'), "2006-01-02T15:04:05.000-07:00"), '"')
}

// earlier returns the earlier of a and b, later the later (a when equal).
func earlier(a, b time.Time) time.Time { return slices.MinFunc([]time.Time{a, b}, time.Time.Compare) }
func later(a, b time.Time) time.Time   { return slices.MaxFunc([]time.Time{a, b}, time.Time.Compare) }

// weighted is how many of the ascending bounds roll has reached: how a
// percentage roll picks one of several outcomes.
func weighted(roll int, bounds ...int) int {
	n, _ := slices.BinarySearch(bounds, roll+1)
	return n
}

// randomBetween returns a uniformly random instant in [lo, hi], whole seconds.
func randomBetween(rng *rand.Rand, lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	return lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)/time.Second)+1)) * time.Second)
}

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

func (d civilDate) ymd() (int, time.Month, int) { return time.Unix(int64(d)*86400, 0).UTC().Date() }

// at returns the instant seconds after midnight JST of d.
func (d civilDate) at(seconds int) time.Time {
	y, m, day := d.ymd()
	return time.Date(y, m, day, 0, 0, seconds, 0, jst)
}

// String renders d as "YYYY-MM-DD".
func (d civilDate) String() string { return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly) }

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// weekdaysBetween counts Monday–Friday dates in [from, to] (1970-01-01 was a
// Thursday).
func weekdaysBetween(from, to civilDate) int {
	n := 0
	for d := from; d <= to; d++ {
		if wd := time.Weekday((int(d)%7 + 7 + 4) % 7); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// closingPeriod returns the dates a month label covers for a closing day
// (締め日), e.g. 2020-09 with 25 is 2020-08-26 … 2020-09-25 (doc.go: closing days).
func closingPeriod(year int, month time.Month, cutoff int) (start, end civilDate) {
	closing := func(y int, m time.Month) civilDate {
		last := dateOf(y, m+1, 1) - 1
		if cutoff <= 0 || cutoff >= 31 {
			return last
		}
		return min(dateOf(y, m, cutoff), last)
	}
	return closing(year, month-1) + 1, closing(year, month)
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// validMonth reports whether s is a "YYYY-MM" month.
func validMonth(s string) bool { return monthPattern.MatchString(s) }

// parseMonth splits a "YYYY-MM" month.
func parseMonth(s string) (int, time.Month, bool) {
	if !validMonth(s) {
		return 0, 0, false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:])
	return y, time.Month(m), true
}
