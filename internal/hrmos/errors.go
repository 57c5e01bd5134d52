package hrmos

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kind classifies a failed HRMOS call by what the caller should do about it:
// fix the credentials, fix the request or the configuration, or try again
// later (Error.Retryable). String names are stable: reason codes and logs
// use them.
type Kind int

const (
	// KindUnknown is anything not classified below, including the caller's
	// own context being cancelled (test with errors.Is(err, context.Canceled)).
	KindUnknown Kind = iota
	// KindKeyRejected: 401/403 on /authentication/token. The API key is wrong,
	// expired (HRMOS keys last 3 months) or was regenerated. Permanent.
	KindKeyRejected
	// KindCompanyNotFound: 404 on /authentication/token, i.e. no such company
	// ID. Permanent.
	KindCompanyNotFound
	// KindRateLimited: 429 on every attempt. Retryable later.
	KindRateLimited
	// KindUnavailable: 5xx, 408, network error, timeout or a truncated or
	// invalid response body on every attempt. Retryable later.
	KindUnavailable
	// KindBadRequest: 400 or 422 (HRMOS found the request invalid: a bug
	// here or a change in the API), or a request this client refused to
	// send (e.g. a malformed month). Permanent.
	KindBadRequest
	// KindNotFound: 404 on a data path (wrong company ID, API not enabled,
	// or the path no longer exists). Permanent.
	KindNotFound
	// KindForbidden: 403 on a data path: HRMOS forbids this key reading it
	// (API plan, permissions). Not treated as a dead token. Permanent.
	KindForbidden
	// KindGone: 410 on any path. Permanent.
	KindGone
	// KindUnexpectedStatus: a status HRMOS is not known to send (405 and
	// any other 4xx but 401/408/429, 3xx not followed, >599). Permanent.
	KindUnexpectedStatus
	// KindTokenRefused: a data call got 401 MaxTokenRefusals times in a
	// row although each refusal was answered with a new token: tokens are
	// being revoked (another client of the company issuing them?) or
	// HRMOS's token service is confused. Retryable later.
	KindTokenRefused
)

// String returns a stable snake_case name, suitable for reason codes and logs.
func (k Kind) String() string {
	switch k {
	case KindKeyRejected:
		return "key_rejected"
	case KindCompanyNotFound:
		return "company_not_found"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	case KindBadRequest:
		return "bad_request"
	case KindNotFound:
		return "not_found"
	case KindForbidden:
		return "forbidden"
	case KindGone:
		return "gone"
	case KindUnexpectedStatus:
		return "unexpected_status"
	case KindTokenRefused:
		return "token_refused"
	default:
		return "unknown"
	}
}

// Error is every failure the client returns from a call to HRMOS. It carries
// only what is safe to log and to store in Temporal history: never the API
// key, a token, a response body, or query values (the monthly report's
// `number` filter holds employee numbers).
type Error struct {
	Kind     Kind
	Op       string // what was being done, e.g. "list users"
	Path     string // API path below /v1 without query, e.g. "/users"
	Page     int    // page number for list calls, 0 otherwise
	Status   int    // last HTTP status, 0 when no answer came back (see NoAnswerWithin)
	Code     int    // HRMOS's numeric {"code"} from the error body, 0 when absent
	Attempts int    // HTTP attempts made for this request
	Refusals int    // 401s to the data requests of this call (KindTokenRefused)
	// NoAnswerWithin is set (to Config.RequestTimeout) when no attempt got
	// an answer: each timed out, or the connection failed (KindUnavailable).
	NoAnswerWithin time.Duration
	Err            error // cause; its text is built to be free of secrets too
}

