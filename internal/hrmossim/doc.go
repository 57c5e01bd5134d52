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
// Every behaviour docs/hrmos-api.md marks a guess or leaves open, and what
// the simulator does about it, is listed once, in docs/hrmos-api.md §12;
// each is isolated here so it can be changed in one place.
package hrmossim
