package hrmossim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// links parses an RFC 5988 Link header into rel → URL.
func links(t *testing.T, header string) map[string]*url.URL {
	t.Helper()
	out := map[string]*url.URL{}
	if header == "" {
		return out
	}
	for part := range strings.SplitSeq(header, ", ") {
		target, params, ok := strings.Cut(part, ">; ")
		if !ok || !strings.HasPrefix(target, "<") {
			t.Fatalf("malformed Link part %q", part)
		}
		rel, ok := strings.CutPrefix(params, `rel="`)
		if !ok {
			t.Fatalf("Link part %q has no rel", part)
		}
		u, err := url.Parse(target[1:])
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(rel, `"`)] = u
	}
	return out
}

func relPages(t *testing.T, l map[string]*url.URL) map[string]string {
	t.Helper()
	out := map[string]string{}
	for rel, u := range l {
		out[rel] = u.Query().Get("page")
	}
	return out
}

func TestUsersPagingHeadersAndLinks(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 60, Seed: 3})
	tok := e.token()
	tests := []struct {
		query     string
		wantItems int
		wantRels  map[string]string
	}{
		{"", 25, map[string]string{"next": "2", "last": "3"}},
		{"?page=2", 25, map[string]string{"first": "1", "prev": "1", "next": "3", "last": "3"}},
		{"?page=3", 10, map[string]string{"first": "1", "prev": "2"}},
		{"?page=7", 0, map[string]string{"first": "1", "prev": "6"}},
	}
	for _, tt := range tests {
		res := e.get("/users"+tt.query, tok)
		if res.status != http.StatusOK {
			t.Fatalf("%s: status %d", tt.query, res.status)
		}
		if got := len(objects(t, res.body)); got != tt.wantItems {
			t.Errorf("%s: %d items, want %d", tt.query, got, tt.wantItems)
		}
		if c, p := res.header.Get("X-Total-Count"), res.header.Get("X-Total-Page"); c != "60" || p != "3" {
			t.Errorf("%s: X-Total-Count %q X-Total-Page %q, want 60 and 3", tt.query, c, p)
		}
		l := links(t, res.header.Get("Link"))
		if got := relPages(t, l); !mapsEqual(got, tt.wantRels) {
			t.Errorf("%s: Link pages %v, want %v", tt.query, got, tt.wantRels)
		}
		for rel, u := range l {
			if u.Scheme != "http" || u.Host != strings.TrimPrefix(e.ts.URL, "http://") || u.Path != "/api/acme/v1/users" {
				t.Errorf("%s: %s link %s is not absolute to the request", tt.query, rel, u)
			}
			if u.Query().Get("limit") != "25" {
				t.Errorf("%s: %s link %s lacks limit=25", tt.query, rel, u)
			}
		}
	}
	if res := e.get("/users?page=7", tok); string(res.body) != "[]" {
		t.Errorf("page past the end: body %q, want []", res.body)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestLinkKeepsOtherParametersEncoded(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 30, Seed: 3})
	res := e.get("/users?limit=10&page=2&from=2000-01-01T00:00:00%2B09:00", e.token())
	l := links(t, res.header.Get("Link"))
	prev, ok := l["prev"]
	if !ok {
		t.Fatalf("no rel=prev in %q", res.header.Get("Link"))
	}
	if got := prev.Query().Get("from"); got != "2000-01-01T00:00:00+09:00" {
		t.Errorf("prev link from = %q", got)
	}
	if !strings.Contains(prev.RawQuery, "%2B09%3A00") {
		t.Errorf("prev link %q does not percent-encode the offset", prev.RawQuery)
	}
}

func TestLimitIsClampedAt100(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 250, Seed: 3})
	res := e.get("/users?limit=500", e.token())
	if got := len(objects(t, res.body)); got != 100 {
		t.Errorf("limit=500 gave %d users, want 100", got)
	}
	if got := res.header.Get("X-Total-Page"); got != "3" {
		t.Errorf("X-Total-Page = %q, want 3", got)
	}
	if next := links(t, res.header.Get("Link"))["next"]; next == nil || next.Query().Get("limit") != "100" {
		t.Errorf("next link %v, want limit=100", next)
	}
}

func TestBadPagingIs400(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 3, Seed: 3})
	tok := e.token()
	for _, q := range []string{"page=0", "page=-1", "page=abc", "limit=0", "limit=-5", "limit=x",
		"from=yesterday", "from=2018-09-01T00:00:00+09:00" /* unencoded + */, "to=2018-13-01"} {
		wantError(t, e.get("/users?"+q, tok), http.StatusBadRequest)
	}
}

