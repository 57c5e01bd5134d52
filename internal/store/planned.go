package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// A planned write is a record's decision made by the run's plan, kept in
// sync_run_writes with the versions it was decided from (migration 006).
// The record's write applies it in one statement, in one round trip and
// without a transaction of its own, only while those versions still hold:
// the same statement checks them, changes the employee or month, and
// records the item (whose unique key keeps a retried write to one). When
// the check fails, nothing is written for that record and the caller
// decides it again from fresh reads under locks (WriteRecord), exactly as
// every write did before; so every rule holds as it did, and the fast path only skips
// reads whose answer is known not to have changed.

// PlannedWrite is one record's planned decision.
type PlannedWrite struct {
	Item Item
	// Candidates is the version of what the record's keys found
	// (RosterRecord.CandidatesVersion, AttendanceRecord.CandidatesVersion).
	Candidates string
	// TargetVersion is the row version of the employee updated (roster) or
	// of the month overwritten (attendance, "" when it had no row).
	TargetVersion string
	// Fields are the values the write sets, by column name: for the roster
	// rules.SyncedFields.Columns() (a column left out is left as it is),
	// for attendance every rules.AttendanceColumns.
	Fields map[string]any
}

// PlannedEmployeeWrite is the planned write of a roster decision that
// creates or updates an employee, or records an error.
func PlannedEmployeeWrite(it Item, candidates string, versions map[int64]string, f rules.SyncedFields) PlannedWrite {
	w := PlannedWrite{Item: it, Candidates: candidates, Fields: map[string]any{}}
	if it.Outcome == string(codes.Updated) && it.EmployeeID != nil {
		w.TargetVersion = versions[*it.EmployeeID]
	}
	if it.Outcome == string(codes.Created) || it.Outcome == string(codes.Updated) {
		for _, c := range f.Columns() {
			w.Fields[c.Name] = c.Value
		}
	}
	return w
}

// PlannedAttendanceWrite is the planned write of an attendance decision
// that writes an employee's month, or records an error.
func PlannedAttendanceWrite(it Item, candidates, monthVersion string, f rules.AttendanceFields) PlannedWrite {
	w := PlannedWrite{Item: it, Candidates: candidates, TargetVersion: monthVersion, Fields: map[string]any{}}
	if it.Outcome == string(codes.Created) || it.Outcome == string(codes.Updated) {
		for _, c := range rules.AttendanceColumns {
			w.Fields[c.Name] = *c.Field(&f)
		}
	}
	return w
}

