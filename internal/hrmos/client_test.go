package hrmos

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func countUsers(t *testing.T, c *Client) (int, error) {
	t.Helper()
	n := 0
	err := c.Users(context.Background(), 1, func(p Page[User]) error {
		n += len(p.Items)
		return nil
	})
	return n, err
}

func mustKind(t *testing.T, err error, want Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Kind != want || KindOf(err) != want {
		t.Fatalf("kind = %v, want %v (error: %v)", e.Kind, want, err)
	}
	return e
}

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{BaseURL: DefaultBaseURL, CompanyID: "acme", APIKey: "k"}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mod := range map[string]func(*Config){
		"no base":        func(c *Config) { c.BaseURL = "" },
		"bad scheme":     func(c *Config) { c.BaseURL = "ftp://x/api" },
		"userinfo":       func(c *Config) { c.BaseURL = "https://user:pw@x/api" },
		"no company":     func(c *Config) { c.CompanyID = "" },
		"dot company":    func(c *Config) { c.CompanyID = ".." },
		"no key":         func(c *Config) { c.APIKey = "" },
		"newline in key": func(c *Config) { c.APIKey = "abc\n" },
	} {
		cfg := ok
		mod(&cfg)
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New accepted the config", name)
			continue
		}
		if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "abc") {
			t.Errorf("%s: error echoes the input: %v", name, err)
		}
	}
}

func TestBasicHeaderCarriesKeyVerbatim(t *testing.T) {
	// Already Base64-looking: must not be re-encoded (the simulator refuses
	// anything but the verbatim key).
	e := newSim(t, hrmossim.GenerateSpec{APIKey: "QmFzZTY0TG9va2luZ0tleT09+/="})
	c := e.client(t, nil)
	tok, err := c.Authenticate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := e.authHeaders[0]; got != "Basic "+e.company.APIKey {
		t.Fatalf("Authorization = %q, want the key verbatim after Basic", got)
	}
	if tok.Value.Reveal() == "" || !tok.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("token = %v expiring %v", tok.Value.Reveal() != "", tok.ExpiresAt)
	}
}

func TestTokenCachedAndReused(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 3})
	c := e.client(t, nil)
	for range 3 {
		if _, err := countUsers(t, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Departments(context.Background()); err != nil {
		t.Fatal(err)
	}
	if auth, data := e.counts(); auth != 1 || data != 4 {
		t.Fatalf("auth=%d data=%d, want one token for four calls", auth, data)
	}
}

func TestSharedTokenCacheAcrossClients(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 1})
	cache := NewMemoryTokenCache()
	a := e.client(t, func(c *Config) { c.Tokens = cache })
	b := e.client(t, func(c *Config) { c.Tokens = cache })
	if _, err := countUsers(t, a); err != nil {
		t.Fatal(err)
	}
	if _, err := countUsers(t, b); err != nil {
		t.Fatal(err)
	}
	if auth, _ := e.counts(); auth != 1 {
		t.Fatalf("auth=%d, want the second client to reuse the cached token", auth)
	}
	key := tokenCacheKey("acme", Secret(e.company.APIKey))
	if _, ok := cache.Get(key); !ok || !strings.HasPrefix(key, "acme:") || len(key) != len("acme:")+16 ||
		strings.Contains(key, e.company.APIKey) {
		t.Fatalf("token not stored under company:hash16 (key %q)", key)
	}
}

func TestConcurrentCallsAuthenticateOnce(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 2})
	c := e.client(t, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := countUsers(t, c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if auth, _ := e.counts(); auth != 1 {
		t.Fatalf("auth=%d, want 1", auth)
	}
}

func TestTokenRefreshedWhenExpiring(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 1})
	e.sim.SetFaults(hrmossim.Faults{TokenTTL: time.Hour})
	c := e.client(t, nil)
	if _, err := countUsers(t, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(50 * time.Minute) // 10 min left: still reused
	if _, err := countUsers(t, c); err != nil {
		t.Fatal(err)
	}
	if auth, _ := e.counts(); auth != 1 {
		t.Fatalf("auth=%d after 50 min, want 1", auth)
	}
	e.clock.Advance(6 * time.Minute) // 4 min left: refreshed before use
	if _, err := countUsers(t, c); err != nil {
		t.Fatal(err)
	}
	if auth, data := e.counts(); auth != 2 || data != 3 {
		t.Fatalf("auth=%d data=%d, want a refresh without a 401 round trip", auth, data)
	}
}

