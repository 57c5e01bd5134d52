package hrmos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	authPath = "/authentication/token"
	// refreshMargin: a token with less life than this (or than a quarter of
	// its lifetime, for short-lived ones) is replaced before use, so that a
	// page fetch never starts with a token about to die.
	refreshMargin = 5 * time.Minute
	// fallbackLifetime is assumed when HRMOS's expired_at is missing or
	// unreadable. HRMOS tokens live 24 h (docs/hrmos-api.md §2.1); assuming one
	// hour costs a few extra token requests at worst, and a 401 triggers a
	// re-authentication anyway.
	fallbackLifetime = time.Hour
)

// Token is an HRMOS access token and the moment HRMOS says it expires.
type Token struct {
	Value     Secret
	ExpiresAt time.Time
	IssuedAt  time.Time // when the client received it (Config.Now); zero if unknown
}

// TokenCache stores tokens between calls, and between clients when it is
// shared (e.g. by all activities of one worker, so that each sync does not
// mint a new token). Implementations must be safe for concurrent use.
type TokenCache interface {
	Get(key string) (Token, bool)
	Put(key string, t Token)
	Delete(key string)
}

// NewMemoryTokenCache returns a goroutine-safe in-process TokenCache.
func NewMemoryTokenCache() TokenCache {
	return &memoryTokenCache{m: make(map[string]Token)}
}

type memoryTokenCache struct {
	mu sync.Mutex
	m  map[string]Token
}

func (c *memoryTokenCache) Get(key string) (Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	return t, ok
}

func (c *memoryTokenCache) Put(key string, t Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = t
}

func (c *memoryTokenCache) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// String and Format keep tokens out of fmt output: fmt prints values reached
// through unexported fields raw, bypassing Secret's redaction.
func (c *memoryTokenCache) String() string { return "hrmos.memoryTokenCache{[redacted]}" }

// Format implements fmt.Formatter.
func (c *memoryTokenCache) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// tokenCacheKey identifies a company and key pair without holding the key:
// a rotated key gets a fresh entry, and a cache dump reveals nothing usable.
func tokenCacheKey(company string, key Secret) string {
	sum := sha256.Sum256([]byte(key.Reveal()))
	return company + ":" + hex.EncodeToString(sum[:])[:16]
}

// Authenticate exchanges the API key for a fresh token (GET
// /authentication/token), stores it in the token cache and returns it.
// "connect" calls it to validate a key: KindKeyRejected and
// KindCompanyNotFound mean the credentials are wrong.
func (c *Client) Authenticate(ctx context.Context) (Token, error) {
	rq := request{op: "authenticate", path: authPath}
	var tok Token
	decode := func(body []byte) error {
		t, err := parseToken(body, c.now())
		tok = t
		return err
	}
	// The key goes verbatim after "Basic ": HRMOS shows it already encoded,
	// and re-encoding it is rejected (docs/hrmos-api.md §2.1, §11.2).
	resp, err := c.send(ctx, rq, "Basic "+c.apiKey.Reveal(), decode)
	if err != nil {
		return Token{}, err
	}
	if resp.status >= 200 && resp.status < 300 {
		c.tokens.Put(c.cacheKey, tok)
		return tok, nil
	}
	return Token{}, &Error{Kind: classify(resp.status, true), Op: rq.op, Path: rq.path, Status: resp.status,
		Code: resp.code, Attempts: resp.attempts}
}

