package hrmossim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Faults are failures injected on demand into /api/ requests, and switches
// for token behaviour the API leaves open. Each NextN counter is consumed by
// the requests it hits (one fault per request) and reads back as what is
// left; the other fields hold until the next SetFaults. Set them with
// Server.SetFaults or over HTTP with POST /_sim/faults (which replaces them
// all, as SetFaults does).
type Faults struct {
	// OnlyPath restricts every fault to request paths containing it
	// (e.g. "/users"); empty means every /api/ path.
	OnlyPath string
	// Latency delays every matching request (until the client gives up).
	Latency time.Duration
	// FailNextN requests get FailStatus (any 4xx or 5xx; default and
	// anything else 500) with an Error JSON body. A 401 this way does not
	// revoke the token (UnauthorizedNextN does).
	FailNextN  int
	FailStatus int
	// GatewayHTMLNextN requests get a 502 with a load balancer's HTML page.
	GatewayHTMLNextN int
	// RateLimitNextN requests get a bare 429, as from the real rate limit.
	RateLimitNextN int
	// TruncateNextN responses stop after half of their body.
	TruncateNextN int
	// UnauthorizedNextN requests carrying a valid token get 401, and the
	// token is revoked: it was valid a moment earlier, now it is not.
	UnauthorizedNextN int
	// ShiftRowsBetweenPages list requests for page 2 or later (users and
	// monthly rows) first delete the list's first record: every later one
	// moves up a place, so a page-number client misses a record, and what
	// it fetched falls short of page 1's X-Total-Count (it always equals
	// the last page's: compare with the first).
	ShiftRowsBetweenPages int
	// AddAndRemoveBetweenPages list requests for page 2 or later (users and
	// monthly rows) first add a record and delete one: a new hire (a new
	// row of the month) with the next free user ID, created and updated at
	// the clock's now, so it is listed last, and the deletion of the list's
	// first record. X-Total-Count never moves, yet every record after the
	// first moves up a place and a page-number client misses the one that
	// moved back onto a page it already fetched: only the added record's
	// created_at (found with `from`) gives the change away.
	AddAndRemoveBetweenPages int

	// RevokeTokensAfter, when positive, revokes every token once it has
	// served that many data requests (2: revoked after every second one).
	RevokeTokensAfter int
	// TokenTTL, when positive, is the lifetime of tokens issued or
	// postponed from now on, in place of Options.TokenTTL.
	TokenTTL time.Duration
	// RevokeOnReissue makes GET /authentication/token revoke the company's
	// earlier tokens, the other plausible reading of the API (see doc.go).
	RevokeOnReissue bool
}

type faultKind int

const (
	faultFail faultKind = iota
	faultGatewayHTML
	faultRateLimit
	faultTruncate
	faultUnauthorized
	faultShiftRows
	faultAddAndRemove
)

// counter returns the NextN field of a kind.
func (f *Faults) counter(k faultKind) *int {
	switch k {
	case faultFail:
		return &f.FailNextN
	case faultGatewayHTML:
		return &f.GatewayHTMLNextN
	case faultRateLimit:
		return &f.RateLimitNextN
	case faultTruncate:
		return &f.TruncateNextN
	case faultUnauthorized:
		return &f.UnauthorizedNextN
	case faultShiftRows:
		return &f.ShiftRowsBetweenPages
	case faultAddAndRemove:
		return &f.AddAndRemoveBetweenPages
	}
	panic(fmt.Sprintf("unknown fault kind %d", k))
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = f
	s.log.Info("faults set", "faults", f.String())
}

// Faults returns the injected faults with what is left of each counter.
func (s *Server) Faults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// takeFault consumes one fault of kind k if one is pending for path.
func (s *Server) takeFault(k faultKind, path string) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if !s.faults.matches(path) {
		return false
	}
	c := s.faults.counter(k)
	if *c <= 0 {
		return false
	}
	*c--
	return true
}

func (f *Faults) matches(path string) bool {
	return f.OnlyPath == "" || strings.Contains(path, f.OnlyPath)
}

