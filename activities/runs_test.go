package activities

import (
	"strings"
	"testing"
	"time"
)

func TestKeyExpiryNoticeFrom14DaysBefore(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		expires time.Time
		want    string
	}{
		{time.Time{}, ""},
		{now.Add(15 * 24 * time.Hour), ""},
		{now.Add(14 * 24 * time.Hour), "key_expires_soon: the HRMOS API key expires in 14 days (2026-12-09)"},
		{now.Add(36 * time.Hour), "key_expires_soon: the HRMOS API key expires in 2 days"},
		{now.Add(-time.Hour), "key_expired: the HRMOS API key passed its 3 months on 2026-11-25"},
	} {
		got := KeyExpiryNotice(tt.expires, now)
		if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
			t.Errorf("KeyExpiryNotice(%s) = %q, want it to start with %q", tt.expires, got, tt.want)
		}
	}
}
