package hrmossim

import (
	"crypto/rand"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tokenAlphabet is base58: letters and digits without 0 O I l, as in the
// spec's example token (a Rails has_secure_token).
const tokenAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// tokenState is one issued token.
type tokenState struct {
	company   string
	expiresAt time.Time
	destroyed bool
	served    int // data requests it authorised
}

func (t *tokenState) validAt(now time.Time) bool { return !t.destroyed && now.Before(t.expiresAt) }

// tokenJSON is the Token object of the authentication endpoints.
type tokenJSON struct {
	Token     string    `json:"token"`
	ExpiredAt Timestamp `json:"expired_at"`
}

// newToken returns 24 random base58 characters.
func newToken() string {
	b := make([]byte, 24)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(tokenAlphabet)))) // never fails
		b[i] = tokenAlphabet[n.Int64()]
	}
	return string(b)
}

// keyExpiry is when a key issued at issuedAt stops working: three
// calendar months on (docs/hrmos-api.md §2.4).
func keyExpiry(issuedAt time.Time) time.Time { return issuedAt.AddDate(0, 3, 0) }

// tokenExpiry is when a token issued or postponed at now expires: 24 h on,
// or Faults.TokenTTL once set.
func (s *Server) tokenExpiry(now time.Time) time.Time {
	ttl := s.Faults().TokenTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return now.Truncate(time.Second).Add(ttl)
}

// handleToken is GET /authentication/token: the Secret Key, verbatim after
// "Basic ", buys a new token (doc.go: bad key, token re-issue).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, state *companyState) {
	scheme, key, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if key = strings.TrimSpace(key); !strings.EqualFold(scheme, "Basic") || key == "" {
		writeError(w, http.StatusUnauthorized, "Authorization header with the secret key is missing")
		return
	}
	now := s.opts.Clock.Now()
	s.dataMu.RLock()
	current, issuedAt := state.c.APIKey, state.c.KeyIssuedAt
	s.dataMu.RUnlock()
	if key != current || !now.Before(keyExpiry(issuedAt)) {
		writeError(w, http.StatusUnauthorized, "Invalid secret key")
		return
	}
	token, expires := newToken(), s.tokenExpiry(now)
	revoke := s.Faults().RevokeOnReissue
	s.tokenMu.Lock()
	if len(s.tokens) >= 10000 { // forget dead tokens, so a long demo or benchmark does not grow without bound
		maps.DeleteFunc(s.tokens, func(_ string, st *tokenState) bool { return !st.validAt(now) })
	}
	for _, st := range s.tokens {
		st.destroyed = st.destroyed || revoke && st.company == state.c.ID
	}
	s.tokens[token] = &tokenState{company: state.c.ID, expiresAt: expires}
	s.tokenMu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(tokenJSON{token, At(expires)}))
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
// writes the 401 and returns nil. An UnauthorizedNextN fault revokes a valid
// token here; a data request counts against its token, which is revoked
// once it has served Faults.RevokeTokensAfter of them.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, state *companyState, data bool) *tokenState {
	token := bearerToken(r.Header.Get("Authorization"))
	if token == "" {
		writeError(w, http.StatusUnauthorized, "Authorization token is missing")
		return nil
	}
	now := s.opts.Clock.Now()
	s.tokenMu.Lock()
	st := s.tokens[token]
	valid := st != nil && st.company == state.c.ID && !st.destroyed
	expired := valid && !st.validAt(now)
	s.tokenMu.Unlock()
	switch {
	case !valid:
		writeError(w, http.StatusUnauthorized, "Invalid token")
	case expired:
		writeError(w, http.StatusUnauthorized, "Token has expired")
	case s.takeFault(faultUnauthorized, r.URL.Path):
		s.tokenMu.Lock()
		st.destroyed = true
		s.tokenMu.Unlock()
		writeError(w, http.StatusUnauthorized, "Invalid token")
	default:
		if limit := s.Faults().RevokeTokensAfter; data && limit > 0 {
			s.tokenMu.Lock()
			st.served++
			st.destroyed = st.destroyed || st.served >= limit
			s.tokenMu.Unlock()
		}
		return st
	}
	return nil
}

// tokenChange answers PUT /authentication/postpone and DELETE
// /authentication/destroy: change gets the expiry a postponement gives, and
// the answer is the valid token's Token object as it then stands.
func (s *Server) tokenChange(change func(t *tokenState, postponed time.Time)) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, state *companyState) {
		st := s.authenticate(w, r, state, false)
		if st == nil {
			return
		}
		postponed := s.tokenExpiry(s.opts.Clock.Now())
		s.tokenMu.Lock()
		change(st, postponed)
		expires := st.expiresAt
		s.tokenMu.Unlock()
		writeJSON(w, http.StatusOK, mustJSON(tokenJSON{bearerToken(r.Header.Get("Authorization")), At(expires)}))
	}
}

// ExpireTokens makes every token of the company expired now, as if a day had
// passed for them.
func (s *Server) ExpireTokens(companyID string) error {
	if s.companyState(companyID) == nil {
		return errUnknownCompany(companyID)
	}
	now := s.opts.Clock.Now()
	s.tokenMu.Lock()
	defer s.tokenMu.Unlock()
	for _, st := range s.tokens {
		if st.company == companyID && st.expiresAt.After(now) {
			st.expiresAt = now
		}
	}
	s.opts.Logger.Info("tokens expired", "company", companyID)
	return nil
}

// IssuedTokens returns the company's tokens the server still remembers (all
// unless over 10,000 were issued), sorted, for tests that scan for them.
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
