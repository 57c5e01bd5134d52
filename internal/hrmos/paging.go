package hrmos

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxPages bounds a listing whose end HRMOS never signals; at 100 rows a
// page it is far beyond any real company.
const maxPages = 100000

// Page is one page of a list endpoint. Its totals are those of the
// response that delivered it (a retried page: its last attempt's), so a
// caller can tell rows added or removed while paging. Compare the rows
// fetched with the FIRST page's TotalCount (or require every page's to
// agree): with page-number paging the rows fetched always equal the last
// page's count, even when rows were missed.
type Page[T any] struct {
	Number     int // 1-based page number
	Items      []T
	TotalCount int // this response's X-Total-Count, -1 when the header is absent
	TotalPages int // this response's X-Total-Page, -1 when the header is absent
}

// Users calls fn for every page of GET /users from startPage (1 = first; a
// smaller value means 1) to the last, so a caller can stream pages into the
// database and checkpoint the page number. fn is called for each page with
// items, and for the first page requested even when it is empty (so its
// totals are seen). An error from fn stops the listing and is returned as is.
func (c *Client) Users(ctx context.Context, startPage int, fn func(page Page[User]) error) error {
	return eachPage(ctx, c, request{op: "list users", path: "/users"}, startPage, fn)
}

// UsersChangedSince calls fn for every page of GET /users whose records
// HRMOS last updated at or after since (the `from` filter, docs/hrmos-api.md §4),
// from the first page to the last, with the paging contract of Users. It is
// the cheap second listing a caller checks a full listing against: a record
// created while the full listing was paged shows up here (with its
// CreatedAt), a record deleted does not.
func (c *Client) UsersChangedSince(ctx context.Context, since time.Time, fn func(page Page[User]) error) error {
	return eachPage(ctx, c, request{op: "list users changed since", path: "/users", query: fromFilter(since)}, 1, fn)
}

// Departments returns every department (部門).
func (c *Client) Departments(ctx context.Context) ([]Department, error) {
	return collect[Department](ctx, c, request{op: "list departments", path: "/departments"})
}

// Lodgments returns every lodgment (拠点, office).
func (c *Client) Lodgments(ctx context.Context) ([]Lodgment, error) {
	return collect[Lodgment](ctx, c, request{op: "list lodgments", path: "/lodgments"})
}

// MonthlyReport calls fn for every page of the monthly report (月次集計) of
// month ("YYYY-MM", HRMOS's month with each employee's closing day applied),
// with the same paging contract as Users. A malformed month fails with
// KindBadRequest before any request is sent.
func (c *Client) MonthlyReport(ctx context.Context, month string, startPage int, fn func(page Page[MonthlyReportRow]) error) error {
	rq := request{op: "monthly report", path: "/work_output_months/monthly/" + month}
	if !validMonth(month) {
		// The path is not echoed: the value is unvalidated caller input.
		return &Error{Kind: KindBadRequest, Op: rq.op, Path: "/work_output_months/monthly/{month}", Err: errBadMonth}
	}
	return eachPage(ctx, c, rq, startPage, fn)
}

// MonthlyReportChangedSince is MonthlyReport restricted to the rows HRMOS
// last updated at or after since (see UsersChangedSince), from the first page.
func (c *Client) MonthlyReportChangedSince(ctx context.Context, month string, since time.Time, fn func(page Page[MonthlyReportRow]) error) error {
	rq := request{op: "monthly report changed since", path: "/work_output_months/monthly/" + month, query: fromFilter(since)}
	if !validMonth(month) {
		return &Error{Kind: KindBadRequest, Op: rq.op, Path: "/work_output_months/monthly/{month}", Err: errBadMonth}
	}
	return eachPage(ctx, c, rq, 1, fn)
}

// japan is the offset of every timestamp HRMOS sends (docs/hrmos-api.md §11.9).
var japan = time.FixedZone("JST", 9*60*60)

