package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Counts are a run's per-employee tallies.
type Counts struct {
	Fetched   int `json:"fetched" db:"fetched"`
	Created   int `json:"created" db:"created"`
	Updated   int `json:"updated" db:"updated"`
	Unchanged int `json:"unchanged" db:"unchanged"`
	Skipped   int `json:"skipped" db:"skipped"`
	Errors    int `json:"errors" db:"errors"`
}

// Run is one row of the execution history (実行履歴). Its db tags name the
// columns of runColumns it is read from.
type Run struct {
	ID            string     `json:"id" db:"id"`
	TenantID      string     `json:"tenantId" db:"tenant_id"`
	Kind          string     `json:"kind" db:"kind"`
	Month         string     `json:"month,omitempty" db:"month"`
	Trigger       string     `json:"trigger" db:"trigger"`
	DryRun        bool       `json:"dryRun" db:"dry_run"`
	WorkflowID    string     `json:"workflowId" db:"workflow_id"`
	WorkflowRunID string     `json:"workflowRunId" db:"workflow_run_id"`
	Status        string     `json:"status" db:"status"`
	StartedAt     time.Time  `json:"startedAt" db:"started_at"`
	FinishedAt    *time.Time `json:"finishedAt,omitempty" db:"finished_at"`
	Counts
	FailureReason string   `json:"failureReason,omitempty" db:"failure_reason"`
	Notices       []string `json:"notices" db:"notices"`
	// The mass-change guard: when the run began waiting for approval, why,
	// and when and by whom it was approved.
	AwaitingApprovalSince *time.Time `json:"awaitingApprovalSince,omitempty" db:"awaiting_approval_since"`
	ApprovalReason        string     `json:"approvalReason,omitempty" db:"approval_reason"`
	ApprovedAt            *time.Time `json:"approvedAt,omitempty" db:"approved_at"`
	ApprovedBy            string     `json:"approvedBy,omitempty" db:"approved_by"`
	// HRMOSCompanyID is the HRMOS company the run reads, fixed when it
	// starts: it matches through that company's links only.
	HRMOSCompanyID string `json:"hrmosCompanyId,omitempty" db:"hrmos_company_id"`
	// OnlyHRMOSUserID is the one HRMOS user a roster run synced (`starter
	// roster --user N`); nil for a run of the whole roster.
	OnlyHRMOSUserID *int64 `json:"onlyHrmosUserId,omitempty" db:"only_hrmos_user_id"`
}

// Item is one employee's outcome in a run (sync_run_items), read by the
// column names of itemColumns.
type Item struct {
	HRMOSUserID    int64    `json:"hrmosUserId" db:"hrmos_user_id"`
	EmployeeID     *int64   `json:"employeeId,omitempty" db:"employee_id"`
	Outcome        string   `json:"outcome" db:"outcome"`
	ReasonCode     string   `json:"reasonCode" db:"reason_code"`
	Reason         string   `json:"reason,omitempty" db:"reason"`
	Field          string   `json:"field,omitempty" db:"field"`
	ChangedFields  []string `json:"changedFields" db:"changed_fields"`
	NeedsAttention []string `json:"needsAttention" db:"needs_attention"`
}

// AbandonedReason is written on runs that died without finishing: only one
// run of a tenant and kind runs at a time, so a "running" row found when the
// next one starts belongs to a run whose workflow was terminated or lost.
const AbandonedReason = "the run ended without recording its result (its workflow was terminated, timed out or lost); open the workflow history named in this row"

