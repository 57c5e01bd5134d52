package hrmossim

import (
	"net/http"
	"testing"
	"time"
)

func want429(t *testing.T, res response) {
	t.Helper()
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", res.status)
	}
	if len(res.body) != 0 {
		t.Errorf("429 body = %q, want empty", res.body)
	}
	if v := res.header.Get("Retry-After"); v != "" {
		t.Errorf("429 has Retry-After %q", v)
	}
	if v := res.header.Get("Content-Type"); v != "" {
		t.Errorf("429 has Content-Type %q", v)
	}
}

func TestRateLimitSlidingMinuteCountsRejectedRequests(t *testing.T) {
	e := newEnv(t, Options{RateLimitPerMinute: 3}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token() // request 1 at t0
	for range 2 {    // requests 2 and 3
		if res := e.get("/users", tok); res.status != http.StatusOK {
			t.Fatalf("within the limit: status %d", res.status)
		}
	}
	want429(t, e.get("/users", tok)) // 4th at t0

	e.clock.Advance(30 * time.Second)
	want429(t, e.get("/users", tok)) // t0+30s: the window still holds 4
	want429(t, e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey))

	// t0+60s: the four requests of t0 have left; the two rejected ones of
	// t0+30s still count, so one more fits.
	e.clock.Advance(30 * time.Second)
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatalf("after the window slid: status %d", res.status)
	}
	want429(t, e.get("/users", tok))

	e.clock.Advance(31 * time.Second)
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatalf("after every rejected request left the window: status %d", res.status)
	}
	if n := e.sim.Throttled(); n != 4 {
		t.Errorf("Throttled() = %d, want the 4 requests refused", n)
	}
}

func TestRateLimitIsPerCompany(t *testing.T) {
	e := newEnv(t, Options{RateLimitPerMinute: 1}, GenerateSpec{CompanyID: "acme", Users: 3, Seed: 1})
	other := MustGenerate(GenerateSpec{CompanyID: "other", Users: 3, Seed: 2, Now: testNow})
	if err := e.sim.AddCompany(other); err != nil {
		t.Fatal(err)
	}
	e.token()
	want429(t, e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey))
	if res := e.do("GET", "/api/other/v1/authentication/token", "Basic "+other.APIKey); res.status != http.StatusOK {
		t.Errorf("other company: status %d", res.status)
	}
	e.sim.SetRateLimit(0)
	if res := e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey); res.status != http.StatusOK {
		t.Errorf("after SetRateLimit(0): status %d", res.status)
	}
}

func TestSlidingWindowStaysSmall(t *testing.T) {
	var w slidingWindow
	now := testNow
	for i := range 10000 {
		w.hit(now.Add(time.Duration(i)*time.Second), 5)
	}
	if len(w.times) > 130 {
		t.Errorf("window keeps %d timestamps for a 60 s window at 1 req/s", len(w.times))
	}
}