// RecordPlannedWrites keeps a chunk's planned writes, replacing what an
// earlier attempt of the same plan kept for its range: two statements a
// chunk.
func (q *Queries) RecordPlannedWrites(ctx context.Context, ref RunRef, rg syncapi.Range, writes []PlannedWrite) error {
	if len(writes) == 0 {
		return nil
	}
	rows := make([][]any, len(writes))
	for i, w := range writes {
		fields, err := json.Marshal(w.Fields)
		if err != nil {
			return fmt.Errorf("keep the planned write of HRMOS user %d: %w", w.Item.HRMOSUserID, err)
		}
		it := w.Item
		rows[i] = []any{ref.RunID, ref.TenantID, it.HRMOSUserID, it.Outcome, it.EmployeeID, w.Candidates, w.TargetVersion,
			string(fields), it.ReasonCode, it.Reason, it.Field, nonNil(it.ChangedFields), nonNil(it.NeedsAttention)}
	}
	if _, err := q.db.Exec(ctx, plannedWritesOfRange, ref.RunID, rg.First, rg.Last); err != nil {
		return fmt.Errorf("replace the planned writes of run %s: %w", ref.RunID, err)
	}
	if _, err := q.db.CopyFrom(ctx, pgx.Identifier{"sync_run_writes"}, []string{"sync_run_id", "tenant_id", "hrmos_user_id", "outcome",
		"employee_id", "candidates", "target_version", "fields", "reason_code", "reason", "field", "changed_fields", "needs_attention"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("keep the planned writes of run %s: %w", ref.RunID, err)
	}
	return nil
}

// plannedWritesOfRange deletes what a chunk's earlier plan kept: a range of
// the primary key (an ANY of 500 IDs was planned as a scan of the run's
// rows, 40 ms a chunk at 100,000).
const plannedWritesOfRange = `DELETE FROM sync_run_writes WHERE sync_run_id = $1 AND hrmos_user_id BETWEEN $2 AND $3`

// PlannedResult is what an applied planned write recorded.
type PlannedResult struct {
	Outcome    string
	ReasonCode string
}

// WritePlannedEmployees applies the planned writes of a batch of roster
// records in one statement and returns what it recorded for each; a
// record missing from the result was not written (its plan no longer
// holds, or was never kept, or its outcome is recorded already) and must
// be decided again. The statement is atomic: an error writes nothing.
func (q *Queries) WritePlannedEmployees(ctx context.Context, ref RunRef, hrmosUserIDs []int64) (map[int64]PlannedResult, error) {
	return q.writePlanned(ctx, plannedEmployeeSQL, append([]any{ref.RunID, ref.TenantID, hrmosUserIDs}, defaultValues()...), hrmosUserIDs, ref)
}

// WritePlannedAttendance applies the planned writes of a batch of
// attendance records (the employees' month) in one statement, as
// WritePlannedEmployees does.
func (q *Queries) WritePlannedAttendance(ctx context.Context, ref RunRef, month string, hrmosUserIDs []int64) (map[int64]PlannedResult, error) {
	return q.writePlanned(ctx, plannedAttendanceSQL, []any{ref.RunID, ref.TenantID, hrmosUserIDs, month}, hrmosUserIDs, ref)
}

func (q *Queries) writePlanned(ctx context.Context, sql string, args []any, hrmosUserIDs []int64, ref RunRef) (map[int64]PlannedResult, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, plannedErr(err, hrmosUserIDs, ref)
	}
	out := make(map[int64]PlannedResult, len(hrmosUserIDs))
	var id int64
	var res PlannedResult
	if _, err := pgx.ForEachRow(rows, []any{&id, &res.Outcome, &res.ReasonCode}, func() error {
		out[id] = res
		return nil
	}); err != nil {
		return nil, plannedErr(err, hrmosUserIDs, ref)
	}
	return out, nil
}

func plannedErr(err error, hrmosUserIDs []int64, ref RunRef) error {
	what := fmt.Sprintf("HRMOS user %d", hrmosUserIDs[0])
	if len(hrmosUserIDs) > 1 {
		what = fmt.Sprintf("HRMOS users %d… (%d records)", hrmosUserIDs[0], len(hrmosUserIDs))
	}
	return fmt.Errorf("write the outcome of %s in run %s (as planned): %w", what, ref.RunID, err)
}

// IsUniqueViolation is true of an error a unique key raised (SQLSTATE
// 23505).
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func defaultValues() []any {
	out := make([]any, len(rules.Defaults))
	for i, d := range rules.Defaults {
		out[i] = d.Value
	}
	return out
}

// plannedHolds selects the batch's planned writes ($1 run, $2 tenant, $3
// HRMOS users) whose versions still hold and whose outcome is not recorded
// yet; extra adds the kind's own conditions. Each check reads the row's
// own keys (w.hrmos_user_id): index probes per record. OFFSET 0 keeps the
// item check a probe by (run, user): turned into an anti-join, it was
// planned (while the statistics had not seen the run's items) as a read of
// all the run's items for every record, and the 100,000-row attendance
// month ran at 250 records a second until autovacuum analyzed.
func plannedHolds(candidates, extra string) string {
	return `SELECT w.*, coalesce(r.hrmos_company_id, '') AS company
		FROM sync_run_writes w JOIN sync_runs r ON r.id = w.sync_run_id AND r.tenant_id = w.tenant_id
		WHERE w.sync_run_id = $1 AND w.tenant_id = $2 AND w.hrmos_user_id = ANY($3::bigint[])
		  AND w.candidates = ` + candidates + extra + `
		  AND NOT EXISTS (SELECT 1 FROM sync_run_items i WHERE i.sync_run_id = $1 AND i.hrmos_user_id = w.hrmos_user_id OFFSET 0)`
}

