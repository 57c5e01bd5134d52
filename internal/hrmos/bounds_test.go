package hrmos

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func TestLongestCallWithDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: DefaultBaseURL, CompanyID: "a", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	// 6 refusals × (token request + page request) × (4 × 30 s + 3 × 60 s)
	// + the waits after refusals 2 to 5 (1, 2, 4, 8 s, each +20%).
	if got, want := c.LongestCall(), time.Hour+18*time.Second; got != want {
		t.Fatalf("LongestCall() = %v, want %v", got, want)
	}
}

// No wait exceeds 60 × RetryBaseDelay, whatever Retry-After asks and
// whatever the jitter draws.
func TestWaitsAreCapped(t *testing.T) {
	c, err := New(Config{BaseURL: DefaultBaseURL, CompanyID: "a", APIKey: "k", RetryBaseDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		for _, kind := range []Kind{KindUnavailable, KindRateLimited} {
			if d := c.backoff(kind, 30, time.Hour); d > time.Minute || d < 48*time.Second {
				t.Fatalf("%v wait %v, want 48 s to 60 s", kind, d)
			}
		}
	}
}

// A bad case the rules allow: every request first fails slowly and asks to
// come back much later, every page request then gets 401. The call takes a
// good share of LongestCall, never more.
func TestLongestCallHolds(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 3})
	var mu sync.Mutex
	seen := map[bool]int{} // token request? → attempts so far
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		mu.Lock()
		seen[isToken(r)]++
		n := seen[isToken(r)]
		mu.Unlock()
		if n%2 == 1 { // slow failure, then a far-off Retry-After
			time.Sleep(150 * time.Millisecond)
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		if !isToken(r) {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		return false
	}
	c := env.client(t, func(c *Config) {
		c.RequestTimeout = 300 * time.Millisecond // roomy: the test must not time out by accident
		c.MaxAttempts = 2
		c.RetryBaseDelay = time.Millisecond
		c.MaxTokenRefusals = 3
	})
	start := time.Now()
	_, err := countUsers(t, c)
	elapsed := time.Since(start)
	mustKind(t, err, KindTokenRefused)
	bound := c.LongestCall() // 3 × 2 × (2 × 300 ms + 60 ms) + 1.2 ms
	if elapsed > bound || elapsed < bound/4 {
		t.Fatalf("call took %v, bound %v", elapsed, bound)
	}
}
