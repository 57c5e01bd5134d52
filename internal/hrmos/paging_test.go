package hrmos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

// walk lists users from start and returns the page numbers fn saw and
// the IDs in order.
func walk(t *testing.T, c *Client, start int) (pages []int, ids []int64, totals [][2]int) {
	t.Helper()
	err := c.Users(context.Background(), start, func(p Page[User]) error {
		pages = append(pages, p.Number)
		totals = append(totals, [2]int{p.TotalCount, p.TotalPages})
		for _, u := range p.Items {
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages, ids, totals
}

func TestAllPagesUsingTotalPage(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 250})
	c := e.client(t, nil)
	pages, ids, totals := walk(t, c, 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.userIDs(), ids); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][2]int{{250, 3}, {250, 3}, {250, 3}}, totals); diff != "" {
		t.Fatalf("totals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/users?page=1", "/users?page=2", "/users?page=3"}, e.pages()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
}

func TestExactMultipleStopsAtTotalPage(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 200})
	pages, _, _ := walk(t, e.client(t, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if _, data := e.counts(); data != 2 {
		t.Fatalf("requested %d pages, want no probe past X-Total-Page", data)
	}
}

func TestStartPageHonoured(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 250})
	pages, ids, _ := walk(t, e.client(t, nil), 2)
	if diff := cmp.Diff([]int{2, 3}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if ids[0] != e.userIDs()[100] || len(ids) != 150 {
		t.Fatalf("first id %d, %d ids", ids[0], len(ids))
	}
}

func TestPageSizeSentAsLimit(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 7})
	pages, ids, totals := walk(t, e.client(t, func(c *Config) { c.PageSize = 3 }), 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" || len(ids) != 7 || totals[2] != [2]int{7, 3} {
		t.Fatalf("pages %v ids %d totals %v", pages, len(ids), totals)
	}
}

func TestStartPagePastEndCallsFnOnceWithEmptyPage(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 10})
	pages, ids, totals := walk(t, e.client(t, nil), 5)
	if diff := cmp.Diff([]int{5}, pages); diff != "" || len(ids) != 0 || totals[0] != [2]int{10, 1} {
		t.Fatalf("pages %v ids %v totals %v", pages, ids, totals)
	}
}

func TestEmptyList(t *testing.T) {
	c := hrmossim.MustGenerate(hrmossim.GenerateSpec{CompanyID: "acme", Seed: 1, Now: simStart})
	c.Departments = nil
	got, err := newSimCompany(t, c).client(t, nil).Departments(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v err %v", got, err)
	}
}

func TestMissingHeadersFallBackToShortPage(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 250})
	e.drop = []string{"X-Total-Count", "X-Total-Page", "Link"}
	pages, ids, totals := walk(t, e.client(t, nil), 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" || len(ids) != 250 {
		t.Fatalf("pages %v ids %d", pages, len(ids))
	}
	if totals[0] != [2]int{-1, -1} {
		t.Fatalf("totals without headers = %v, want -1", totals[0])
	}
}

func TestMissingHeadersEmptyPagePastEndStops(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 200})
	e.drop = []string{"X-Total-Count", "X-Total-Page", "Link"}
	pages, ids, _ := walk(t, e.client(t, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" || len(ids) != 200 {
		t.Fatalf("pages %v ids %d", pages, len(ids))
	}
	if _, data := e.counts(); data != 3 {
		t.Fatalf("data=%d, want the empty page 3 fetched and not passed on", data)
	}
}

func TestLinkHeaderWithoutTotals(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 200})
	e.drop = []string{"X-Total-Count", "X-Total-Page"} // Link has no next on the last page
	pages, _, _ := walk(t, e.client(t, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" {
		t.Fatalf("pages %v", pages)
	}
	if _, data := e.counts(); data != 2 {
		t.Fatalf("data=%d, want no probe once Link has no next", data)
	}
}

func TestHasNextLink(t *testing.T) {
	for v, want := range map[string]bool{
		`</users?page=2>; rel="next", </users?page=3>; rel="last"`:  true,
		`</users?page=1>; rel="first", </users?page=3>; rel="last"`: false,
		`</users?page=2>; rel=next`:                                 true,
		`</users?page=2>; rel="prev next"`:                          true,
		`</users?page=2>; title="next"`:                             false,
		``:                                                          false,
	} {
		if got := hasNextLink([]string{v}); got != want {
			t.Errorf("hasNextLink(%q) = %v", v, got)
		}
	}
}