func TestPagesWalkEveryUserInIDOrder(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 237, Seed: 4, Messy: MessyAll()})
	tok := e.token()
	var ids []int64
	for page := 1; ; page++ {
		items := objects(t, e.get("/users?limit=50&page="+itoa(page), tok).body)
		if len(items) == 0 {
			break
		}
		for _, u := range items {
			ids = append(ids, int64(u["id"].(float64)))
		}
	}
	want := make([]int64, len(e.company.Users))
	for i, u := range e.company.Users {
		want[i] = u.ID
	}
	if !slices.Equal(ids, want) {
		t.Errorf("walked %d ids, want the %d user ids in ascending order", len(ids), len(want))
	}
}

func itoa(n int) string { return string(appendPadded(nil, n, 1)) }

func TestEmptyListHasZeroPages(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 0, Seed: 4})
	res := e.get("/users", e.token())
	if string(res.body) != "[]" || res.header.Get("X-Total-Count") != "0" || res.header.Get("X-Total-Page") != "0" {
		t.Errorf("empty list: body %q count %q pages %q", res.body, res.header.Get("X-Total-Count"), res.header.Get("X-Total-Page"))
	}
	if l := res.header.Get("Link"); l != "" {
		t.Errorf("empty list has Link %q", l)
	}
}

func TestFromToFilterOnUpdatedAtInclusive(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 20, Seed: 5})
	// Every generated user was updated before testNow; put three after it.
	for i, ts := range []time.Time{
		time.Date(2026, 4, 20, 9, 0, 0, 0, jst),
		time.Date(2026, 4, 21, 9, 0, 0, 0, jst),
		time.Date(2026, 4, 22, 9, 0, 0, 0, jst),
	} {
		u := e.company.Users[i]
		u.UpdatedAt = ts
		if err := e.sim.PutUser("acme", u); err != nil {
			t.Fatal(err)
		}
	}
	tok := e.token()
	tests := []struct {
		query string
		want  string
	}{
		{"from=2026-04-20T09:00:00%2B09:00", "3"},
		{"from=2026-04-20T00:00:01Z", "2"}, // 09:00:01 JST
		{"from=2026-04-20T09:00:00%2B09:00&to=2026-04-21T09:00:00%2B09:00", "2"},
		{"from=2026-04-21", "2"},
		{"from=2026-04-22T09:00:00", "1"},
		{"to=2026-04-21T08:59:59%2B09:00", "18"},
	}
	for _, tt := range tests {
		res := e.get("/users?"+tt.query, tok)
		if got := res.header.Get("X-Total-Count"); got != tt.want {
			t.Errorf("%s: X-Total-Count %q, want %s", tt.query, got, tt.want)
		}
		if got := len(objects(t, res.body)); itoa(got) != tt.want {
			t.Errorf("%s: %d items, want %s", tt.query, got, tt.want)
		}
	}
}

func TestPutUserDefaultsUpdatedAtToNow(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 5, Seed: 5})
	u := e.company.Users[0]
	u.UpdatedAt = time.Time{}
	u.LastName = Str("新姓")
	if err := e.sim.PutUser("acme", u); err != nil {
		t.Fatal(err)
	}
	res := e.get("/users?from=2026-04-15T10:00:00%2B09:00", e.token())
	items := objects(t, res.body)
	if len(items) != 1 || items[0]["last_name"] != "新姓" || items[0]["updated_at"] != "2026-04-15T10:00:00.000+09:00" {
		t.Errorf("changed user = %v", items)
	}
}

func TestMasterLists(t *testing.T) {
	e := newEnv(t, Options{}, GenerateSpec{Users: 400, Seed: 6})
	tok := e.token()
	for path, keys := range map[string][]string{
		"/departments": {"id", "name", "sequence"},
		"/employments": {"id", "name", "sequence"},
		"/lodgments":   {"id", "name", "sequence", "segments", "ip_addresses", "address", "prefectural_id", "created_at", "updated_at"},
	} {
		items := objects(t, e.get(path, tok).body)
		if len(items) == 0 {
			t.Fatalf("%s is empty", path)
		}
		for _, it := range items {
			var got []string
			for k := range it {
				got = append(got, k)
			}
			if !slices.Equal(sortedCopy(got), sortedCopy(keys)) {
				t.Errorf("%s item keys %v, want %v", path, got, keys)
			}
		}
	}
	res := e.get("/lodgments?prefectural_id=27", tok)
	items := objects(t, res.body)
	if len(items) != 1 || items[0]["name"] != "大阪支店" {
		t.Errorf("prefectural_id=27 gave %v", items)
	}
	wantError(t, e.get("/lodgments?prefectural_id=osaka", tok), http.StatusBadRequest)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
