// Package hrmos is a client for the parts of the HRMOS勤怠 REST API that the
// sync engine reads: token exchange, users, master data and the monthly
// report (see docs/hrmos-api.md). It only decodes JSON, tolerantly (a bad
// value marks one field of one record, never the page); the values' formats
// are read by internal/rules.
//
// Failures are *Error values whose Kind says what to do: fix the key or
// the company ID, report a request HRMOS found invalid, check the API plan,
// or try again later (Retryable). It retries what is transient; a token
// HRMOS refuses is replaced, within MaxTokenRefusals per call, since HRMOS
// may revoke a company's tokens whenever another worker gets one.
// LongestCall bounds how long one call can take, and OnResponse reports
// every HTTP attempt to metrics.
//
// The API key, tokens and personal data never reach an error, a log line or
// fmt output: errors are built from fixed sentences, paths and statuses.
package hrmos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

const (
	// DefaultBaseURL is HRMOS勤怠's API root; the client appends /{company}/v1/...
	DefaultBaseURL = "https://ieyasu.co/api"
	// MaxPageSize is the largest `limit` HRMOS accepts (docs/hrmos-api.md §4).
	MaxPageSize = 100

	defaultRequestTimeout = 30 * time.Second
	defaultMaxAttempts    = 4
	defaultRetryBaseDelay = time.Second
	defaultTokenRefusals  = 6
	// A 100-row page is a few hundred KiB at most; anything far larger is not
	// an HRMOS list and must not be buffered without bound.
	maxBodyBytes = 32 << 20
	// Error bodies are read only for their numeric code.
	maxErrorBodyBytes = 64 << 10
)

// Config configures a Client. BaseURL, CompanyID and APIKey are required.
type Config struct {
	BaseURL        string        // e.g. DefaultBaseURL or a simulator's "http://127.0.0.1:8089/api"
	CompanyID      string        // opaque, case-sensitive, path-escaped
	APIKey         Secret        // sent verbatim as "Authorization: Basic <key>"
	HTTPClient     *http.Client  // nil → a client with sane transport defaults
	RequestTimeout time.Duration // per HTTP request (including reading the body); default 30s
	PageSize       int           // default and maximum MaxPageSize
	// MaxAttempts bounds the attempts of one request on 429, 5xx, network
	// errors and truncated bodies; default 4.
	MaxAttempts int
	// RetryBaseDelay scales the back-off: 429 waits ≈5×, 10×, 15× it (public
	// clients back off 5–15 s), other transient failures 1×, 2×, 4×…; each
	// ±20% jitter. No wait exceeds 60× it, a Retry-After header's included.
	// Default 1s.
	RetryBaseDelay time.Duration
	// MaxTokenRefusals bounds the 401s one data call accepts, each answered
	// with a new token (HRMOS may revoke a company's tokens whenever one is
	// issued), before it fails with the retryable KindTokenRefused.
	// Default 6.
	MaxTokenRefusals int
	Limiter          *rate.Limiter    // optional; waited on before every HTTP request
	Tokens           TokenCache       // optional shared cache; nil → per-client memory
	Now              func() time.Time // default time.Now; decides token expiry
	Logger           *slog.Logger     // optional; debug lines carry op/path/page/status only
	// OnResponse, when set, is called after every HTTP attempt with the
	// operation's fixed name ("authenticate", "list users", "monthly
	// report"…, never a value), the status (0 when no response came back)
	// and how long the attempt took. It may be called from several
	// goroutines at once and must not block.
	OnResponse func(op string, status int, elapsed time.Duration)
}

// Client calls HRMOS for one company. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	company   string
	apiKey    Secret
	http      *http.Client
	timeout   time.Duration
	pageSize  int
	attempts  int
	baseDelay time.Duration
	// maxRefusals bounds the 401s of one data call.
	maxRefusals int
	limiter     *rate.Limiter
	tokens      TokenCache
	cacheKey    string
	now         func() time.Time
	log         *slog.Logger
	observe     func(op string, status int, elapsed time.Duration)
	// auth holds the token request in progress, if any (a pointer so that
	// the fmt methods' value receivers copy no lock).
	auth *authGate
}

