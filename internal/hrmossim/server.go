package hrmossim

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
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
	// Logger receives one Debug line per request (never headers, so never
	// a key or token) and Info lines for admin changes; nil discards.
	Logger *slog.Logger
}

// Server simulates the HRMOS勤怠 REST API for any number of companies.
// All its methods are safe for concurrent use.
type Server struct {
	opts                 Options      // with the defaults filled in
	rateLimit, throttled atomic.Int64 // per minute; requests refused (429)
	handler              http.Handler
	api                  *http.ServeMux
	dataMu               sync.RWMutex // guards companies and what they hold
	companies            map[string]*companyState
	tokenMu              sync.Mutex // guards tokens
	tokens               map[string]*tokenState
	limitMu              sync.Mutex // guards the companies' rate-limit windows
	faultMu              sync.Mutex // guards faults
	faults               Faults
}

// apiHandler serves an endpoint under /api/{company}/v1 for a known company.
type apiHandler func(http.ResponseWriter, *http.Request, *companyState)

// companyState is a company and the server's bookkeeping for it.
type companyState struct {
	c      *Company
	window slidingWindow // guarded by Server.limitMu
}

// New returns a Server with no companies; add them with AddCompany.
func New(opts Options) *Server {
	opts.Clock, opts.Logger = cmp.Or[Clock](opts.Clock, SystemClock{}), cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	s := &Server{opts: opts, companies: make(map[string]*companyState), tokens: make(map[string]*tokenState), api: http.NewServeMux()}
	s.SetRateLimit(opts.RateLimitPerMinute)
	for pattern, h := range map[string]apiHandler{
		"GET /authentication/token":      s.handleToken,
		"PUT /authentication/postpone":   s.tokenChange(func(t *tokenState, postponed time.Time) { t.expiresAt = postponed }),
		"DELETE /authentication/destroy": s.tokenChange(func(t *tokenState, _ time.Time) { t.destroyed = true }),
		"GET /users": listOf(s, list[User]{items: func(c *Company) []User { return c.Users },
			updated: func(u *User) time.Time { return u.UpdatedAt }, churn: (*Company).churnUsers}),
		"GET /departments": listOf(s, list[Department]{items: func(c *Company) []Department { return c.Departments },
			updated: func(d *Department) time.Time { return d.UpdatedAt }}),
		"GET /lodgments": listOf(s, list[Lodgment]{items: func(c *Company) []Lodgment { return c.Lodgments },
			updated: func(l *Lodgment) time.Time { return l.UpdatedAt.Time }, params: prefecturalID}),
		"GET /employments": listOf(s, list[Employment]{items: func(c *Company) []Employment { return c.Employments },
			updated: func(e *Employment) time.Time { return e.UpdatedAt }}),
		"GET /work_output_months/monthly/{month}": s.handleMonthly,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		s.api.HandleFunc(method+" /api/{company}/v1"+path, func(w http.ResponseWriter, r *http.Request) {
			h(w, r, s.companyState(r.PathValue("company")))
		})
	}
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
func (s *Server) SetRateLimit(perMinute int) { s.rateLimit.Store(int64(max(perMinute, 0))) }

// Throttled is how many requests the rate limit has refused (429) so far,
// so a benchmark can tell that clients kept under it.
func (s *Server) Throttled() int64 { return s.throttled.Load() }

func handleNotFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "Not Found")
}

// serveAPI runs every /api/ request through the steps of the real service's
// edge (edge), buffered so that a truncation fault can cut it (doc.go).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	started, rec := time.Now(), httptest.NewRecorder()
	status := 0 // nothing sent: the client left during an injected latency
	if send, truncate := s.edge(rec, r); send {
		status = rec.Code
		body := rec.Body.Bytes()
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if truncate {
			body = body[:len(body)/2]
		}
		_, _ = w.Write(body)
	}
	// Headers are never logged: they carry the key or a token.
	s.opts.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
		"status", status, "elapsed", time.Since(started))
}

