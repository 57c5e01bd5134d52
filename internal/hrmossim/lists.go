package hrmossim

import (
	"math"
	"net/http"
	"net/url"
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

// listQuery holds the common list parameters.
type listQuery struct {
	page, limit int
	from, to    time.Time
	hasFrom     bool
	hasTo       bool
}

// parseListQuery reads page, limit, from and to; a non-empty message means
// a 400. A page or limit that is not a positive integer is rejected (what
// HRMOS does is unknown); a limit above 100 is clamped to 100.
func parseListQuery(q url.Values) (listQuery, string) {
	lq := listQuery{page: 1, limit: defaultLimit}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return lq, "Invalid parameter: page must be a positive integer"
		}
		lq.page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return lq, "Invalid parameter: limit must be a positive integer"
		}
		lq.limit = min(n, maxLimit)
	}
	var ok bool
	if v := q.Get("from"); v != "" {
		if lq.from, ok = parseTimeParam(v); !ok {
			return lq, "Invalid parameter: from must be a date-time such as 2018-09-01T00:00:00+09:00"
		}
		lq.hasFrom = true
	}
	if v := q.Get("to"); v != "" {
		if lq.to, ok = parseTimeParam(v); !ok {
			return lq, "Invalid parameter: to must be a date-time such as 2018-10-01T00:00:00+09:00"
		}
		lq.hasTo = true
	}
	return lq, ""
}

// parseTimeParam accepts RFC 3339 with an offset, a local date-time or a
// date (both taken as JST). An offset whose "+" arrived unencoded (and so
// became a space) is rejected: the spec asks for percent-encoding.
func parseTimeParam(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, jst); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// updatedMatcher returns a filter on updated_at for from/to, or nil when
// the query has neither (so the list can be sliced without a scan).
func (q listQuery) updatedMatcher(updatedAt func(i int) time.Time) func(i int) bool {
	if !q.hasFrom && !q.hasTo {
		return nil
	}
	return func(i int) bool {
		t := updatedAt(i)
		return (!q.hasFrom || !t.Before(q.from)) && (!q.hasTo || !t.After(q.to))
	}
}

// andMatch combines filters, either of which may be nil (match all).
func andMatch(a, b func(int) bool) func(int) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(i int) bool { return a(i) && b(i) }
}

// writeList renders one page of items. match (nil for all) filters; with a
// filter the whole list is scanned once to count the total.
func writeList[T any](s *Server, w http.ResponseWriter, r *http.Request, q listQuery, items []T, match func(i int) bool) {
	offset := math.MaxInt
	if q.page-1 <= (math.MaxInt-maxLimit)/q.limit {
		offset = (q.page - 1) * q.limit
	}
	page := []T{} // never nil: an empty page is [], not null
	total := 0
	if match == nil {
		total = len(items)
		if offset < total {
			page = items[offset:min(offset+q.limit, total)]
		}
	} else {
		for i := range items {
			if !match(i) {
				continue
			}
			if total >= offset && total < offset+q.limit {
				page = append(page, items[i])
			}
			total++
		}
	}
	totalPages := (total + q.limit - 1) / q.limit // 0 for an empty list, as Kaminari counts
	h := w.Header()
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("X-Total-Page", strconv.Itoa(totalPages))
	if link := s.linkHeader(r, q, totalPages); link != "" {
		h.Set("Link", link)
	}
	writeJSON(w, http.StatusOK, mustJSON(page))
}

// prevRel is the Link relation to the previous page: "prev", as Rails'
// api-pagination emits; the spec's prose says "previous" (see doc.go).
const prevRel = "prev"

// linkHeader builds the RFC 5988 Link header the way Rails' api-pagination
// does: first and prev unless on page 1; next and last unless on or past the
// last page. URLs are absolute, from the request, with every other query
// parameter kept.
func (s *Server) linkHeader(r *http.Request, q listQuery, totalPages int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	base := scheme + "://" + r.Host + r.URL.EscapedPath()
	params := r.URL.Query()
	params.Set("limit", strconv.Itoa(q.limit))
	link := func(rel string, page int) string {
		params.Set("page", strconv.Itoa(page))
		return "<" + base + "?" + params.Encode() + `>; rel="` + rel + `"`
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

// listRequest does what every list endpoint does first: find the company,
// authenticate, parse the common parameters. ok false means the error
// response has been written.
func (s *Server) listRequest(w http.ResponseWriter, r *http.Request) (*companyState, listQuery, bool) {
	state := s.lookupCompany(r)
	if state == nil {
		writeError(w, http.StatusNotFound, "Company not found")
		return nil, listQuery{}, false
	}
	token := s.authenticate(w, r, state.c.ID)
	if token == "" {
		return nil, listQuery{}, false
	}
	s.serve(token)
	q, msg := parseListQuery(r.URL.Query())
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return nil, listQuery{}, false
	}
	return state, q, true
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	state, q, ok := s.listRequest(w, r)
	if !ok {
		return
	}
	if q.page > 1 && s.takeFault(faultShiftRows, r.URL.Path) {
		s.shiftUsers(state)
	}
	if q.page > 1 && s.takeFault(faultAddAndRemove, r.URL.Path) {
		s.addAndRemoveUser(state)
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	users := state.c.Users
	match := q.updatedMatcher(func(i int) time.Time { return users[i].UpdatedAt })
	writeList(s, w, r, q, users, match)
}

func (s *Server) handleDepartments(w http.ResponseWriter, r *http.Request) {
	state, q, ok := s.listRequest(w, r)
	if !ok {
		return
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	list := state.c.Departments
	match := q.updatedMatcher(func(i int) time.Time { return list[i].UpdatedAt })
	writeList(s, w, r, q, list, match)
}

func (s *Server) handleEmployments(w http.ResponseWriter, r *http.Request) {
	state, q, ok := s.listRequest(w, r)
	if !ok {
		return
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	list := state.c.Employments
	match := q.updatedMatcher(func(i int) time.Time { return list[i].UpdatedAt })
	writeList(s, w, r, q, list, match)
}

// handleLodgments also filters on prefectural_id.
func (s *Server) handleLodgments(w http.ResponseWriter, r *http.Request) {
	state, q, ok := s.listRequest(w, r)
	if !ok {
		return
	}
	var byPrefecture func(int) bool
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	list := state.c.Lodgments
	if v := r.URL.Query().Get("prefectural_id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid parameter: prefectural_id must be an integer")
			return
		}
		byPrefecture = func(i int) bool { return list[i].PrefecturalID == id }
	}
	match := andMatch(q.updatedMatcher(func(i int) time.Time { return list[i].UpdatedAt.Time }), byPrefecture)
	writeList(s, w, r, q, list, match)
}

// shiftUsers is the ShiftRowsBetweenPages fault on /users: the first user
// is deleted, and every later user moves up one place.
func (s *Server) shiftUsers(state *companyState) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if c := state.c; len(c.Users) > 0 {
		c.removeUser(c.Users[0].ID)
	}
}

// addAndRemoveUser is the AddAndRemoveBetweenPages fault on /users: a new
// hire joins (the next free ID, so listed last; created and updated now),
// and the first user is deleted.
func (s *Server) addAndRemoveUser(state *companyState) {
	now := s.clock.Now().Truncate(time.Second)
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	c := state.c
	if len(c.Users) == 0 {
		return
	}
	first := c.Users[0].ID
	c.putUser(c.newHire(c.nextUserID(), now))
	c.removeUser(first)
}
