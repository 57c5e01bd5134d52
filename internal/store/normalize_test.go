package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"

	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// The matching keys have one definition, the database's sync_norm_*
// functions; rules.NormNumber, NormName and NormEmail say the same in Go
// (internal/rules/normalize.go gives the rule and its limits). These tests
// prove the two equal on the server the tests run on: for every Unicode
// character, alone, inside text and joined across family and given name,
// and, by a fuzz target with a committed seed corpus, for any text
// (full-width and half-width forms, every kind of space and control
// character, case in several scripts, combining marks). Run the fuzz
// target with
//
//	go test -run '^$' -fuzz '^FuzzNormalizedKeysMatchTheDatabase$' -fuzztime 60s -fuzzminimizetime 3s ./internal/store
//
// (each input is a query: minimizing a new input for the default 60 s
// leaves no time to fuzz).
// The one difference allowed is the documented one: a character that only
// one side's Unicode tables know (unicodeGap).

// keysOf are the keys of a family name a and given name b as Go computes
// them, in the order keysQuery returns the database's.
func keysOf(a, b string) [4]string {
	return [4]string{rules.NormNumber(a), rules.NormName(a, b), rules.NormEmail(a), rules.NormNumber(b)}
}

const keysQuery = `SELECT coalesce(sync_norm_number($1), ''), coalesce(sync_norm_name($1, $2), ''),
	coalesce(sync_norm_email($1), ''), coalesce(sync_norm_number($2), '')`

var keyNames = [4]string{"sync_norm_number(a)", "sync_norm_name(a, b)", "sync_norm_email(a)", "sync_norm_number(b)"}

// dbKeys are the keys of a and b as the database computes them.
func dbKeys(ctx context.Context, pool *pgxpool.Pool, a, b string) ([4]string, error) {
	var k [4]string
	err := pool.QueryRow(ctx, keysQuery, a, b).Scan(&k[0], &k[1], &k[2], &k[3])
	return k, err
}

func FuzzNormalizedKeysMatchTheDatabase(f *testing.F) {
	st, _ := testdb.New(f)
	pool := st.Pool()
	inGap := unicodeGap(f, pool)
	f.Fuzz(func(t *testing.T, a, b string) {
		// PostgreSQL's text holds neither NUL nor bytes that are not UTF-8
		// (the fetch refuses such a value before it reaches a key): the
		// fuzzer's bytes are made text rather than skipped.
		a, b = asText(a), asText(b)
		if strings.ContainsFunc(a+b, inGap) {
			t.Skip("a character only one side's Unicode tables know")
		}
		want, err := dbKeys(context.Background(), pool, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if got := keysOf(a, b); got != want {
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s with a = %+q, b = %+q: the database says %+q, Go %+q", keyNames[i], a, b, want[i], got[i])
				}
			}
		}
	})
}

