package hrmossim

import (
	"bytes"
	"cmp"
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
	OnlyPath string `json:"only_path,omitempty"`
	// Latency delays every matching request (until the client gives up).
	Latency time.Duration `json:"-"`
	// FailNextN requests get FailStatus (any 4xx or 5xx; default and
	// anything else 500) with an Error JSON body. A 401 this way does not
	// revoke the token (UnauthorizedNextN does).
	FailNextN  int `json:"fail_next_n,omitempty"`
	FailStatus int `json:"fail_status,omitempty"`
	// GatewayHTMLNextN requests get a 502 with a load balancer's HTML page.
	GatewayHTMLNextN int `json:"gateway_html_next_n,omitempty"`
	// RateLimitNextN requests get a bare 429, as from the real rate limit.
	RateLimitNextN int `json:"rate_limit_next_n,omitempty"`
	// TruncateNextN responses stop after half of their body.
	TruncateNextN int `json:"truncate_next_n,omitempty"`
	// UnauthorizedNextN requests carrying a valid token get 401, and the
	// token is revoked: it was valid a moment earlier, now it is not.
	UnauthorizedNextN int `json:"unauthorized_next_n,omitempty"`
	// ShiftRowsBetweenPages list requests for page 2 or later (users and
	// monthly rows) first delete the list's first record, so a page-number
	// client misses the record that moved back a page (see doc.go).
	ShiftRowsBetweenPages int `json:"shift_rows_between_pages,omitempty"`
	// AddAndRemoveBetweenPages list requests for page 2 or later first add
	// a record (created now, listed last) and then delete the first, so
	// X-Total-Count never moves; only `from` finds the change (see doc.go).
	AddAndRemoveBetweenPages int `json:"add_and_remove_between_pages,omitempty"`

	// RevokeTokensAfter, when positive, revokes every token once it has
	// served that many data requests (2: revoked after every second one).
	RevokeTokensAfter int `json:"revoke_tokens_after,omitempty"`
	// TokenTTL, when positive, is the lifetime of tokens issued or
	// postponed from now on, in place of 24 h.
	TokenTTL time.Duration `json:"-"`
	// RevokeOnReissue makes GET /authentication/token revoke the company's
	// earlier tokens, the other plausible reading of the API (see doc.go).
	RevokeOnReissue bool `json:"revoke_on_reissue,omitempty"`
}

// A faultKind is the NextN counter of Faults that a kind of fault consumes.
type faultKind func(*Faults) *int

var (
	faultFail         faultKind = func(f *Faults) *int { return &f.FailNextN }
	faultGatewayHTML  faultKind = func(f *Faults) *int { return &f.GatewayHTMLNextN }
	faultRateLimit    faultKind = func(f *Faults) *int { return &f.RateLimitNextN }
	faultTruncate     faultKind = func(f *Faults) *int { return &f.TruncateNextN }
	faultUnauthorized faultKind = func(f *Faults) *int { return &f.UnauthorizedNextN }
	faultShiftRows    faultKind = func(f *Faults) *int { return &f.ShiftRowsBetweenPages }
	faultAddAndRemove faultKind = func(f *Faults) *int { return &f.AddAndRemoveBetweenPages }
)

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = f
	s.opts.Logger.Info("faults set", "faults", f.String())
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
	if c := k(&s.faults); s.faults.matches(path) && *c > 0 {
		*c--
		return true
	}
	return false
}

func (f *Faults) matches(path string) bool {
	return f.OnlyPath == "" || strings.Contains(path, f.OnlyPath)
}

// delay applies the Latency fault; false when the client gave up first.
func (s *Server) delay(r *http.Request) bool {
	if f := s.Faults(); f.Latency > 0 && f.matches(r.URL.Path) {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	return true
}

// injectFault answers with a pending failure instead of the endpoint; it
// reports whether it did.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case s.takeFault(faultFail, r.URL.Path):
		status := s.Faults().FailStatus
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		writeError(w, status, cmp.Or(http.StatusText(status), "Error "+strconv.Itoa(status)))
	case s.takeFault(faultGatewayHTML, r.URL.Path):
		// What a load balancer in front of a Rails app sends when the app does not answer.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
			"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"))
	case s.takeFault(faultRateLimit, r.URL.Path):
		w.WriteHeader(http.StatusTooManyRequests)
	default:
		return false
	}
	return true
}

// faultsJSON is Faults as /_sim/faults carries them: durations as "1.5s"
// (read also as a number of milliseconds).
type faultsJSON struct {
	plain
	Latency  json.RawMessage `json:"latency,omitempty"`
	TokenTTL json.RawMessage `json:"token_ttl,omitempty"`
}

type plain Faults // the same fields without the methods

// MarshalJSON renders the faults for GET /_sim/faults.
func (f Faults) MarshalJSON() ([]byte, error) {
	text := func(d time.Duration) json.RawMessage {
		if d <= 0 {
			return nil
		}
		return mustJSON(d.String())
	}
	return json.Marshal(faultsJSON{plain(f), text(f.Latency), text(f.TokenTTL)})
}

// UnmarshalJSON reads the body of POST /_sim/faults.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var w faultsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	*f = Faults(w.plain)
	var err error
	if f.Latency, err = parseDuration("latency", w.Latency); err == nil {
		f.TokenTTL, err = parseDuration("token_ttl", w.TokenTTL)
	}
	return err
}

// parseDuration reads a duration string ("1.5s") or a number of milliseconds.
func parseDuration(name string, raw json.RawMessage) (time.Duration, error) {
	var text string
	var ms float64
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return 0, nil
	case json.Unmarshal(raw, &text) == nil:
		d, err := time.ParseDuration(text)
		if err != nil {
			err = fmt.Errorf("decode faults: %s: %w", name, err)
		}
		return d, err
	}
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("decode faults: %s must be a duration string or milliseconds: %w", name, err)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// String renders the faults for logs.
func (f Faults) String() string { return string(mustJSON(f)) }
