package rules

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The matching keys of SPEC §2 rule 2 (and §3's fallback on the 社員番号).
//
// Their one definition is SQL: sync_norm_number, sync_norm_name and
// sync_norm_email (internal/store/migrations/001_sync_schema.sql), which
// compute employees' match_* columns and the staging's norm_* columns, so
// that every writer of employees, mediment's web app included, gets the
// same keys, and a match is one indexed equality. The database finds the
// candidates of a match (Candidates) and counts the keys a run's users
// share (HRMOSUser.NumberShared, NameEmailShared); no decision here
// computes a key. NormNumber, NormName and NormEmail are those functions
// in Go, step for step, so that the rules say in Go what "the same key"
// means; internal/store proves them equal to the database's, character by
// character over all of Unicode and by a fuzz test (normalize_test.go
// there).
//
// The rule, as PostgreSQL applies it:
//
//  1. NFKC (PostgreSQL's normalize(v, NFKC)): full-width and half-width
//     forms agree (Ａ０１ → A01, ｶﾞ → ガ), and so do the compatibility
//     spaces (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000 all become
//     U+0020).
//  2. Spaces, as PostgreSQL's regular expressions read \s, are removed:
//     around a 社員番号, everywhere in 氏名 (family and given name joined
//     before step 1) and in an e-mail address. \s is not Go's
//     unicode.IsSpace: it is U+0009–U+000D, U+0020, U+1680, U+2000–U+2006,
//     U+2008–U+200A, U+2028, U+2029, U+205F and U+3000 (glibc's "space"
//     class), without U+0085 (NEL), which unicode.IsSpace counts and which
//     the database keeps.
//  3. An e-mail address is lower-cased one character at a time
//     (unicode.ToLower: İ becomes i, Σ always σ), as glibc's towlower
//     does for PostgreSQL's lower().
//  4. An empty result is no key (SQL NULL): it matches nothing.
//
// Its limits, which the store's tests check against the server they run on
// (they log its ctype and Unicode version):
//
//   - Steps 2 and 3 depend on the database's LC_CTYPE, fixed when the
//     database is created: these functions give the keys of a database
//     whose ctype is a glibc UTF-8 locale: C.UTF-8, the tests' server's,
//     and, from the same glibc character tables, en_US.utf8, the postgres
//     Docker image's (not checked here: run the store's tests on such a
//     server to prove it). Under another ctype the keys differ: under C or
//     POSIX, \s and lower() know ASCII only (U+1680, U+2028 and U+2029 are
//     kept, only A–Z lower-cased); under an ICU locale, \s also takes
//     U+001C–U+001F and U+0085, and lower() maps whole strings (İ becomes
//     i̇, a final Σ ς). A database of another ctype needs these functions
//     changed with it.
//   - Step 1 uses each side's Unicode tables: Go's are Unicode 15.0
//     (norm.Version), PostgreSQL's those of its release (15: Unicode 14.0,
//     16: 15.0, 17: 15.1, 18: 16.0). Text made of characters both know gets
//     the same key; a character only one side knows may not: on PostgreSQL
//     15, the 62 Cyrillic modifier letters of Unicode 15.0 (U+1E030–U+1E06D)
//     fold to Cyrillic letters in Go and stay as they are in the database,
//     and a combining mark new to one side may be ordered differently. Of
//     all of Unicode, these 62 alone get other keys on the tests' server.

// NormNumber is the matching key of a 社員番号: sync_norm_number, "" when
// it has none.
func NormNumber(number string) string {
	return strings.TrimFunc(norm.NFKC.String(number), isKeySpace)
}

// NormName is the matching key of an 氏名: sync_norm_name of the family
// and given name, "" when it has none.
func NormName(family, given string) string {
	return withoutKeySpaces(norm.NFKC.String(family + given))
}

// NormEmail is the matching key of an e-mail address: sync_norm_email, ""
// when it has none.
func NormEmail(email string) string {
	return strings.ToLower(withoutKeySpaces(norm.NFKC.String(email)))
}

// isKeySpace reports whether PostgreSQL's \s matches r in a database of a
// glibc UTF-8 ctype (see above).
func isKeySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r == ' ', r == '\u1680',
		r >= '\u2000' && r <= '\u2006', r >= '\u2008' && r <= '\u200a',
		r == '\u2028', r == '\u2029', r == '\u205f', r == '\u3000':
		return true
	}
	return false
}

func withoutKeySpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if isKeySpace(r) {
			return -1
		}
		return r
	}, s)
}