// New validates cfg and returns a Client. It makes no network call; use
// Authenticate to check the credentials.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("hrmos: config: BaseURL is required")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		// The URL itself is not echoed: a mistyped one may carry credentials.
		return nil, errors.New("hrmos: config: BaseURL must be an http(s) URL such as " + DefaultBaseURL)
	}
	switch cfg.CompanyID {
	case "":
		return nil, errors.New("hrmos: config: CompanyID is required")
	case ".", "..":
		// Path-escaping leaves these as they are, and they would address a
		// different path once a server cleans the URL.
		return nil, errors.New("hrmos: config: CompanyID is not a valid company ID")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("hrmos: config: APIKey is required")
	}
	if strings.ContainsFunc(cfg.APIKey.Reveal(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		// Usually a trailing newline from a paste; it could never be a
		// valid header value, and trimming it silently would hide the slip.
		return nil, errors.New("hrmos: config: APIKey contains control characters (a stray newline?)")
	}

	c := &Client{
		base:        base,
		company:     cfg.CompanyID,
		apiKey:      cfg.APIKey,
		http:        cfg.HTTPClient,
		timeout:     cfg.RequestTimeout,
		pageSize:    cfg.PageSize,
		attempts:    cfg.MaxAttempts,
		baseDelay:   cfg.RetryBaseDelay,
		maxRefusals: cfg.MaxTokenRefusals,
		limiter:     cfg.Limiter,
		tokens:      cfg.Tokens,
		cacheKey:    tokenCacheKey(cfg.CompanyID, cfg.APIKey),
		now:         cfg.Now,
		log:         cfg.Logger,
		observe:     cfg.OnResponse,
		auth:        &authGate{},
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.timeout <= 0 {
		c.timeout = defaultRequestTimeout
	}
	if c.pageSize <= 0 || c.pageSize > MaxPageSize {
		// HRMOS clamps larger limits itself; clamping here keeps the
		// "short page means last page" rule consistent with what it sends.
		c.pageSize = MaxPageSize
	}
	if c.attempts <= 0 {
		c.attempts = defaultMaxAttempts
	}
	if c.baseDelay <= 0 {
		c.baseDelay = defaultRetryBaseDelay
	}
	if c.maxRefusals <= 0 {
		c.maxRefusals = defaultTokenRefusals
	}
	if c.tokens == nil {
		c.tokens = NewMemoryTokenCache()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// defaultHTTPClient has no overall Timeout: every request gets its own
// context deadline (RequestTimeout) that also covers reading the body.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// String, GoString and Format keep the client's unexported fields (the API
// key among them) out of fmt output: fmt prints unexported fields raw,
// bypassing Secret's own redaction. Value receivers, so that a dereferenced
// Client is covered too.
func (c Client) String() string { return "hrmos.Client{company: " + strconv.Quote(c.company) + "}" }

// GoString implements fmt.GoStringer.
func (c Client) GoString() string { return c.String() }

// Format implements fmt.Formatter.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// request is one logical API call; query values never leave this struct
// except on the wire.
type request struct {
	op    string
	path  string // below /v1, already escaped where needed
	query url.Values
	page  int
}

// response is what send hands back for a final (non-retried) HTTP answer.
type response struct {
	status   int
	code     int
	header   http.Header
	attempts int
}

// outcome is the result of a single HTTP attempt.
type outcome struct {
	status     int
	code       int
	header     http.Header
	retry      Kind // KindRateLimited or KindUnavailable when worth another attempt
	err        error
	retryAfter time.Duration
	noAnswer   bool // no response, or its body did not arrive within the timeout
}

func (c *Client) url(rq request) string {
	u := *c.base
	u.Path = c.base.Path + "/" + c.company + "/v1" + rq.path
	u.RawPath = c.base.EscapedPath() + "/" + url.PathEscape(c.company) + "/v1" + rq.path
	if len(rq.query) > 0 {
		u.RawQuery = rq.query.Encode()
	}
	return u.String()
}

// safeURL is the request URL without query, for transport error messages.
func (c *Client) safeURL(rq request) string {
	return c.url(request{path: rq.path})
}

// send performs rq with retries for 429, 5xx, network errors, timeouts and
// bodies that decode rejects. It returns an *Error when the attempts run out
// or the caller's context ends; any other final status is returned for the
// caller to classify, since 401 means different things on the token
// endpoint and on data paths.
func (c *Client) send(ctx context.Context, rq request, authz string, decode func([]byte) error) (response, error) {
	var last outcome
	silent := true // no attempt got an answer so far
	for attempt := 1; attempt <= c.attempts; attempt++ {
		if attempt > 1 {
			d := c.backoff(last.retry, attempt-1, last.retryAfter)
			c.log.DebugContext(ctx, "hrmos retry", "op", rq.op, "path", rq.path, "page", rq.page,
				"status", last.status, "retry", last.retry.String(), "delay", d)
			if err := sleep(ctx, d); err != nil {
				return response{}, c.ctxError(rq, attempt-1, err)
			}
		}
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				if ctx.Err() != nil {
					return response{}, c.ctxError(rq, attempt-1, ctx.Err())
				}
				// Wait refuses up front when the deadline is too close or
				// the limiter can never grant a token.
				return response{}, c.ctxError(rq, attempt-1, fmt.Errorf("client-side rate limiter: %w", err))
			}
		}
		start := time.Now()
		last = c.once(ctx, rq, authz, decode)
		elapsed := time.Since(start)
		silent = silent && last.noAnswer
		if c.observe != nil {
			c.observe(rq.op, last.status, elapsed)
		}
		c.log.DebugContext(ctx, "hrmos request", "op", rq.op, "path", rq.path, "page", rq.page,
			"attempt", attempt, "status", last.status, "elapsed", elapsed)
		if ctx.Err() != nil {
			return response{}, c.ctxError(rq, attempt, ctx.Err())
		}
		if last.retry == KindUnknown {
			if last.err != nil {
				return response{}, &Error{Kind: KindUnknown, Op: rq.op, Path: rq.path, Page: rq.page,
					Status: last.status, Code: last.code, Attempts: attempt, Err: last.err}
			}
			return response{status: last.status, code: last.code, header: last.header, attempts: attempt}, nil
		}
	}
	e := &Error{Kind: last.retry, Op: rq.op, Path: rq.path, Page: rq.page,
		Status: last.status, Code: last.code, Attempts: c.attempts, Err: last.err}
	if silent {
		e.Status, e.NoAnswerWithin = 0, c.timeout
	}
	return response{}, e
}

// once performs a single HTTP attempt under its own timeout.
func (c *Client) once(ctx context.Context, rq request, authz string, decode func([]byte) error) outcome {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, c.url(rq), nil)
	if err != nil {
		// Only a broken URL gets here, and New validated its parts.
		return outcome{err: errors.New("cannot build the request URL")}
	}
	req.Header.Set("Authorization", authz)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "hrmos-sync")

	resp, err := c.http.Do(req)
	if err != nil {
		return outcome{retry: KindUnavailable, err: c.transportError(rctx, rq, err), noAnswer: true}
	}
	defer resp.Body.Close()

	o := outcome{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
		switch {
		case err != nil:
			o.retry, o.err = KindUnavailable, c.readError(rctx, err)
			o.noAnswer = errors.Is(rctx.Err(), context.DeadlineExceeded)
		case len(body) > maxBodyBytes:
			o.err = errBodyTooLarge
		default:
			if err := decode(body); err != nil {
				o.retry, o.err = KindUnavailable, err
			}
		}
		return o
	}

	// Only the numeric code is kept: the message may quote request data.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBodyBytes)) // lets the connection be reused
	o.code = errorCode(body)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		o.retry = KindRateLimited
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"))
	case resp.StatusCode >= 500 && resp.StatusCode <= 599, resp.StatusCode == http.StatusRequestTimeout:
		o.retry = KindUnavailable
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"))
	}
	return o
}