// fromFilter is the `from` parameter for since, written as HRMOS's example
// writes it ("2018-09-01T00:00:00+09:00"; url.Values percent-encodes the
// "+", which would otherwise arrive as a space). Sub-second precision is
// dropped, which moves the bound earlier: `from` is inclusive, so nothing
// updated at since is left out.
func fromFilter(since time.Time) url.Values {
	return url.Values{"from": {since.In(japan).Format("2006-01-02T15:04:05-07:00")}}
}

func validMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	for i, r := range s {
		if i != 4 && (r < '0' || r > '9') {
			return false
		}
	}
	m, _ := strconv.Atoi(s[5:])
	return m >= 1 && m <= 12
}

func collect[T any](ctx context.Context, c *Client, rq request) ([]T, error) {
	var all []T
	err := eachPage(ctx, c, rq, 1, func(p Page[T]) error {
		all = append(all, p.Items...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// eachPage walks a list endpoint. It stops after the page numbered
// X-Total-Page, at an empty page, or, when HRMOS sends no total, when the
// Link header has no rel="next" or (no Link either) a page comes back short.
// Totals are re-read on every page because rows may be added or removed
// while the listing runs.
func eachPage[T any](ctx context.Context, c *Client, base request, startPage int, fn func(Page[T]) error) error {
	startPage = max(startPage, 1)
	var prevSum [sha256.Size]byte
	for n := startPage; ; n++ {
		rq := base
		rq.page = n
		rq.query = url.Values{"page": {strconv.Itoa(n)}, "limit": {strconv.Itoa(c.pageSize)}}
		for k, v := range base.query { // filters (from) ride along on every page
			rq.query[k] = v
		}
		if n-startPage >= maxPages {
			return &Error{Op: rq.op, Path: rq.path, Page: n, Err: errTooManyPages}
		}

		var items []T
		var sum [sha256.Size]byte
		decode := func(body []byte) (err error) {
			if items, err = decodePage[T](body); err == nil {
				sum = sha256.Sum256(body)
			}
			return err
		}
		resp, err := c.get(ctx, rq, decode)
		if err != nil {
			return err
		}
		if len(items) > 0 && n > startPage && sum == prevSum {
			// A server ignoring `page` would otherwise feed the same rows
			// up to maxPages times.
			return &Error{Op: rq.op, Path: rq.path, Page: n, Err: errPageRepeated}
		}
		prevSum = sum

		page := Page[T]{
			Number:     n,
			Items:      items,
			TotalCount: headerInt(resp.header, "X-Total-Count"),
			TotalPages: headerInt(resp.header, "X-Total-Page"),
		}
		if len(items) == 0 && n > startPage {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if lastPage(page, resp.header, c.pageSize) {
			return nil
		}
	}
}

// decodePage reads a list page: a bare JSON array whose items decode
// tolerantly (a bad value marks its field in the item's Invalid, never the
// page). Valid JSON of the wrong shape (an object, a string) is told apart
// from a truncated or garbled body; the caller retries both. The errors
// are fixed sentences: nothing of the body reaches them.
func decodePage[T any](body []byte) ([]T, error) {
	var items []T
	if err := json.Unmarshal(body, &items); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, errNotArray
		}
		return nil, errInvalidBody
	}
	return items, nil
}

func lastPage[T any](p Page[T], h http.Header, pageSize int) bool {
	switch {
	case len(p.Items) == 0:
		return true
	case p.TotalPages >= 0:
		return p.Number >= p.TotalPages
	case len(h.Values("Link")) > 0:
		return !hasNextLink(h.Values("Link"))
	default:
		return len(p.Items) < pageSize
	}
}

// hasNextLink reports whether an RFC 5988 Link header names a rel="next".
func hasNextLink(values []string) bool {
	for _, v := range values {
		for _, link := range strings.Split(v, ",") {
			for _, param := range strings.Split(link, ";")[1:] {
				name, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return true
					}
				}
			}
		}
	}
	return false
}

// headerInt reads a decimal count header, -1 when absent or unreadable.
func headerInt(h http.Header, name string) int {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
