package hrmossim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFailNextN(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{FailNextN: 2, FailStatus: 503})
	wantError(t, e.get("/users", tok), http.StatusServiceUnavailable)
	wantError(t, e.get("/users", tok), http.StatusServiceUnavailable)
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Errorf("third request: status %d", res.status)
	}
	if f := e.sim.Faults(); f.FailNextN != 0 {
		t.Errorf("FailNextN left = %d", f.FailNextN)
	}
	for _, status := range []int{400, 403, 404, 410, 422, 599} {
		e.sim.SetFaults(Faults{FailNextN: 1, FailStatus: status})
		wantError(t, e.get("/users", tok), status)
	}
	for _, status := range []int{0, 302, 600} { // not 4xx or 5xx: 500
		e.sim.SetFaults(Faults{FailNextN: 1, FailStatus: status})
		wantError(t, e.get("/users", tok), http.StatusInternalServerError)
	}
}

func TestGatewayHTML(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{GatewayHTMLNextN: 1})
	res := e.get("/users", tok)
	if res.status != http.StatusBadGateway || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") ||
		!strings.HasPrefix(string(res.body), "<html>") {
		t.Errorf("gateway fault: %d %q %q", res.status, res.header.Get("Content-Type"), res.body)
	}
	if json.Valid(res.body) {
		t.Error("gateway page is valid JSON")
	}
}

func TestRateLimitFault(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{RateLimitNextN: 1})
	want429(t, e.get("/users", tok))
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Errorf("after the fault: status %d", res.status)
	}
}

func TestLatencyHonoursTheClientDeadline(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{Latency: 60 * time.Millisecond})
	started := time.Now()
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	if elapsed := time.Since(started); elapsed < 60*time.Millisecond {
		t.Errorf("request took %v, want at least the latency", elapsed)
	}

	e.sim.SetFaults(Faults{Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.ts.URL+e.api()+"/users", nil)
	req.Header.Set("Authorization", "Token "+tok)
	started = time.Now()
	_, err := e.ts.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline", err)
	}
	if time.Since(started) > 2*time.Second {
		t.Error("the client waited for the whole latency")
	}
}

func TestTruncatedBody(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 30, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{TruncateNextN: 1})
	req, _ := http.NewRequest("GET", e.ts.URL+e.api()+"/users", nil)
	req.Header.Set("Authorization", "Token "+tok)
	res, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read err = %v, want io.ErrUnexpectedEOF", err)
	}
	if res.StatusCode != http.StatusOK || len(body) == 0 || json.Valid(body) {
		t.Errorf("truncated response: status %d, %d bytes, valid JSON %v", res.StatusCode, len(body), json.Valid(body))
	}
	if res := e.get("/users", tok); res.status != http.StatusOK || !json.Valid(res.body) {
		t.Errorf("after the fault: status %d", res.status)
	}
}

func TestUnauthorizedRevokesAValidToken(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Fatal(res.status)
	}
	e.sim.SetFaults(Faults{UnauthorizedNextN: 1})
	wantError(t, e.get("/users", tok), http.StatusUnauthorized)
	wantError(t, e.get("/users", tok), http.StatusUnauthorized) // the token stays dead
	if res := e.get("/users", e.token()); res.status != http.StatusOK {
		t.Errorf("a new token: status %d", res.status)
	}
}

// listing walks every page of path (limit 5) the way a page-number client
// does and returns the IDs fetched and each page's X-Total-Count.
func (e *simEnv) listing(path, idKey, tok string) (ids []float64, totals []string) {
	e.t.Helper()
	for page := 1; page <= 100; page++ {
		res := e.get(path+"?limit=5&page="+itoa(page), tok)
		totals = append(totals, res.header.Get("X-Total-Count"))
		items := objects(e.t, res.body)
		for _, it := range items {
			ids = append(ids, it[idKey].(float64))
		}
		if res.header.Get("X-Total-Page") == itoa(page) || len(items) == 0 {
			return ids, totals
		}
	}
	e.t.Fatal("listing did not end")
	return nil, nil
}

