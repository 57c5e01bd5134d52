package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// SPEC §2 rule 8 at the database: a value PostgreSQL cannot hold (a NUL, a
// string too long for an index entry, year 0000, a number beyond its
// column) costs its own record and nothing more. These tests take records
// the way the fetch makes them (HRMOS's JSON through the client's decoder,
// then stagedUser / attendanceRow) through the real staging, plan and
// write on PostgreSQL: one page, one chunk, one run per case.
//
// Run a fuzz target longer with, for example,
//
//	go test -run '^$' -fuzz '^FuzzRosterRunWithAnyUser$' -fuzztime 5m ./activities

// bench is one database shared by many runs, each of a tenant of its own
// (a fuzz iteration costs a few milliseconds, not a migrated database).
type bench struct {
	st      *store.Store
	acts    *Activities
	env     *testsuite.TestActivityEnvironment
	tenants atomic.Int64
}

func newBench(tb testing.TB) *bench {
	tb.Helper()
	st, _ := testdb.New(tb)
	acts := &Activities{Store: st, Now: time.Now}
	return &bench{st: st, acts: acts, env: newActivityEnv(acts)}
}

// benchCompany is the HRMOS company every bench tenant is connected to.
const benchCompany = "bench-co"

// benchMonth is the month attendance runs sync.
const benchMonth = "2026-10"

// tenant creates a connected tenant (the key is never used: nothing here
// calls HRMOS).
func (b *bench) tenant(t testing.TB) string {
	t.Helper()
	id := fmt.Sprintf("bench-%d", b.tenants.Add(1))
	b.exec(t, `INSERT INTO tenants (id, name) VALUES ($1, $1)`, id)
	b.exec(t, `INSERT INTO hrmos_connections (tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_set_at, key_expires_at, status)
		VALUES ($1, $2, '\x00', 'k', now(), now() + interval '90 days', 'connected')`, id, benchCompany)
	return id
}

