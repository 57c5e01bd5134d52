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

// One record's write — the employee (or month) it changes, its outcome in
// sync_run_items and its diff in sync_run_changes — is one statement of
// data-modifying CTEs inside the record's transaction, so a record costs a
// few round trips whatever it does: begin, one pipelined read, one write,
// commit.

// args numbers query arguments as they are added.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// RecordWrite is what one record's transaction writes: its item, its diff,
// and (write) the statement that changes the employee or month.
type RecordWrite struct {
	Item    Item
	Changes []rules.Change
	// Planned is the diff the run's plan recorded for the record; when the
	// write changes exactly that, the recorded diff stays as it is (a
	// created employee's diff is then not written twice).
	Planned []rules.Change
	write   *Write
	// takeOver, when set, is the link to take over before the write: an
	// employee linked to this HRMOS user ID under another company.
	takeOver *staleLink
}

// staleLink names an HRMOS user ID of a tenant that an employee holds
// through another company's link than company.
type staleLink struct {
	tenantID    string
	hrmosUserID int64
	company     string
}

// WithLinkTakeOver makes the write first archive and clear the link that
// ties another company's HRMOS user of the same ID to an employee (the
// ID is unique per tenant, and that link names another person).
func (w RecordWrite) WithLinkTakeOver(tenantID string, hrmosUserID int64, company string) RecordWrite {
	w.takeOver = &staleLink{tenantID: tenantID, hrmosUserID: hrmosUserID, company: company}
	return w
}

// takeOverLinkSQL archives ($1 tenant, $2 HRMOS user ID, $3 company) the
// links of other companies to that user ID and clears them, in one
// statement; the row lock the write's read took keeps it to this record.
const takeOverLinkSQL = `
	WITH stale AS (
		SELECT id, hrmos_company_id, hrmos_user_id FROM employees
		WHERE tenant_id = $1 AND hrmos_user_id = $2 AND hrmos_company_id IS NOT NULL AND hrmos_company_id <> $3
		FOR UPDATE),
	archived AS (
		INSERT INTO hrmos_link_archive (tenant_id, employee_id, hrmos_company_id, hrmos_user_id, reason)
		SELECT $1, id, hrmos_company_id, hrmos_user_id, 'taken_over' FROM stale)
	UPDATE employees e SET hrmos_user_id = NULL, hrmos_company_id = NULL, updated_at = now()
	FROM stale WHERE e.tenant_id = $1 AND e.id = stale.id`

// Write is the statement of a record's write that changes an employee or
// an employee's month, and the column of its table that holds the
// employee's id, which WriteRecord has it return.
type Write struct {
	// employeeColumn is employees.id or monthly_attendance.employee_id.
	employeeColumn string
	// statement renders the INSERT or UPDATE, without RETURNING.
	statement func(a *args) string
}

// CreateEmployeeWrite inserts a new employee with HRMOS's values and the
// defaults of SPEC §2 rule 6, linked to its HRMOS user of company.
func CreateEmployeeWrite(tenantID string, hrmosUserID int64, company string, f rules.SyncedFields) Write {
	return Write{employeeColumn: "id", statement: func(a *args) string {
		names := []string{"tenant_id", "hrmos_user_id", "hrmos_company_id"}
		values := []string{a.add(tenantID), a.add(hrmosUserID), "nullif(" + a.add(company) + ", '')"}
		for _, c := range f.Columns() {
			names = append(names, c.Name)
			values = append(values, a.add(c.Value)+"::"+c.Type)
		}
		for _, d := range rules.Defaults {
			names = append(names, d.Column)
			values = append(values, a.add(d.Value))
		}
		return `INSERT INTO employees (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(values, ", ") + `)`
	}}
}

// UpdateEmployeeWrite overwrites the synced columns of a matched employee
// and links it to its HRMOS user of company. Defaults and mediment-only
// columns are never touched (rules 6 and 7).
func UpdateEmployeeWrite(tenantID string, employeeID, hrmosUserID int64, company string, f rules.SyncedFields) Write {
	return Write{employeeColumn: "id", statement: func(a *args) string {
		sets := []string{"hrmos_user_id = " + a.add(hrmosUserID), "hrmos_company_id = nullif(" + a.add(company) + ", '')", "updated_at = now()"}
		for _, c := range f.Columns() {
			sets = append(sets, c.Name+" = "+a.add(c.Value)+"::"+c.Type)
		}
		return `UPDATE employees SET ` + strings.Join(sets, ", ") +
			` WHERE tenant_id = ` + a.add(tenantID) + ` AND id = ` + a.add(employeeID)
	}}
}

// UpsertAttendanceWrite writes one employee's month, overwriting an earlier
// sync's values, and records which run wrote it.
func UpsertAttendanceWrite(tenantID string, employeeID int64, month, runID string, f rules.AttendanceFields) Write {
	return Write{employeeColumn: "employee_id", statement: func(a *args) string {
		names := []string{"tenant_id", "employee_id", "month", "sync_run_id", "synced_at"}
		values := []string{a.add(tenantID), a.add(employeeID), a.add(month), a.add(runID) + "::uuid", "now()"}
		updates := []string{"sync_run_id = excluded.sync_run_id", "synced_at = excluded.synced_at"}
		for _, c := range rules.AttendanceColumns {
			v := a.add(*c.Field(&f)) + "::int"
			if c.Unit == rules.Tenths {
				v = "(" + v + " / 10.0)"
			}
			names = append(names, c.Name)
			values = append(values, v)
			updates = append(updates, c.Name+" = excluded."+c.Name)
		}
		return `INSERT INTO monthly_attendance (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(values, ", ") + `)
			ON CONFLICT (tenant_id, employee_id, month) DO UPDATE SET ` + strings.Join(updates, ", ")
	}}
}

