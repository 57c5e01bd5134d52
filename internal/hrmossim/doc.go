// Package hrmossim is a faithful, self-contained simulator of the parts of
// the HRMOS勤怠 REST API the sync engine uses (docs/hrmos-api.md), for tests,
// benchmarks and demos. It imports nothing else from this repository: it
// follows the API's description, not any client. In a test:
//
//	clock := hrmossim.NewManualClock(time.Date(2026, 4, 1, 10, 0, 0, 0, time.Local))
//	company := hrmossim.MustGenerate(hrmossim.GenerateSpec{CompanyID: "acme", Users: 200, Seed: 7,
//		Months: []string{"2026-03"}, Messy: hrmossim.MessyAll(), Now: clock.Now()})
//	sim := hrmossim.New(hrmossim.Options{Clock: clock})
//	_ = sim.AddCompany(company)
//	ts := httptest.NewServer(sim.Handler()) // base URL ts.URL+"/api", company "acme", key company.APIKey
//
// Endpoints, under /api/{company}/v1: GET /authentication/token (Authorization:
// Basic <Secret Key, verbatim>), PUT /authentication/postpone and DELETE
// /authentication/destroy (Token <token>), GET /users, /departments,
// /lodgments (also prefectural_id), /employments and
// /work_output_months/monthly/{YYYY-MM} (also number, status). Every list
// takes page, limit, from and to and answers a bare JSON array with
// X-Total-Count, X-Total-Page and Link headers. Data calls accept
// "Token <t>", `Token token="<t>"` and "Bearer <t>". The simulator's own
// controls live under /_sim/ (see registerAdmin); Faults injects failures
// and switches token behaviour the API leaves open, in Go (SetFaults) or
// over HTTP (POST /_sim/faults).
//
// Generated data is deterministic (GenerateSpec.Seed) and Japanese: kanji
// names with katakana readings, 部門, 拠点, 雇用形態, retirees, closing days, and
// a 月次レポート per month whose figures add up. MessyOptions adds the dirty
// data live tenants serve. Users never carry a gender field: HRMOS has none.
// JSON is rendered by encoding/json from the model's tags, which list the
// schema's keys in its order. For benchmarks, one Server holds any number of
// companies (the hrmos-simulator binary's -companies and -keys-out), and
// MutateUsers changes a share of a company's users as a day of HR edits would.
//
// # Where the evidence is thin
//
// docs/hrmos-api.md tags some behaviour [G] (a guess) or leaves it open. This is
// every such point and what the simulator does; each is isolated so it can
// be changed in one place.
//
//   - Unknown company: 404 {"code":404,"message":"Company not found"} on every
//     path under /api/{company}/, the token endpoint included. Company IDs are
//     compared case-sensitively after path-unescaping. A request for an
//     unknown company is not rate-limited (there is no one to count it for).
//   - Bad key: a wrong key, a rotated-out key and an expired key all get 401
//     {"code":401,"message":"Invalid secret key"}; nothing tells them apart.
//     So do base64("key:") and base64(key): only the verbatim key works. A
//     missing or non-Basic Authorization header is 401 too.
//   - Key lifetime: three calendar months from Company.KeyIssuedAt (valid
//     while now < issue + 3 months; keyExpiry). RotateKey rejects the old
//     key at once; tokens already issued survive a rotation until they
//     expire.
//   - Token re-issue: every GET /authentication/token issues a new token;
//     by default earlier tokens stay valid until their own expiry. Whether
//     HRMOS instead revokes a company's older tokens when it issues one is
//     unknown (docs/hrmos-api.md §2.1, §11.6), and it decides whether several
//     workers of one company can work at once: Faults.RevokeOnReissue
//     switches to that behaviour (every token of the company dies when a new
//     one is issued). Default off, as before the switch existed.
//   - Token churn for tests: Faults.RevokeTokensAfter kills each token after
//     it has authorised that many data requests, and Faults.TokenTTL shortens
//     the lifetime of tokens issued from then on (e.g. 3 s); neither is
//     claimed to be HRMOS behaviour, they provoke what a client must survive.
//   - Token format and expiry: 24 characters of base58 (no 0 O I l) from
//     crypto/rand; expired_at = now, truncated to the second, + 24 h
//     (Options.TokenTTL, or Faults.TokenTTL once set), rendered
//     "YYYY-MM-DDTHH:MM:SS.000+09:00". A token is
//     valid while now < expired_at.
//   - Token failures, all 401: no token "Authorization token is missing";
//     unknown, destroyed or another company's token "Invalid token"; expired
//     "Token has expired". Postponing or destroying a dead token is 401;
//     destroy answers with the token's expiry as it stood.
//   - Error bodies: {"code","message"} with code equal to the HTTP status, on
//     every non-200 except 429; English, Rails-style messages (HRMOS's texts
//     are unknown) that never echo a key or token. An unknown path or a wrong
//     method is 404 JSON (a Rails routing error), not 405.
//   - Rate limit: counted per company (not per token) over a sliding 60 s,
//     every request counted, rejected ones included; 0 = unlimited (the real
//     threshold is unpublished). Excess: 429 with an empty body, no
//     Content-Type and no Retry-After.
//   - Paging edges: page or limit that is not a positive integer (0, -1,
//     "abc") is 400 JSON; limit above 100 is clamped to 100, not rejected.
//     X-Total-Page is 0 for an empty result (as Kaminari counts). A page past
//     the end is 200 [] with the headers.
//   - Link header: Rails api-pagination's shape, absolute URLs from the
//     request (Host, X-Forwarded-Proto) keeping every other parameter:
//     first and prev unless on page 1, next and last unless on or past the
//     last page; no header when no relation applies. The previous-page
//     relation is "prev" (the prevRel constant); the spec's prose says
//     "previous".
//   - Order: ascending id (user_id for monthly rows), stable across pages
//     while the data does not change.
//   - from/to: inclusive, on updated_at. Accepted: RFC 3339 with an offset,
//     "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD" (JST). A "+" sent unencoded
//     arrives as a space and is 400. Departments and employments render no
//     timestamps; they are filtered on a hidden updated_at, as a Rails
//     updated_at column would be.
//   - Monthly report path: anything but YYYY-MM (2026-3, 202603, 2026-13) is
//     400; a valid month without data is 200 [].
//   - number filter: "A0001,B0001", repeated number= and Rails' number[]= are
//     all accepted; an exact match on the number as rendered (a full-width
//     Ａ００１２３ does not match A00123; an empty number never matches).
//   - status filter: comma-separated integers (also repeated); anything else
//     is 400. Each row has a closing status that is never rendered: old
//     months are mostly 3 承認 (some 99, 2, 1, 0), the last closed one mixes
//     1/2/3, a running month is 0 or 1.
//   - Closing days: a month label with cutoff_date c < 31 covers the day after
//     the previous month's c through c of the named month (2020-09 with 25 is
//     08-26…09-25); 31, or a day past the month's end, is the calendar month.
//     The tenant setting 集計期間 is not modelled. A user gets a row when
//     employed on some day of their period. Days off are weekends only
//     (public holidays are not modelled). A running month counts work up to
//     yesterday.
//   - Empty values: canonical shapes are null for end_date, comment,
//     nfc_tag_pc, segment and calendar IDs; "" for a missing number, kana or
//     e-mail (as in a live fixture); "0:00" for a zero duration, "0.0" for a
//     zero day count, 0.0 for a zero leave figure. MessyOptions mixes in ""
//     / null / no key. Integer and number fields are never "" (a Rails API
//     renders null), only null or absent.
//   - Leave figures (paid_holiday_with_time_paid, time_paid_holiday, kango_*,
//     kaigo_*) are JSON numbers with one decimal (0.5, 4.0). time_paid_holiday
//     is generated as hours, kango/kaigo remains as days; the real units are
//     unknown. paid_holidays (string) and paid_holiday_with_time_paid carry the
//     same value.
//   - Keys the schema has but the example lacks (time_paid_holiday*, kango_*,
//     kaigo_*, jikangai_*) are rendered; messy EmptyAsMissingKey can drop
//     zero ones. discretion/flex/variable are always present; for employees
//     not on those schemes every duration in them is "0:00".
//   - Users: every schema key is rendered in the schema's order, including
//     email and end_date (which the list example omits) and
//     group{1..4}_approvers / user_original_calendars (mostly []).
//   - Lodgments: id is rendered (the example forgot it); segments are
//     integers (as in the example, though typed string[]); prefectural_id
//     uses JIS X 0401 codes (13 = 東京都) and the address omits the prefecture.
//   - Deleted users (the shift fault, ID gaps) keep their monthly
//     rows: those are the rows for users /users does not list.
//   - Changes (PutUser, PutMonthlyRow, MutateUsers) set updated_at to the
//     clock's now, as a Rails updated_at column would, so from finds them.
//     MutateUsers' choice of fields (department, family-name kana, the
//     e-mail's domain) is a plausible day of HR edits, not observed data.
//   - Timestamps are +09:00 with milliseconds; generated ones fall on whole
//     seconds, so milliseconds read .000 as in every spec example.
//   - Faults apply to /api/ paths only, after the company lookup and the
//     rate limit. UnauthorizedNextN revokes the token it hits;
//     RevokeTokensAfter counts the data requests a token authorised (token,
//     postpone and destroy requests do not count). A truncated response
//     declares its full Content-Length, sends half and closes the
//     connection (the client reads io.ErrUnexpectedEOF). FailStatus renders
//     any 4xx/5xx as {"code","message"} with the status's English text; the
//     real texts are unknown. The shift fault deletes the first record of
//     the list before serving a page ≥ 2: with page-number paging a client
//     then misses the record that moved back a page, and fetches fewer rows
//     than page 1's X-Total-Count (always exactly the last page's). The
//     add-and-remove fault adds a record before deleting the first one, so
//     the count never moves: a new hire with the next free ID ("H" and six
//     digits as 社員番号, start_date today, the first department, office and
//     employment) or, on a monthly report, a row for a new user ID with the
//     last row's figures, both created and updated at the clock's now.
//   - What the engine relies on to see that fault, and how thin each is:
//     the order is ascending ID and stable (docs/hrmos-api.md §4 and §11.5 leave
//     the order unspecified, so a real list could also move a record across
//     pages when it is merely updated); `from` filters on updated_at,
//     inclusive ([S] for the filter, the inclusiveness is a guess); a record
//     is listed by `from` from the moment it is created, because its
//     updated_at starts equal to its created_at (what a Rails model does; not
//     documented); a deleted record is simply gone (no tombstone, nothing for
//     `from` to list); and HRMOS's clock is within minutes of the caller's
//     (nothing is published about it).
package hrmossim