// edge answers r into w; it reports whether to send the answer (not when the
// client left during an injected latency) and whether to truncate it.
func (s *Server) edge(w http.ResponseWriter, r *http.Request) (send, truncate bool) {
	rest, _ := strings.CutPrefix(r.URL.EscapedPath(), "/api/")
	seg, _, _ := strings.Cut(rest, "/")
	id, err := url.PathUnescape(seg)
	state := s.companyState(id)
	switch {
	case err != nil || id == "":
		writeError(w, http.StatusNotFound, "Not Found")
	case state == nil:
		writeError(w, http.StatusNotFound, "Company not found")
	case !s.allowRequest(state):
		s.throttled.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
	case !s.delay(r):
		return false, false
	case !s.injectFault(w, r):
		s.api.ServeHTTP(w, r)
		return true, s.takeFault(faultTruncate, r.URL.Path)
	}
	return true, false
}

// writeJSON writes a JSON body with the status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the API's Error object with code equal to the status.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, mustJSON(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{status, message}))
}

// mustJSON marshals values whose types cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("hrmossim: encode: " + err.Error())
	}
	return b
}

// rateWindow is the length of HRMOS's rate-limit window.
const rateWindow = 60 * time.Second

// slidingWindow remembers the instants of a company's requests within the
// last minute, rejected ones too (doc.go: rate limit).
type slidingWindow struct {
	times []time.Time // ascending
}

// hit records a request at now and reports whether it is within limit.
// Appending after the expired prefix keeps memory bounded by the requests
// of one window: once the backing array is full, append copies only those.
func (w *slidingWindow) hit(now time.Time, limit int) bool {
	expired := 0
	for expired < len(w.times) && !w.times[expired].After(now.Add(-rateWindow)) {
		expired++
	}
	w.times = append(w.times[expired:], now)
	return len(w.times) <= limit
}

// allowRequest applies the company's rate limit to one request.
func (s *Server) allowRequest(state *companyState) bool {
	limit := int(s.rateLimit.Load())
	if limit <= 0 {
		return true
	}
	now := s.opts.Clock.Now()
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	return state.window.hit(now, limit)
}

// ErrUnknownCompany is wrapped by the errors of methods given a company ID
// the server does not have.
var ErrUnknownCompany = errors.New("unknown company")

func errUnknownCompany(id string) error { return fmt.Errorf("company %q: %w", id, ErrUnknownCompany) }

func (s *Server) companyState(id string) *companyState {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.companies[id]
}