// Error renders one sentence that support staff can act on: what HRMOS
// did, the status, what to check, and where, e.g.
//
//	HRMOS forbids this API key reading /users: HTTP 403; check the company's HRMOS API plan and the key's permissions (list users, page 1)
//	HRMOS is unavailable: HTTP 503 after 4 attempts (list users, page 3)
//	HRMOS did not answer within 30s on 4 attempts (list users, page 3)
func (e *Error) Error() string {
	var b strings.Builder
	if e.NoAnswerWithin > 0 {
		// Said the same way whatever the cause (timeouts, refused or reset
		// connections), so that it can go to support as it is.
		b.WriteString("HRMOS did not answer within ")
		b.WriteString(e.NoAnswerWithin.String())
		b.WriteString(" on ")
		b.WriteString(strconv.Itoa(e.Attempts))
		if e.Attempts == 1 {
			b.WriteString(" attempt")
		} else {
			b.WriteString(" attempts")
		}
		e.where(&b)
		return b.String()
	}
	b.WriteString(e.headline())
	if e.Status != 0 {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
		if e.Code != 0 && e.Code != e.Status {
			b.WriteString(" (HRMOS code ")
			b.WriteString(strconv.Itoa(e.Code))
			b.WriteString(")")
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Attempts > 1 && e.Kind != KindTokenRefused {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	if advice := e.Kind.advice(); advice != "" {
		b.WriteString("; ")
		b.WriteString(advice)
	}
	e.where(&b)
	return b.String()
}

// where appends " (list users, page 3)".
func (e *Error) where(b *strings.Builder) {
	b.WriteString(" (")
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString("request")
	}
	if e.Page > 0 {
		b.WriteString(", page ")
		b.WriteString(strconv.Itoa(e.Page))
	}
	b.WriteString(")")
}

// headline says what happened, HRMOS first.
func (e *Error) headline() string {
	switch e.Kind {
	case KindKeyRejected:
		return "HRMOS rejected the API key"
	case KindCompanyNotFound:
		return "HRMOS does not know this company ID"
	case KindRateLimited:
		return "HRMOS rate-limited this company"
	case KindUnavailable:
		return "HRMOS is unavailable"
	case KindBadRequest:
		if e.Status == 0 {
			return "invalid request not sent to HRMOS"
		}
		return "HRMOS rejected the request as invalid"
	case KindNotFound:
		return "HRMOS found nothing at " + e.Path
	case KindForbidden:
		return "HRMOS forbids this API key reading " + e.Path
	case KindGone:
		return "HRMOS says " + e.Path + " is gone"
	case KindUnexpectedStatus:
		return "HRMOS answered with an unexpected status"
	case KindTokenRefused:
		return "HRMOS refused " + strconv.Itoa(e.Refusals) + " tokens in a row despite issuing new ones"
	}
	if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
		return "HRMOS call stopped"
	}
	return "HRMOS call failed"
}

// advice is what support should check for the permanent kinds.
func (k Kind) advice() string {
	switch k {
	case KindKeyRejected:
		return "the key is wrong, expired (keys last 3 months) or was regenerated in HRMOS: set the current key"
	case KindCompanyNotFound:
		return "check the company ID in the HRMOS login URL"
	case KindBadRequest:
		return "this is a bug in the sync or a change in the HRMOS API: report it"
	case KindNotFound, KindGone:
		return "check the company ID and that the HRMOS API is enabled for the company"
	case KindForbidden:
		return "check the company's HRMOS API plan and the key's permissions"
	case KindUnexpectedStatus:
		return "report it"
	case KindTokenRefused:
		return "another client of this company may be issuing tokens that revoke them, and a later attempt may succeed"
	}
	return ""
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later unchanged:
// rate limiting, unavailability and refused tokens are transient.
func (e *Error) Retryable() bool {
	return e.Kind == KindRateLimited || e.Kind == KindUnavailable || e.Kind == KindTokenRefused
}

// classify names the Kind of a final status that is neither 2xx nor
// retried; onToken is true for the token endpoint, where 401/403 mean the
// key and 404 the company.
func classify(status int, onToken bool) Kind {
	switch {
	case onToken && (status == http.StatusUnauthorized || status == http.StatusForbidden):
		return KindKeyRejected
	case onToken && status == http.StatusNotFound:
		return KindCompanyNotFound
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return KindBadRequest
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusGone:
		return KindGone
	}
	return KindUnexpectedStatus
}

// KindOf returns the Kind of the first *Error in err's chain, KindUnknown
// when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// Causes placed in Error.Err. Their texts are fixed so that nothing from a
// response body (which may hold names or e-mails) can reach a message.
var (
	errInvalidBody  = errors.New("response body is truncated or not valid JSON")
	errNotArray     = errors.New("response body is not a JSON array")
	errBodyTooLarge = errors.New("response body exceeds the size limit")
	errNoToken      = errors.New("token response has no token")
	errPageRepeated = errors.New("HRMOS returned the same page twice; paging is not advancing")
	errTooManyPages = errors.New("page limit reached; paging is not ending")
	errBadMonth     = errors.New("month must be YYYY-MM")
)
