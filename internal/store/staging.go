package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Staging holds one run's personal data in flight (roster_staging,
// attendance_staging), passed between activities through the database so
// that it never enters a Temporal payload. Every query here reads a run's
// rows through its primary key (sync_run_id, hrmos_user_id) or through an
// index on (sync_run_id, key), so it stays linear whatever the table
// statistics say: staging is empty between runs, and that is what autovacuum
// records.

// stagingTables hold runs' personal data in flight, by kind.
var stagingTables = map[string]string{codes.KindRoster: "roster_staging", codes.KindAttendance: "attendance_staging"}

// runScratchTables are every table that holds a run's data only while it
// runs: its staging and its planned writes (planned.go), deleted with its
// end.
var runScratchTables = []string{"roster_staging", "attendance_staging", "sync_run_writes"}

func stagingTable(kind string) (string, error) {
	t, ok := stagingTables[kind]
	if !ok {
		return "", fmt.Errorf("no staging for sync kind %q", kind)
	}
	return t, nil
}

// ErrStagingGone means a run's staged data disappeared, e.g. a newer run of
// the tenant closed this one as abandoned.
var ErrStagingGone = errors.New("the staged HRMOS data of this run is gone (the run was closed or restarted); start the sync again")

// runIsRunning guards every staging insert ($1 run, $2 tenant): once a run
// is closed (finished, or abandoned by the sweeper) nothing more of it is
// staged, even by an activity that has not noticed yet.
const runIsRunning = `EXISTS (SELECT 1 FROM sync_runs WHERE id = $1 AND tenant_id = $2 AND status = 'running')`

// stagingColumn is one staged column: its name, SQL array type, and how to
// read it from a record. Insert statements are built from these lists, so a
// value cannot land in another column.
type stagingColumn[T any] struct {
	name  string
	typ   string
	value func(*T) any
}

// listColumns are the text[] columns: each is passed as its entries joined
// by commas (which none contains: HRMOS keys, "field:reason_code"), since
// an array of arrays cannot be unnested row by row.
var listColumns = map[string]bool{"invalid_fields": true, "unstorable_fields": true}

// rosterStaging are roster_staging's columns: HRMOS's text of each field
// of rules.UserFields, and what the fetch stages by hand (rules.UserFields
// says why for each).
var rosterStaging = func() []stagingColumn[rules.HRMOSUser] {
	cols := []stagingColumn[rules.HRMOSUser]{
		{"hrmos_user_id", "bigint", func(u *rules.HRMOSUser) any { return u.ID }},
		{"department_id", "bigint", func(u *rules.HRMOSUser) any { return u.DepartmentID }},
		{"department_name", "text", func(u *rules.HRMOSUser) any { return u.DepartmentName }},
		{"lodgment_id", "bigint", func(u *rules.HRMOSUser) any { return u.LodgmentID }},
		{"lodgment_name", "text", func(u *rules.HRMOSUser) any { return u.LodgmentName }},
		{"has_gender", "boolean", func(u *rules.HRMOSUser) any { return u.HasGender }},
		{"gender", "text", func(u *rules.HRMOSUser) any { return u.Gender }},
		{"invalid_fields", "text", func(u *rules.HRMOSUser) any { return strings.Join(u.InvalidFields, ",") }},
		{"unstorable_fields", "text", func(u *rules.HRMOSUser) any { return strings.Join(u.Unstorable, ",") }},
	}
	for _, f := range rules.UserFields {
		if f.Raw == nil {
			continue
		}
		raw := f.Raw
		cols = append(cols, stagingColumn[rules.HRMOSUser]{f.Staged, "text", func(u *rules.HRMOSUser) any { return *raw(u) }})
	}
	return cols
}()

