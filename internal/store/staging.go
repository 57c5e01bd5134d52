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

var rosterStaging = []stagingColumn[rules.HRMOSUser]{
	{"hrmos_user_id", "bigint", func(u *rules.HRMOSUser) any { return u.ID }},
	{"number", "text", func(u *rules.HRMOSUser) any { return u.Number }},
	{"last_name", "text", func(u *rules.HRMOSUser) any { return u.LastName }},
	{"first_name", "text", func(u *rules.HRMOSUser) any { return u.FirstName }},
	{"last_name_kana", "text", func(u *rules.HRMOSUser) any { return u.LastNameKana }},
	{"first_name_kana", "text", func(u *rules.HRMOSUser) any { return u.FirstNameKana }},
	{"email", "text", func(u *rules.HRMOSUser) any { return u.Email }},
	{"start_date", "text", func(u *rules.HRMOSUser) any { return u.StartDate }},
	{"end_date", "text", func(u *rules.HRMOSUser) any { return u.EndDate }},
	{"department_id", "bigint", func(u *rules.HRMOSUser) any { return u.DepartmentID }},
	{"department_name", "text", func(u *rules.HRMOSUser) any { return u.DepartmentName }},
	{"lodgment_id", "bigint", func(u *rules.HRMOSUser) any { return u.LodgmentID }},
	{"lodgment_name", "text", func(u *rules.HRMOSUser) any { return u.LodgmentName }},
	{"has_gender", "boolean", func(u *rules.HRMOSUser) any { return u.HasGender }},
	{"gender", "text", func(u *rules.HRMOSUser) any { return u.Gender }},
	{"invalid_fields", "text", func(u *rules.HRMOSUser) any { return strings.Join(u.InvalidFields, ",") }},
}

var attendanceStaging = func() []stagingColumn[rules.AttendanceRow] {
	cols := []stagingColumn[rules.AttendanceRow]{
		{"hrmos_user_id", "bigint", func(r *rules.AttendanceRow) any { return r.HRMOSUserID }},
		{"number", "text", func(r *rules.AttendanceRow) any { return r.Number }},
		{"invalid_fields", "text", func(r *rules.AttendanceRow) any { return strings.Join(r.InvalidFields, ",") }},
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
// guarded by the run still running. Re-staging a record (a retried page)
// overwrites it, so a retry never duplicates.
func stage[T any](ctx context.Context, db DBTX, table string, cols []stagingColumn[T], ref RunRef, page int, recs []T) error {
	if len(recs) == 0 {
		return nil
	}
	names := make([]string, len(cols))
	unnest := make([]string, len(cols))
	selects := make([]string, len(cols))
	updates := make([]string, 0, len(cols))
	args := []any{ref.RunID, ref.TenantID, page}
	for i, c := range cols {
		names[i] = c.name
		values := make([]any, len(recs))
		for j := range recs {
			values[j] = c.value(&recs[j])
		}
		args = append(args, values)
		unnest[i] = fmt.Sprintf("$%d::%s[]", len(args), c.typ)
		selects[i] = "r." + c.name
		if c.name == "invalid_fields" {
			selects[i] = "string_to_array(r.invalid_fields, ',')"
		}
		if c.name != "hrmos_user_id" {
			updates = append(updates, c.name+" = excluded."+c.name)
		}
	}
	sql := `INSERT INTO ` + table + ` (sync_run_id, tenant_id, page, ` + strings.Join(names, ", ") + `)
		SELECT $1, $2, $3, ` + strings.Join(selects, ", ") + `
		FROM unnest(` + strings.Join(unnest, ", ") + `) AS r(` + strings.Join(names, ", ") + `)
		WHERE ` + runIsRunning + `
		ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET page = excluded.page, ` + strings.Join(updates, ", ")
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("stage page %d of run %s: %w", page, ref.RunID, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStagingGone
	}
	return nil
}

// StageUsers stores one page of HRMOS users for a run.
func (q *Queries) StageUsers(ctx context.Context, ref RunRef, page int, users []rules.HRMOSUser) error {
	return stage(ctx, q.db, "roster_staging", rosterStaging, ref, page, users)
}

// StageAttendance stores one page of HRMOS's monthly report for a run.
func (q *Queries) StageAttendance(ctx context.Context, ref RunRef, page int, rows []rules.AttendanceRow) error {
	return stage(ctx, q.db, "attendance_staging", attendanceStaging, ref, page, rows)
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

// Range is a chunk of a run's staged records: HRMOS user IDs First..Last,
// both included.
type Range struct {
	First int64
	Last  int64
}

// ChunkRanges splits a run's staged records into ranges of at most size
// records by HRMOS user ID, in one pass over the run's primary key, and
// returns them with the number of staged records.
func (q *Queries) ChunkRanges(ctx context.Context, kind string, ref RunRef, size int) ([]Range, int, error) {
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
	var ranges []Range
	var total int
	var id, n int64
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		if (n-1)%int64(size) == 0 {
			if len(ranges) > 0 {
				ranges[len(ranges)-1].Last = id - 1
			}
			ranges = append(ranges, Range{First: id, Last: math.MaxInt64})
		}
		total = int(n)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("split the staged records of run %s into chunks: %w", ref.RunID, err)
	}
	return ranges, total, nil
}

// PendingIDs lists the staged records of a range that have no recorded
// outcome yet: the ones a chunk still has to sync one by one. Each is
// checked against the run's items through their primary key.
func (q *Queries) PendingIDs(ctx context.Context, kind string, ref RunRef, r Range) ([]int64, error) {
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
