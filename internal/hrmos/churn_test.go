package hrmos

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func listUsers(t *testing.T, c *Client) ([]User, error) {
	t.Helper()
	var all []User
	err := c.Users(context.Background(), 1, func(p Page[User]) error {
		all = append(all, p.Items...)
		return nil
	})
	return all, err
}

func listMonth(t *testing.T, c *Client, month string) ([]MonthlyReportRow, error) {
	t.Helper()
	var all []MonthlyReportRow
	err := c.MonthlyReport(context.Background(), month, 1, func(p Page[MonthlyReportRow]) error {
		all = append(all, p.Items...)
		return nil
	})
	return all, err
}

// Tokens revoked after every second request and living 3 s (the clock
// moves 700 ms a request) do not change what a full listing returns.
func TestTokenChurnDuringFullListings(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 120, Months: []string{"2026-09"}, Messy: hrmossim.MessyAll()})
	small := func(c *Config) { c.PageSize = 10 }
	cleanUsers, err := listUsers(t, env.client(t, small))
	if err != nil {
		t.Fatal(err)
	}
	cleanRows, err := listMonth(t, env.client(t, small), "2026-09")
	if err != nil {
		t.Fatal(err)
	}

	env.sim.SetFaults(hrmossim.Faults{RevokeTokensAfter: 2, TokenTTL: 3 * time.Second})
	env.intercept = func(http.ResponseWriter, *http.Request, int) bool {
		env.clock.Advance(700 * time.Millisecond)
		return false
	}
	authBefore, dataBefore := env.counts()
	c := env.client(t, small)
	users, err := listUsers(t, c)
	if err != nil {
		t.Fatalf("users under churn: %v", err)
	}
	if diff := cmp.Diff(cleanUsers, users); diff != "" {
		t.Errorf("users under churn (-clean +got):\n%s", diff)
	}
	rows, err := listMonth(t, c, "2026-09")
	if err != nil {
		t.Fatalf("monthly report under churn: %v", err)
	}
	if diff := cmp.Diff(cleanRows, rows); diff != "" {
		t.Errorf("monthly rows under churn (-clean +got):\n%s", diff)
	}
	auth, data := env.counts()
	pages := len(cleanUsers)/10 + 1 + len(cleanRows)/10 + 1
	t.Logf("%d pages: %d data and %d token requests", pages, data-dataBefore, auth-authBefore)
	if data-dataBefore <= pages || auth-authBefore < pages/2 {
		t.Errorf("%d data and %d token requests for %d pages: the churn was not exercised", data-dataBefore, auth-authBefore, pages)
	}
}

func TestTokenRefusedAfterTheBudget(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 3})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: http.StatusUnauthorized})
	start := time.Now()
	_, err := countUsers(t, env.client(t, func(c *Config) { c.RetryBaseDelay = 5 * time.Millisecond }))
	e := mustKind(t, err, KindTokenRefused)
	if !e.Retryable() || e.Refusals != 6 || e.Attempts != 6 || e.Status != 401 || e.Page != 1 {
		t.Fatalf("error = %+v", e)
	}
	want := "HRMOS refused 6 tokens in a row despite issuing new ones: HTTP 401; another client of this company " +
		"may be issuing tokens that revoke them, and a later attempt may succeed (list users, page 1)"
	if e.Error() != want {
		t.Errorf("Error() = %q", e.Error())
	}
	if auth, data := env.counts(); auth != 6 || data != 6 {
		t.Errorf("auth=%d data=%d, want a new token after each of 6 refusals but the last", auth, data)
	}
	// The first refusal is answered at once; the next ones wait 1, 2, 4
	// and 8 times the base delay, each ±20%.
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("6 refusals took %v, want the back-off between them", el)
	}

	env = newSim(t, hrmossim.GenerateSpec{Users: 3})
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: http.StatusUnauthorized})
	_, err = countUsers(t, env.client(t, func(c *Config) { c.MaxTokenRefusals = 2 }))
	if e := mustKind(t, err, KindTokenRefused); e.Refusals != 2 || !strings.HasPrefix(e.Error(), "HRMOS refused 2 tokens") {
		t.Fatalf("error = %v", e)
	}
}

// Only the token endpoint refusing the key is permanent, even mid-churn.
func TestKeyRejectedEndsTheChurnAtOnce(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 3})
	c := env.client(t, nil)
	if _, err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.sim.RotateKey("acme"); err != nil {
		t.Fatal(err)
	}
	env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: http.StatusUnauthorized})
	_, err := countUsers(t, c)
	if e := mustKind(t, err, KindKeyRejected); e.Retryable() {
		t.Fatalf("error = %+v", e)
	}
	if auth, data := env.counts(); auth != 2 || data != 1 {
		t.Errorf("auth=%d data=%d, want one refusal and one rejected token request", auth, data)
	}
}

// Two workers (separate token caches) of one company listing at once, with
// HRMOS revoking a company's tokens whenever it issues one: each keeps
// killing the other's token, and both still finish.
func TestWorkersRevokingEachOthersTokens(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 200})
	env.sim.SetFaults(hrmossim.Faults{RevokeOnReissue: true})
	var wg sync.WaitGroup
	results := make([]int, 2)
	for i := range results {
		c := env.client(t, func(c *Config) { c.PageSize = 10; c.RetryBaseDelay = 2 * time.Millisecond })
		wg.Go(func() {
			n, err := countUsers(t, c)
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
			results[i] = n
		})
	}
	wg.Wait()
	if results[0] != 200 || results[1] != 200 {
		t.Errorf("workers listed %v users, want 200 each", results)
	}
}

// One worker's concurrent calls share one token request per refusal.
func TestConcurrentRefusalsShareOneNewToken(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 5})
	c := env.client(t, nil)
	if _, err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := env.sim.ExpireTokens("acme"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := countUsers(t, c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if auth, _ := env.counts(); auth > 3 {
		t.Errorf("auth=%d for 8 calls refused at once, want them to share new tokens", auth)
	}
}