// StartRun records a run as running. It is idempotent (a retried activity
// finds its row). Rows of earlier runs of the same tenant and kind still
// marked running are closed as failed and their staging deleted, since the
// workflow ID policy allows only one at a time.
func (q *Queries) StartRun(ctx context.Context, r Run) (abandoned int64, err error) {
	var month *string
	if r.Month != "" {
		month = &r.Month
	}
	rows, err := q.db.Query(ctx, `
		UPDATE sync_runs r SET status = 'failed', finished_at = now(), failure_reason = $4, `+countsFromItems+`
		WHERE r.tenant_id = $1 AND r.kind = $2 AND r.month IS NOT DISTINCT FROM $3 AND r.status = 'running' AND r.id <> $5
		RETURNING r.id::text`,
		r.TenantID, r.Kind, month, AbandonedReason, r.ID)
	if err != nil {
		return 0, fmt.Errorf("close abandoned runs of tenant %s: %w", r.TenantID, err)
	}
	closed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("close abandoned runs of tenant %s: %w", r.TenantID, err)
	}
	for _, id := range closed {
		if err := q.deleteStaging(ctx, RunRef{TenantID: r.TenantID, RunID: id}); err != nil {
			return 0, err
		}
	}
	_, err = q.db.Exec(ctx, `
		INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, dry_run, workflow_id, workflow_run_id, status, started_at,
			hrmos_company_id, only_hrmos_user_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, nullif($10, ''), $11)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, r.TenantID, r.Kind, month, r.Trigger, r.DryRun, r.WorkflowID, r.WorkflowRunID, r.StartedAt, r.HRMOSCompanyID, r.OnlyHRMOSUserID)
	if err != nil {
		return 0, fmt.Errorf("record the start of run %s: %w", r.ID, err)
	}
	return int64(len(closed)), nil
}

// RunRef names a run within its tenant. Every query about a run takes one,
// so no query reads or writes a run's rows without its tenant in the WHERE.
type RunRef struct {
	TenantID string
	RunID    string
}

// FinishRun closes a run: counts come from its items, so they always agree
// with the per-employee list. Its staged personal data is deleted right
// after (a later run, or the sweeper, deletes it should that step fail).
// Finishing an already finished run changes nothing; finished reports
// whether this call closed it.
func (q *Queries) FinishRun(ctx context.Context, ref RunRef, status, failureReason string, notices []string, fetched int) (r Run, finished bool, err error) {
	runID := ref.RunID
	var reason *string
	if failureReason != "" {
		reason = &failureReason
	}
	if notices == nil {
		notices = []string{}
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE sync_runs r SET status = $2, finished_at = now(), failure_reason = $3, notices = $4, fetched = $5, `+countsFromItems+`
		WHERE r.tenant_id = $6 AND r.id = $1 AND r.status = 'running'`,
		runID, status, reason, notices, fetched, ref.TenantID)
	if err != nil {
		return Run{}, false, fmt.Errorf("record the end of run %s: %w", runID, err)
	}
	if err := q.deleteStaging(ctx, ref); err != nil {
		return Run{}, false, err
	}
	r, err = q.Run(ctx, ref)
	return r, tag.RowsAffected() == 1, err
}