// transportError rewrites a *url.Error so that its text names the URL without
// the query (which may hold employee numbers) and says "timeout" plainly.
func (c *Client) transportError(rctx context.Context, rq request, err error) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		cause = fmt.Errorf("no response within %s", c.timeout)
	}
	op := "Get"
	if ue != nil {
		op = ue.Op
	}
	return &url.Error{Op: op, URL: c.safeURL(rq), Err: cause}
}

func (c *Client) readError(rctx context.Context, err error) error {
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("response body not received within %s", c.timeout)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errInvalidBody
	}
	return fmt.Errorf("reading response body: %w", err)
}

// ctxError reports the caller's cancellation or deadline; it is never
// retried because the caller no longer wants the answer.
func (c *Client) ctxError(rq request, attempts int, err error) error {
	return &Error{Kind: KindUnknown, Op: rq.op, Path: rq.path, Page: rq.page, Attempts: attempts, Err: err}
}

// backoff returns the wait before retry number n (1-based): doubling (429:
// growing by 5× the base), at least the server's hint, ±20% jitter, and
// never more than maxWait.
func (c *Client) backoff(kind Kind, n int, hint time.Duration) time.Duration {
	d := c.backoffBase(kind, n)
	d = max(d, min(hint, c.maxWait()))
	// ±20% jitter spreads the retries of parallel workers.
	spread := int64(d) * 2 / 5
	if spread > 0 {
		d += time.Duration(rand.Int64N(spread+1)) - time.Duration(spread/2)
	}
	return min(d, c.maxWait())
}