func TestServerIgnoringPageIsStopped(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{})
	e.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if isToken(r) {
			return false
		}
		_, _ = w.Write([]byte("[" + strings.Join(userItems(3), ",") + "]"))
		return true
	}
	c := e.client(t, func(c *Config) { c.PageSize = 3 })
	err := c.Users(context.Background(), 1, func(Page[User]) error { return nil })
	if !errors.Is(err, errPageRepeated) {
		t.Fatalf("err = %v", err)
	}
	if _, data := e.counts(); data != 2 {
		t.Fatalf("data=%d", data)
	}
}

func TestCallbackErrorStopsListing(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 250})
	stop := errors.New("database down")
	err := e.client(t, nil).Users(context.Background(), 1, func(p Page[User]) error {
		if p.Number == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("err = %v, want the callback's error as is", err)
	}
	if _, data := e.counts(); data != 2 {
		t.Fatalf("data=%d", data)
	}
}

func TestErrorCarriesPageNumber(t *testing.T) {
	env := newSim(t, hrmossim.GenerateSpec{Users: 250})
	env.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") == "3" {
			writeJSONError(w, http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	err := env.client(t, nil).Users(context.Background(), 1, func(Page[User]) error { return nil })
	e := mustKind(t, err, KindUnavailable)
	if e.Page != 3 || e.Error() != "HRMOS is unavailable: HTTP 503 after 4 attempts (list users, page 3)" {
		t.Fatalf("error = %q (page %d)", e.Error(), e.Page)
	}
}

func TestMasterDataAllPages(t *testing.T) {
	c := hrmossim.MustGenerate(hrmossim.GenerateSpec{CompanyID: "acme", Users: 500, Seed: 1, Now: simStart})
	c.Departments = nil
	for i := 1; i <= 130; i++ {
		c.Departments = append(c.Departments, hrmossim.Department{ID: int64(i), Name: fmt.Sprintf("部門%d", i), Sequence: i})
	}
	e := newSimCompany(t, c)
	client := e.client(t, nil)

	d, err := client.Departments(context.Background())
	if err != nil || len(d) != 130 || !cmp.Equal(d[129], Department{ID: 130, Name: "部門130", Sequence: 130}) {
		t.Fatalf("departments: %d err %v", len(d), err)
	}
	l, err := client.Lodgments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []Lodgment
	for _, s := range c.Lodgments {
		pref := int64(s.PrefecturalID)
		want = append(want, Lodgment{ID: s.ID, Name: s.Name, Sequence: s.Sequence, PrefecturalID: &pref, Address: s.Address})
	}
	if diff := cmp.Diff(want, l); diff != "" || len(l) < 2 {
		t.Fatalf("lodgments (-want +got):\n%s", diff)
	}
}

func TestMonthlyReport(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 150, Months: []string{"2026-09"}})
	c := e.client(t, nil)
	var rows []MonthlyReportRow
	err := c.MonthlyReport(context.Background(), "2026-09", 1, func(p Page[MonthlyReportRow]) error {
		rows = append(rows, p.Items...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, listed := e.counts()
	served := e.company.MonthlyRows["2026-09"]
	if len(rows) != len(served) || len(rows) < 100 {
		t.Fatalf("%d rows, want %d", len(rows), len(served))
	}
	for i, r := range rows {
		s := served[i]
		if r.UserID != s.UserID || r.Number != s.Number.Value || r.Month != "202609" || len(r.Invalid) != 0 ||
			r.ActualWorkingHours == "" || r.WorkingDays == "" || r.PaidHolidayWithTimePaid == nil {
			t.Fatalf("row %d = %+v, served %+v", i, r, s)
		}
	}

	for _, bad := range []string{"2026-13", "2026-9", "202609", "2026/09", "../users", ""} {
		err := c.MonthlyReport(context.Background(), bad, 1, func(Page[MonthlyReportRow]) error { return nil })
		mustKind(t, err, KindBadRequest)
	}
	if _, data := e.counts(); data != listed {
		t.Fatalf("data=%d after %d: a malformed month must not reach HRMOS", data, listed)
	}
}

// The engine compares what a listing fetched with X-Total-Count to notice
// rows added or removed while paging: each Page carries the total of its
// own response, and rows deleted mid-listing make the first page's total
// differ from what was fetched (the last page's always matches).
func TestEachPageCarriesItsOwnTotal(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 250})
	all := e.userIDs()
	e.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 2})
	// Page 2's first attempt fails with a different total: the retry's counts.
	failed := false
	e.intercept = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") == "2" && !failed {
			failed = true
			w.Header().Set("X-Total-Count", "999")
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	pages, ids, totals := walk(t, e.client(t, nil), 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][2]int{{250, 3}, {249, 3}, {248, 3}}, totals); diff != "" {
		t.Fatalf("totals (-want +got):\n%s", diff)
	}
	if len(ids) != 248 || totals[0][0] == len(ids) {
		t.Fatalf("fetched %d, first total %d: the shift must show", len(ids), totals[0][0])
	}
	// Each shift deleted a user fetched on page 1, so the first user of
	// the next page moved back a page and was missed: the 101st and 202nd.
	if ids[100] != all[101] || slices.Contains(ids, all[100]) || slices.Contains(ids, all[201]) {
		t.Fatalf("ids around the page boundaries: %v, %v", ids[98:102], ids[198:202])
	}
}