// RecordRejectedRun records, as failed at once, a run whose input was
// refused before it could start (SPEC §4: every run appears), when its
// tenant exists; it reports whether a row was written.
func (q *Queries) RecordRejectedRun(ctx context.Context, r Run) (bool, error) {
	var month *string
	if r.Month != "" {
		month = &r.Month
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, dry_run, workflow_id, workflow_run_id, status, started_at,
			finished_at, failure_reason)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'failed', $9, $9, $10
		WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $2)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, r.TenantID, r.Kind, month, r.Trigger, r.DryRun, r.WorkflowID, r.WorkflowRunID, r.StartedAt, r.FailureReason)
	if err != nil {
		return false, fmt.Errorf("record the refused run %s: %w", r.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// countsFromItems sets a closed run's counts (alias r) from its items, so
// they always agree with the per-employee list: FinishRun, and the two
// paths that close a run whose workflow was lost (StartRun, AbandonRun).
// HasRunThatWrote reads these counts rather than the items. It counts every
// outcome of codes.Outcomes into its column of sync_runs (countColumns).
var countsFromItems = func() string {
	columns, counts := make([]string, len(codes.Outcomes)), make([]string, len(codes.Outcomes))
	for i, o := range codes.Outcomes {
		column, ok := countColumns[o]
		if !ok {
			panic(fmt.Sprintf("store: outcome %q has no count column in sync_runs", o))
		}
		columns[i], counts[i] = column, fmt.Sprintf("count(*) FILTER (WHERE i.outcome = '%s')", o)
	}
	return `(` + strings.Join(columns, ", ") + `) = (
		SELECT ` + strings.Join(counts, ", ") + `
		FROM sync_run_items i WHERE i.tenant_id = r.tenant_id AND i.sync_run_id = r.id)`
}()

// countColumns are the columns of sync_runs (and fields of Counts) that
// count each outcome.
var countColumns = map[codes.Outcome]string{
	codes.Created: "created", codes.Updated: "updated", codes.Unchanged: "unchanged", codes.Skipped: "skipped", codes.Error: "errors",
}

// HasRunThatWrote reports whether a run of the kind ever wrote to the
// tenant: a run of the whole roster (or month) that was not a dry run, in
// any status (a failed or abandoned run may have written before it ended),
// with created or updated items. The mass-change guard treats a tenant
// without one as a first sync. A one-user run (only_hrmos_user_id) does
// not count: syncing one new hire before the tenant's first full sync must
// not exempt that full sync from the first-sync rule.
// It reads the counts of the tenant's closed runs, never their items, so it
// stays a handful of rows for a tenant with many big runs; a run still
// running counts from when it is closed.
func (q *Queries) HasRunThatWrote(ctx context.Context, tenantID, kind string) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sync_runs
		WHERE tenant_id = $1 AND kind = $2 AND NOT dry_run AND only_hrmos_user_id IS NULL AND (created > 0 OR updated > 0))`, tenantID, kind).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for an earlier run of tenant %s that wrote: %w", tenantID, err)
	}
	return ok, nil
}

// RunningRunOfKind reports whether a run of the kind (a roster run: no month) is
// running for the tenant, and the one HRMOS user it is limited to, if any
// (nil: the whole roster). One probe of the partial index of running runs.
func (q *Queries) RunningRunOfKind(ctx context.Context, tenantID, kind string) (running bool, onlyHRMOSUserID *int64, err error) {
	err = q.db.QueryRow(ctx, `SELECT only_hrmos_user_id FROM sync_runs
		WHERE tenant_id = $1 AND kind = $2 AND month IS NULL AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
		tenantID, kind).Scan(&onlyHRMOSUserID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil, nil
	case err != nil:
		return false, nil, fmt.Errorf("look for a running %s run of tenant %s: %w", kind, tenantID, err)
	}
	return true, onlyHRMOSUserID, nil
}

// AwaitApproval records that a run waits for ops to approve its changes, and
// why.
func (q *Queries) AwaitApproval(ctx context.Context, ref RunRef, reason string) error {
	if _, err := q.db.Exec(ctx, `UPDATE sync_runs SET awaiting_approval_since = coalesce(awaiting_approval_since, now()), approval_reason = $3
		WHERE tenant_id = $1 AND id = $2 AND status = 'running'`, ref.TenantID, ref.RunID, reason); err != nil {
		return fmt.Errorf("record that run %s awaits approval: %w", ref.RunID, err)
	}
	return nil
}

// RecordApproval records who approved a waiting run.
func (q *Queries) RecordApproval(ctx context.Context, ref RunRef, by string) error {
	if _, err := q.db.Exec(ctx, `UPDATE sync_runs SET approved_at = coalesce(approved_at, now()), approved_by = $3
		WHERE tenant_id = $1 AND id = $2`, ref.TenantID, ref.RunID, by); err != nil {
		return fmt.Errorf("record the approval of run %s: %w", ref.RunID, err)
	}
	return nil
}

// runColumns are read into a Run by name (its db tags); NULLs the Run
// holds as "" are read as "".
const runColumns = `id::text AS id, tenant_id, kind, coalesce(month, '') AS month, trigger, dry_run, workflow_id, workflow_run_id,
	status, started_at, finished_at, fetched, created, updated, unchanged, skipped, errors,
	coalesce(failure_reason, '') AS failure_reason, notices, awaiting_approval_since, coalesce(approval_reason, '') AS approval_reason,
	approved_at, coalesce(approved_by, '') AS approved_by, coalesce(hrmos_company_id, '') AS hrmos_company_id, only_hrmos_user_id`