var attendanceStaging = func() []stagingColumn[rules.AttendanceRow] {
	cols := []stagingColumn[rules.AttendanceRow]{
		{"hrmos_user_id", "bigint", func(r *rules.AttendanceRow) any { return r.HRMOSUserID }},
		{"number", "text", func(r *rules.AttendanceRow) any { return r.Number }},
		{"invalid_fields", "text", func(r *rules.AttendanceRow) any { return strings.Join(r.InvalidFields, ",") }},
		{"unstorable_fields", "text", func(r *rules.AttendanceRow) any { return strings.Join(r.Unstorable, ",") }},
	}
	for _, c := range rules.AttendanceColumns {
		if c.Raw == nil {
			continue
		}
		raw := c.Raw
		cols = append(cols, stagingColumn[rules.AttendanceRow]{c.Staged, "text", func(r *rules.AttendanceRow) any { return *raw(r) }})
	}
	return cols
}()

// stage inserts one page of records in one statement (arrays unnested),
// guarded by the run still running. Re-staging a record (a retried page, or
// a later pass of the fetch) overwrites it, so a retry never duplicates.
// pass is the reading of HRMOS's list the page belongs to: it becomes the
// record's fetch_pass, and the first_pass of a record not staged before
// (an overwrite keeps first_pass), which is how ComparePasses tells two
// readings apart.
func stage[T any](ctx context.Context, db DBTX, table string, cols []stagingColumn[T], ref RunRef, pass, page int, recs []T) error {
	if len(recs) == 0 {
		return nil
	}
	names := make([]string, len(cols))
	unnest := make([]string, len(cols))
	selects := make([]string, len(cols))
	updates := make([]string, 0, len(cols))
	args := []any{ref.RunID, ref.TenantID, page, pass}
	for i, c := range cols {
		names[i] = c.name
		values := make([]any, len(recs))
		for j := range recs {
			values[j] = c.value(&recs[j])
		}
		args = append(args, values)
		unnest[i] = fmt.Sprintf("$%d::%s[]", len(args), c.typ)
		selects[i] = "r." + c.name
		if listColumns[c.name] {
			selects[i] = "string_to_array(r." + c.name + ", ',')"
		}
		if c.name != "hrmos_user_id" {
			updates = append(updates, c.name+" = excluded."+c.name)
		}
	}
	sql := `INSERT INTO ` + table + ` (sync_run_id, tenant_id, page, fetch_pass, first_pass, ` + strings.Join(names, ", ") + `)
		SELECT $1, $2, $3, $4::smallint, $4::smallint, ` + strings.Join(selects, ", ") + `
		FROM unnest(` + strings.Join(unnest, ", ") + `) AS r(` + strings.Join(names, ", ") + `)
		WHERE ` + runIsRunning + `
		ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET page = excluded.page, fetch_pass = excluded.fetch_pass, ` +
		strings.Join(updates, ", ")
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("stage page %d of run %s: %w", page, ref.RunID, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStagingGone
	}
	return nil
}

// StageUsers stores one page of HRMOS users for a run, as its first pass.
func (q *Queries) StageUsers(ctx context.Context, ref RunRef, page int, users []rules.HRMOSUser) error {
	return q.StageUsersInPass(ctx, ref, 1, page, users)
}

// StageUsersInPass stores one page of HRMOS users read by a pass of the
// fetch (1 = the first reading of the list).
func (q *Queries) StageUsersInPass(ctx context.Context, ref RunRef, pass, page int, users []rules.HRMOSUser) error {
	return stage(ctx, q.db, "roster_staging", rosterStaging, ref, pass, page, users)
}

// StageAttendance stores one page of HRMOS's monthly report for a run, as
// its first pass.
func (q *Queries) StageAttendance(ctx context.Context, ref RunRef, page int, rows []rules.AttendanceRow) error {
	return q.StageAttendanceInPass(ctx, ref, 1, page, rows)
}

// StageAttendanceInPass stores one page of HRMOS's monthly report read by a
// pass of the fetch.
func (q *Queries) StageAttendanceInPass(ctx context.Context, ref RunRef, pass, page int, rows []rules.AttendanceRow) error {
	return stage(ctx, q.db, "attendance_staging", attendanceStaging, ref, pass, page, rows)
}