// backoffBase is retry n's wait before hint and jitter.
func (c *Client) backoffBase(kind Kind, n int) time.Duration {
	if kind == KindRateLimited {
		// HRMOS counts requests over a sliding 60 s window and rejected ones
		// count too, so hammering it only prolongs the block.
		return min(5*c.baseDelay*time.Duration(n), c.maxWait())
	}
	return min(c.baseDelay<<min(n-1, 16), c.maxWait())
}

// maxWait caps every wait between attempts, Retry-After included, so that
// LongestCall holds whatever a server asks for.
func (c *Client) maxWait() time.Duration { return 60 * c.baseDelay }

// LongestCall bounds how long one call can take: Authenticate, or one page
// of a listing (the time fn takes aside), with HRMOS as slow and unlucky as
// the retry rules allow; waits for Config.Limiter are not counted.
//
// One request may take MaxAttempts × RequestTimeout plus MaxAttempts−1
// waits of at most 60 × RetryBaseDelay (the cap of back-offs and of
// Retry-After). A page may be refused MaxTokenRefusals times, each round
// being a token request and the page request, each with its own retries,
// plus the growing waits between refusals. With the defaults (30 s, 4
// attempts, 1 s, 6 refusals) that is 1h0m18s; a typical failing page (HRMOS
// down, no refusals) ends within 2 × 5 min.
func (c *Client) LongestCall() time.Duration {
	request := time.Duration(c.attempts)*c.timeout + time.Duration(c.attempts-1)*c.maxWait()
	var refusalWaits time.Duration
	for n := 1; n <= c.maxRefusals-2; n++ { // no wait after the first and the last refusal
		d := c.backoffBase(KindUnavailable, n)
		refusalWaits += min(d+d/5, c.maxWait())
	}
	return time.Duration(c.maxRefusals)*2*request + refusalWaits
}

// retryAfter parses a Retry-After header in seconds. HRMOS documents none,
// but honouring one costs nothing if it ever appears.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