// Run reads one run of a tenant; ErrNotFound when the tenant has no such run.
func (q *Queries) Run(ctx context.Context, ref RunRef) (Run, error) {
	runID := ref.RunID
	rows, err := q.db.Query(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE tenant_id = $1 AND id = $2`, ref.TenantID, runID)
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", runID, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Run])
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", runID, err)
	}
	return r, nil
}

// Runs lists a tenant's most recent runs, newest first.
func (q *Queries) Runs(ctx context.Context, tenantID string, limit int) ([]Run, error) {
	rows, err := q.db.Query(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE tenant_id = $1 ORDER BY started_at DESC, id LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("list the runs of tenant %s: %w", tenantID, err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Run])
	if err != nil {
		return nil, fmt.Errorf("list the runs of tenant %s: %w", tenantID, err)
	}
	return runs, nil
}

// itemColumns are read into an Item by name (its db tags).
const itemColumns = `hrmos_user_id, employee_id, outcome, reason_code, coalesce(reason, '') AS reason, coalesce(field, '') AS field,
	changed_fields, needs_attention`

// Items lists a run's per-employee outcomes, by HRMOS user ID.
func (q *Queries) Items(ctx context.Context, ref RunRef) ([]Item, error) {
	runID := ref.RunID
	rows, err := q.db.Query(ctx, `
		SELECT `+itemColumns+`
		FROM sync_run_items WHERE tenant_id = $1 AND sync_run_id = $2 ORDER BY hrmos_user_id`, ref.TenantID, runID)
	if err != nil {
		return nil, fmt.Errorf("list the items of run %s: %w", runID, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Item])
	if err != nil {
		return nil, fmt.Errorf("list the items of run %s: %w", runID, err)
	}
	return items, nil
}

// Item reads one employee's outcome in a run; ErrNotFound when not recorded yet.
func (q *Queries) Item(ctx context.Context, ref RunRef, hrmosUserID int64) (Item, error) {
	runID := ref.RunID
	rows, err := q.db.Query(ctx, `
		SELECT `+itemColumns+`
		FROM sync_run_items WHERE tenant_id = $1 AND sync_run_id = $2 AND hrmos_user_id = $3`, ref.TenantID, runID, hrmosUserID)
	if err != nil {
		return Item{}, fmt.Errorf("read item %d of run %s: %w", hrmosUserID, runID, err)
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Item])
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("read item %d of run %s: %w", hrmosUserID, runID, err)
	}
	return it, nil
}

// RecordItems stores outcomes of a run in one statement; the first record
// of an employee wins, so a retried activity cannot record two outcomes for
// one employee.
func (q *Queries) RecordItems(ctx context.Context, ref RunRef, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	n := len(items)
	ids, employees := make([]int64, n), make([]*int64, n)
	outcomes, reasonCodes, reasons, fields := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	changed, attention := make([]string, n), make([]string, n)
	for i, it := range items {
		ids[i], employees[i], outcomes[i], reasonCodes[i], reasons[i], fields[i] = it.HRMOSUserID, it.EmployeeID, it.Outcome, it.ReasonCode, it.Reason, it.Field
		changed[i], attention[i] = strings.Join(it.ChangedFields, ","), strings.Join(it.NeedsAttention, ",")
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code, reason, field,
			changed_fields, needs_attention)
		SELECT $1, $2, i.id, i.employee_id, i.outcome, i.code, nullif(i.reason, ''), nullif(i.field, ''),
			string_to_array(i.changed, ','), string_to_array(i.attention, ',')
		FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
			AS i(id, employee_id, outcome, code, reason, field, changed, attention)
		ON CONFLICT (sync_run_id, hrmos_user_id) DO NOTHING`,
		ref.RunID, ref.TenantID, ids, employees, outcomes, reasonCodes, reasons, fields, changed, attention)
	if err != nil {
		return fmt.Errorf("record %d outcomes of run %s: %w", n, ref.RunID, err)
	}
	return nil
}