// A fetch may read HRMOS's list more than once (a pass each) when the list
// may have changed while it was paged. Staging keeps every pass's records:
// fetch_pass is the last pass that listed a record, first_pass the pass
// that first staged it. Pass n agrees with pass n-1 when no record is left
// with fetch_pass n-1 (n-1 listed it, n did not) and none has first_pass n
// (n listed it, n-1 did not) — which holds only once BeginPass(n) has
// dropped the records pass n-1 did not list: a record listed by pass 1,
// missed by pass 2 and listed again by pass 3 must count as new in pass 3.

// PassCheck compares a pass of a fetch with the pass before it.
type PassCheck struct {
	// Listed counts the records the pass staged (fetch_pass = pass).
	Listed int
	// Dropped counts records the pass before listed and this one did not;
	// Added those this one listed and the pass before did not.
	Dropped, Added int
}

// Agrees reports whether the two passes listed the same records.
func (c PassCheck) Agrees() bool { return c.Dropped == 0 && c.Added == 0 }

// ComparePasses counts, in one pass over the run's staged records, what
// pass listed and how it differs from pass-1 (for pass 1, Dropped is 0 and
// Added is every record).
func (q *Queries) ComparePasses(ctx context.Context, kind string, ref RunRef, pass int) (PassCheck, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return PassCheck{}, err
	}
	var c PassCheck
	err = q.db.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE fetch_pass = $3),
		       count(*) FILTER (WHERE fetch_pass = $3 - 1),
		       count(*) FILTER (WHERE first_pass = $3)
		FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2`, ref.RunID, ref.TenantID, pass).Scan(&c.Listed, &c.Dropped, &c.Added)
	if err != nil {
		return PassCheck{}, fmt.Errorf("compare pass %d of run %s with the one before: %w", pass, ref.RunID, err)
	}
	return c, nil
}

// StagedInPass returns which of ids the run's pass staged (fetch_pass =
// pass), each looked up by the staging's primary key.
func (q *Queries) StagedInPass(ctx context.Context, kind string, ref RunRef, pass int, ids []int64) ([]int64, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT hrmos_user_id FROM `+table+`
		WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = ANY($3::bigint[]) AND fetch_pass = $4`,
		ref.RunID, ref.TenantID, ids, pass)
	if err != nil {
		return nil, fmt.Errorf("look up records staged by pass %d of run %s: %w", pass, ref.RunID, err)
	}
	staged, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("look up records staged by pass %d of run %s: %w", pass, ref.RunID, err)
	}
	return staged, nil
}

// BeginPass prepares the staging for pass of a fetch: the records the pass
// before did not list (fetch_pass < pass-1) are dropped, so that the new
// pass is compared with the one before it only. Repeating it (a retried
// attempt resuming the pass) drops nothing more.
func (q *Queries) BeginPass(ctx context.Context, kind string, ref RunRef, pass int) error {
	return q.dropStagedBefore(ctx, kind, ref, pass-1)
}

// AcceptPass keeps what pass listed and deletes every other staged record
// (fetch_pass < pass): a record an earlier pass saw and this one did not,
// such as a user deleted in HRMOS while the list was read, is not synced.
func (q *Queries) AcceptPass(ctx context.Context, kind string, ref RunRef, pass int) error {
	return q.dropStagedBefore(ctx, kind, ref, pass)
}

func (q *Queries) dropStagedBefore(ctx context.Context, kind string, ref RunRef, pass int) error {
	table, err := stagingTable(kind)
	if err != nil {
		return err
	}
	if pass <= 1 {
		return nil
	}
	_, err = q.db.Exec(ctx, `DELETE FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2 AND fetch_pass < $3`,
		ref.RunID, ref.TenantID, pass)
	if err != nil {
		return fmt.Errorf("drop the records of run %s no pass since %d listed: %w", ref.RunID, pass, err)
	}
	return nil
}