func TestReauthenticatesOnceOn401(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 2})
	c := e.client(t, nil)
	if _, err := countUsers(t, c); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.ExpireTokens("acme"); err != nil { // the cached token dies early
		t.Fatal(err)
	}
	n, err := countUsers(t, c)
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if auth, data := e.counts(); auth != 2 || data != 3 {
		t.Fatalf("auth=%d data=%d, want one re-auth and one repeated call", auth, data)
	}
}

func TestBadKeyIsKeyRejected(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	c := e.client(t, func(c *Config) { c.APIKey = "d3Jvbmcta2V5LXZhbHVlLTk4NzY1" })
	_, err := c.Authenticate(context.Background())
	herr := mustKind(t, err, KindKeyRejected)
	if herr.Retryable() || herr.Status != 401 || herr.Attempts != 1 {
		t.Fatalf("error = %+v", herr)
	}
	_, err = countUsers(t, c)
	mustKind(t, err, KindKeyRejected)
	if _, data := e.counts(); data != 0 {
		t.Fatalf("data calls made without a token: %d", data)
	}
	if strings.Contains(err.Error(), "d3Jvbmcta2V5") {
		t.Fatalf("error leaks the key: %v", err)
	}
}

func TestForbiddenKeyIsKeyRejected(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: authPath, FailNextN: 1, FailStatus: http.StatusForbidden})
	_, err := e.client(t, nil).Authenticate(context.Background())
	mustKind(t, err, KindKeyRejected)
}

func TestUnknownCompany(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	c := e.client(t, func(c *Config) { c.CompanyID = "ACME" }) // case-sensitive
	_, err := c.Authenticate(context.Background())
	herr := mustKind(t, err, KindCompanyNotFound)
	if herr.Retryable() || herr.Status != 404 {
		t.Fatalf("error = %+v", herr)
	}
}

func TestCompanyIDIsPathEscaped(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{CompanyID: "my co/ULS?x#y", Users: 1})
	c := e.client(t, nil)
	if n, err := countUsers(t, c); err != nil || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	want := "/api/my%20co%2FULS%3Fx%23y/v1/authentication/token"
	if e.rawPaths[0] != want {
		t.Fatalf("path = %q, want %q", e.rawPaths[0], want)
	}
}

func TestDataNotFoundAndBadRequest(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	c := env.client(t, nil)
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/lodgments", FailNextN: 1, FailStatus: http.StatusNotFound})
	_, err := c.Lodgments(context.Background())
	e := mustKind(t, err, KindNotFound)
	if e.Path != "/lodgments" || e.Attempts != 1 {
		t.Fatalf("error = %+v", e)
	}
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/departments", FailNextN: 1, FailStatus: http.StatusBadRequest})
	_, err = c.Departments(context.Background())
	mustKind(t, err, KindBadRequest)
}

func TestRateLimitedWithEmptyBodyThenSuccess(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 2})
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", RateLimitNextN: 2}) // a bare 429, as HRMOS sends
	c := e.client(t, nil)
	n, err := countUsers(t, c)
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if _, data := e.counts(); data != 3 {
		t.Fatalf("data=%d, want 2 rejected + 1 served", data)
	}
}

func TestRateLimitedForever(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", RateLimitNextN: 1 << 30})
	c := e.client(t, func(c *Config) { c.MaxAttempts = 3 })
	start := time.Now()
	_, err := countUsers(t, c)
	herr := mustKind(t, err, KindRateLimited)
	if !herr.Retryable() || herr.Attempts != 3 || herr.Status != 429 || herr.Code != 0 {
		t.Fatalf("error = %+v", herr)
	}
	// 429 back-off is 5×, 10× the base (1 ms) with ±20% jitter.
	if el := time.Since(start); el < 12*time.Millisecond {
		t.Fatalf("retried after %v, want the 429 back-off", el)
	}
	if got := herr.Error(); got != "HRMOS rate-limited this company: HTTP 429 after 3 attempts (list users, page 1)" {
		t.Fatalf("message = %q", got)
	}
}

func TestServerErrorsAreUnavailable(t *testing.T) {
	for name, faults := range map[string]hrmossim.Faults{
		"json": {OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: http.StatusServiceUnavailable},
		"html": {OnlyPath: "/users", GatewayHTMLNextN: 1 << 30},
	} {
		t.Run(name, func(t *testing.T) {
			env := newSim(t, hrmossim.GenerateSpec{})
			env.sim.SetFaults(faults)
			_, err := countUsers(t, env.client(t, nil))
			e := mustKind(t, err, KindUnavailable)
			if !e.Retryable() || e.Attempts != 4 {
				t.Fatalf("error = %+v", e)
			}
			if _, data := env.counts(); data != 4 {
				t.Fatalf("data=%d, want 4 attempts", data)
			}
			if name == "json" && (e.Code != 503 || !strings.Contains(e.Error(), "HTTP 503 after 4 attempts")) {
				t.Fatalf("error = %q code %d", e.Error(), e.Code)
			}
			if name == "html" && (e.Code != 0 || e.Status != 502) {
				t.Fatalf("error = %+v", e)
			}
		})
	}
}