// asText is s as PostgreSQL's text can hold it: bytes that are not UTF-8
// become U+FFFD, NULs go.
func asText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// Every character, alone (trimmed, lower-cased), inside text (kept or
// removed) and after another across family and given name (composed).
func TestNormalizedKeysOfEveryCharacterMatchTheDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the keys of all 1.1 million code points")
	}
	st, _ := testdb.New(t)
	pool := st.Pool()
	ctx := context.Background()
	inGap := unicodeGap(t, pool)
	var gapDiffers []string
	const batch = 1 << 16
	for first := rune(1); first <= unicode.MaxRune; first += batch {
		last := min(first+batch-1, unicode.MaxRune)
		rows, err := pool.Query(ctx, `SELECT c, coalesce(sync_norm_number(chr(c)), ''), coalesce(sync_norm_number('a' || chr(c) || 'b'), ''),
			coalesce(sync_norm_name('x' || chr(c), chr(c)), ''), coalesce(sync_norm_email(chr(c)), ''),
			coalesce(sync_norm_email('A' || chr(c) || 'B'), '')
			FROM generate_series($1::int, $2::int) c WHERE c NOT BETWEEN 55296 AND 57343`, first, last)
		if err != nil {
			t.Fatal(err)
		}
		var c int32
		var want [5]string
		for rows.Next() {
			if err := rows.Scan(&c, &want[0], &want[1], &want[2], &want[3], &want[4]); err != nil {
				t.Fatal(err)
			}
			r := string(rune(c))
			got := [5]string{rules.NormNumber(r), rules.NormNumber("a" + r + "b"), rules.NormName("x"+r, r), rules.NormEmail(r), rules.NormEmail("A" + r + "B")}
			if got == want {
				continue
			}
			if inGap(rune(c)) {
				gapDiffers = append(gapDiffers, fmt.Sprintf("U+%04X", c))
				continue
			}
			t.Errorf("U+%04X %+q: the database's keys %+q, Go's %+q", c, r, want, got)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(gapDiffers) > 0 {
		t.Logf("%d characters only one side's Unicode tables know are normalized differently: %s … %s (internal/rules/normalize.go)",
			len(gapDiffers), gapDiffers[0], gapDiffers[len(gapDiffers)-1])
	}
}

// unicodeGap reports the characters that one side's Unicode tables know
// and the other's do not: Go's (norm.Version, unicode.Version) and the
// server's (PostgreSQL's normalize() uses the tables of its release). The
// keys of text holding one may differ (normalize.go); rangetable has no
// table of every version, so the gap may take in a version more on either
// side. It also logs the server's ctype, on which \s and lower() depend.
func unicodeGap(t testing.TB, pool *pgxpool.Pool) func(rune) bool {
	t.Helper()
	ctx := context.Background()
	var ctype, provider string
	if err := pool.QueryRow(ctx, `SELECT datctype, datlocprovider::text FROM pg_database WHERE datname = current_database()`).
		Scan(&ctype, &provider); err != nil {
		t.Fatal(err)
	}
	server := serverUnicode(t, pool)
	t.Logf("the database's ctype is %s (provider %s), its Unicode %s; Go's Unicode is %s (norm %s)", ctype, provider, server, unicode.Version, norm.Version)
	lo, hi := server, server
	for _, v := range []string{norm.Version, unicode.Version} {
		if versionLess(v, lo) {
			lo = v
		}
		if versionLess(hi, v) {
			hi = v
		}
	}
	if lo == hi {
		return func(rune) bool { return false }
	}
	older, newer := assignedTable(lo, false), assignedTable(hi, true)
	if older == nil || newer == nil {
		t.Fatalf("no table of the characters Unicode %s and %s assign: update golang.org/x/text", lo, hi)
	}
	return func(r rune) bool { return unicode.Is(newer, r) && !unicode.Is(older, r) }
}

// serverUnicode is the Unicode version of the server's normalize():
// unicode_version() from PostgreSQL 17 on, the release notes' before.
func serverUnicode(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	var v string
	err := pool.QueryRow(ctx, `SELECT unicode_version()`).Scan(&v)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		if strings.Count(v, ".") == 1 {
			v += ".0"
		}
		return v
	case !errors.As(err, &pgErr) || pgErr.Code != "42883": // undefined_function
		t.Fatal(err)
	}
	var num int
	if err := pool.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		t.Fatal(err)
	}
	byMajor := map[int]string{13: "13.0.0", 14: "13.0.0", 15: "14.0.0", 16: "15.0.0"}
	v, ok := byMajor[num/10000]
	if !ok {
		t.Fatalf("PostgreSQL %d: which Unicode version its normalize() uses is not known here", num)
	}
	return v
}

// assignedTable is the characters assigned by the newest Unicode version
// rangetable has at or below v (atLeast: the oldest at or above v).
func assignedTable(v string, atLeast bool) *unicode.RangeTable {
	var best string
	for major := 4; major <= 30; major++ {
		for minor := 0; minor <= 2; minor++ {
			c := fmt.Sprintf("%d.%d.0", major, minor)
			if rangetable.Assigned(c) == nil {
				continue
			}
			switch {
			case !atLeast && !versionLess(v, c) && (best == "" || versionLess(best, c)):
				best = c
			case atLeast && !versionLess(c, v) && (best == "" || versionLess(c, best)):
				best = c
			}
		}
	}
	if best == "" {
		return nil
	}
	return rangetable.Assigned(best)
}

// versionLess compares "major.minor.patch" versions.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