// ClearStaging deletes what a run staged so far, for a fetch that starts
// over (HRMOS's list changed while it was being read).
func (q *Queries) ClearStaging(ctx context.Context, kind string, ref RunRef) error {
	table, err := stagingTable(kind)
	if err != nil {
		return err
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2`, ref.RunID, ref.TenantID); err != nil {
		return fmt.Errorf("clear the staging of run %s: %w", ref.RunID, err)
	}
	return nil
}

// ChunkRanges splits a run's staged records into ranges of at most size
// records by HRMOS user ID, in one pass over the run's primary key, and
// returns them with the number of staged records.
func (q *Queries) ChunkRanges(ctx context.Context, kind string, ref RunRef, size int) ([]syncapi.Range, int, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.db.Query(ctx, `
		SELECT hrmos_user_id, n FROM (
			SELECT hrmos_user_id, row_number() OVER (ORDER BY hrmos_user_id) AS n, count(*) OVER () AS total
			FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2) s
		WHERE (n - 1) % $3 = 0 OR n = total
		ORDER BY hrmos_user_id`, ref.RunID, ref.TenantID, size)
	if err != nil {
		return nil, 0, fmt.Errorf("split the staged records of run %s into chunks: %w", ref.RunID, err)
	}
	var ranges []syncapi.Range
	var total int
	var id, n int64
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		if (n-1)%int64(size) == 0 {
			if len(ranges) > 0 {
				ranges[len(ranges)-1].Last = id - 1
			}
			ranges = append(ranges, syncapi.Range{First: id, Last: math.MaxInt64})
		}
		total = int(n)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("split the staged records of run %s into chunks: %w", ref.RunID, err)
	}
	return ranges, total, nil
}

// OneRecordRange is ChunkRanges for a run limited to one HRMOS user: the
// one range that holds only that user when the run staged it (none when
// HRMOS did not list it), with the number of records the run staged, all
// of them: the others stay staged because the checks that need the whole
// roster (a 社員番号 or 氏名+メール another HRMOS user shares, a 社員番号
// another user holds) read them, but no range of this run reaches them,
// so they get no outcome. Two probes of the run's primary key and one
// count of its index.
func (q *Queries) OneRecordRange(ctx context.Context, kind string, ref RunRef, hrmosUserID int64) ([]syncapi.Range, int, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return nil, 0, err
	}
	var staged int
	var found bool
	if err := q.db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2),
			EXISTS (SELECT 1 FROM `+table+` WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = $3)`,
		ref.RunID, ref.TenantID, hrmosUserID).Scan(&staged, &found); err != nil {
		return nil, 0, fmt.Errorf("look for HRMOS user %d among the staged records of run %s: %w", hrmosUserID, ref.RunID, err)
	}
	if !found {
		return nil, staged, nil
	}
	return []syncapi.Range{{First: hrmosUserID, Last: hrmosUserID}}, staged, nil
}

// PendingIDs lists the staged records of a range that have no recorded
// outcome yet: the ones a chunk still has to sync one by one. Each is
// checked against the run's items through their primary key.
func (q *Queries) PendingIDs(ctx context.Context, kind string, ref RunRef, r syncapi.Range) ([]int64, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return nil, err
	}
	rows, err := q.db.Query(ctx, pendingQuery(table), ref.RunID, ref.TenantID, r.First, r.Last)
	if err != nil {
		return nil, fmt.Errorf("list the records of run %s still to sync: %w", ref.RunID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list the records of run %s still to sync: %w", ref.RunID, err)
	}
	return ids, nil
}

// pendingQuery lists a range's staged records without an outcome, each
// checked by one probe of the run's items.
func pendingQuery(table string) string {
	return `
		SELECT s.hrmos_user_id FROM ` + table + ` s
		LEFT JOIN LATERAL (
			SELECT 1 AS done FROM sync_run_items i
			WHERE i.sync_run_id = s.sync_run_id AND i.hrmos_user_id = s.hrmos_user_id LIMIT 1) i ON true
		WHERE s.sync_run_id = $1 AND s.tenant_id = $2 AND s.hrmos_user_id BETWEEN $3 AND $4 AND i.done IS NULL
		ORDER BY s.hrmos_user_id`
}
