package hrmossim

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paging as HRMOS documents it: page (default 1), limit (default 25,
// at most 100), from/to on the update time, inclusive.
const (
	defaultLimit = 25
	maxLimit     = 100
)

// listQuery holds the common list parameters; from and to are nil when not given.
type listQuery struct {
	page, limit int
	from, to    *time.Time
}

// parseListQuery reads page, limit, from and to; a non-empty message means
// a 400 (doc.go: paging edges).
func parseListQuery(q url.Values) (listQuery, string) {
	lq := listQuery{page: 1, limit: defaultLimit}
	for _, p := range []struct {
		name string
		n    *int
	}{{"page", &lq.page}, {"limit", &lq.limit}} {
		n, err := strconv.Atoi(q.Get(p.name))
		switch {
		case q.Get(p.name) == "":
		case err != nil || n <= 0:
			return lq, "Invalid parameter: " + p.name + " must be a positive integer"
		default:
			*p.n = n
		}
	}
	lq.limit = min(lq.limit, maxLimit)
	for _, p := range []struct {
		name, example string
		t             **time.Time
	}{{"from", "2018-09-01", &lq.from}, {"to", "2018-10-01", &lq.to}} {
		if v := q.Get(p.name); v != "" {
			if *p.t = parseTimeParam(v); *p.t == nil {
				return lq, "Invalid parameter: " + p.name + " must be a date-time such as " + p.example + "T00:00:00+09:00"
			}
		}
	}
	return lq, ""
}

// parseTimeParam accepts RFC 3339 with an offset, a local date-time or a
// date (both JST); nil for anything else, an unencoded "+" too (doc.go).
func parseTimeParam(v string) *time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, jst); err == nil {
			return &t
		}
	}
	return nil
}

// list is what one list endpoint adds to the steps they share.
type list[T any] struct {
	items   func(c *Company) []T // read under the data lock
	updated func(item *T) time.Time
	// params reads the endpoint's own parameters into a filter (nil: none);
	// a message is a 400.
	params func(q url.Values) (match func(*T) bool, msg string)
	// churn changes the company for the faults that act between pages
	// (nil where they do not apply); add is set for AddAndRemoveBetweenPages.
	churn func(c *Company, now time.Time, add bool)
}

// serveList does what every list endpoint does: authenticate, count the
// request against the token, read the paging and the endpoint's parameters,
// apply the between-pages faults from page 2 on, then serve one page of the
// matching items in ID order, scanning the whole list once when it filters.
func serveList[T any](s *Server, w http.ResponseWriter, r *http.Request, state *companyState, l list[T]) {
	if s.authenticate(w, r, state, true) == nil {
		return
	}
	q, msg := parseListQuery(r.URL.Query())
	var match func(*T) bool
	if msg == "" && l.params != nil {
		match, msg = l.params(r.URL.Query())
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	for i, kind := range []faultKind{faultShiftRows, faultAddAndRemove} {
		if l.churn != nil && q.page > 1 && s.takeFault(kind, r.URL.Path) {
			now := s.now()
			s.dataMu.Lock()
			l.churn(state.c, now, i == 1)
			s.dataMu.Unlock()
		}
	}
	if q.from != nil || q.to != nil {
		match = and(match, func(item *T) bool {
			t := l.updated(item)
			return (q.from == nil || !t.Before(*q.from)) && (q.to == nil || !t.After(*q.to))
		})
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	items, page, total := l.items(state.c), []T{}, 0 // never nil: an empty page is [], not null
	offset := math.MaxInt
	if q.page-1 <= (math.MaxInt-maxLimit)/q.limit {
		offset = (q.page - 1) * q.limit
	}
	if match == nil {
		if total = len(items); offset < total {
			page = items[offset:min(offset+q.limit, total)]
		}
	} else {
		for i := range items {
			if match(&items[i]) {
				if total >= offset && total < offset+q.limit {
					page = append(page, items[i])
				}
				total++
			}
		}
	}
	totalPages := (total + q.limit - 1) / q.limit // 0 for an empty list, as Kaminari counts
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("X-Total-Page", strconv.Itoa(totalPages))
	if link := linkHeader(r, q, totalPages); link != "" {
		w.Header().Set("Link", link)
	}
	writeJSON(w, http.StatusOK, mustJSON(page))
}

// and combines filters, either of which may be nil (match all).
func and[T any](a, b func(*T) bool) func(*T) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(item *T) bool { return a(item) && b(item) }
}

// prevRel is the Link relation to the previous page: "prev", as Rails'
// api-pagination emits; the spec's prose says "previous" (see doc.go).
const prevRel = "prev"

// linkHeader builds the RFC 5988 Link header the way Rails' api-pagination
// does (doc.go: Link header).
func linkHeader(r *http.Request, q listQuery, totalPages int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	params := r.URL.Query()
	params.Set("limit", strconv.Itoa(q.limit))
	link := func(rel string, page int) string {
		params.Set("page", strconv.Itoa(page))
		return "<" + scheme + "://" + r.Host + r.URL.EscapedPath() + "?" + params.Encode() + `>; rel="` + rel + `"`
	}
	var parts []string
	if q.page > 1 {
		parts = append(parts, link("first", 1), link(prevRel, q.page-1))
	}
	if q.page < totalPages {
		parts = append(parts, link("next", q.page+1), link("last", totalPages))
	}
	return strings.Join(parts, ", ")
}

// listOf is the handler of the list endpoint l describes.
func listOf[T any](s *Server, l list[T]) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, state *companyState) { serveList(s, w, r, state, l) }
}

// prefecturalID is the filter of GET /lodgments.
func prefecturalID(q url.Values) (func(*Lodgment) bool, string) {
	if v := q.Get("prefectural_id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			return nil, "Invalid parameter: prefectural_id must be an integer"
		}
		return func(l *Lodgment) bool { return l.PrefecturalID == id }, ""
	}
	return nil, ""
}

// handleMonthly is GET /work_output_months/monthly/{month}: the 月次レポート
// rows of a YYYY-MM month, filtered by number (社員番号) and status (月締状況).
func (s *Server) handleMonthly(w http.ResponseWriter, r *http.Request, state *companyState) {
	month := r.PathValue("month")
	listOf(s, list[MonthlyRow]{items: func(c *Company) []MonthlyRow { return c.MonthlyRows[month] },
		updated: func(row *MonthlyRow) time.Time { return row.UpdatedAt.Time },
		churn:   func(c *Company, now time.Time, add bool) { c.churnRows(month, now, add) },
		params: func(q url.Values) (match func(*MonthlyRow) bool, _ string) {
			if !validMonth(month) {
				return nil, "Invalid parameter: month must be YYYY-MM"
			}
			var statuses []ClosingStatus
			for _, v := range listParam(q, "status") {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, "Invalid parameter: status must be comma-separated integers"
				}
				statuses = append(statuses, ClosingStatus(n))
			}
			if numbers := listParam(q, "number"); len(numbers) > 0 {
				match = func(row *MonthlyRow) bool {
					return row.Number.Presence == Present && slices.Contains(numbers, row.Number.Value)
				}
			}
			if len(statuses) > 0 {
				match = and(match, func(row *MonthlyRow) bool { return slices.Contains(statuses, row.Status) })
			}
			return match, ""
		},
	})(w, r, state)
}

// listParam collects a list parameter however a client serialises it:
// "a,b", repeated "x=a&x=b", or Rails' "x[]=a&x[]=b". Empty items are dropped.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name], q[name+"[]"]...) {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