// recordPlannedItems is the tail every planned write shares: done holds
// (hrmos_user_id, id) of each record the write concerns when it wrote
// (none when its row version check failed), the items are recorded from
// the plan, and the statement returns each written record's outcome.
const recordPlannedItems = `,
	item AS (INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code, reason, field,
			changed_fields, needs_attention)
		SELECT $1, $2, p.hrmos_user_id, done.id, p.outcome, p.reason_code, nullif(p.reason, ''), nullif(p.field, ''),
			p.changed_fields, p.needs_attention
		FROM p JOIN done ON done.hrmos_user_id = p.hrmos_user_id
		ON CONFLICT (sync_run_id, hrmos_user_id) DO NOTHING)
	SELECT p.hrmos_user_id, p.outcome, p.reason_code FROM p JOIN done ON done.hrmos_user_id = p.hrmos_user_id`

// The updates below name the rows they may touch as an array of the
// batch's IDs (ANY (ARRAY(…))), an index condition, besides the join with
// p: joined with p alone, a plan made while the month's rows were few read
// every month of the tenant written so far for each batch (found at
// 100,000 by the benchmark's auto_explain: 1m16s for an attendance month
// that takes 35 s).

// plannedValue reads a planned column's value as its SQL type.
func plannedValue(name, typ string) string {
	return "(p.fields->>'" + name + "')::" + typ
}

// plannedRosterVersion is rosterVersion of the staged user of a planned
// write (w.hrmos_user_id of run $1, tenant $2), as the write evaluates it.
var plannedRosterVersion = rosterVersion(stagedUser{run: "$1", tenant: "$2", user: "w.hrmos_user_id", column: func(name string) string {
	return `(SELECT ` + name + ` FROM roster_staging WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = w.hrmos_user_id)`
}})

// plannedAttendanceVersion is attendanceVersion of the staged report row
// of a planned write (w.hrmos_user_id of run $1, tenant $2).
var plannedAttendanceVersion = attendanceVersion("$1", "$2", "w.hrmos_user_id",
	`(SELECT norm_number FROM attendance_staging WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = w.hrmos_user_id)`)

const notWriting = `p.outcome NOT IN ('` + string(codes.Created) + `', '` + string(codes.Updated) + `')`

// plannedEmployeeSQL creates or updates the employees as planned ($4… the
// creation defaults), or records the planned errors. An update re-checks
// the employee's row version on the row it locks, so a change committed
// after the statement's snapshot still fails the check; an employee the
// web app linked to the same HRMOS user meanwhile fails the statement on
// the link's unique key, which the record's write alone takes as a plan
// that no longer holds (IsUniqueViolation). Run with a custom plan per batch (the worker's sessions),
// so the statement sees the tenant as it is.
var plannedEmployeeSQL = func() string {
	names := []string{"tenant_id", "hrmos_user_id", "hrmos_company_id"}
	values := []string{"$2", "p.hrmos_user_id", "nullif(p.company, '')"}
	sets := []string{"hrmos_user_id = p.hrmos_user_id", "hrmos_company_id = nullif(p.company, '')", "updated_at = now()"}
	for _, c := range rules.SyncedColumns {
		names = append(names, c.Name)
		values = append(values, plannedValue(c.Name, c.Type))
		sets = append(sets, c.Name+" = CASE WHEN p.fields ? '"+c.Name+"' THEN "+plannedValue(c.Name, c.Type)+" ELSE e."+c.Name+" END")
	}
	for i, d := range rules.Defaults {
		names = append(names, d.Column)
		values = append(values, fmt.Sprintf("$%d::boolean", 4+i))
	}
	return `WITH p AS (` + plannedHolds(plannedRosterVersion, "") + `),
	created AS (INSERT INTO employees (` + strings.Join(names, ", ") + `)
		SELECT ` + strings.Join(values, ", ") + ` FROM p WHERE p.outcome = '` + string(codes.Created) + `' RETURNING id, hrmos_user_id),
	updated AS (UPDATE employees e SET ` + strings.Join(sets, ", ") + ` FROM p
		WHERE p.outcome = '` + string(codes.Updated) + `' AND e.tenant_id = $2 AND e.id = p.employee_id
			AND e.id = ANY (ARRAY(SELECT employee_id FROM p WHERE outcome = '` + string(codes.Updated) + `'))
			AND e.xmin::text = p.target_version
		RETURNING e.id, p.hrmos_user_id),
	done AS (SELECT hrmos_user_id, id FROM created UNION ALL SELECT hrmos_user_id, id FROM updated
		UNION ALL SELECT p.hrmos_user_id, p.employee_id FROM p WHERE ` + notWriting + `)` +
		recordPlannedItems
}()