// The changed-since listings send HRMOS's `from` on every page, written as
// the spec's example writes it with the "+" percent-encoded, in Japan time
// and floored to the second (from is inclusive: nothing updated at since is
// left out). They list exactly the records updated at or after since, and
// carry each record's created_at.
func TestChangedSinceListings(t *testing.T) {
	const month = "2026-09"
	e := newSim(t, hrmossim.GenerateSpec{Users: 40, Months: []string{month}})
	var mu sync.Mutex
	var queries []string
	e.intercept = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if !isToken(r) {
			mu.Lock()
			queries = append(queries, r.URL.RawQuery)
			mu.Unlock()
		}
		return false
	}
	c := e.client(t, func(c *Config) { c.PageSize = 2 })
	// Generated data was last touched at simStart at the latest. Three
	// users and three rows change later; one of each exactly on the
	// second that since falls in.
	changedAt := []time.Time{simStart.Add(30 * time.Minute), simStart.Add(31 * time.Minute), simStart.Add(2 * time.Hour)}
	company := e.sim.Company(e.company.ID)
	var wantUsers, wantRows []int64
	wantCreated := map[int64]string{}
	for i, at := range changedAt {
		u := company.Users[5+10*i]
		u.UpdatedAt = at
		if err := e.sim.PutUser(company.ID, u); err != nil {
			t.Fatal(err)
		}
		wantUsers = append(wantUsers, u.ID)
		wantCreated[u.ID] = u.CreatedAt.In(jstZone).Format("2006-01-02T15:04:05.000-07:00")
		r := company.MonthlyRows[month][3+10*i]
		r.UpdatedAt = hrmossim.At(at)
		if err := e.sim.PutMonthlyRow(company.ID, month, r); err != nil {
			t.Fatal(err)
		}
		wantRows = append(wantRows, r.UserID)
	}
	since := simStart.Add(30*time.Minute + 400*time.Millisecond).UTC()

	var users []int64
	err := c.UsersChangedSince(context.Background(), since, func(p Page[User]) error {
		if p.TotalCount != len(changedAt) {
			t.Errorf("page %d: X-Total-Count %d, want %d", p.Number, p.TotalCount, len(changedAt))
		}
		for _, u := range p.Items {
			users = append(users, u.ID)
			if u.CreatedAt != wantCreated[u.ID] {
				t.Errorf("user %d: created_at %q, want %q", u.ID, u.CreatedAt, wantCreated[u.ID])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantUsers, users); diff != "" {
		t.Errorf("users changed since (-want +got):\n%s", diff)
	}
	var rows []int64
	err = c.MonthlyReportChangedSince(context.Background(), month, since, func(p Page[MonthlyReportRow]) error {
		for _, r := range p.Items {
			rows = append(rows, r.UserID)
			if _, ok := ParseTimestamp(r.CreatedAt); !ok {
				t.Errorf("row %d: created_at %q does not parse", r.UserID, r.CreatedAt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("rows changed since (-want +got):\n%s", diff)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"from=2026-10-01T09%3A30%3A00%2B09%3A00&limit=2&page=1", "from=2026-10-01T09%3A30%3A00%2B09%3A00&limit=2&page=2",
		"from=2026-10-01T09%3A30%3A00%2B09%3A00&limit=2&page=1", "from=2026-10-01T09%3A30%3A00%2B09%3A00&limit=2&page=2",
	}
	if diff := cmp.Diff(want, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	// The plain listing sends no filter, as before.
	queries = nil
	mu.Unlock()
	walk(t, c, 20)
	mu.Lock()
	if diff := cmp.Diff([]string{"limit=2&page=20"}, queries); diff != "" {
		t.Errorf("queries of the full listing (-want +got):\n%s", diff)
	}

	mustKind(t, c.MonthlyReportChangedSince(context.Background(), "2026-9", since, func(Page[MonthlyReportRow]) error { return nil }), KindBadRequest)
}
