package workflows

import (
	"testing"
	"time"
)

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
