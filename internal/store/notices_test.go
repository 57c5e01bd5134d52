package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// A notice is said at most once per tenant and Japan day: the first run
// claims it, a retry of that run's activity takes its own claim again, a
// second run that day does not get it once it is sent, nor while the first
// run's claim is fresh; a stale unsent claim is taken over; the next day
// claims anew; another tenant or topic is apart. The worker's role may do
// all of it (migration 007's grants).
func TestANoticeIsClaimedOncePerTenantAndDay(t *testing.T) {
	_, dbURL := testdb.New(t)
	ctx := context.Background()
	pool, err := store.Open(ctx, testdb.WorkerURL(t, dbURL), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool)

	t0 := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	r1, r2, r3 := uuid.NewString(), uuid.NewString(), uuid.NewString()
	n := func(tenant, topic, day, run string, at time.Duration) store.Notice {
		return store.Notice{TenantID: tenant, Topic: topic, Day: day, RunID: run, Now: t0.Add(at)}
	}
	steps := []struct {
		what  string
		n     store.Notice
		sent  bool // mark it sent after claiming
		claim bool
	}{
		{"the day's first run claims it", n("acme", "api_key_expiry", "2026-12-03", r1, 0), false, true},
		{"a second run, while the first one's claim is fresh", n("acme", "api_key_expiry", "2026-12-03", r2, time.Minute), false, false},
		{"a retry of the first run's activity", n("acme", "api_key_expiry", "2026-12-03", r1, 2*time.Minute), true, true},
		{"once sent, the first run again", n("acme", "api_key_expiry", "2026-12-03", r1, 3*time.Minute), false, false},
		{"once sent, another run, even hours later", n("acme", "api_key_expiry", "2026-12-03", r2, 10*time.Hour), false, false},
		{"another tenant the same day", n("other", "api_key_expiry", "2026-12-03", r3, 0), false, true},
		{"another topic of the tenant", n("acme", "other_topic", "2026-12-03", r3, 0), false, true},
		{"the next day", n("acme", "api_key_expiry", "2026-12-04", r2, 24*time.Hour), false, true},
		{"that day, another run while the claim is unsent but fresh", n("acme", "api_key_expiry", "2026-12-04", r3, 24*time.Hour+9*time.Minute), false, false},
		{"that day, another run once the unsent claim is stale", n("acme", "api_key_expiry", "2026-12-04", r3, 24*time.Hour+11*time.Minute), true, true},
		{"that day, the run whose claim was taken over", n("acme", "api_key_expiry", "2026-12-04", r2, 24*time.Hour+12*time.Minute), false, false},
	}
	for _, s := range steps {
		got, err := st.ClaimNotice(ctx, s.n)
		if err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if got != s.claim {
			t.Errorf("%s: claimed %v, want %v", s.what, got, s.claim)
		}
		if s.sent {
			if err := st.MarkNoticeSent(ctx, s.n); err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
		}
	}
}