// HRMOS's {"code"} is shown when it differs from the status.
func TestErrorCodeDifferentFromStatus(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"code":50301,"message":"maintenance for 徳川"}`))
		return true
	}
	_, err := countUsers(t, env.client(t, nil))
	e := mustKind(t, err, KindUnavailable)
	if e.Code != 50301 || !strings.Contains(e.Error(), "HTTP 503 (HRMOS code 50301) after 4 attempts") {
		t.Fatalf("error = %q code %d", e.Error(), e.Code)
	}
}

func TestServerErrorOnTokenEndpoint(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: authPath, FailNextN: 1, FailStatus: http.StatusInternalServerError})
	if _, err := e.client(t, nil).Authenticate(context.Background()); err != nil {
		t.Fatalf("token endpoint 500 then 200: %v", err)
	}
}

func TestTruncatedBodiesAreRetried(t *testing.T) {
	for name, truncate := range map[string]func(http.ResponseWriter){
		"simulator truncation": nil, // full Content-Length, half the body
		"cut json": func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`[{"id":1,"last_name":"徳`))
		},
		"object not array": func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"users":[]}`))
		},
		"html with 200": func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`<html>maintenance</html>`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := newSim(t, hrmossim.GenerateSpec{Users: 2})
			if truncate == nil {
				env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", TruncateNextN: 1})
			} else {
				env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
					if _, data := env.counts(); data == 1 && !isToken(r) {
						truncate(w)
						return true
					}
					return false
				}
			}
			n, err := countUsers(t, env.client(t, nil))
			if err != nil || n != 2 {
				t.Fatalf("n=%d err=%v", n, err)
			}
			if _, data := env.counts(); data != 2 {
				t.Fatalf("data=%d, want a retry", data)
			}
		})
	}
}

func TestTruncatedForeverIsUnavailable(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 5})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", TruncateNextN: 1 << 30})
	_, err := countUsers(t, env.client(t, nil))
	e := mustKind(t, err, KindUnavailable)
	if !errors.Is(err, errInvalidBody) || e.Status != 200 {
		t.Fatalf("error = %+v", e)
	}
}

func TestPerRequestTimeout(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 1})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", Latency: 2 * time.Second})
	c := env.client(t, func(c *Config) { c.RequestTimeout = 30 * time.Millisecond; c.MaxAttempts = 2 })
	_, err := countUsers(t, c)
	e := mustKind(t, err, KindUnavailable)
	if e.Attempts != 2 || e.Status != 0 || e.Error() != "HRMOS did not answer within 30ms on 2 attempts (list users, page 1)" {
		t.Fatalf("error = %q", e.Error())
	}
	if strings.Contains(e.Error(), "limit=") || strings.Contains(e.Error(), "page=") {
		t.Fatalf("error carries the query: %q", e.Error())
	}

	env.sim.SetFaults(hrmossim.Faults{})
	if _, err := countUsers(t, c); err != nil {
		t.Fatalf("after the server recovered: %v", err)
	}
}

func TestSlowBodyTimesOut(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte(`[`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		return true
	}
	c := env.client(t, func(c *Config) { c.RequestTimeout = 30 * time.Millisecond; c.MaxAttempts = 2 })
	_, err := countUsers(t, c)
	e := mustKind(t, err, KindUnavailable)
	if e.Error() != "HRMOS did not answer within 30ms on 2 attempts (list users, page 1)" {
		t.Fatalf("error = %q", e.Error())
	}
}

func TestContextCancelIsNotRetried(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		cancel()
		<-r.Context().Done()
		return true
	}
	c := env.client(t, nil)
	err := c.Users(ctx, 1, func(Page[User]) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if k := KindOf(err); k == KindUnavailable || k == KindRateLimited {
		t.Fatalf("cancellation classified as %v", k)
	}
	if _, data := env.counts(); data != 1 {
		t.Fatalf("data=%d, want no retry after cancel", data)
	}
}

func TestContextCancelDuringBackoff(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	ctx, cancel := context.WithCancel(context.Background())
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		cancel()
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	c := env.client(t, func(c *Config) { c.RetryBaseDelay = time.Hour })
	start := time.Now()
	err := c.Users(ctx, 1, func(Page[User]) error { return nil })
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestCallerDeadlineIsReturned(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := env.client(t, nil).Users(ctx, 1, func(Page[User]) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || KindOf(err) == KindUnavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestNetworkErrorIsUnavailable(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	c := env.client(t, func(c *Config) { c.MaxAttempts = 2 })
	env.ts.Close()
	_, err := c.Authenticate(context.Background())
	e := mustKind(t, err, KindUnavailable)
	if e.Attempts != 2 || e.Status != 0 || e.Error() != "HRMOS did not answer within 2s on 2 attempts (authenticate)" {
		t.Fatalf("error = %+v: %v", e, e)
	}
}

func TestLimiterIsWaitedOn(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 1})
	lim := rate.NewLimiter(rate.Every(25*time.Millisecond), 1)
	c := env.client(t, func(c *Config) { c.Limiter = lim })
	start := time.Now()
	for range 2 {
		if _, err := countUsers(t, c); err != nil { // 1 token + 2 data requests
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("3 requests took %v, want the limiter's pace", el)
	}
}

func TestLimiterThatCanNeverGrant(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	c := env.client(t, func(c *Config) { c.Limiter = rate.NewLimiter(1, 0) })
	_, err := c.Authenticate(context.Background())
	if err == nil || KindOf(err) != KindUnknown || !strings.Contains(err.Error(), "rate limiter") {
		t.Fatalf("err = %v", err)
	}
}

func TestBackoffSchedule(t *testing.T) {
	c, err := New(Config{BaseURL: DefaultBaseURL, CompanyID: "a", APIKey: "k", RetryBaseDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	within := func(d, want time.Duration) bool { return d >= want*8/10 && d <= want*12/10 }
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 3: 15 * time.Second, 20: 60 * time.Second} {
		if d := c.backoff(KindRateLimited, n, 0); !within(d, want) {
			t.Errorf("429 retry %d: %v, want ≈%v", n, d, want)
		}
	}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 40: 60 * time.Second} {
		if d := c.backoff(KindUnavailable, n, 0); !within(d, want) {
			t.Errorf("5xx retry %d: %v, want ≈%v", n, d, want)
		}
	}
	if d := c.backoff(KindUnavailable, 1, 30*time.Second); !within(d, 30*time.Second) {
		t.Errorf("Retry-After hint ignored: %v", d)
	}
}

func TestTokenResponseWithoutExpiry(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{})
	env.intercept = func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			_, _ = w.Write([]byte(`{"expired_at":"2026-10-02T09:00:00.000+09:00"}`)) // no token: retried
			return true
		}
		_, _ = w.Write([]byte(`{"token":"abc","expired_at":null}`))
		return true
	}
	tok, err := env.client(t, nil).Authenticate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value.Reveal() != "abc" || !tok.ExpiresAt.Equal(env.clock.Now().Add(time.Hour)) {
		t.Fatalf("token expiring %v", tok.ExpiresAt)
	}
}

func TestOnResponseSeesEveryAttempt(t *testing.T) {
	type call struct {
		op     string
		status int
	}
	var mu sync.Mutex
	var calls []call
	env := newSim(t, hrmossim.GenerateSpec{Users: 3, Months: []string{"2026-09"}})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1, FailStatus: http.StatusServiceUnavailable})
	c := env.client(t, func(c *Config) {
		c.RequestTimeout = 300 * time.Millisecond
		c.MaxAttempts = 2
		c.OnResponse = func(op string, status int, elapsed time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if elapsed <= 0 {
				t.Errorf("%s %d: elapsed %v", op, status, elapsed)
			}
			calls = append(calls, call{op, status})
		}
	})
	if _, err := countUsers(t, c); err != nil {
		t.Fatal(err)
	}
	if err := c.MonthlyReport(context.Background(), "2026-09", 1, func(Page[MonthlyReportRow]) error { return nil }); err != nil {
		t.Fatal(err)
	}
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/departments", Latency: time.Minute})
	if _, err := c.Departments(context.Background()); KindOf(err) != KindUnavailable {
		t.Fatalf("err = %v", err)
	}
	want := []call{{"authenticate", 200}, {"list users", 503}, {"list users", 200}, {"monthly report", 200},
		{"list departments", 0}, {"list departments", 0}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Fatalf("OnResponse calls (-want +got):\n%s", diff)
	}
}