func (b *bench) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := b.st.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// employee inserts a mediment employee linked to an HRMOS user and returns
// its ID.
func (b *bench) employee(t testing.TB, tenant string, hrmosUserID int64, number string) int64 {
	t.Helper()
	var id int64
	err := b.st.Pool().QueryRow(context.Background(), `
		INSERT INTO employees (tenant_id, hrmos_user_id, employee_number, last_name, first_name, email, hire_date)
		VALUES ($1, $2, $3, '旧姓', '旧名', $3 || '@old.example.jp', '2001-04-01') RETURNING id`,
		tenant, hrmosUserID, number).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// call executes an activity, as the worker would, and fails the test on
// any error: a record's bad value must never fail an activity.
func call[T any](t testing.TB, b *bench, fn any, args ...any) T {
	t.Helper()
	var res T
	v, err := b.env.ExecuteActivity(fn, args...)
	if err != nil {
		t.Fatalf("activity failed: %v", err)
	}
	if v != nil && v.HasValue() {
		if err := v.Get(&res); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// benchRun is a finished run: its ID, its summary and its items by HRMOS
// user.
type benchRun struct {
	id      string
	summary syncapi.RunResult
	items   map[int64]benchItem
}

type benchItem struct {
	outcome, reasonCode, field string
	employeeID                 *int64
}

// syncPage runs a whole sync of one staged page: StartRun, the staging the
// fetch does, ChunkRanges, the plan of every chunk, the write of every
// pending record and FinishRun, every step as the workflows take it.
func syncPage[T any](t testing.TB, b *bench, tenant, kind string, recs []T, dryRun bool) benchRun {
	t.Helper()
	ctx := context.Background()
	month := ""
	if kind == codes.KindAttendance {
		month = benchMonth
	}
	in := runInput(tenant, kind, month)
	in.DryRun = dryRun
	call[syncapi.StartRunResult](t, b, b.acts.StartRun, in)
	run := ref(tenant, in.RunID)
	var err error
	switch recs := any(recs).(type) {
	case []rules.HRMOSUser:
		err = b.st.StageUsers(ctx, run, 1, recs)
	case []rules.AttendanceRow:
		err = b.st.StageAttendance(ctx, run, 1, recs)
	}
	if err != nil {
		t.Fatalf("staging a page failed: %v", err)
	}
	chunks := call[syncapi.ChunkRangesResult](t, b, b.acts.ChunkRanges, syncapi.ChunkRangesInput{Kind: kind, TenantID: tenant, RunID: in.RunID, Size: 100})
	if chunks.Staged != len(recs) {
		t.Fatalf("%d records staged, want %d", chunks.Staged, len(recs))
	}
	plan, write := b.acts.PlanRosterChunk, b.acts.SyncEmployee
	if kind == codes.KindAttendance {
		plan, write = b.acts.PlanAttendanceChunk, b.acts.SyncAttendance
	}
	for _, rg := range chunks.Ranges {
		call[syncapi.PlanResult](t, b, plan, syncapi.PlanChunkInput{TenantID: tenant, RunID: in.RunID, Range: rg, DryRun: dryRun, Today: today(), Month: month})
		pending := call[[]int64](t, b, b.acts.PendingRecords, syncapi.PendingInput{Kind: kind, TenantID: tenant, RunID: in.RunID, Range: rg})
		if dryRun && len(pending) > 0 {
			t.Fatalf("a dry run's plan left %d records to write", len(pending))
		}
		for _, id := range pending {
			call[syncapi.RecordResult](t, b, write, syncapi.RecordInput{TenantID: tenant, RunID: in.RunID, HRMOSUserID: id, Today: today(), Month: month})
		}
	}
	r := benchRun{id: in.RunID, items: map[int64]benchItem{}}
	r.summary = call[syncapi.RunResult](t, b, b.acts.FinishRun, syncapi.FinishRunInput{TenantID: tenant, RunID: in.RunID, Status: codes.RunCompleted, Fetched: len(recs)})
	rows, err := b.st.Pool().Query(ctx, `SELECT hrmos_user_id, outcome, reason_code, coalesce(field, ''), employee_id
		FROM sync_run_items WHERE sync_run_id = $1`, in.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	var it benchItem
	if _, err := pgx.ForEachRow(rows, []any{&id, &it.outcome, &it.reasonCode, &it.field, &it.employeeID}, func() error {
		if _, dup := r.items[id]; dup {
			return fmt.Errorf("two items for HRMOS user %d", id)
		}
		r.items[id] = it
		it = benchItem{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

// check asserts what every run must end with: completed, one item per
// staged record, counts that add up, and no personal data left in staging.
func (r benchRun) check(t testing.TB, b *bench, staged int) {
	t.Helper()
	s := r.summary
	if s.Status != codes.RunCompleted {
		t.Fatalf("run ended %s: %s", s.Status, s.FailureReason)
	}
	if len(r.items) != staged {
		t.Fatalf("%d sync_run_items for %d staged records", len(r.items), staged)
	}
	if n := s.Created + s.Updated + s.Unchanged + s.Skipped + s.Errors; n != staged {
		t.Fatalf("counts %+v add up to %d, want %d", s, n, staged)
	}
	var left int
	err := b.st.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM roster_staging WHERE sync_run_id = $1)
		+ (SELECT count(*) FROM attendance_staging WHERE sync_run_id = $1)`, r.id).Scan(&left)
	if err != nil || left != 0 {
		t.Fatalf("%d staging rows left (%v)", left, err)
	}
}

// wantItem asserts one record's outcome and reason code, and the field
// named when given.
func (r benchRun) wantItem(t testing.TB, id int64, outcome codes.Outcome, code, field string) {
	t.Helper()
	it, ok := r.items[id]
	if !ok {
		t.Fatalf("HRMOS user %d has no item", id)
	}
	if it.outcome != string(outcome) || it.reasonCode != code || (field != "" && it.field != field) {
		t.Fatalf("HRMOS user %d: %s %s (field %q), want %s %s (field %q)", id, it.outcome, it.reasonCode, it.field, outcome, code, field)
	}
}

// wantUnstorable asserts that a record the fetch flagged is its own error,
// naming the first flagged field with its reason code.
func (r benchRun) wantUnstorable(t testing.TB, id int64, unstorable []string) {
	t.Helper()
	field, code, _ := strings.Cut(unstorable[0], ":")
	r.wantItem(t, id, codes.Error, code, field)
}

// goodUser is an HRMOS user that syncs whatever the case beside it: its
// keys are its own (tag is random per run, so no fuzzed record finds them).
func goodUser(id int64, tag string) rules.HRMOSUser {
	return stagedUser(hrmos.User{ID: id, Number: "G-" + tag, LastName: "山田", FirstName: tag, Email: tag + "@example.jp",
		StartDate: "2020-04-01"}, nil, nil)
}

// goodRow is a report row of a linked employee that syncs whatever the
// case beside it.
func goodRow(id int64, number string) rules.AttendanceRow {
	return attendanceRow(hrmos.MonthlyReportRow{UserID: id, Number: number, WorkingDays: "20.0", PaidHolidays: "0.5",
		ActualWorkingHours: "168:30", HoursInPrescribedWorkingHours: "160:00"})
}

// freeIDs are n positive HRMOS user IDs other than taken, for the good
// records beside a fuzzed one.
func freeIDs(n int, taken int64) []int64 {
	var ids []int64
	for id := int64(1); len(ids) < n; id++ {
		if id != taken {
			ids = append(ids, id)
		}
	}
	return ids
}

func shortTag() string { return strings.ReplaceAll(uuid.NewString(), "-", "")[:12] }

// Whatever one HRMOS user holds, its run completes: one item per staged
// user, the users beside it created, and the user itself created or
// updated with exactly what the rules mapped, or its own error — an
// unstorable value its error naming the field. The input is one user as
// HRMOS's JSON (through the client's decoder, which never fails), the names
// HRMOS's masters give its 部門 and 拠点, and flags: 1 an employee is linked
// to the user already (the update path), 2 and 4 the masters list its
// 部門 and 拠点, 8 a dry run.
func FuzzRosterRunWithAnyUser(f *testing.F) {
	b := newBench(f)
	f.Fuzz(func(t *testing.T, userJSON []byte, departmentName, lodgmentName string, flags uint8) {
		var hu hrmos.User
		_ = hu.UnmarshalJSON(userJSON)
		departments, offices := map[int64]string{}, map[int64]string{}
		if hu.DepartmentID != nil && flags&2 != 0 {
			departments[*hu.DepartmentID] = departmentName
		}
		if hu.LodgmentID != nil && flags&4 != 0 {
			offices[*hu.LodgmentID] = lodgmentName
		}
		u := stagedUser(hu, departments, offices)
		dryRun := flags&8 != 0

		tenant := b.tenant(t)
		good := freeIDs(2, u.ID)
		tag := shortTag()
		users := []rules.HRMOSUser{goodUser(good[0], tag+"a"), goodUser(good[1], tag+"b")}
		if u.ID > 0 { // as the fetch: a user without a usable ID is counted, not staged
			users = append(users, u)
			if flags&1 != 0 {
				b.employee(t, tenant, u.ID, "L-"+tag)
			}
		}
		r := syncPage(t, b, tenant, codes.KindRoster, users, dryRun)
		r.check(t, b, len(users))
		for _, id := range good {
			r.wantItem(t, id, codes.Created, codes.ReasonNewEmployee, "")
		}
		if u.ID <= 0 {
			return
		}
		if len(u.Unstorable) > 0 {
			r.wantUnstorable(t, u.ID, u.Unstorable)
		}
		it := r.items[u.ID]
		if it.reasonCode == codes.ReasonSyncFailed {
			t.Fatalf("HRMOS user %d failed as a database error", u.ID)
		}
		if dryRun || (it.outcome != string(codes.Created) && it.outcome != string(codes.Updated)) {
			return
		}
		// What was written reads back as what the rules mapped.
		want, p := rules.MapUser(u)
		if p != nil {
			t.Fatalf("HRMOS user %d written despite %v", u.ID, p)
		}
		got, err := b.st.Employee(context.Background(), tenant, *it.employeeID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rules.SyncedColumns {
			if c.Name == "gender" && !want.GenderProvided {
				continue
			}
			if w, g := *c.Field(&want), *c.Field(&got.Synced); (w == nil) != (g == nil) || w != nil && *w != *g {
				t.Fatalf("%s reads back as %s, written %s", c.Name, text(g), text(w))
			}
		}
	})
}

// Whatever one report row holds, its run completes: one item per staged
// row, the rows beside it created, and the row itself written with exactly
// what the rules mapped, or its own error. flags: 1 an employee is linked
// to the row's HRMOS user (else the row can only fall back on its 社員番号),
// 2 that employee has the month from an earlier sync (the update path), 4 a
// dry run.
func FuzzAttendanceRunWithAnyRow(f *testing.F) {
	b := newBench(f)
	f.Fuzz(func(t *testing.T, rowJSON []byte, flags uint8) {
		var hr hrmos.MonthlyReportRow
		_ = hr.UnmarshalJSON(rowJSON)
		row := attendanceRow(hr)
		dryRun := flags&4 != 0

		tenant := b.tenant(t)
		good := freeIDs(2, row.HRMOSUserID)
		tag := shortTag()
		rows := make([]rules.AttendanceRow, 0, 3)
		for i, id := range good {
			number := fmt.Sprintf("G-%s-%d", tag, i)
			b.employee(t, tenant, id, number)
			rows = append(rows, goodRow(id, number))
		}
		if row.HRMOSUserID > 0 {
			rows = append(rows, row)
			if flags&1 != 0 {
				e := b.employee(t, tenant, row.HRMOSUserID, "L-"+tag)
				if flags&2 != 0 {
					b.earlierMonth(t, tenant, e)
				}
			}
		}
		r := syncPage(t, b, tenant, codes.KindAttendance, rows, dryRun)
		r.check(t, b, len(rows))
		for _, id := range good {
			r.wantItem(t, id, codes.Created, codes.ReasonNewAttendance, "")
		}
		if row.HRMOSUserID <= 0 {
			return
		}
		if len(row.Unstorable) > 0 {
			r.wantUnstorable(t, row.HRMOSUserID, row.Unstorable)
		}
		it := r.items[row.HRMOSUserID]
		if it.reasonCode == codes.ReasonSyncFailed {
			t.Fatalf("HRMOS user %d failed as a database error", row.HRMOSUserID)
		}
		if dryRun || it.outcome == string(codes.Error) || it.outcome == string(codes.Skipped) {
			return
		}
		want, p := rules.MapAttendance(row)
		if p != nil {
			t.Fatalf("HRMOS user %d written despite %v", row.HRMOSUserID, p)
		}
		got, err := b.st.Attendance(context.Background(), tenant, *it.employeeID, benchMonth)
		if err != nil || got == nil {
			t.Fatalf("the month written for HRMOS user %d reads back as %v, %v", row.HRMOSUserID, got, err)
		}
		for _, c := range rules.AttendanceColumns {
			if w, g := *c.Field(&want), *c.Field(got); (w == nil) != (g == nil) || w != nil && *w != *g {
				t.Fatalf("%s reads back as %s, written %s", c.Name, text(c.Format(g)), text(c.Format(w)))
			}
		}
	})
}

// earlierMonth records the bench month for an employee as an earlier,
// completed run wrote it.
func (b *bench) earlierMonth(t testing.TB, tenant string, employeeID int64) {
	t.Helper()
	runID := uuid.NewString()
	b.exec(t, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status, started_at, finished_at)
		VALUES ($1, $2, 'attendance', $3, 'cli', $4, $5, 'completed', now(), now())`, runID, tenant, benchMonth, "earlier-"+runID, runID)
	b.exec(t, `INSERT INTO monthly_attendance (tenant_id, employee_id, month, working_days, actual_work_minutes, paid_leave_days, sync_run_id)
		VALUES ($1, $2, $3, 18.5, 9000, 2.0, $4)`, tenant, employeeID, benchMonth, runID)
}

func text(s *string) string {
	if s == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *s)
}

// Why the fetch sanitizes: PostgreSQL refuses a NUL (22021) and an index
// entry past its B-tree limit (54000; a value that compresses well, such as
// one character repeated, still fits, as index entries are compressed), each
// failing the staging of the whole page on every retry. The limits of
// rules.TextProblem keep every entry under that limit without counting on
// compression, and the widest values they let through fit.
func TestValuesTheSanitizerStopsWouldFailTheirPage(t *testing.T) {
	b := newBench(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		user  rules.HRMOSUser
		state string
	}{
		{"a NUL in 氏名", rules.HRMOSUser{ID: 1, Number: "A1", LastName: "山\x00田"}, "22021"},
		{"a 10 kB 社員番号 that does not compress", rules.HRMOSUser{ID: 1, Number: incompressible(10_000)}, "54000"},
		{"a 10 kB 名前 that does not compress", rules.HRMOSUser{ID: 1, LastName: incompressible(10_000), Email: "a@example.jp"}, "54000"},
		{"a 10 kB メール that does not compress", rules.HRMOSUser{ID: 1, LastName: "山田", Email: incompressible(10_000)}, "54000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tenant := b.tenant(t)
			in := runInput(tenant, codes.KindRoster, "")
			call[syncapi.StartRunResult](t, b, b.acts.StartRun, in)
			err := b.st.StageUsers(ctx, ref(tenant, in.RunID), 1, []rules.HRMOSUser{goodUser(2, shortTag()), tt.user})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != tt.state {
				t.Fatalf("staging the unsanitized page: %v, want SQLSTATE %s", err, tt.state)
			}
			sanitized := tt.user
			rules.SanitizeUser(&sanitized)
			if len(sanitized.Unstorable) == 0 {
				t.Fatal("the sanitizer lets the value through")
			}
		})
	}

	// The widest storable user: 氏名 of two fields of 200 kanji (600 bytes
	// each) and an e-mail address of 255 characters that lower() widens by
	// half (Ⱥ, 2 bytes, lowers to ⱥ, 3), all in one index entry, beside a
	// 社員番号 of 255 characters; none of them compresses much. Its dates
	// are the first and last PostgreSQL's date and ours share.
	tenant := b.tenant(t)
	wide := rules.HRMOSUser{ID: 7, Number: incompressible(rules.MaxTextChars), LastName: kanji(200, 1), FirstName: kanji(200, 2),
		Email: strings.Repeat("Ⱥ", 250) + "@x.jp", StartDate: "0001-01-01", EndDate: "9999-12-31"}
	rules.SanitizeUser(&wide)
	if len(wide.Unstorable) > 0 {
		t.Fatalf("the widest storable user is refused: %v", wide.Unstorable)
	}
	r := syncPage(t, b, tenant, codes.KindRoster, []rules.HRMOSUser{wide}, false)
	r.check(t, b, 1)
	r.wantItem(t, 7, codes.Created, codes.ReasonNewEmployee, "")
	want, _ := rules.MapUser(wide)
	got, err := b.st.Employee(ctx, tenant, *r.items[7].employeeID)
	if err != nil {
		t.Fatal(err)
	}
	got.Synced.GenderProvided = false // HRMOS sent none; the column stays NULL
	if diff := cmp.Diff(want, got.Synced); diff != "" {
		t.Fatalf("the widest user read back (-written +read):\n%s", diff)
	}
}

// incompressible is n characters of ASCII that PostgreSQL's compression of
// index entries cannot shrink much.
func incompressible(n int) string {
	var sb strings.Builder
	x := uint32(2463534242)
	for sb.Len() < n {
		x = xorshift(x)
		sb.WriteByte(byte('!' + x%94))
	}
	return sb.String()
}

// kanji is n pseudo-random CJK ideographs (3 bytes each, unchanged by
// NFKC), different for each seed.
func kanji(n int, seed uint32) string {
	var sb strings.Builder
	x := seed * 2654435761
	for range n {
		x = xorshift(x)
		sb.WriteRune(rune(0x4E00 + x%0x5000))
	}
	return sb.String()
}

func xorshift(x uint32) uint32 {
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x
}

// One page of HRMOS users holding every kind of value the database cannot
// take, beside good ones: a dry run shows each as its own error in the
// plan, naming the field, and the run syncs the good ones and nothing
// else; then the month's report rows the same.
func TestOneUnstorableValueCostsOnlyItsRecord(t *testing.T) {
	b := newBench(t)
	tenant := b.tenant(t)
	tag := shortTag()
	user := func(id int64, json string, departmentName string) rules.HRMOSUser {
		var hu hrmos.User
		_ = hu.UnmarshalJSON(fmt.Appendf(nil, `{"id":%d,%s`, id, json[1:]))
		return stagedUser(hu, map[int64]string{1: departmentName}, map[int64]string{2: "本社"})
	}
	long := strings.Repeat("x", 10_000)
	bad := []struct {
		user  rules.HRMOSUser
		code  string
		field string
	}{
		{user(11, `{"number":"B11","last_name":"山\u0000田","first_name":"花子","email":"b11@example.jp"}`, ""), codes.ReasonInvalidCharacters, "last_name"},
		{user(12, `{"number":"B12","last_name":"山田","first_name":"\u001b[1m花子","email":"b12@example.jp"}`, ""), codes.ReasonInvalidCharacters, "first_name"},
		{user(13, `{"number":"`+long+`","last_name":"山田","email":"b13@example.jp"}`, ""), codes.ReasonValueTooLong, "number"},
		{user(14, `{"number":"B14","last_name":"`+long+`","email":"b14@example.jp"}`, ""), codes.ReasonValueTooLong, "last_name"},
		{user(15, `{"number":"B15","last_name":"山田","email":"`+long+`@example.jp"}`, ""), codes.ReasonValueTooLong, "email"},
		{user(16, `{"number":"B16","last_name":"`+strings.Repeat("\uFDFA", 255)+`","email":"b16@example.jp"}`, ""), codes.ReasonValueTooLong, "last_name"},
		{user(17, `{"number":"B17","last_name":"山田","email":"b17@example.jp","start_date":"0000-04-01"}`, ""), codes.ReasonValueOutOfRange, "start_date"},
		{user(18, `{"number":"B18","last_name":"山田","email":"b18@example.jp","department_id":1}`, "営業\u0000部"), codes.ReasonInvalidCharacters, "department_id"},
		// Without its 社員番号 and with no e-mail, a retiree would read as
		// "missing identity"; it is the value's error.
		{user(19, `{"number":"B\u000019","last_name":"山田","end_date":"2020-03-31"}`, ""), codes.ReasonInvalidCharacters, "number"},
	}
	users := []rules.HRMOSUser{
		user(1, `{"number":"G1-`+tag+`","last_name":"山田","first_name":"一郎","email":"g1-`+tag+`@example.jp","department_id":1,"lodgment_id":2}`, "営業部"),
		user(30, `{"number":"G30-`+tag+`","last_name":" 佐藤\n","first_name":"花子","email":"g30-`+tag+`@example.jp"}`, ""),
	}
	for _, c := range bad {
		users = append(users, c.user)
	}

	dry := syncPage(t, b, tenant, codes.KindRoster, users, true)
	dry.check(t, b, len(users))
	for _, c := range bad {
		dry.wantItem(t, c.user.ID, codes.Error, c.code, c.field)
	}
	var employees int
	if err := b.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM employees WHERE tenant_id = $1`, tenant).Scan(&employees); err != nil || employees != 0 {
		t.Fatalf("the dry run wrote %d employees (%v)", employees, err)
	}

	r := syncPage(t, b, tenant, codes.KindRoster, users, false)
	r.check(t, b, len(users))
	for _, c := range bad {
		r.wantItem(t, c.user.ID, codes.Error, c.code, c.field)
	}
	r.wantItem(t, 1, codes.Created, codes.ReasonNewEmployee, "")
	r.wantItem(t, 30, codes.Created, codes.ReasonNewEmployee, "")
	if r.summary.Created != 2 || r.summary.Errors != len(bad) {
		t.Fatalf("summary %+v, want 2 created and %d errors", r.summary, len(bad))
	}

	// The report: rows of the two employees, and bad rows (each of an
	// employee of the roster, by link or 社員番号).
	row := func(id int64, json string) rules.AttendanceRow {
		var hr hrmos.MonthlyReportRow
		_ = hr.UnmarshalJSON(fmt.Appendf(nil, `{"user_id":%d,%s`, id, json[1:]))
		return attendanceRow(hr)
	}
	for _, id := range []int64{40, 43, 44, 45, 46} {
		b.employee(t, tenant, id, fmt.Sprintf("E%d", id))
	}
	rows := []rules.AttendanceRow{
		row(1, `{"number":"G1-`+tag+`","working_days":"99999.9","actual_working_hours":"1000000:59","hours_in_prescribed_working_hours":"-1000000:59"}`),
		row(30, `{"working_days":"20.0","paid_holidays":".5","actual_working_hours":"168:30"}`),
	}
	badRows := []struct {
		row   rules.AttendanceRow
		code  string
		field string
	}{
		// Not skipped as "not in mediment" for want of its 社員番号.
		{row(41, `{"number":"E40\u0000"}`), codes.ReasonInvalidCharacters, "number"},
		{row(42, `{"number":"`+long+`"}`), codes.ReasonValueTooLong, "number"},
		{row(40, `{"number":"E40","actual_working_hours":"160:\u000100"}`), codes.ReasonInvalidCharacters, "actual_working_hours"},
		{row(43, `{"number":"E43","working_days":"-1.0"}`), codes.ReasonInvalidValue, "working_days"},
		{row(44, `{"number":"E44","paid_holidays":"100000.0"}`), codes.ReasonValueOutOfRange, "paid_holidays"},
		{row(45, `{"number":"E45","absence_days":1e30}`), codes.ReasonValueOutOfRange, "absence_days"},
		{row(46, `{"number":"E46","total_late_hours":"1000001:00"}`), codes.ReasonValueOutOfRange, "total_late_hours"},
	}
	for _, c := range badRows {
		rows = append(rows, c.row)
	}
	dry = syncPage(t, b, tenant, codes.KindAttendance, rows, true)
	dry.check(t, b, len(rows))
	r = syncPage(t, b, tenant, codes.KindAttendance, rows, false)
	r.check(t, b, len(rows))
	for _, run := range []benchRun{dry, r} {
		for _, c := range badRows {
			run.wantItem(t, c.row.HRMOSUserID, codes.Error, c.code, c.field)
		}
	}
	r.wantItem(t, 1, codes.Created, codes.ReasonNewAttendance, "")
	r.wantItem(t, 30, codes.Created, codes.ReasonNewAttendance, "")
	got, err := b.st.Attendance(context.Background(), tenant, *r.items[1].employeeID, benchMonth)
	if err != nil || got == nil || *got.WorkingDays != 999_999 || *got.NonPrescribedMinutes != 2*60_000_059 {
		t.Fatalf("the widest values read back as %+v, %v", got, err)
	}
}
