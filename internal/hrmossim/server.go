package hrmossim

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Clock drives token and key expiry, the rate-limit window and default
	// timestamps; nil means the wall clock.
	Clock Clock
	// RateLimitPerMinute is how many requests a company may make in any
	// sliding 60 seconds, rejected ones included; 0 means unlimited.
	RateLimitPerMinute int
	// TokenTTL is a token's lifetime from issue or postpone; 0 means 24 h.
	TokenTTL time.Duration
	// Logger receives one Debug line per request (never headers, so never
	// a key or token) and Info lines for admin changes; nil discards.
	Logger *slog.Logger
}

// Server simulates the HRMOS勤怠 REST API for any number of companies.
// All its methods are safe for concurrent use.
type Server struct {
	clock     Clock
	tokenTTL  time.Duration
	log       *slog.Logger
	rateLimit atomic.Int64
	// throttled counts the requests refused by the rate limit (429).
	throttled atomic.Int64
	handler   http.Handler
	api       *http.ServeMux

	dataMu    sync.RWMutex
	companies map[string]*companyState

	tokenMu sync.Mutex
	tokens  map[string]*tokenState

	limitMu sync.Mutex

	faultMu sync.Mutex
	faults  Faults
}

// companyState is a company and the server's bookkeeping for it.
type companyState struct {
	c      *Company
	window slidingWindow // guarded by Server.limitMu
}

// New returns a Server with no companies; add them with AddCompany.
func New(opts Options) *Server {
	s := &Server{
		clock:     opts.Clock,
		tokenTTL:  opts.TokenTTL,
		log:       opts.Logger,
		companies: make(map[string]*companyState),
		tokens:    make(map[string]*tokenState),
	}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = 24 * time.Hour
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.rateLimit.Store(int64(max(opts.RateLimitPerMinute, 0)))

	s.api = http.NewServeMux()
	const base = "/api/{company}/v1"
	s.api.HandleFunc("GET "+base+"/authentication/token", s.handleToken)
	s.api.HandleFunc("PUT "+base+"/authentication/postpone", s.handlePostpone)
	s.api.HandleFunc("DELETE "+base+"/authentication/destroy", s.handleDestroy)
	s.api.HandleFunc("GET "+base+"/users", s.handleUsers)
	s.api.HandleFunc("GET "+base+"/departments", s.handleDepartments)
	s.api.HandleFunc("GET "+base+"/lodgments", s.handleLodgments)
	s.api.HandleFunc("GET "+base+"/employments", s.handleEmployments)
	s.api.HandleFunc("GET "+base+"/work_output_months/monthly/{month}", s.handleMonthly)
	s.api.HandleFunc("/", handleNotFound)

	root := http.NewServeMux()
	root.HandleFunc("/api/", s.serveAPI)
	s.registerAdmin(root)
	root.HandleFunc("/", handleNotFound)
	s.handler = root
	return s
}

// Handler serves the API under /api/{company}/v1/… and the simulator's own
// controls under /_sim/.
func (s *Server) Handler() http.Handler { return s.handler }

// SetRateLimit changes RateLimitPerMinute (0 = unlimited) at run time.
func (s *Server) SetRateLimit(perMinute int) {
	s.rateLimit.Store(int64(max(perMinute, 0)))
}

func handleNotFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "Not Found")
}

// companyFromPath returns the {company} segment of /api/{company}/….
func companyFromPath(escapedPath string) (string, bool) {
	rest, ok := strings.CutPrefix(escapedPath, "/api/")
	if !ok {
		return "", false
	}
	seg, _, _ := strings.Cut(rest, "/")
	id, err := url.PathUnescape(seg)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// serveAPI runs every /api/ request through the same steps as the real
// service's edge: count it, find the company, apply the rate limit, apply
// injected faults, then the endpoint, whose response is buffered so that a
// truncation fault can cut it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		// Headers are never logged: they carry the key or a token.
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", rec.status(), "elapsed", time.Since(started))
	}()

	id, ok := companyFromPath(r.URL.EscapedPath())
	if !ok {
		writeError(rec, http.StatusNotFound, "Not Found")
		return
	}
	s.dataMu.RLock()
	state := s.companies[id]
	s.dataMu.RUnlock()
	if state == nil {
		writeError(rec, http.StatusNotFound, "Company not found")
		return
	}
	if !s.allowRequest(state) {
		// HRMOS answers an exceeded rate limit with a bare 429: no body, no Retry-After.
		s.throttled.Add(1)
		rec.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if !s.applyRequestFaults(rec, r) {
		return
	}
	buf := &bufferedResponse{header: make(http.Header)}
	s.api.ServeHTTP(buf, r)
	buf.flush(rec, s.takeFault(faultTruncate, r.URL.Path))
}

// sleepContext waits d or until ctx ends; it reports whether d elapsed.
func sleepContext(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// bufferedResponse holds an endpoint's response until the edge writes it.
type bufferedResponse struct {
	header http.Header
	code   int
	body   []byte
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

// flush writes the response; truncated declares the full Content-Length but
// sends only the first half of the body, so the client sees the connection
// end early (io.ErrUnexpectedEOF) as with a dropped upstream.
func (b *bufferedResponse) flush(w http.ResponseWriter, truncated bool) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	h.Set("Content-Length", strconv.Itoa(len(b.body)))
	w.WriteHeader(b.code)
	if truncated {
		_, _ = w.Write(b.body[:len(b.body)/2])
		return
	}
	_, _ = w.Write(b.body)
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// status is the status sent, or 0 when nothing was (the client left during
// an injected latency).
func (s *statusRecorder) status() int { return s.code }

// writeJSON writes a 200 (or other status) JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the API's Error object with code equal to the status.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, mustJSON(errorJSON{status, message}))
}

// lookupCompany returns the state of the request's company, or nil.
func (s *Server) lookupCompany(r *http.Request) *companyState {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.companies[r.PathValue("company")]
}

// Throttled is how many requests the rate limit has refused (429) so far,
// so a benchmark can tell that clients kept under it.
func (s *Server) Throttled() int64 { return s.throttled.Load() }
