package jst

import (
	"testing"
	"time"
)

func TestMonths(t *testing.T) {
	// 2026-10-31 20:00 UTC is already 2026-11-01 in Japan.
	at := time.Date(2026, 10, 31, 20, 0, 0, 0, time.UTC)
	if got := Today(at); got != "2026-11-01" {
		t.Errorf("Today = %s", got)
	}
	if got := Month(at); got != "2026-11" {
		t.Errorf("Month = %s", got)
	}
	if got := PreviousMonth(at); got != "2026-10" {
		t.Errorf("PreviousMonth = %s", got)
	}
	if got := PreviousMonth(time.Date(2026, 1, 15, 0, 0, 0, 0, Zone)); got != "2025-12" {
		t.Errorf("PreviousMonth over a year = %s", got)
	}
	if got := MonthBefore("2026-03"); got != "2026-02" {
		t.Errorf("MonthBefore = %s", got)
	}
	for _, m := range []string{"2026-1", "202601", "2026-13", "2026-00", ""} {
		if ValidMonth(m) {
			t.Errorf("ValidMonth(%q) = true", m)
		}
	}
	if !ValidMonth("2026-12") {
		t.Error("ValidMonth(2026-12) = false")
	}
}

// A scheduled action syncs the month before its time in Japan, whatever the
// worker's time zone.
func TestPreviousMonthIsTakenInJapanTime(t *testing.T) {
	for _, tt := range []struct{ at, want string }{
		{"2026-11-03T06:00:00+09:00", "2026-10"},
		{"2026-01-03T06:00:00+09:00", "2025-12"},
		// 2026-10-31 16:00 UTC is already 1 November in Japan.
		{"2026-10-31T16:00:00Z", "2026-10"},
		{"2026-10-31T14:59:00Z", "2026-09"},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := PreviousMonth(at); got != tt.want {
			t.Errorf("PreviousMonth(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}
