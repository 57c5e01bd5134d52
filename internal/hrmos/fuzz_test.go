package hrmos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for everything the client reads from a response. Their seed
// corpus is testdata/fuzz/<target>/: pages the simulator renders with messy
// data, the spec's examples, and odd shapes seen or feared. Run one with
//
//	go test -run '^$' -fuzz FuzzUsersPage -fuzztime 30s ./internal/hrmos
//
// Properties checked throughout: nothing panics; a list page either decodes
// or fails as a whole with a fixed error; a record with an unusable value
// keeps its ID and names the field in Invalid; no error text carries input.

// checkPageError: the only page-level errors are fixed sentences, and a body
// that is a JSON array is never one.
func checkPageError(t *testing.T, body []byte, err error) {
	t.Helper()
	if err != errInvalidBody && err != errNotArray {
		t.Fatalf("page error %v is not one of the fixed ones", err)
	}
	if trimmed := bytes.TrimSpace(body); json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '[' {
		t.Fatalf("a JSON array failed as a page: %v", err)
	}
}

// rawItems splits a decoded page into its items as sent.
func rawItems(t *testing.T, body []byte, n int) []json.RawMessage {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("a page decoded although the body is not an array: %v", err)
	}
	if len(raw) != n {
		t.Fatalf("%d items sent, %d decoded", len(raw), n)
	}
	return raw
}

// checkRecord checks one decoded record against its raw JSON: a usable ID
// is kept; a missing or unusable one is 0 and named in Invalid; every key in
// Invalid was sent (or is the ID); a text field sent as an object, array or
// boolean is named in Invalid.
func checkRecord(t *testing.T, raw json.RawMessage, idKey string, id int64, invalid []string, textKeys []string) {
	t.Helper()
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		if id != 0 || !slices.Equal(invalid, []string{idKey}) {
			t.Fatalf("non-object %s decoded to id %d, invalid %v", raw, id, invalid)
		}
		return
	}
	if n, err := strconv.ParseInt(string(bytes.TrimSpace(obj[idKey])), 10, 64); err == nil && n > 0 && id != n {
		t.Fatalf("%s %d decoded as %d", idKey, n, id)
	}
	if id == 0 && !slices.Contains(invalid, idKey) {
		t.Fatalf("no usable %s, but Invalid is %v", idKey, invalid)
	}
	for _, k := range invalid {
		if _, sent := obj[k]; !sent && k != idKey {
			t.Fatalf("Invalid names %q, which was not sent", k)
		}
	}
	for _, k := range textKeys {
		v := bytes.TrimSpace(obj[k])
		if len(v) > 0 && strings.ContainsRune("{[tf", rune(v[0])) && !slices.Contains(invalid, k) {
			t.Fatalf("%s = %s is not text, but Invalid is %v", k, v, invalid)
		}
	}
}

func FuzzUsersPage(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		users, err := decodePage[User](body)
		if err != nil {
			checkPageError(t, body, err)
			return
		}
		raw := rawItems(t, body, len(users))
		for i, u := range users {
			checkRecord(t, raw[i], "id", u.ID, u.Invalid, []string{"number", "last_name", "first_name",
				"last_name_kana", "first_name_kana", "email", "start_date", "end_date", "updated_at"})
			if u.HasGender != (u.Gender != "") {
				t.Fatalf("HasGender %v with gender %q", u.HasGender, u.Gender)
			}
		}
	})
}

func FuzzMonthlyRows(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := decodePage[MonthlyReportRow](body)
		if err != nil {
			checkPageError(t, body, err)
			return
		}
		raw := rawItems(t, body, len(rows))
		for i, r := range rows {
			checkRecord(t, raw[i], "user_id", r.UserID, r.Invalid, []string{"number", "month", "working_days",
				"absence_days", "tardy_days", "learve_early_days", "paid_holidays", "actual_working_hours",
				"total_late_hours", "total_leave_early_hours", "hours_in_prescribed_working_hours",
				"excess_of_statutory_working_hours", "late_night_overtime_working_hours",
				"prescribed_working_hours", "total_working_hours", "updated_at"})
			if p := r.PaidHolidayWithTimePaid; p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
				t.Fatalf("paid_holiday_with_time_paid decoded as %v", *p)
			}
		}
	})
}

func FuzzToken(f *testing.F) {
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, jstZone)
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := parseToken(body, now)
		if err != nil {
			if err != errInvalidBody && err != errNoToken {
				t.Fatalf("token error %v is not one of the fixed ones", err)
			}
			if tok != (Token{}) {
				t.Fatal("a failed parse returned a token")
			}
			return
		}
		v := tok.Value.Reveal()
		if strings.TrimSpace(v) == "" || tok.ExpiresAt.IsZero() || !tok.IssuedAt.Equal(now) {
			t.Fatalf("token %q expiring %v issued %v", v, tok.ExpiresAt, tok.IssuedAt)
		}
		other := tok
		other.Value = "another value"
		if fmtAll(tok) != fmtAll(other) {
			t.Fatal("a token's value reaches fmt output")
		}
	})
}

func FuzzErrorBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		code := errorCode(body)
		if code < math.MinInt32 || code > math.MaxInt32 {
			t.Fatalf("code %d out of int32", code)
		}
		var ref struct {
			Code json.Number `json:"code"`
		}
		if json.Unmarshal(body, &ref) != nil {
			return
		}
		if n, err := strconv.ParseInt(string(ref.Code), 10, 32); err == nil && int(n) != code {
			t.Fatalf("code %s read as %d", ref.Code, code)
		}
	})
}

func FuzzLinkHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b string) {
		got := hasNextLink([]string{a})
		if got && !strings.Contains(strings.ToLower(a), "next") {
			t.Fatalf("rel=next found in %q", a)
		}
		if both := hasNextLink([]string{a, b}); both != (got || hasNextLink([]string{b})) {
			t.Fatalf("two headers %q, %q: %v", a, b, both)
		}
		if !hasNextLink([]string{a + `, <https://ieyasu.co/api/acme/v1/users?page=2>; rel="next"`}) {
			t.Fatalf("a next link after %q was missed", a)
		}
	})
}

// fmtAll is what the usual fmt verbs print of v.
func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v, v, v)
}
