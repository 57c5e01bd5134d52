package hrmossim

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tokenAlphabet is base58: letters and digits without 0 O I l, as in the
// spec's example token (a Rails has_secure_token).
const tokenAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

const tokenLength = 24

// tokenState is one issued token.
type tokenState struct {
	company   string
	expiresAt time.Time
	destroyed bool
	served    int // data requests it authorised
}

func (t *tokenState) validAt(now time.Time) bool {
	return !t.destroyed && now.Before(t.expiresAt)
}

// newToken returns 24 random base58 characters.
func newToken() string {
	b := make([]byte, 0, tokenLength)
	var buf [64]byte
	for len(b) < tokenLength {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails
		for _, c := range buf {
			// Rejection sampling keeps the alphabet uniform.
			if int(c) < 4*len(tokenAlphabet) && len(b) < tokenLength {
				b = append(b, tokenAlphabet[int(c)%len(tokenAlphabet)])
			}
		}
	}
	return string(b)
}

// keyExpiry is when a key issued at issuedAt stops working: three
// calendar months on (docs/hrmos-api.md §2.4).
func keyExpiry(issuedAt time.Time) time.Time { return issuedAt.AddDate(0, 3, 0) }

// tokenLifetime is the lifetime of a token issued or postponed now.
func (s *Server) tokenLifetime() time.Duration {
	if ttl := s.Faults().TokenTTL; ttl > 0 {
		return ttl
	}
	return s.tokenTTL
}

// handleToken is GET /authentication/token: the Secret Key, verbatim after
// "Basic ", buys a token valid for TokenTTL. Each call issues a new token;
// earlier ones stay valid until they expire unless Faults.RevokeOnReissue.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	state := s.lookupCompany(r)
	if state == nil {
		writeError(w, http.StatusNotFound, "Company not found")
		return
	}
	scheme, key, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Basic") || strings.TrimSpace(key) == "" {
		writeError(w, http.StatusUnauthorized, "Authorization header with the secret key is missing")
		return
	}
	now := s.clock.Now()
	s.dataMu.RLock()
	current, issuedAt := state.c.APIKey, state.c.KeyIssuedAt
	s.dataMu.RUnlock()
	// A wrong, rotated and expired key are told apart by nobody: HRMOS's
	// text for them is unknown, and a client must not depend on it.
	if strings.TrimSpace(key) != current || !now.Before(keyExpiry(issuedAt)) {
		writeError(w, http.StatusUnauthorized, "Invalid secret key")
		return
	}
	token := newToken()
	expires := now.Truncate(time.Second).Add(s.tokenLifetime())
	revoke := s.Faults().RevokeOnReissue
	s.tokenMu.Lock()
	s.pruneTokensLocked(now)
	if revoke {
		for _, st := range s.tokens {
			if st.company == state.c.ID {
				st.destroyed = true
			}
		}
	}
	s.tokens[token] = &tokenState{company: state.c.ID, expiresAt: expires}
	s.tokenMu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(tokenJSON{token, At(expires)}))
}

// pruneTokensLocked forgets dead tokens once there are many, so a long demo
// or benchmark does not grow without bound.
func (s *Server) pruneTokensLocked(now time.Time) {
	if len(s.tokens) < 10000 {
		return
	}
	for t, st := range s.tokens {
		if !st.validAt(now) {
			delete(s.tokens, t)
		}
	}
}

// bearerToken extracts the token of "Token <t>", `Token token="<t>"` or
// "Bearer <t>" (Rails' token authentication accepts all three).
func bearerToken(header string) string {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if v, ok := strings.CutPrefix(rest, "token="); ok {
		v, _, _ = strings.Cut(v, ",")
		rest = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return rest
}

// authenticate checks the request's token for the company. On failure it
// writes the 401 and returns "". An UnauthorizedNextN fault revokes a valid
// token here.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, companyID string) string {
	token := bearerToken(r.Header.Get("Authorization"))
	if token == "" {
		writeError(w, http.StatusUnauthorized, "Authorization token is missing")
		return ""
	}
	now := s.clock.Now()
	s.tokenMu.Lock()
	st := s.tokens[token]
	switch {
	case st == nil || st.company != companyID || st.destroyed:
		s.tokenMu.Unlock()
		writeError(w, http.StatusUnauthorized, "Invalid token")
		return ""
	case !st.validAt(now):
		s.tokenMu.Unlock()
		writeError(w, http.StatusUnauthorized, "Token has expired")
		return ""
	}
	s.tokenMu.Unlock()
	if s.takeFault(faultUnauthorized, r.URL.Path) {
		s.tokenMu.Lock()
		st.destroyed = true
		s.tokenMu.Unlock()
		writeError(w, http.StatusUnauthorized, "Invalid token")
		return ""
	}
	return token
}

// serve counts a data request against its token and revokes the token
// once it has served Faults.RevokeTokensAfter of them.
func (s *Server) serve(token string) {
	limit := s.Faults().RevokeTokensAfter
	if limit <= 0 {
		return
	}
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	if st := s.tokens[token]; st != nil {
		st.served++
		st.destroyed = st.destroyed || st.served >= limit
	}
}

// handlePostpone is PUT /authentication/postpone: a still-valid token's
// expiry moves to now + TokenTTL; same token.
func (s *Server) handlePostpone(w http.ResponseWriter, r *http.Request) {
	token := s.requestToken(w, r)
	if token == "" {
		return
	}
	expires := s.clock.Now().Truncate(time.Second).Add(s.tokenLifetime())
	s.tokenMu.Lock()
	s.tokens[token].expiresAt = expires
	s.tokenMu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(tokenJSON{token, At(expires)}))
}

// handleDestroy is DELETE /authentication/destroy: the token dies; the body
// is the Token object as it was.
func (s *Server) handleDestroy(w http.ResponseWriter, r *http.Request) {
	token := s.requestToken(w, r)
	if token == "" {
		return
	}
	s.tokenMu.Lock()
	st := s.tokens[token]
	st.destroyed = true
	expires := st.expiresAt
	s.tokenMu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(tokenJSON{token, At(expires)}))
}

// requestToken is the valid token of a request to a known company; "" when
// it has already answered 404 or 401.
func (s *Server) requestToken(w http.ResponseWriter, r *http.Request) string {
	state := s.lookupCompany(r)
	if state == nil {
		writeError(w, http.StatusNotFound, "Company not found")
		return ""
	}
	return s.authenticate(w, r, state.c.ID)
}

// ExpireTokens makes every token of the company expired now, as if a day had
// passed for them.
func (s *Server) ExpireTokens(companyID string) error {
	if s.companyState(companyID) == nil {
		return errUnknownCompany(companyID)
	}
	now := s.clock.Now()
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	for _, st := range s.tokens {
		if st.company == companyID && st.expiresAt.After(now) {
			st.expiresAt = now
		}
	}
	s.log.Info("tokens expired", "company", companyID)
	return nil
}

// IssuedTokens returns the tokens issued to the company that the server
// still remembers (all of them unless more than 10,000 were issued), sorted;
// the project's tests scan histories and logs for them.
func (s *Server) IssuedTokens(companyID string) []string {
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	var out []string
	for t, st := range s.tokens {
		if st.company == companyID {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