// AddCompany adds c, which the server owns from now on (see Company). It
// sorts c's lists and fails on a duplicate company, user or row.
func (s *Server) AddCompany(c *Company) error {
	if c == nil {
		return errors.New("add company: nil")
	}
	if err := c.normalize(); err != nil {
		return fmt.Errorf("add company: %w", err)
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if _, dup := s.companies[c.ID]; dup {
		return fmt.Errorf("add company %q: already added", c.ID)
	}
	s.companies[c.ID] = &companyState{c: c}
	s.opts.Logger.Info("company added", "company", c.ID, "users", len(c.Users), "months", len(c.MonthlyRows))
	return nil
}

// Company returns a snapshot of the company (a Clone), or nil when unknown.
// It copies every list: for a 100k-employee company prefer asking once.
func (s *Server) Company(id string) *Company {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	if st := s.companies[id]; st != nil {
		return st.c.Clone()
	}
	return nil
}

// changeCompany runs change on a company under the data lock.
func (s *Server) changeCompany(companyID string, change func(c *Company)) error {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	st := s.companies[companyID]
	if st == nil {
		return errUnknownCompany(companyID)
	}
	change(st.c)
	return nil
}

// now is the clock's now to the second, as timestamps are stored.
func (s *Server) now() time.Time { return s.opts.Clock.Now().Truncate(time.Second) }

// PutUser adds u to the company or replaces the user with u.ID. A zero
// CreatedAt or UpdatedAt is set to the clock's now, so a client's from
// filter finds the change.
func (s *Server) PutUser(companyID string, u User) error {
	now := s.now()
	u.CreatedAt, u.UpdatedAt = orNow(u.CreatedAt, now), orNow(u.UpdatedAt, now)
	return s.changeCompany(companyID, func(c *Company) { c.putUser(u) })
}

// PutMonthlyRow adds row to month ("YYYY-MM") or replaces that user's row.
// Zero timestamps are set to the clock's now.
func (s *Server) PutMonthlyRow(companyID, month string, row MonthlyRow) error {
	if !validMonth(month) {
		return fmt.Errorf("company %q: month %q is not YYYY-MM", companyID, month)
	}
	now := s.now()
	row.CreatedAt, row.UpdatedAt = At(orNow(row.CreatedAt.Time, now)), At(orNow(row.UpdatedAt.Time, now))
	return s.changeCompany(companyID, func(c *Company) { c.putMonthlyRow(month, row) })
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// MutateUsers changes one synced field (department, family-name kana or
// e-mail domain) of percent % of the company's active users, rounded, as a
// day of HR edits would, and sets their updated_at to the clock's now. The
// choice depends only on seed and the data. It returns how many changed.
func (s *Server) MutateUsers(companyID string, percent float64, seed uint64) (int, error) {
	if !(percent >= 0 && percent <= 100) { // NaN too
		return 0, fmt.Errorf("company %q: mutate %v%% of users: want 0 to 100", companyID, percent)
	}
	changed, now := 0, s.now()
	err := s.changeCompany(companyID, func(c *Company) { changed = c.mutateUsers(percent, seed, now) })
	if err == nil {
		s.opts.Logger.Info("users mutated", "company", companyID, "changed", changed)
	}
	return changed, err
}

// RotateKey issues a new Secret Key valid from now; the old key is rejected
// from then on. Tokens already issued stay valid until they expire.
func (s *Server) RotateKey(companyID string) (string, error) {
	raw := make([]byte, 12)
	_, _ = rand.Read(raw) // not predictable from the seed; crypto/rand.Read never fails
	key, now := keyFrom(raw), s.now()
	err := s.changeCompany(companyID, func(c *Company) {
		c.formerSecrets = append(c.formerSecrets, c.APIKey)
		c.APIKey, c.KeyIssuedAt = key, now
	})
	if err != nil {
		return "", err
	}
	s.opts.Logger.Info("api key rotated", "company", companyID)
	return key, nil
}

// registerAdmin adds the simulator's own controls, for demos and manual
// testing. They are unauthenticated: the simulator is a local dev tool.
//
//	GET  /_sim/faults                               current faults (counters as left)
//	POST /_sim/faults                               replace all faults, e.g. {"fail_next_n":2,"latency":"500ms"}
//	                                                (keys: Faults' JSON names; durations as "1.5s" or milliseconds)
//	POST /_sim/companies/{company}/rotate-key       new Secret Key, old one rejected
//	POST /_sim/companies/{company}/expire-tokens    every token of the company expires now
//	POST /_sim/companies/{company}/mutate           {"percent":5,"seed":1}: change a synced field
//	                                                of 5% of active users (Server.MutateUsers)
func (s *Server) registerAdmin(mux *http.ServeMux) {
	for pattern, action := range map[string]func(company string, body []byte) (any, error){
		"GET /_sim/faults": func(string, []byte) (any, error) { return s.Faults(), nil },
		"POST /_sim/faults": func(_ string, body []byte) (any, error) {
			var f Faults
			if len(body) > 0 {
				if err := json.Unmarshal(body, &f); err != nil {
					return nil, err
				}
			}
			s.SetFaults(f)
			return s.Faults(), nil
		},
		"POST /_sim/companies/{company}/rotate-key": func(id string, _ []byte) (any, error) {
			key, err := s.RotateKey(id)
			return map[string]string{"company": id, "api_key": key}, err
		},
		"POST /_sim/companies/{company}/expire-tokens": func(id string, _ []byte) (any, error) { return nil, s.ExpireTokens(id) },
		"POST /_sim/companies/{company}/mutate": func(id string, body []byte) (any, error) {
			var in struct {
				Percent float64 `json:"percent"`
				Seed    uint64  `json:"seed"`
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return nil, errors.New(`body must be {"percent":5,"seed":1}`)
			}
			n, err := s.MutateUsers(id, in.Percent, in.Seed)
			return map[string]any{"company": id, "changed": n}, err
		},
	} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16)) // a body cut short fails to decode
			switch out, err := action(r.PathValue("company"), body); {
			case errors.Is(err, ErrUnknownCompany):
				writeError(w, http.StatusNotFound, "Company not found")
			case err != nil:
				writeError(w, http.StatusBadRequest, err.Error())
			case out == nil:
				w.WriteHeader(http.StatusNoContent)
			default:
				writeJSON(w, http.StatusOK, mustJSON(out))
			}
		})
	}
}
