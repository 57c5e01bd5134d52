package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
)

// A planned write is a record's decision made by the run's plan, kept in
// sync_run_writes with the versions it was decided from (migration 006).
// The record's write applies it in one statement, in one round trip and
// without a transaction of its own, only while those versions still hold:
// the same statement checks them, changes the employee or month, and
// records the item (whose unique key keeps a retried write to one). When
// the check fails, nothing is written and the caller decides again from
// fresh reads under locks (WriteRecord), exactly as every write did
// before; so every rule holds as it did, and the fast path only skips
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
// earlier attempt of the same plan kept: two statements a chunk.
func (q *Queries) RecordPlannedWrites(ctx context.Context, ref RunRef, writes []PlannedWrite) error {
	if len(writes) == 0 {
		return nil
	}
	ids := make([]int64, len(writes))
	rows := make([][]any, len(writes))
	for i, w := range writes {
		fields, err := json.Marshal(w.Fields)
		if err != nil {
			return fmt.Errorf("keep the planned write of HRMOS user %d: %w", w.Item.HRMOSUserID, err)
		}
		it := w.Item
		ids[i] = it.HRMOSUserID
		rows[i] = []any{ref.RunID, ref.TenantID, it.HRMOSUserID, it.Outcome, it.EmployeeID, w.Candidates, w.TargetVersion,
			string(fields), it.ReasonCode, it.Reason, it.Field, nonNil(it.ChangedFields), nonNil(it.NeedsAttention)}
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM sync_run_writes WHERE sync_run_id = $1 AND hrmos_user_id = ANY($2)`, ref.RunID, ids); err != nil {
		return fmt.Errorf("replace the planned writes of run %s: %w", ref.RunID, err)
	}
	if _, err := q.db.CopyFrom(ctx, pgx.Identifier{"sync_run_writes"}, []string{"sync_run_id", "tenant_id", "hrmos_user_id", "outcome",
		"employee_id", "candidates", "target_version", "fields", "reason_code", "reason", "field", "changed_fields", "needs_attention"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("keep the planned writes of run %s: %w", ref.RunID, err)
	}
	return nil
}

// ErrPlanStale means a planned write no longer holds (or was never kept,
// or the record's outcome is recorded already): the record is decided
// again from fresh reads.
var ErrPlanStale = errors.New("the planned write no longer holds")

// PlannedResult is what an applied planned write recorded.
type PlannedResult struct {
	Outcome    string
	ReasonCode string
}

// WritePlannedEmployee applies a roster record's planned write: one
// statement, or ErrPlanStale.
func (s *Store) WritePlannedEmployee(ctx context.Context, ref RunRef, hrmosUserID int64) (PlannedResult, error) {
	return s.planned.writePlanned(ctx, plannedEmployeeSQL, append([]any{ref.RunID, ref.TenantID, hrmosUserID}, defaultValues()...), hrmosUserID, ref)
}

// WritePlannedAttendance applies an attendance record's planned write: one
// statement, or ErrPlanStale.
func (s *Store) WritePlannedAttendance(ctx context.Context, ref RunRef, month string, hrmosUserID int64) (PlannedResult, error) {
	return s.planned.writePlanned(ctx, plannedAttendanceSQL, []any{ref.RunID, ref.TenantID, hrmosUserID, month}, hrmosUserID, ref)
}

func (q *Queries) writePlanned(ctx context.Context, sql string, args []any, hrmosUserID int64, ref RunRef) (PlannedResult, error) {
	var res PlannedResult
	err := q.db.QueryRow(ctx, sql, args...).Scan(&res.Outcome, &res.ReasonCode)
	if errors.Is(err, pgx.ErrNoRows) {
		return PlannedResult{}, ErrPlanStale
	}
	if err != nil {
		return PlannedResult{}, fmt.Errorf("write the outcome of HRMOS user %d in run %s (as planned): %w", hrmosUserID, ref.RunID, err)
	}
	return res, nil
}

func defaultValues() []any {
	out := make([]any, len(rules.Defaults))
	for i, d := range rules.Defaults {
		out[i] = d.Value
	}
	return out
}

// plannedHolds selects the record's planned write ($1 run, $2 tenant, $3
// HRMOS user) while the versions it was planned from hold and no outcome
// is recorded for it; extra adds the kind's own conditions.
func plannedHolds(candidates, extra string) string {
	return `SELECT w.*, coalesce(r.hrmos_company_id, '') AS company
		FROM sync_run_writes w JOIN sync_runs r ON r.id = w.sync_run_id AND r.tenant_id = w.tenant_id
		WHERE w.sync_run_id = $1 AND w.tenant_id = $2 AND w.hrmos_user_id = $3
		  AND w.candidates = ` + candidates + extra + `
		  AND NOT EXISTS (SELECT 1 FROM sync_run_items i WHERE i.sync_run_id = $1 AND i.hrmos_user_id = $3)`
}

// recordPlannedItem is the tail every planned write shares: done holds the
// employee the write concerns when it wrote (none when its row version
// check failed), the item is recorded from the plan, and the statement
// returns the outcome, or no row when nothing was written.
const recordPlannedItem = `,
	item AS (INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code, reason, field,
			changed_fields, needs_attention)
		SELECT $1, $2, $3, done.id, p.outcome, p.reason_code, nullif(p.reason, ''), nullif(p.field, ''), p.changed_fields, p.needs_attention
		FROM p, done
		ON CONFLICT (sync_run_id, hrmos_user_id) DO NOTHING)
	SELECT p.outcome, p.reason_code FROM p, done`

// plannedValue reads a planned column's value as its SQL type.
func plannedValue(name, typ string) string {
	return "(p.fields->>'" + name + "')::" + typ
}

// plannedRosterVersion is rosterVersion of the staged user $3 of run $1,
// tenant $2, as a planned write evaluates it.
var plannedRosterVersion = rosterVersion(stagedUser{run: "$1", tenant: "$2", user: "$3::bigint", column: func(name string) string {
	return `(SELECT ` + name + ` FROM roster_staging WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = $3)`
}})

// plannedAttendanceVersion is attendanceVersion of the staged report row
// of HRMOS user $3 in run $1, tenant $2, as a planned write evaluates it.
var plannedAttendanceVersion = attendanceVersion("$1", "$2", "$3::bigint",
	`(SELECT norm_number FROM attendance_staging WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = $3)`)

// plannedEmployeeSQL creates or updates the employee as planned ($4… the
// creation defaults), or records the planned error. The update re-checks
// the employee's row version on the row it locks, so a change committed
// after the statement's snapshot still fails the check. It finds the
// employee by its primary key alone: a generic plan made while the tenant
// was empty would otherwise join p to a walk of the tenant's employees, or
// pick (tenant_id, employee_number) for "tenant_id = $2" and filter the id
// (plans_test.go), so the tenant is checked with IS NOT DISTINCT FROM,
// which no index serves.
var plannedEmployeeSQL = func() string {
	names := []string{"tenant_id", "hrmos_user_id", "hrmos_company_id"}
	values := []string{"$2", "$3", "nullif(p.company, '')"}
	sets := []string{"hrmos_user_id = $3", "hrmos_company_id = nullif(p.company, '')", "updated_at = now()"}
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
		SELECT ` + strings.Join(values, ", ") + ` FROM p WHERE p.outcome = '` + string(codes.Created) + `' RETURNING id),
	updated AS (UPDATE employees e SET ` + strings.Join(sets, ", ") + ` FROM p
		WHERE p.outcome = '` + string(codes.Updated) + `' AND e.id = (SELECT employee_id FROM p) AND e.tenant_id IS NOT DISTINCT FROM $2
			AND e.xmin::text = p.target_version
		RETURNING e.id),
	done AS (SELECT id FROM created UNION ALL SELECT id FROM updated
		UNION ALL SELECT p.employee_id FROM p WHERE p.outcome NOT IN ('` + string(codes.Created) + `', '` + string(codes.Updated) + `'))` +
		recordPlannedItem
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

// plannedAttendanceSQL writes the employee's month ($4) as planned, or
// records the planned error. The month's row version is checked in the
// statement's snapshot and again, on conflict, on the row it locks.
var plannedAttendanceSQL = func() string {
	monthVersion := `coalesce((SELECT m.xmin::text FROM monthly_attendance m
		WHERE m.tenant_id = $2 AND m.employee_id = w.employee_id AND m.month = $4), '')`
	names := []string{"tenant_id", "employee_id", "month", "sync_run_id", "synced_at"}
	values := []string{"$2", "p.employee_id", "$4", "$1", "now()"}
	updates := []string{"sync_run_id = excluded.sync_run_id", "synced_at = excluded.synced_at"}
	for _, c := range rules.AttendanceColumns {
		v := plannedValue(c.Name, "int")
		if c.Unit == rules.Tenths {
			v = "(" + v + " / 10.0)"
		}
		names = append(names, c.Name)
		values = append(values, v)
		updates = append(updates, c.Name+" = excluded."+c.Name)
	}
	return `WITH p AS (` + plannedHolds(plannedAttendanceVersion, " AND w.target_version = "+monthVersion) + `),
	month AS (INSERT INTO monthly_attendance (` + strings.Join(names, ", ") + `)
		SELECT ` + strings.Join(values, ", ") + ` FROM p WHERE p.outcome IN ('` + string(codes.Created) + `', '` + string(codes.Updated) + `')
		ON CONFLICT (tenant_id, employee_id, month) DO UPDATE SET ` + strings.Join(updates, ", ") + `
		WHERE monthly_attendance.xmin::text = (SELECT target_version FROM p)
		RETURNING employee_id),
	done AS (SELECT employee_id AS id FROM month
		UNION ALL SELECT p.employee_id FROM p WHERE p.outcome NOT IN ('` + string(codes.Created) + `', '` + string(codes.Updated) + `'))` +
		recordPlannedItem
}()