// WithWrite attaches the statement that changes the employee or month.
func (w RecordWrite) WithWrite(write Write) RecordWrite {
	w.write = &write
	return w
}

// WriteRecord runs one record's write as one statement and returns the
// employee it concerns (the new one's id for a creation). The diff left by
// the run's plan for the record is replaced by what is written now.
func (q *Queries) WriteRecord(ctx context.Context, ref RunRef, w RecordWrite) (*int64, error) {
	it := w.Item
	if t := w.takeOver; t != nil {
		if _, err := q.db.Exec(ctx, takeOverLinkSQL, t.tenantID, t.hrmosUserID, t.company); err != nil {
			return nil, fmt.Errorf("take over the stale link of HRMOS user %d in run %s: %w", it.HRMOSUserID, ref.RunID, err)
		}
	}
	a := &args{}
	run, tenant, user := a.add(ref.RunID)+"::uuid", a.add(ref.TenantID), a.add(it.HRMOSUserID)
	var with []string
	var employee string
	if w.write != nil {
		with = append(with, "emp AS ("+w.write.statement(a)+" RETURNING "+w.write.employeeColumn+")")
		employee = "(SELECT " + w.write.employeeColumn + " FROM emp)"
	} else {
		employee = a.add(it.EmployeeID) + "::bigint"
	}
	with = append(with, `item AS (
		INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code, reason, field,
			changed_fields, needs_attention)
		VALUES (`+run+`, `+tenant+`, `+user+`, `+employee+`, `+a.add(it.Outcome)+`, `+a.add(it.ReasonCode)+`,
			nullif(`+a.add(it.Reason)+`, ''), nullif(`+a.add(it.Field)+`, ''), `+a.add(nonNil(it.ChangedFields))+`::text[], `+
		a.add(nonNil(it.NeedsAttention))+`::text[])
		ON CONFLICT (sync_run_id, hrmos_user_id) DO NOTHING)`)
	if !sameChanges(w.Changes, w.Planned) {
		if len(w.Changes) == 0 {
			with = append(with, `diff AS (DELETE FROM sync_run_changes
				WHERE sync_run_id = `+run+` AND tenant_id = `+tenant+` AND hrmos_user_id = `+user+`)`)
		} else {
			changes := make([]Change, len(w.Changes))
			for i, c := range w.Changes {
				changes[i] = Change{HRMOSUserID: it.HRMOSUserID, Column: c.Column, Old: c.Old, New: c.New}
			}
			diff, err := encodeChanges(changes)
			if err != nil {
				return nil, err
			}
			with = append(with, `diff AS (
				INSERT INTO sync_run_changes (sync_run_id, tenant_id, hrmos_user_id, employee_id, changes)
				VALUES (`+run+`, `+tenant+`, `+user+`, `+employee+`, `+a.add(diff)+`::jsonb)
				ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET employee_id = excluded.employee_id, changes = excluded.changes)`)
		}
	}
	var id *int64
	err := q.db.QueryRow(ctx, `WITH `+strings.Join(with, ",\n")+` SELECT `+employee, *a...).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("write the outcome of HRMOS user %d in run %s: %w", it.HRMOSUserID, ref.RunID, err)
	}
	if w.write != nil && id == nil {
		return nil, fmt.Errorf("write the outcome of HRMOS user %d in run %s: the employee to update is gone: %w", it.HRMOSUserID, ref.RunID, ErrNotFound)
	}
	return id, nil
}

