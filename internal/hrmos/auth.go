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
	// refreshMargin: a token with less life than this is replaced before use,
	// so that a page fetch never starts with a token about to die.
	refreshMargin = 5 * time.Minute
	// fallbackLifetime is assumed when HRMOS's expired_at is missing or
	// unreadable. HRMOS tokens live 24 h (hrmos-api.md §2.1); assuming one
	// hour costs a few extra token requests at worst, and a 401 triggers a
	// re-authentication anyway.
	fallbackLifetime = time.Hour
)

// Token is an HRMOS access token and the moment HRMOS says it expires.
type Token struct {
	Value     Secret
	ExpiresAt time.Time
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
	// and re-encoding it is rejected (hrmos-api.md §2.1, §11.2).
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
	return Token{Value: Secret(value), ExpiresAt: exp}, nil
}

// usableToken returns the cached token when it has enough life left.
func (c *Client) usableToken() (Token, bool) {
	t, ok := c.tokens.Get(c.cacheKey)
	if !ok || t.Value == "" || t.ExpiresAt.Sub(c.now()) < refreshMargin {
		return Token{}, false
	}
	return t, true
}

// token returns a usable token, authenticating when the cache has none.
// stale, when set, is a token HRMOS just refused: it is not accepted again
// even if still cached, but a different one another goroutine fetched in
// the meantime is.
func (c *Client) token(ctx context.Context, rq request, stale Secret) (Secret, error) {
	if t, ok := c.usableToken(); ok && (stale == "" || t.Value != stale) {
		return t.Value, nil
	}
	select {
	case c.authSem <- struct{}{}:
	case <-ctx.Done():
		return "", c.ctxError(rq, 0, ctx.Err())
	}
	defer func() { <-c.authSem }()
	if t, ok := c.usableToken(); ok && (stale == "" || t.Value != stale) {
		return t.Value, nil
	}
	t, err := c.Authenticate(ctx)
	if err != nil {
		return "", err
	}
	return t.Value, nil
}

// dropToken forgets a token HRMOS refused, unless the cache already holds
// a newer one.
func (c *Client) dropToken(stale Secret) {
	if t, ok := c.tokens.Get(c.cacheKey); ok && t.Value == stale {
		c.tokens.Delete(c.cacheKey)
	}
}

// get performs an authorised data call. A 401 means the token died early
// (expired, destroyed, or revoked by a newer one), so the token is dropped
// and the call repeated once with a fresh one; refused again, the failure
// is permanent. A 403 is not a dead token: HRMOS forbids the key this path.
func (c *Client) get(ctx context.Context, rq request, decode func([]byte) error) (response, error) {
	tok, err := c.token(ctx, rq, "")
	if err != nil {
		return response{}, err
	}
	resp, err := c.send(ctx, rq, "Token "+tok.Reveal(), decode)
	if err != nil {
		return response{}, err
	}
	if resp.status == http.StatusUnauthorized {
		c.log.DebugContext(ctx, "hrmos token refused; re-authenticating", "op", rq.op, "path", rq.path,
			"page", rq.page, "status", resp.status)
		c.dropToken(tok)
		if tok, err = c.token(ctx, rq, tok); err != nil {
			return response{}, err
		}
		if resp, err = c.send(ctx, rq, "Token "+tok.Reveal(), decode); err != nil {
			return response{}, err
		}
		if resp.status == http.StatusUnauthorized {
			return response{}, &Error{Kind: KindUnauthorized, Op: rq.op, Path: rq.path, Page: rq.page,
				Status: resp.status, Code: resp.code, Attempts: resp.attempts}
		}
	}
	if resp.status >= 200 && resp.status < 300 {
		return resp, nil
	}
	return response{}, &Error{Kind: classify(resp.status, false), Op: rq.op, Path: rq.path, Page: rq.page,
		Status: resp.status, Code: resp.code, Attempts: resp.attempts}
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
