package hrmossim

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var tokenPattern = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{24}$`)

func TestTokenForVerbatimKey(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	res := e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey)
	if res.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var tok map[string]string
	mustUnmarshal(t, res.body, &tok)
	if len(tok) != 2 {
		t.Errorf("token object has keys %v, want token and expired_at", tok)
	}
	if !tokenPattern.MatchString(tok["token"]) {
		t.Errorf("token = %q, want 24 base58 characters", tok["token"])
	}
	if want := "2026-04-16T10:00:00.000+09:00"; tok["expired_at"] != want {
		t.Errorf("expired_at = %q, want %q (now + 24 h)", tok["expired_at"], want)
	}
}

func TestTokenRejectsAnythingButTheVerbatimKey(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	key := e.company.APIKey
	for name, header := range map[string]string{
		"wrong key":           "Basic bm90LXRoZS1rZXk=",
		"base64 of key:":      "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")),
		"base64 of key":       "Basic " + base64.StdEncoding.EncodeToString([]byte(key)),
		"Token scheme":        "Token " + key,
		"missing header":      "",
		"Basic without key":   "Basic ",
		"key with extra tail": "Basic " + key + "x",
	} {
		t.Run(name, func(t *testing.T) {
			res := e.do("GET", e.api()+"/authentication/token", header)
			wantError(t, res, http.StatusUnauthorized)
			if strings.Contains(string(res.body), key) {
				t.Errorf("error body echoes the key: %s", res.body)
			}
		})
	}
}

func TestUnknownCompanyIs404(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{CompanyID: "acme", Users: 3, Seed: 1})
	// Company IDs are case-sensitive.
	for _, path := range []string{"/api/ACME/v1/authentication/token", "/api/other/v1/users", "/api/Acme/v1/departments"} {
		wantError(t, e.do("GET", path, "Basic "+e.company.APIKey), http.StatusNotFound)
	}
}

func TestUnknownPathAndMethodAre404JSON(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	wantError(t, e.do("GET", e.api()+"/users/1", "Token "+tok), http.StatusNotFound)
	wantError(t, e.do("POST", e.api()+"/authentication/token", "Basic "+e.company.APIKey), http.StatusNotFound)
	wantError(t, e.do("GET", "/nothing", ""), http.StatusNotFound)
}

func TestTokenSchemesAccepted(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	for _, header := range []string{"Token " + tok, "Bearer " + tok, `Token token="` + tok + `"`, "bearer " + tok} {
		if res := e.do("GET", e.api()+"/users", header); res.status != http.StatusOK {
			t.Errorf("%q: status %d", header, res.status)
		}
	}
}

func TestDataEndpointsRequireAValidToken(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1, Months: []string{"2026-03"}})
	paths := []string{"/users", "/departments", "/lodgments", "/employments", "/work_output_months/monthly/2026-03"}
	for _, p := range paths {
		wantError(t, e.do("GET", e.api()+p, ""), http.StatusUnauthorized)
		wantError(t, e.do("GET", e.api()+p, "Token notatokenatallxxxxxxxxx"), http.StatusUnauthorized)
		wantError(t, e.do("GET", e.api()+p, "Basic "+e.company.APIKey), http.StatusUnauthorized)
	}
}

func TestTokenOfAnotherCompanyIsRejected(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{CompanyID: "acme", Users: 3, Seed: 1})
	other := MustGenerate(GenerateSpec{CompanyID: "other", Users: 3, Seed: 2, Now: testNow})
	if err := e.sim.AddCompany(other); err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/api/other/v1/authentication/token", "Basic "+other.APIKey)
	var tok map[string]string
	mustUnmarshal(t, res.body, &tok)
	wantError(t, e.get("/users", tok["token"]), http.StatusUnauthorized)
}

func TestTokenExpiresAfter24Hours(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.clock.Advance(24*time.Hour - time.Second)
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatalf("just before expiry: status %d", res.status)
	}
	e.clock.Advance(time.Second)
	wantError(t, e.get("/users", tok), http.StatusUnauthorized)
}

func TestEachTokenRequestIssuesANewTokenAndOldOnesStayValid(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	first := e.token()
	e.clock.Advance(time.Hour)
	second := e.token()
	if first == second {
		t.Fatalf("second token request returned the same token")
	}
	for _, tok := range []string{first, second} {
		if res := e.get("/users", tok); res.status != http.StatusOK {
			t.Errorf("token %d: status %d", len(tok), res.status)
		}
	}
	e.clock.Advance(23 * time.Hour)
	wantError(t, e.get("/users", first), http.StatusUnauthorized)
	if res := e.get("/users", second); res.status != http.StatusOK {
		t.Errorf("second token died with the first: status %d", res.status)
	}
}

func TestPostponeExtendsTheSameToken(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.clock.Advance(23 * time.Hour)
	res := e.do("PUT", e.api()+"/authentication/postpone", "Token "+tok)
	if res.status != http.StatusOK {
		t.Fatalf("postpone: status %d: %s", res.status, res.body)
	}
	var got map[string]string
	mustUnmarshal(t, res.body, &got)
	want := map[string]string{"token": tok, "expired_at": "2026-04-17T09:00:00.000+09:00"}
	if got["token"] != want["token"] || got["expired_at"] != want["expired_at"] {
		t.Errorf("postpone = %v, want %v", got, want)
	}
	e.clock.Advance(23 * time.Hour) // 46 h after issue, 23 h after postpone
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatalf("after postpone: status %d", res.status)
	}
	e.clock.Advance(2 * time.Hour)
	wantError(t, e.do("PUT", e.api()+"/authentication/postpone", "Token "+tok), http.StatusUnauthorized)
}

func TestDestroyKillsTheToken(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	res := e.do("DELETE", e.api()+"/authentication/destroy", "Bearer "+tok)
	if res.status != http.StatusOK {
		t.Fatalf("destroy: status %d", res.status)
	}
	var got map[string]string
	mustUnmarshal(t, res.body, &got)
	if got["token"] != tok || got["expired_at"] != "2026-04-16T10:00:00.000+09:00" {
		t.Errorf("destroy body = %v", got)
	}
	wantError(t, e.get("/users", tok), http.StatusUnauthorized)
	wantError(t, e.do("DELETE", e.api()+"/authentication/destroy", "Token "+tok), http.StatusUnauthorized)
	wantError(t, e.do("PUT", e.api()+"/authentication/postpone", "Token "+tok), http.StatusUnauthorized)
}

func TestRotatedKeyIsRejected(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	oldKey := e.company.APIKey
	tok := e.token()
	newKey, err := e.sim.RotateKey("acme")
	if err != nil {
		t.Fatal(err)
	}
	if newKey == oldKey || newKey == "" {
		t.Fatalf("RotateKey returned %q", newKey)
	}
	wantError(t, e.do("GET", e.api()+"/authentication/token", "Basic "+oldKey), http.StatusUnauthorized)
	if res := e.do("GET", e.api()+"/authentication/token", "Basic "+newKey); res.status != http.StatusOK {
		t.Errorf("new key: status %d", res.status)
	}
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Errorf("token issued before the rotation: status %d, want it to live until expiry", res.status)
	}
	strs := e.sim.Company("acme").PersonalStrings()
	for _, k := range []string{oldKey, newKey} {
		if !containsString(strs, k) {
			t.Errorf("PersonalStrings lacks key %q", k)
		}
	}
	if _, err := e.sim.RotateKey("nobody"); err == nil {
		t.Error("RotateKey of an unknown company succeeded")
	}
}

func TestKeyExpiresAfterThreeMonths(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	// The key was issued at testNow (2026-04-15 10:00 JST).
	e.clock.Set(time.Date(2026, 7, 15, 9, 59, 59, 0, jst))
	if res := e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey); res.status != http.StatusOK {
		t.Fatalf("a second before three months: status %d", res.status)
	}
	e.clock.Set(time.Date(2026, 7, 15, 10, 0, 0, 0, jst))
	wantError(t, e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey), http.StatusUnauthorized)
}

func TestExpireTokens(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	if err := e.sim.ExpireTokens("acme"); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.get("/users", tok), http.StatusUnauthorized)
	if res := e.get("/users", e.token()); res.status != http.StatusOK {
		t.Errorf("a token issued after ExpireTokens: status %d", res.status)
	}
	if got := e.sim.IssuedTokens("acme"); len(got) != 2 || !containsString(got, tok) {
		t.Errorf("IssuedTokens = %v, want both tokens", got)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRevokeTokensAfterServingN(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	e.sim.SetFaults(Faults{RevokeTokensAfter: 2})
	tok := e.token()
	for range 2 {
		if res := e.get("/users", tok); res.status != http.StatusOK {
			t.Fatalf("within the allowance: status %d", res.status)
		}
	}
	wantError(t, e.get("/departments", tok), http.StatusUnauthorized)
	// Token requests and other tokens are not affected.
	next := e.token()
	if res := e.get("/users", next); res.status != http.StatusOK {
		t.Errorf("a new token: status %d", res.status)
	}
	e.sim.SetFaults(Faults{})
	for range 3 {
		if res := e.get("/users", next); res.status != http.StatusOK {
			t.Fatalf("after the switch is off: status %d", res.status)
		}
	}
}

func TestTokenTTLChangesAtRunTime(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	day := e.token()
	e.sim.SetFaults(Faults{TokenTTL: 3 * time.Second})
	res := e.do("GET", e.api()+"/authentication/token", "Basic "+e.company.APIKey)
	var tok map[string]string
	mustUnmarshal(t, res.body, &tok)
	if tok["expired_at"] != "2026-04-15T10:00:03.000+09:00" {
		t.Errorf("expired_at = %s, want now + 3 s", tok["expired_at"])
	}
	e.clock.Advance(3 * time.Second)
	wantError(t, e.get("/users", tok["token"]), http.StatusUnauthorized)
	if res := e.get("/users", day); res.status != http.StatusOK {
		t.Errorf("a token issued before the change: status %d, want its 24 h kept", res.status)
	}
}

func TestRevokeOnReissue(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{CompanyID: "acme", Users: 3, Seed: 1})
	other := MustGenerate(GenerateSpec{CompanyID: "other", Users: 3, Seed: 2, Now: testNow})
	if err := e.sim.AddCompany(other); err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/api/other/v1/authentication/token", "Basic "+other.APIKey)
	var otherTok map[string]string
	mustUnmarshal(t, res.body, &otherTok)

	e.sim.SetFaults(Faults{RevokeOnReissue: true})
	first := e.token()
	second := e.token()
	wantError(t, e.get("/users", first), http.StatusUnauthorized)
	if res := e.get("/users", second); res.status != http.StatusOK {
		t.Errorf("the newest token: status %d", res.status)
	}
	res = e.do("GET", "/api/other/v1/users", "Token "+otherTok["token"])
	if res.status != http.StatusOK {
		t.Errorf("another company's token was revoked: status %d", res.status)
	}
}
