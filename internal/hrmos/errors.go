package hrmos

import (
	"errors"
	"strconv"
	"strings"
)

// Kind classifies a failed HRMOS call by what the caller should do about it:
// fix the credentials, fix the request, or try again later.
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
	// KindUnauthorized: a data call was still refused (401/403) with a token
	// obtained a moment earlier. Permanent.
	KindUnauthorized
	// KindRateLimited: 429 on every attempt. Retryable later.
	KindRateLimited
	// KindUnavailable: 5xx, network error, timeout or a truncated/invalid
	// response body on every attempt. Retryable later.
	KindUnavailable
	// KindBadRequest: 400, or a request this client refused to send
	// (e.g. a malformed month). Permanent.
	KindBadRequest
	// KindNotFound: 404 on a data path. Permanent.
	KindNotFound
)

// String returns a stable snake_case name, suitable for reason codes and logs.
func (k Kind) String() string {
	switch k {
	case KindKeyRejected:
		return "key_rejected"
	case KindCompanyNotFound:
		return "company_not_found"
	case KindUnauthorized:
		return "unauthorized"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	case KindBadRequest:
		return "bad_request"
	case KindNotFound:
		return "not_found"
	default:
		return "unknown"
	}
}

// describe is the human phrase used in Error(); it tells support staff what
// happened and, for the permanent kinds, what to do.
func (k Kind) describe() string {
	switch k {
	case KindKeyRejected:
		return "API key rejected (wrong, expired after 3 months, or regenerated in HRMOS; set the current key)"
	case KindCompanyNotFound:
		return "company ID not found in HRMOS (check the company ID in the HRMOS login URL)"
	case KindUnauthorized:
		return "HRMOS refused access even with a fresh token"
	case KindRateLimited:
		return "rate limited by HRMOS"
	case KindUnavailable:
		return "HRMOS unavailable"
	case KindBadRequest:
		return "request rejected as invalid"
	case KindNotFound:
		return "not found"
	default:
		return "unexpected response"
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
	Status   int    // last HTTP status, 0 when no response came back
	Code     int    // HRMOS's numeric {"code"} from the error body, 0 when absent
	Attempts int    // HTTP attempts made for this request
	Err      error  // cause; its text is built to be free of secrets too
}

// Error renders one sentence such as
// "hrmos: list users page 3: HRMOS unavailable: HTTP 503 after 4 attempts".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hrmos: ")
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString("request")
	}
	if e.Page > 0 {
		b.WriteString(" page ")
		b.WriteString(strconv.Itoa(e.Page))
	}
	b.WriteString(": ")
	// A bare cause (e.g. "context canceled") reads better without a
	// generic "unexpected response" in front of it.
	if e.Kind != KindUnknown || e.Status != 0 || e.Err == nil {
		b.WriteString(e.Kind.describe())
		if e.Status != 0 {
			b.WriteString(": HTTP ")
			b.WriteString(strconv.Itoa(e.Status))
			if e.Code != 0 && e.Code != e.Status {
				b.WriteString(" (HRMOS code ")
				b.WriteString(strconv.Itoa(e.Code))
				b.WriteString(")")
			}
		}
		if e.Attempts > 1 {
			b.WriteString(" after ")
			b.WriteString(strconv.Itoa(e.Attempts))
			b.WriteString(" attempts")
		}
		if e.Err != nil {
			b.WriteString(": ")
		}
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later unchanged:
// only rate limiting and unavailability are transient.
func (e *Error) Retryable() bool {
	return e.Kind == KindRateLimited || e.Kind == KindUnavailable
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
