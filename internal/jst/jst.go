// Package jst is Japan time as the engine uses it: HRMOS's dates, months
// and "today" (who has retired, which month is the previous one) are all
// Japan calendar values. One definition, so no two places disagree.
package jst

import (
	"regexp"
	"time"
)

// Zone is Japan time as a fixed +09:00 zone: Japan has no daylight saving
// time, and a fixed zone works on hosts without tzdata.
var Zone = time.FixedZone("JST", 9*60*60)

// MonthLayout is the month format of SPEC §3 and of sync_runs.month.
const MonthLayout = "2006-01"

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether s is a month as "YYYY-MM".
func ValidMonth(s string) bool { return monthPattern.MatchString(s) }

// Today is the calendar date in Japan at t, "YYYY-MM-DD".
func Today(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// Month is the month in Japan at t, "YYYY-MM".
func Month(t time.Time) string { return t.In(Zone).Format(MonthLayout) }

// PreviousMonth is the month before t's month in Japan, "YYYY-MM".
func PreviousMonth(t time.Time) string {
	j := t.In(Zone)
	return time.Date(j.Year(), j.Month()-1, 1, 0, 0, 0, 0, Zone).Format(MonthLayout)
}

// MonthBefore is the month before a "YYYY-MM" month; "" when m is not one.
func MonthBefore(m string) string {
	t, err := time.ParseInLocation(MonthLayout, m, Zone)
	if err != nil {
		return ""
	}
	return PreviousMonth(t)
}