// Change is one column a run changed, or would change, for one employee:
// personal values, kept in the database only (sync_run_changes).
type Change struct {
	HRMOSUserID int64   `json:"hrmosUserId" db:"hrmos_user_id"`
	EmployeeID  *int64  `json:"employeeId,omitempty" db:"employee_id"`
	Column      string  `json:"column" db:"column"`
	Old         *string `json:"old" db:"old"`
	New         *string `json:"new" db:"new"`
}

// RecordChanges stores what a run's plan changes, one row per record.
func (q *Queries) RecordChanges(ctx context.Context, ref RunRef, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	var ids []int64
	var employees []*int64
	var diffs []string
	for start := 0; start < len(changes); {
		end := start
		for end < len(changes) && changes[end].HRMOSUserID == changes[start].HRMOSUserID {
			end++
		}
		diff, err := encodeChanges(changes[start:end])
		if err != nil {
			return err
		}
		ids, employees, diffs = append(ids, changes[start].HRMOSUserID), append(employees, changes[start].EmployeeID), append(diffs, diff)
		start = end
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO sync_run_changes (sync_run_id, tenant_id, hrmos_user_id, employee_id, changes)
		SELECT $1, $2, c.id, c.employee_id, c.changes
		FROM unnest($3::bigint[], $4::bigint[], $5::jsonb[]) AS c(id, employee_id, changes)
		ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET employee_id = excluded.employee_id, changes = excluded.changes`,
		ref.RunID, ref.TenantID, ids, employees, diffs)
	if err != nil {
		return fmt.Errorf("record the changes of %d records of run %s: %w", len(ids), ref.RunID, err)
	}
	return nil
}

// changeJSON is one element of sync_run_changes.changes.
type changeJSON struct {
	Column string  `json:"column"`
	Old    *string `json:"old"`
	New    *string `json:"new"`
}

func encodeChanges(changes []Change) (string, error) {
	out := make([]changeJSON, len(changes))
	for i, c := range changes {
		out[i] = changeJSON{c.Column, c.Old, c.New}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode the changes of HRMOS user %d: %w", changes[0].HRMOSUserID, err)
	}
	return string(b), nil
}

// changeColumns expands sync_run_changes rows (alias c) into one row per
// column, in the order they were recorded, named as Change's db tags.
const changeColumns = `c.hrmos_user_id, c.employee_id, x.e->>'column' AS "column", x.e->>'old' AS old, x.e->>'new' AS new
	FROM sync_run_changes c CROSS JOIN LATERAL jsonb_array_elements(c.changes) WITH ORDINALITY AS x(e, n)`

// Changes lists what a run changed (or would change), by HRMOS user and
// then in the order of the table's columns.
func (q *Queries) Changes(ctx context.Context, ref RunRef) ([]Change, error) {
	rows, err := q.db.Query(ctx, `SELECT `+changeColumns+`
		WHERE c.sync_run_id = $1 AND c.tenant_id = $2 ORDER BY c.hrmos_user_id, x.n`, ref.RunID, ref.TenantID)
	if err != nil {
		return nil, fmt.Errorf("list the changes of run %s: %w", ref.RunID, err)
	}
	changes, err := pgx.CollectRows(rows, pgx.RowToStructByName[Change])
	if err != nil {
		return nil, fmt.Errorf("list the changes of run %s: %w", ref.RunID, err)
	}
	return changes, nil
}

// StaleRunningRuns lists runs of every tenant still marked running that
// started before the cutoff: candidates for the sweeper, which asks Temporal
// whether their workflow still runs.
func (q *Queries) StaleRunningRuns(ctx context.Context, startedBefore time.Time) ([]Run, error) {
	rows, err := q.db.Query(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE status = 'running' AND started_at < $1 ORDER BY started_at`, startedBefore)
	if err != nil {
		return nil, fmt.Errorf("list running runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Run])
	if err != nil {
		return nil, fmt.Errorf("list running runs: %w", err)
	}
	return runs, nil
}

// AbandonRun closes, as failed with the reason given, a run whose workflow
// ended without recording its result, and deletes its staged personal data.
// Its counts come from the items it recorded before it was lost, as
// FinishRun's do.
func (q *Queries) AbandonRun(ctx context.Context, ref RunRef, reason string) error {
	if _, err := q.db.Exec(ctx, `
		UPDATE sync_runs r SET status = 'failed', finished_at = now(), failure_reason = $3, `+countsFromItems+`
		WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'running'`, ref.TenantID, ref.RunID, reason); err != nil {
		return fmt.Errorf("close abandoned run %s: %w", ref.RunID, err)
	}
	return q.deleteStaging(ctx, ref)
}

func (q *Queries) deleteStaging(ctx context.Context, ref RunRef) error {
	for _, table := range runScratchTables {
		if _, err := q.db.Exec(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND sync_run_id = $2`, ref.TenantID, ref.RunID); err != nil {
			return fmt.Errorf("delete the staging of run %s: %w", ref.RunID, err)
		}
	}
	return nil
}

// DeleteOrphanStaging deletes staged rows whose run is no longer running,
// a safety net behind FinishRun and AbandonRun. It returns how many rows.
func (q *Queries) DeleteOrphanStaging(ctx context.Context) (int64, error) {
	var n int64
	for _, table := range runScratchTables {
		tag, err := q.db.Exec(ctx, `
			DELETE FROM `+table+` s USING sync_runs r
			WHERE s.tenant_id = r.tenant_id AND s.sync_run_id = r.id AND r.status <> 'running'`)
		if err != nil {
			return n, fmt.Errorf("delete orphaned staging: %w", err)
		}
		n += tag.RowsAffected()
	}
	return n, nil
}

// ErrRunCompleted means a completed run was asked to go on under another
// workflow run (a reset of a finished run's workflow).
var ErrRunCompleted = errors.New("run already completed")

// AdoptRun records that a run goes on under another workflow run of its
// workflow: Temporal's reset starts a new run (a new run ID) that replays
// the old one's history, including the run ID the sync recorded (the
// workflow's original run ID, which a reset keeps). The row then names the
// run that carries it on, and a run that had failed is reopened so it can
// record its new end. A completed run is not reopened: ErrRunCompleted (a
// reset does not sync again; a new sync does). It reports whether the row
// changed; the usual call, from the run's own workflow run, changes nothing.
func (q *Queries) AdoptRun(ctx context.Context, ref RunRef, workflowRunID string) (bool, error) {
	// Read first: the usual call changes nothing and so writes nothing
	// (and works where writing fails for another reason, so that reason
	// is the one reported).
	var status, was string
	err := q.db.QueryRow(ctx, `SELECT status, workflow_run_id FROM sync_runs WHERE tenant_id = $1 AND id = $2`,
		ref.TenantID, ref.RunID).Scan(&status, &was)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, ErrNotFound
	case err != nil:
		return false, fmt.Errorf("read run %s: %w", ref.RunID, err)
	case was == workflowRunID:
		return false, nil
	case status == "completed":
		return false, ErrRunCompleted
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE sync_runs SET workflow_run_id = $3, status = 'running', finished_at = NULL, failure_reason = NULL
		WHERE tenant_id = $1 AND id = $2 AND workflow_run_id <> $3 AND status <> 'completed'`,
		ref.TenantID, ref.RunID, workflowRunID)
	if err != nil {
		return false, fmt.Errorf("record that run %s goes on as workflow run %s: %w", ref.RunID, workflowRunID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ItemCount is how many records of a run have an outcome.
func (q *Queries) ItemCount(ctx context.Context, ref RunRef) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE tenant_id = $1 AND sync_run_id = $2`,
		ref.TenantID, ref.RunID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the outcomes of run %s: %w", ref.RunID, err)
	}
	return n, nil
}
