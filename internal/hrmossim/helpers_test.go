package hrmossim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the fixed "now" of most tests: a Wednesday morning in Tokyo.
var testNow = time.Date(2026, 4, 15, 10, 0, 0, 0, jst)

// simEnv is a running simulator with one company.
type simEnv struct {
	t       *testing.T
	clock   *ManualClock
	sim     *Server
	company *Company // the generated company as added (the server owns it)
	ts      *httptest.Server
}

// newEnv starts a simulator on a ManualClock at testNow with one generated
// company. The spec's Now defaults to the clock.
func newEnv(t *testing.T, opts Options, spec GenerateSpec) *simEnv {
	t.Helper()
	clock := NewManualClock(testNow)
	opts.Clock = clock
	if spec.CompanyID == "" {
		spec.CompanyID = "acme"
	}
	if spec.Now.IsZero() {
		spec.Now = testNow
	}
	c := MustGenerate(spec)
	sim := New(opts)
	if err := sim.AddCompany(c); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	return &simEnv{t: t, clock: clock, sim: sim, company: c, ts: ts}
}

// response is what a test request got.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to path (relative to the server) with an optional
// Authorization header.
func (e *simEnv) do(method, path, authorization string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// api is the path prefix of the env's company.
func (e *simEnv) api() string { return "/api/" + e.company.ID + "/v1" }

// token obtains a token with the company's key.
func (e *simEnv) token() string {
	e.t.Helper()
	res := e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey)
	if res.status != http.StatusOK {
		e.t.Fatalf("token: status %d: %s", res.status, res.body)
	}
	var tok struct {
		Token     string `json:"token"`
		ExpiredAt string `json:"expired_at"`
	}
	mustUnmarshal(e.t, res.body, &tok)
	return tok.Token
}

// get sends an authenticated GET.
func (e *simEnv) get(path, token string) response {
	e.t.Helper()
	return e.do("GET", e.api()+path, "Token "+token)
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %q: %v", truncateForLog(data), err)
	}
}

func truncateForLog(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// wantError checks a non-200 response carries the Error JSON with code = status.
func wantError(t *testing.T, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d (body %s)", res.status, status, truncateForLog(res.body))
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	mustUnmarshal(t, res.body, &e)
	if e.Code == nil || *e.Code != status || e.Message == nil || *e.Message == "" {
		t.Errorf("error body = %s, want {code:%d, message:…}", res.body, status)
	}
}

// objects decodes a JSON array of objects.
func objects(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	mustUnmarshal(t, body, &out)
	return out
}

// renderCompany renders everything the company serves, for whole-company
// comparisons.
func renderCompany(c *Company) []byte {
	b := mustJSON([]any{c.Users, c.Departments, c.Lodgments, c.Employments})
	for _, m := range c.Months() {
		b = append(b, mustJSON(c.MonthlyRows[m])...)
	}
	return append(b, c.APIKey...)
}

func mustJSONString(v any) string { return string(mustJSON(v)) }

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// String names the presence for test messages.
func (p Presence) String() string {
	if names := [...]string{"present", "empty-string", "null", "absent"}; int(p) < len(names) {
		return names[p]
	}
	return "unknown"
}

// rowDurations lists the top-level durations of a row.
func rowDurations(r *MonthlyRow) []*Duration { return slices.Collect(fieldsOf[Duration](r)) }

// Set moves the clock to t (backwards too).
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