// attendanceVersion is the version of what an attendance row's match read
// (stagedRowsInRange): the employees linked to its HRMOS user, those its
// 社員番号 finds, and those linked to the other rows of the run with its
// 社員番号 (its rivals). Like rosterVersion, the plan reads it in the
// statement that reads the match, and a planned write compares it with the
// same expression evaluated at the write.
func attendanceVersion(run, tenant, user, number string) string {
	return versionOf([]string{
		`SELECT e.id, e.xmin::text AS v FROM employees e WHERE e.tenant_id = ` + tenant + ` AND e.hrmos_user_id = ` + user,
		`SELECT e.id, e.xmin::text AS v FROM employees e WHERE e.tenant_id = ` + tenant + ` AND e.match_number = ` + number,
		`SELECT e.id, e.xmin::text AS v FROM attendance_staging o
			JOIN employees e ON e.tenant_id = ` + tenant + ` AND e.hrmos_user_id = o.hrmos_user_id
			WHERE o.sync_run_id = ` + run + ` AND o.norm_number = ` + number + ` AND o.hrmos_user_id <> ` + user,
	})
}

// plannedAttendanceSQL writes the employees' month ($4) as planned, or
// records the planned errors. A month is created only where none exists
// (one written meanwhile is a conflict that writes nothing) and updated
// only at the row version the plan read, checked in the statement's
// snapshot and again on the row it locks.
var plannedAttendanceSQL = func() string {
	monthVersion := `coalesce((SELECT m.xmin::text FROM monthly_attendance m
		WHERE m.tenant_id = $2 AND m.employee_id = w.employee_id AND m.month = $4), '')`
	names := []string{"tenant_id", "employee_id", "month", "sync_run_id", "synced_at"}
	values := []string{"$2", "p.employee_id", "$4", "$1", "now()"}
	sets := []string{"sync_run_id = $1", "synced_at = now()"}
	for _, c := range rules.AttendanceColumns {
		v := plannedValue(c.Name, "int")
		if c.Unit == rules.Tenths {
			v = "(" + v + " / 10.0)"
		}
		names = append(names, c.Name)
		values = append(values, v)
		sets = append(sets, c.Name+" = "+v)
	}
	return `WITH p AS (` + plannedHolds(plannedAttendanceVersion, " AND w.target_version = "+monthVersion) + `),
	created AS (INSERT INTO monthly_attendance (` + strings.Join(names, ", ") + `)
		SELECT ` + strings.Join(values, ", ") + ` FROM p WHERE p.outcome = '` + string(codes.Created) + `' AND p.target_version = ''
		ON CONFLICT (tenant_id, employee_id, month) DO NOTHING
		RETURNING employee_id),
	updated AS (UPDATE monthly_attendance m SET ` + strings.Join(sets, ", ") + ` FROM p
		WHERE p.outcome IN ('` + string(codes.Created) + `', '` + string(codes.Updated) + `') AND p.target_version <> ''
			AND m.tenant_id = $2 AND m.employee_id = p.employee_id AND m.month = $4 AND m.xmin::text = p.target_version
			AND m.employee_id = ANY (ARRAY(SELECT employee_id FROM p WHERE target_version <> ''))
		RETURNING p.hrmos_user_id, m.employee_id),
	done AS (SELECT p.hrmos_user_id, c.employee_id AS id FROM created c JOIN p ON p.employee_id = c.employee_id
		UNION ALL SELECT hrmos_user_id, employee_id FROM updated
		UNION ALL SELECT p.hrmos_user_id, p.employee_id FROM p WHERE ` + notWriting + `)` +
		recordPlannedItems
}()