// sameChanges reports whether two diffs are the same, column by column.
func sameChanges(a, b []rules.Change) bool {
	if len(a) != len(b) {
		return false
	}
	byColumn := make(map[string]rules.Change, len(b))
	for _, c := range b {
		byColumn[c.Column] = c
	}
	for _, c := range a {
		p, ok := byColumn[c.Column]
		if !ok || !rules.Equal(c.Old, p.Old) || !rules.Equal(c.New, p.New) {
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// itemQuery reads one recorded outcome.
const itemQuery = `SELECT ` + itemColumns + ` FROM sync_run_items WHERE tenant_id = $1 AND sync_run_id = $2 AND hrmos_user_id = $3`

// RosterRecordForWrite reads, in one round trip, what one employee's write
// needs: the outcome already recorded for it (a retried activity returns
// that and writes nothing), its staged user, its candidates (locked until
// the transaction ends, each key by its own index) and the diff its plan
// recorded.
func (q *Queries) RosterRecordForWrite(ctx context.Context, ref RunRef, hrmosUserID int64) (RosterRecord, *Item, error) {
	b := &pgx.Batch{}
	b.Queue(itemQuery, ref.TenantID, ref.RunID, hrmosUserID)
	b.Queue(stagedUsersInRange, ref.RunID, ref.TenantID, hrmosUserID, hrmosUserID)
	for _, q := range lockedCandidates {
		b.Queue(q, ref.RunID, ref.TenantID, hrmosUserID)
	}
	b.Queue(plannedChangesQuery, ref.RunID, ref.TenantID, hrmosUserID)
	res := q.db.SendBatch(ctx, b)
	defer res.Close()
	recorded, err := readItem(res)
	if err != nil || recorded != nil {
		return RosterRecord{}, recorded, err
	}
	rows, err := res.Query()
	if err != nil {
		return RosterRecord{}, nil, fmt.Errorf("read staged HRMOS user %d of run %s: %w", hrmosUserID, ref.RunID, err)
	}
	recs, err := collectStagedUsers(rows)
	if err != nil {
		return RosterRecord{}, nil, fmt.Errorf("read staged HRMOS user %d of run %s: %w", hrmosUserID, ref.RunID, err)
	}
	if len(recs) != 1 {
		return RosterRecord{}, nil, ErrStagingGone
	}
	for range lockedCandidates {
		rows, err = res.Query()
		if err != nil {
			return RosterRecord{}, nil, fmt.Errorf("find the mediment employees of HRMOS user %d: %w", hrmosUserID, err)
		}
		if err := addCandidates(rows, recs); err != nil {
			return RosterRecord{}, nil, fmt.Errorf("find the mediment employees of HRMOS user %d: %w", hrmosUserID, err)
		}
	}
	if recs[0].Candidates.Company, recs[0].Planned, err = readPlanned(res); err != nil {
		return RosterRecord{}, nil, err
	}
	return recs[0], nil, nil
}

// plannedChangesQuery reads, by primary keys, the HRMOS company of a run
// (fixed when it started: its links are the only ones that count) and the
// diff its plan recorded for one record (NULL when none): one statement
// for the two, as a record's write is paid per statement.
const plannedChangesQuery = `SELECT coalesce(r.hrmos_company_id, ''),
		(SELECT c.changes FROM sync_run_changes c WHERE c.sync_run_id = $1 AND c.tenant_id = $2 AND c.hrmos_user_id = $3)
	FROM sync_runs r WHERE r.id = $1 AND r.tenant_id = $2`

func readPlanned(res pgx.BatchResults) (company string, planned []rules.Change, err error) {
	var changes []byte
	if err := res.QueryRow().Scan(&company, &changes); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return "", nil, ErrStagingGone // the run's row is gone
		}
		return "", nil, fmt.Errorf("read the planned changes of a record: %w", err)
	}
	if changes == nil {
		return company, nil, nil
	}
	var decoded []changeJSON
	if err := json.Unmarshal(changes, &decoded); err != nil {
		return "", nil, fmt.Errorf("read the planned changes of a record: %w", err)
	}
	planned = make([]rules.Change, len(decoded))
	for i, c := range decoded {
		planned[i] = rules.Change{Column: c.Column, Old: c.Old, New: c.New}
	}
	return company, planned, nil
}

func readItem(res pgx.BatchResults) (*Item, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, fmt.Errorf("read a recorded outcome: %w", err)
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Item])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read a recorded outcome: %w", err)
	}
	return &it, nil
}

// ItemFor turns a decision of the rules into the record's item.
func ItemFor(hrmosUserID int64, outcome codes.Outcome, reasonCode, reason, field string, employeeID *int64, changed, attention []string) Item {
	return Item{HRMOSUserID: hrmosUserID, EmployeeID: employeeID, Outcome: string(outcome), ReasonCode: reasonCode,
		Reason: reason, Field: field, ChangedFields: changed, NeedsAttention: attention}
}