// applyRequestFaults runs the faults that act before the endpoint; it
// reports whether the request should go on to the endpoint.
func (s *Server) applyRequestFaults(w http.ResponseWriter, r *http.Request) bool {
	s.faultMu.Lock()
	latency := time.Duration(0)
	if s.faults.matches(r.URL.Path) {
		latency = s.faults.Latency
	}
	s.faultMu.Unlock()
	if latency > 0 && !sleepContext(r.Context(), latency) {
		return false
	}
	switch {
	case s.takeFault(faultFail, r.URL.Path):
		status := s.Faults().FailStatus
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		text := http.StatusText(status)
		if text == "" {
			text = "Error " + strconv.Itoa(status)
		}
		writeError(w, status, text)
		return false
	case s.takeFault(faultGatewayHTML, r.URL.Path):
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(gatewayHTML))
		return false
	case s.takeFault(faultRateLimit, r.URL.Path):
		w.WriteHeader(http.StatusTooManyRequests)
		return false
	}
	return true
}

// gatewayHTML is what a load balancer in front of a Rails app sends when the
// app does not answer.
const gatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"

// faultsJSON is Faults on the wire: snake_case, durations as a Go duration
// string ("1.5s") or a number of milliseconds.
type faultsJSON struct {
	OnlyPath                 string          `json:"only_path,omitempty"`
	Latency                  json.RawMessage `json:"latency,omitempty"`
	FailNextN                int             `json:"fail_next_n,omitempty"`
	FailStatus               int             `json:"fail_status,omitempty"`
	GatewayHTMLNextN         int             `json:"gateway_html_next_n,omitempty"`
	RateLimitNextN           int             `json:"rate_limit_next_n,omitempty"`
	TruncateNextN            int             `json:"truncate_next_n,omitempty"`
	UnauthorizedNextN        int             `json:"unauthorized_next_n,omitempty"`
	ShiftRowsBetweenPages    int             `json:"shift_rows_between_pages,omitempty"`
	AddAndRemoveBetweenPages int             `json:"add_and_remove_between_pages,omitempty"`
	RevokeTokensAfter        int             `json:"revoke_tokens_after,omitempty"`
	TokenTTL                 json.RawMessage `json:"token_ttl,omitempty"`
	RevokeOnReissue          bool            `json:"revoke_on_reissue,omitempty"`
}

// MarshalJSON renders the faults for GET /_sim/faults.
func (f Faults) MarshalJSON() ([]byte, error) {
	w := faultsJSON{
		OnlyPath: f.OnlyPath, FailNextN: f.FailNextN, FailStatus: f.FailStatus,
		GatewayHTMLNextN: f.GatewayHTMLNextN, RateLimitNextN: f.RateLimitNextN,
		TruncateNextN: f.TruncateNextN, UnauthorizedNextN: f.UnauthorizedNextN,
		ShiftRowsBetweenPages: f.ShiftRowsBetweenPages, RevokeTokensAfter: f.RevokeTokensAfter,
		RevokeOnReissue: f.RevokeOnReissue, AddAndRemoveBetweenPages: f.AddAndRemoveBetweenPages,
	}
	if f.Latency > 0 {
		w.Latency = json.RawMessage(`"` + f.Latency.String() + `"`)
	}
	if f.TokenTTL > 0 {
		w.TokenTTL = json.RawMessage(`"` + f.TokenTTL.String() + `"`)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the body of POST /_sim/faults.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var w faultsJSON
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	*f = Faults{
		OnlyPath: w.OnlyPath, FailNextN: w.FailNextN, FailStatus: w.FailStatus,
		GatewayHTMLNextN: w.GatewayHTMLNextN, RateLimitNextN: w.RateLimitNextN,
		TruncateNextN: w.TruncateNextN, UnauthorizedNextN: w.UnauthorizedNextN,
		ShiftRowsBetweenPages: w.ShiftRowsBetweenPages, RevokeTokensAfter: w.RevokeTokensAfter,
		RevokeOnReissue: w.RevokeOnReissue, AddAndRemoveBetweenPages: w.AddAndRemoveBetweenPages,
	}
	var err error
	if f.Latency, err = parseDuration("latency", w.Latency); err != nil {
		return err
	}
	f.TokenTTL, err = parseDuration("token_ttl", w.TokenTTL)
	return err
}

// parseDuration reads a duration string ("1.5s") or a number of milliseconds.
func parseDuration(name string, raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("decode faults: %s: %w", name, err)
		}
		return d, nil
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("decode faults: %s must be a duration string or milliseconds: %w", name, err)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// String renders the faults for logs.
func (f Faults) String() string {
	b, err := f.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%#v", f)
	}
	return string(b)
}
