package hrmossim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMutateUsers(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 400, Seed: 3, Messy: MessyAll()})
	before := e.sim.Company("acme")
	today := civilOf(testNow).String()
	active := 0
	for _, u := range before.Users {
		if u.EndDate.Presence != Present || u.EndDate.Value == "" || u.EndDate.Value >= today {
			active++
		}
	}
	e.clock.Advance(time.Hour)
	n, err := e.sim.MutateUsers("acme", 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := (active*5 + 50) / 100; n != want {
		t.Fatalf("changed %d users, want 5%% of %d active = %d", n, active, want)
	}
	after := e.sim.Company("acme")
	changed, kinds := 0, map[string]int{}
	for i, u := range after.Users {
		old := before.Users[i]
		if u.UpdatedAt.Equal(old.UpdatedAt) {
			if mustJSONString(u) != mustJSONString(old) {
				t.Errorf("user %d changed without a new updated_at", u.ID)
			}
			continue
		}
		changed++
		if !u.UpdatedAt.Equal(testNow.Add(time.Hour)) || (old.EndDate.Presence == Present && old.EndDate.Value != "" && old.EndDate.Value < today) {
			t.Errorf("user %d: updated_at %v, end_date %q", u.ID, u.UpdatedAt, old.EndDate.Value)
		}
		switch {
		case u.DepartmentID != old.DepartmentID:
			kinds["department"]++
		case u.LastNameKana != old.LastNameKana:
			kinds["kana"]++
		case u.Email != old.Email:
			kinds["email"]++
		default:
			t.Errorf("user %d: updated but no synced field changed", u.ID)
		}
	}
	if changed != n || len(kinds) != 3 {
		t.Errorf("%d users changed (%v), want %d across department, kana and e-mail", changed, kinds, n)
	}
	// The same seed on the same data picks the same users and changes.
	again := newEnv(t, Options{}, GenerateSpec{Users: 400, Seed: 3, Messy: MessyAll()})
	again.clock.Advance(time.Hour)
	if _, err := again.sim.MutateUsers("acme", 5, 1); err != nil {
		t.Fatal(err)
	}
	if string(renderCompany(again.sim.Company("acme"))) != string(renderCompany(after)) {
		t.Error("the same seed mutated differently")
	}
	// A client's from filter finds exactly the changed users.
	res := e.get("/users?limit=100&from=2026-04-15T11:00:00%2B09:00", e.token())
	if got := res.header.Get("X-Total-Count"); got != itoa(n) {
		t.Errorf("from filter finds %s users, want %d", got, n)
	}
	// Old values stay in PersonalStrings.
	strs := after.PersonalStrings()
	for i, u := range after.Users {
		if old := before.Users[i]; u.Email != old.Email && old.Email.Value != "" && !containsString(strs, old.Email.Value) {
			t.Errorf("user %d: old e-mail left PersonalStrings", u.ID)
		}
	}
}

func TestMutateOverHTTP(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 100, Seed: 3})
	res := e.do("POST", "/_sim/companies/acme/mutate", "")
	wantError(t, res, http.StatusBadRequest) // no body
	req, _ := http.NewRequest("POST", e.ts.URL+"/_sim/companies/acme/mutate", strings.NewReader(`{"percent":10,"seed":7}`))
	r, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct {
		Company string
		Changed int
	}
	if err := decodeJSON(r.Body, &out); err != nil || r.StatusCode != http.StatusOK || out.Company != "acme" || out.Changed < 5 {
		t.Errorf("mutate: %d %+v %v", r.StatusCode, out, err)
	}
	for _, body := range []string{`{"percent":101}`, `{"percent":-1}`, `{"pct":5}`} {
		r, err := e.ts.Client().Post(e.ts.URL+"/_sim/companies/acme/mutate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", body, r.StatusCode)
		}
	}
	r, err = e.ts.Client().Post(e.ts.URL+"/_sim/companies/nobody/mutate", "application/json", strings.NewReader(`{"percent":1}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown company: status %d", r.StatusCode)
	}
}