func TestShiftRowsBetweenPages(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 12, Seed: 1, Months: []string{"2026-03"}})
	tok := e.token()
	rows := len(e.company.MonthlyRows["2026-03"])
	for _, tt := range []struct{ path, idKey string }{
		{"/users", "id"},
		{"/work_output_months/monthly/2026-03", "user_id"},
	} {
		n := len(e.company.Users)
		if tt.idKey == "user_id" {
			n = rows
		}
		e.sim.SetFaults(Faults{ShiftRowsBetweenPages: 2})
		ids, totals := e.listing(tt.path, tt.idKey, tok)
		// Each page after the first starts by deleting the first record,
		// so a record moves onto an already-fetched page each time: the
		// listing misses one per shift, and page 1's total no longer
		// matches what was fetched, while the last page's total does.
		shifts := 2 - e.sim.Faults().ShiftRowsBetweenPages
		if shifts == 0 || totals[0] != itoa(n) || len(ids) != n-shifts || totals[len(totals)-1] != itoa(len(ids)) {
			t.Errorf("%s: %d shifts, fetched %d with totals %v, want %d fetched against a first total of %d",
				tt.path, shifts, len(ids), totals, n-shifts, n)
		}
		e.sim.SetFaults(Faults{})
		if again, _ := e.listing(tt.path, tt.idKey, tok); len(again) != n-shifts || slices.Equal(again, ids) {
			t.Errorf("%s: re-listing after the shift got %v, first listing %v", tt.path, again, ids)
		}
	}
}

// One record added and one deleted before a page ≥ 2 is served: every
// page says the same X-Total-Count and the listing fetches as many records
// as it says, yet it holds the deleted record and misses the one that moved
// back a page. The added record, created and updated at the clock's now, is
// what `from` finds.
func TestAddAndRemoveBetweenPages(t *testing.T) {
	const month = "2026-03"
	e := newEnv(t, Options{}, GenerateSpec{Users: 12, Seed: 1, Months: []string{month}})
	tok := e.token()
	e.clock.Advance(time.Hour)
	now := appendTimestamp(nil, e.clock.Now())
	for _, tt := range []struct{ path, idKey string }{
		{"/users", "id"},
		{"/work_output_months/monthly/" + month, "user_id"},
	} {
		before := e.sim.Company(e.company.ID)
		var all []float64
		for _, u := range before.Users {
			all = append(all, float64(u.ID))
		}
		if tt.idKey == "user_id" {
			all = nil
			for _, r := range before.MonthlyRows[month] {
				all = append(all, float64(r.UserID))
			}
		}
		n := len(all)
		e.sim.SetFaults(Faults{AddAndRemoveBetweenPages: 1})
		ids, totals := e.listing(tt.path, tt.idKey, tok)
		if left := e.sim.Faults().AddAndRemoveBetweenPages; left != 0 {
			t.Fatalf("%s: the fault was not used", tt.path)
		}
		for i, total := range totals {
			if total != itoa(n) {
				t.Errorf("%s: page %d says X-Total-Count %s, want %d throughout", tt.path, i+1, total, n)
			}
		}
		after, _ := e.listing(tt.path, tt.idKey, tok)
		added := after[len(after)-1]
		if len(ids) != n || len(after) != n || after[0] != all[1] || slices.Contains(after, all[0]) || slices.Contains(all, added) {
			t.Fatalf("%s: fetched %d of %d, listed afterwards %v (before %v)", tt.path, len(ids), n, after, all)
		}
		// The first page went out before the change: it still had all[0];
		// all[5] moved onto it afterwards and was never fetched.
		if !slices.Contains(ids, all[0]) || slices.Contains(ids, all[5]) || !slices.Contains(ids, added) {
			t.Errorf("%s: fetched %v; want %v (the deleted one) and %v (the added one), not %v", tt.path, ids, all[0], added, all[5])
		}

		// Only the added record is new since the clock's now.
		res := e.get(tt.path+"?from="+url.QueryEscape(e.clock.Now().Format(time.RFC3339)), tok)
		items := objects(t, res.body)
		if len(items) != 1 || items[0][tt.idKey] != added || res.header.Get("X-Total-Count") != "1" {
			t.Fatalf("%s: changed since now: %s", tt.path, truncateForLog(res.body))
		}
		if items[0]["created_at"] != string(now[1:len(now)-1]) || items[0]["updated_at"] != items[0]["created_at"] {
			t.Errorf("%s: added record created %v, updated %v; want both %s", tt.path, items[0]["created_at"], items[0]["updated_at"], now)
		}
		if tt.idKey == "id" {
			u, _ := e.sim.Company(e.company.ID).User(int64(added))
			if u.Number.Value != newHireNumber(u.ID) || u.Email.Value == "" || u.StartDate.Value != "2026-04-15" ||
				u.EndDate.Presence != Null || u.DepartmentID.Presence != Present {
				t.Errorf("the new hire: %+v", u)
			}
		}
	}
	e.sim.SetFaults(Faults{})
}

