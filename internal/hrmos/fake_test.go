package hrmos

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time shared by the fake server and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, jstZone)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fake is a small HRMOS written for these tests from hrmos-api.md: token
// exchange with a verbatim Basic key, Token auth, paged bare-array lists
// with X-Total-* headers, and hooks to inject faults.
type fake struct {
	t       *testing.T
	company string
	key     string
	clock   *clock
	// tokenLife is how long issued tokens live (default 24h).
	tokenLife time.Duration
	// noTotals drops X-Total-Count/X-Total-Page; link adds Link headers.
	noTotals, link bool
	// lists maps an API path (below /v1) to raw JSON items.
	lists map[string][]string
	// hook runs before auth checks on every data request; it returns true
	// when it has written the response. n counts data requests from 1.
	hook func(w http.ResponseWriter, r *http.Request, n int) bool
	// authHook does the same for the token endpoint.
	authHook func(w http.ResponseWriter, r *http.Request, n int) bool

	mu          sync.Mutex
	seq         int
	tokens      map[string]time.Time
	authHeaders []string
	dataAuth    []string
	dataPages   []string // "path?page=N"
	authHits    int
	dataHits    int
	rawPaths    []string
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	f := &fake{
		t:         t,
		company:   "acme",
		key:       "c2VjcmV0LWtleS0xMjM0NTY3ODkwYWJjZGVm",
		clock:     newClock(),
		tokenLife: 24 * time.Hour,
		lists:     map[string][]string{},
		tokens:    map[string]time.Time{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// client builds a Client for the fake with fast retries.
func (f *fake) client(t *testing.T, srv *httptest.Server, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:        srv.URL + "/api",
		CompanyID:      f.company,
		APIKey:         Secret(f.key),
		RequestTimeout: 2 * time.Second,
		MaxAttempts:    4,
		RetryBaseDelay: time.Millisecond,
		Now:            f.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSONError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%d,"message":"error for 徳川 ieyasu@example.jp"}`, status)
}

// revokeAll makes every issued token invalid, as a destroy or a newer token
// would.
func (f *fake) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]time.Time{}
}

func (f *fake) counts() (auth, data int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authHits, f.dataHits
}

func (f *fake) pages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dataPages...)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.rawPaths = append(f.rawPaths, r.URL.EscapedPath())
	f.mu.Unlock()

	prefix := "/api/" + url.PathEscape(f.company) + "/v1"
	p := r.URL.EscapedPath()
	if r.Method != http.MethodGet || !strings.HasPrefix(p, prefix+"/") {
		writeJSONError(w, http.StatusNotFound)
		return
	}
	p = strings.TrimPrefix(p, prefix)

	if p == "/authentication/token" {
		f.mu.Lock()
		f.authHits++
		n := f.authHits
		f.authHeaders = append(f.authHeaders, r.Header.Get("Authorization"))
		f.mu.Unlock()
		if f.authHook != nil && f.authHook(w, r, n) {
			return
		}
		if r.Header.Get("Authorization") != "Basic "+f.key {
			writeJSONError(w, http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		f.seq++
		tok := fmt.Sprintf("Tok%021d", f.seq)
		exp := f.clock.Now().Add(f.tokenLife)
		f.tokens[tok] = exp
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"expired_at":%q}`, tok, exp.In(jstZone).Format("2006-01-02T15:04:05.000-07:00"))
		return
	}

	f.mu.Lock()
	f.dataHits++
	n := f.dataHits
	f.dataAuth = append(f.dataAuth, r.Header.Get("Authorization"))
	f.dataPages = append(f.dataPages, p+"?page="+r.URL.Query().Get("page"))
	f.mu.Unlock()
	if f.hook != nil && f.hook(w, r, n) {
		return
	}

	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
	f.mu.Lock()
	exp, known := f.tokens[tok]
	f.mu.Unlock()
	if !ok || !known || !f.clock.Now().Before(exp) {
		writeJSONError(w, http.StatusUnauthorized)
		return
	}

	items, found := f.lists[p]
	if !found {
		writeJSONError(w, http.StatusNotFound)
		return
	}
	page, limit := 1, 25
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 {
		limit = min(v, 100)
	}
	total := len(items)
	totalPages := (total + limit - 1) / limit
	from := min((page-1)*limit, total)
	to := min(from+limit, total)
	if !f.noTotals {
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		w.Header().Set("X-Total-Page", strconv.Itoa(totalPages))
	}
	if f.link {
		links := []string{fmt.Sprintf(`<%s?page=1>; rel="first"`, p)}
		if page < totalPages {
			links = append(links, fmt.Sprintf(`<%s?page=%d>; rel="next"`, p, page+1))
		}
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, "["+strings.Join(items[from:to], ",")+"]")
}

// userItems returns n users with ids 1..n.
func userItems(n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":%d,"number":"A%04d","last_name":"徳川","first_name":"家康%d","email":"u%d@example.jp"}`, i+1, i+1, i+1, i+1)
	}
	return items
}

var jstZone = time.FixedZone("JST", 9*60*60)
