package hrmos

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

// The client is tested against the project's one HRMOS fake, the simulator
// (internal/hrmossim), which follows docs/hrmos-api.md rather than this client.
// simEnv wraps it with request counting and a hook for the byte-level
// oddities the simulator never produces (garbage bodies, missing headers).

var jstZone = time.FixedZone("JST", 9*60*60)

// simStart is the simulated "now" at the start of every test.
var simStart = time.Date(2026, 10, 1, 9, 0, 0, 0, jstZone)

type simEnv struct {
	clock   *hrmossim.ManualClock
	sim     *hrmossim.Server
	company *hrmossim.Company // as added; the simulator owns it
	ts      *httptest.Server

	// intercept, when set, sees every request before the simulator and
	// returns true when it has answered; n counts requests from 1.
	intercept func(w http.ResponseWriter, r *http.Request, n int) bool
	// drop lists response headers to remove (e.g. X-Total-Count).
	drop []string

	mu          sync.Mutex
	n           int
	authHits    int
	dataHits    int
	authHeaders []string
	dataPages   []string // "/users?page=N"
	rawPaths    []string
}

// newSim serves a generated company ("acme", seed 1, clock at simStart
// unless spec says otherwise).
func newSim(t *testing.T, spec hrmossim.GenerateSpec) *simEnv {
	t.Helper()
	if spec.CompanyID == "" {
		spec.CompanyID = "acme"
	}
	if spec.Seed == 0 {
		spec.Seed = 1
	}
	if spec.Now.IsZero() {
		spec.Now = simStart
	}
	return newSimCompany(t, hrmossim.MustGenerate(spec))
}

// newSimCompany serves c as given.
func newSimCompany(t *testing.T, c *hrmossim.Company) *simEnv {
	t.Helper()
	e := &simEnv{clock: hrmossim.NewManualClock(simStart), company: c}
	e.sim = hrmossim.New(hrmossim.Options{Clock: e.clock})
	if err := e.sim.AddCompany(c); err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.ts.Close)
	return e
}

func (e *simEnv) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.n++
	n := e.n
	e.rawPaths = append(e.rawPaths, r.URL.EscapedPath())
	if strings.HasSuffix(r.URL.Path, authPath) {
		e.authHits++
		e.authHeaders = append(e.authHeaders, r.Header.Get("Authorization"))
	} else {
		e.dataHits++
		_, p, _ := strings.Cut(r.URL.Path, "/v1")
		e.dataPages = append(e.dataPages, p+"?page="+r.URL.Query().Get("page"))
	}
	intercept, drop := e.intercept, e.drop
	e.mu.Unlock()
	if intercept != nil && intercept(w, r, n) {
		return
	}
	if len(drop) > 0 {
		w = &headerDropper{ResponseWriter: w, drop: drop}
	}
	e.sim.Handler().ServeHTTP(w, r)
}

// headerDropper removes headers just before they are sent.
type headerDropper struct {
	http.ResponseWriter
	drop []string
}

func (h *headerDropper) WriteHeader(code int) {
	for _, k := range h.drop {
		h.Header().Del(k)
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerDropper) Write(p []byte) (int, error) {
	for _, k := range h.drop {
		h.Header().Del(k)
	}
	return h.ResponseWriter.Write(p)
}

// client builds a Client for the simulated company with fast retries and
// the simulator's clock.
func (e *simEnv) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:        e.ts.URL + "/api",
		CompanyID:      e.company.ID,
		APIKey:         Secret(e.company.APIKey),
		RequestTimeout: 2 * time.Second,
		MaxAttempts:    4,
		RetryBaseDelay: time.Millisecond,
		Now:            e.clock.Now,
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

func (e *simEnv) counts() (auth, data int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.authHits, e.dataHits
}

func (e *simEnv) pages() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.dataPages...)
}

// secrets is every string that must never reach an error or a log: the
// company's personal data and key, and every token it was issued.
func (e *simEnv) secrets() []string {
	return append(e.sim.Company(e.company.ID).PersonalStrings(), e.sim.IssuedTokens(e.company.ID)...)
}

// userIDs are the IDs /users serves, in order.
func (e *simEnv) userIDs() []int64 {
	var ids []int64
	for _, u := range e.sim.Company(e.company.ID).Users {
		ids = append(ids, u.ID)
	}
	return ids
}

// isToken reports whether r is a token request.
func isToken(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, authPath) }

// writeJSONError answers like HRMOS would, but with personal data in the
// message, to prove the client never repeats it.
func writeJSONError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%d,"message":"error for 徳川 ieyasu@example.jp"}`, status)
}

// userItems returns n users with ids 1..n, for intercepted pages.
func userItems(n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":%d,"number":"A%04d","last_name":"徳川","first_name":"家康%d","email":"u%d@example.jp"}`, i+1, i+1, i+1, i+1)
	}
	return items
}