// parseToken reads {"token": "...", "expired_at": "..."}. A body without a
// token is treated like a garbled one (retried), since HRMOS answered 200.
func parseToken(body []byte, now time.Time) (Token, error) {
	var raw struct {
		Token     json.RawMessage `json:"token"`
		ExpiredAt json.RawMessage `json:"expired_at"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Token{}, errInvalidBody
	}
	value, ok := jsonString(raw.Token)
	if !ok || strings.TrimSpace(value) == "" {
		return Token{}, errNoToken
	}
	exp := now.Add(fallbackLifetime)
	if s, ok := jsonString(raw.ExpiredAt); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			exp = t
		}
	}
	return Token{Value: Secret(value), ExpiresAt: exp, IssuedAt: now}, nil
}

// usableToken returns the cached token when it has enough life left.
func (c *Client) usableToken() (Token, bool) {
	t, ok := c.tokens.Get(c.cacheKey)
	if !ok || t.Value == "" {
		return Token{}, false
	}
	margin := refreshMargin
	if !t.IssuedAt.IsZero() {
		margin = min(margin, t.ExpiresAt.Sub(t.IssuedAt)/4)
	}
	if t.ExpiresAt.Sub(c.now()) < margin {
		return Token{}, false
	}
	return t, true
}

// authGate guards the token request in progress.
type authGate struct {
	mu     sync.Mutex
	flight *authFlight
}

// authFlight is one token request that every caller needing a token while
// it runs waits for, so that a burst of calls with no usable token costs one
// request, and no caller waits longer than one authentication.
type authFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

// token returns a usable token, authenticating when the cache has none.
// stale, when set, is a token HRMOS just refused: it is not accepted again
// even if still cached, but a different one another goroutine fetched in
// the meantime is.
func (c *Client) token(ctx context.Context, rq request, stale Secret) (Secret, error) {
	if t, ok := c.usableToken(); ok && t.Value != stale {
		return t.Value, nil
	}
	if err := ctx.Err(); err != nil { // no token request for a caller that left
		return "", c.ctxError(rq, 0, err)
	}
	c.auth.mu.Lock()
	if t, ok := c.usableToken(); ok && t.Value != stale {
		c.auth.mu.Unlock()
		return t.Value, nil
	}
	f := c.auth.flight
	if f == nil {
		// A flight that started before stale was refused still yields a
		// newer token: HRMOS issues a new one on every request.
		f = &authFlight{done: make(chan struct{})}
		c.auth.flight = f
		// The flight outlives a caller that gives up: others may be
		// waiting for it, and send bounds it.
		go c.fly(context.WithoutCancel(ctx), f)
	}
	c.auth.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return f.tok.Value, nil
	case <-ctx.Done():
		return "", c.ctxError(rq, 0, ctx.Err())
	}
}

func (c *Client) fly(ctx context.Context, f *authFlight) {
	f.tok, f.err = c.Authenticate(ctx)
	c.auth.mu.Lock()
	c.auth.flight = nil
	c.auth.mu.Unlock()
	close(f.done)
}

// dropToken forgets a token HRMOS refused, unless the cache already holds
// a newer one.
func (c *Client) dropToken(stale Secret) {
	if t, ok := c.tokens.Get(c.cacheKey); ok && t.Value == stale {
		c.tokens.Delete(c.cacheKey)
	}
}

// get performs an authorised data call. A 401 means the token died early:
// expired, destroyed, or revoked because someone issued a newer one (which
// HRMOS may do: docs/hrmos-api.md §2.1 leaves it open, and several workers of a
// company issue tokens). So a 401 drops the token and repeats the call with
// a new one, at once the first time and after a growing back-off from then
// on, until MaxTokenRefusals 401s in this call make it KindTokenRefused,
// which a later attempt may overcome. A rejected key surfaces from the
// token request as KindKeyRejected. A 403 is not a dead token: HRMOS
// forbids the key this path.
func (c *Client) get(ctx context.Context, rq request, decode func([]byte) error) (response, error) {
	var stale Secret
	attempts := 0
	for refusals := 0; ; {
		tok, err := c.token(ctx, rq, stale)
		if err != nil {
			return response{}, err
		}
		resp, err := c.send(ctx, rq, "Token "+tok.Reveal(), decode)
		if err != nil {
			return response{}, err
		}
		attempts += resp.attempts
		switch {
		case resp.status >= 200 && resp.status < 300:
			return resp, nil
		case resp.status != http.StatusUnauthorized:
			return response{}, &Error{Kind: classify(resp.status, false), Op: rq.op, Path: rq.path, Page: rq.page,
				Status: resp.status, Code: resp.code, Attempts: attempts}
		}
		refusals++
		c.dropToken(tok)
		if refusals >= c.maxRefusals {
			return response{}, &Error{Kind: KindTokenRefused, Op: rq.op, Path: rq.path, Page: rq.page,
				Status: resp.status, Code: resp.code, Attempts: attempts, Refusals: refusals}
		}
		c.log.DebugContext(ctx, "hrmos token refused; getting a new one", "op", rq.op, "path", rq.path,
			"page", rq.page, "refusals", refusals)
		if refusals > 1 {
			// Tokens keep dying: give whoever issues them time to finish
			// (and jitter apart workers that revoke each other's).
			if err := sleep(ctx, c.backoff(KindUnavailable, refusals-1, 0)); err != nil {
				return response{}, c.ctxError(rq, attempts, err)
			}
		}
		stale = tok
	}
}

// errorCode extracts HRMOS's numeric {"code": N} from an error body, 0 when
// the body is empty (429), HTML (gateways) or has no code.
func errorCode(body []byte) int {
	var e struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return 0
	}
	n, ok, valid := jsonInt(e.Code)
	if !ok || !valid || n < -1<<31 || n > 1<<31-1 {
		return 0
	}
	return int(n)
}
