package hrmos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
	f, srv := newFake(t)
	f.lists["/users"] = userItems(250)
	c := f.client(t, srv, nil)
	pages, ids, totals := walk(t, c, 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if len(ids) != 250 || ids[0] != 1 || ids[249] != 250 {
		t.Fatalf("got %d ids", len(ids))
	}
	if totals[0] != [2]int{250, 3} {
		t.Fatalf("totals = %v", totals[0])
	}
	if diff := cmp.Diff([]string{"/users?page=1", "/users?page=2", "/users?page=3"}, f.pages()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
}

func TestExactMultipleStopsAtTotalPage(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(200)
	pages, _, _ := walk(t, f.client(t, srv, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if _, data := f.counts(); data != 2 {
		t.Fatalf("requested %d pages, want no probe past X-Total-Page", data)
	}
}

func TestStartPageHonoured(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(250)
	pages, ids, _ := walk(t, f.client(t, srv, nil), 2)
	if diff := cmp.Diff([]int{2, 3}, pages); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if ids[0] != 101 || len(ids) != 150 {
		t.Fatalf("first id %d, %d ids", ids[0], len(ids))
	}
}

func TestPageSizeSentAsLimit(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(7)
	pages, ids, totals := walk(t, f.client(t, srv, func(c *Config) { c.PageSize = 3 }), 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" || len(ids) != 7 || totals[2] != [2]int{7, 3} {
		t.Fatalf("pages %v ids %d totals %v", pages, len(ids), totals)
	}
}

func TestStartPagePastEndCallsFnOnceWithEmptyPage(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(10)
	pages, ids, totals := walk(t, f.client(t, srv, nil), 5)
	if diff := cmp.Diff([]int{5}, pages); diff != "" || len(ids) != 0 || totals[0] != [2]int{10, 1} {
		t.Fatalf("pages %v ids %v totals %v", pages, ids, totals)
	}
}

func TestEmptyList(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/departments"] = nil
	got, err := f.client(t, srv, nil).Departments(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v err %v", got, err)
	}
}

func TestMissingHeadersFallBackToShortPage(t *testing.T) {
	f, srv := newFake(t)
	f.noTotals = true
	f.lists["/users"] = userItems(250)
	pages, ids, totals := walk(t, f.client(t, srv, nil), 1)
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" || len(ids) != 250 {
		t.Fatalf("pages %v ids %d", pages, len(ids))
	}
	if totals[0] != [2]int{-1, -1} {
		t.Fatalf("totals without headers = %v, want -1", totals[0])
	}
}

func TestMissingHeadersEmptyPagePastEndStops(t *testing.T) {
	f, srv := newFake(t)
	f.noTotals = true
	f.lists["/users"] = userItems(200)
	pages, ids, _ := walk(t, f.client(t, srv, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" || len(ids) != 200 {
		t.Fatalf("pages %v ids %d", pages, len(ids))
	}
	if _, data := f.counts(); data != 3 {
		t.Fatalf("data=%d, want the empty page 3 fetched and not passed on", data)
	}
}

func TestLinkHeaderWithoutTotals(t *testing.T) {
	f, srv := newFake(t)
	f.noTotals, f.link = true, true
	f.lists["/users"] = userItems(200)
	pages, _, _ := walk(t, f.client(t, srv, nil), 1)
	if diff := cmp.Diff([]int{1, 2}, pages); diff != "" {
		t.Fatalf("pages %v", pages)
	}
	if _, data := f.counts(); data != 2 {
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
	f, srv := newFake(t)
	f.hook = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		_, _ = w.Write([]byte("[" + strings.Join(userItems(3), ",") + "]"))
		return true
	}
	c := f.client(t, srv, func(c *Config) { c.PageSize = 3 })
	err := c.Users(context.Background(), 1, func(Page[User]) error { return nil })
	if !errors.Is(err, errPageRepeated) {
		t.Fatalf("err = %v", err)
	}
	if _, data := f.counts(); data != 2 {
		t.Fatalf("data=%d", data)
	}
}

func TestCallbackErrorStopsListing(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(250)
	stop := errors.New("database down")
	err := f.client(t, srv, nil).Users(context.Background(), 1, func(p Page[User]) error {
		if p.Number == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("err = %v, want the callback's error as is", err)
	}
	if _, data := f.counts(); data != 2 {
		t.Fatalf("data=%d", data)
	}
}

func TestErrorCarriesPageNumber(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/users"] = userItems(250)
	f.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("page") == "3" {
			writeJSONError(w, http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	err := f.client(t, srv, nil).Users(context.Background(), 1, func(Page[User]) error { return nil })
	e := mustKind(t, err, KindUnavailable)
	if e.Page != 3 || e.Error() != "hrmos: list users page 3: HRMOS unavailable: HTTP 503 after 4 attempts" {
		t.Fatalf("error = %q (page %d)", e.Error(), e.Page)
	}
}

func TestMasterDataAllPages(t *testing.T) {
	f, srv := newFake(t)
	var deps, lods, emps []string
	for i := 1; i <= 130; i++ {
		deps = append(deps, fmt.Sprintf(`{"id":%d,"name":"部門%d","sequence":%d}`, i, i, i))
	}
	lods = []string{
		`{"id":1,"name":"原宿","sequence":1,"segments":[1,2,3],"ip_addresses":["192.168.0.1"],"address":"渋谷区渋谷2-15-1","prefectural_id":13}`,
		`{"name":"IDなし","sequence":2,"prefectural_id":null}`,
	}
	emps = []string{`{"id":"2","name":"一般社員","sequence":"1"}`}
	f.lists["/departments"], f.lists["/lodgments"], f.lists["/employments"] = deps, lods, emps
	c := f.client(t, srv, nil)

	d, err := c.Departments(context.Background())
	if err != nil || len(d) != 130 || !cmp.Equal(d[129], Department{ID: 130, Name: "部門130", Sequence: 130}) {
		t.Fatalf("departments: %d err %v", len(d), err)
	}
	l, err := c.Lodgments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pref := int64(13)
	want := []Lodgment{
		{ID: 1, Name: "原宿", Sequence: 1, PrefecturalID: &pref, Address: "渋谷区渋谷2-15-1"},
		{Name: "IDなし", Sequence: 2, Invalid: []string{"id"}},
	}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Fatalf("lodgments (-want +got):\n%s", diff)
	}
	e, err := c.Employments(context.Background())
	if err != nil || len(e) != 1 || !cmp.Equal(e[0], Employment{ID: 2, Name: "一般社員", Sequence: 1}) {
		t.Fatalf("employments %+v err %v", e, err)
	}
}

func TestMonthlyReport(t *testing.T) {
	f, srv := newFake(t)
	f.lists["/work_output_months/monthly/2026-09"] = []string{
		`{"user_id":2,"number":"A0001","month":"202609","working_days":"20.0","learve_early_days":"1.0","actual_working_hours":"176:30","paid_holiday_with_time_paid":0.5}`,
		`{"user_id":"3","number":null,"month":"202609","working_days":"","actual_working_hours":null}`,
	}
	c := f.client(t, srv, nil)
	var rows []MonthlyReportRow
	err := c.MonthlyReport(context.Background(), "2026-09", 1, func(p Page[MonthlyReportRow]) error {
		rows = append(rows, p.Items...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	half := 0.5
	want := []MonthlyReportRow{
		{UserID: 2, Number: "A0001", Month: "202609", WorkingDays: "20.0", LeaveEarlyDays: "1.0", ActualWorkingHours: "176:30", PaidHolidayWithTimePaid: &half},
		{UserID: 3, Month: "202609"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}

	for _, bad := range []string{"2026-13", "2026-9", "202609", "2026/09", "../users", ""} {
		err := c.MonthlyReport(context.Background(), bad, 1, func(Page[MonthlyReportRow]) error { return nil })
		mustKind(t, err, KindBadRequest)
	}
	if _, data := f.counts(); data != 1 {
		t.Fatalf("data=%d: a malformed month must not reach HRMOS", data)
	}
}