func TestOnlyPathRestrictsFaults(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	tok := e.token()
	e.sim.SetFaults(Faults{OnlyPath: "/departments", FailNextN: 1})
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Errorf("/users hit by a /departments fault: %d", res.status)
	}
	wantError(t, e.get("/departments", tok), http.StatusInternalServerError)
}

func TestFaultsOverHTTP(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	res, err := e.ts.Client().Post(e.ts.URL+"/_sim/faults", "application/json",
		strings.NewReader(`{"fail_next_n":1,"fail_status":502,"latency":"1ms","only_path":"/users",
			"revoke_tokens_after":2,"token_ttl":3000,"revoke_on_reissue":true,"add_and_remove_between_pages":4}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sim/faults: %d", res.StatusCode)
	}
	want := Faults{FailNextN: 1, FailStatus: 502, Latency: time.Millisecond, OnlyPath: "/users",
		RevokeTokensAfter: 2, TokenTTL: 3 * time.Second, RevokeOnReissue: true, AddAndRemoveBetweenPages: 4}
	if got := e.sim.Faults(); got != want {
		t.Errorf("faults = %+v, want %+v", got, want)
	}
	// Admin requests do not consume faults.
	got := e.do("GET", "/_sim/faults", "")
	var back Faults
	mustUnmarshal(t, got.body, &back)
	if back != want {
		t.Errorf("GET /_sim/faults = %s", got.body)
	}
	tok := e.token()
	wantError(t, e.get("/users", tok), http.StatusBadGateway)
	if res := e.get("/users", tok); res.status != http.StatusOK {
		t.Errorf("after the fault: status %d", res.status)
	}
	bad, err := e.ts.Client().Post(e.ts.URL+"/_sim/faults", "application/json", strings.NewReader(`{"fail_nxt_n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if bad.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown fault field: status %d", bad.StatusCode)
	}
}

func TestAdminKeyRotationAndExpiry(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 1})
	oldKey := e.company.APIKey
	tok := e.token()
	res := e.do("POST", "/_sim/companies/acme/expire-tokens", "")
	if res.status != http.StatusNoContent {
		t.Fatalf("expire-tokens: %d", res.status)
	}
	wantError(t, e.get("/users", tok), http.StatusUnauthorized)
	res = e.do("POST", "/_sim/companies/acme/rotate-key", "")
	var out map[string]string
	mustUnmarshal(t, res.body, &out)
	if out["api_key"] == "" || out["api_key"] == oldKey {
		t.Errorf("rotate-key = %s", res.body)
	}
	wantError(t, e.do("POST", "/_sim/companies/nobody/rotate-key", ""), http.StatusNotFound)
}
