package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Counts are a run's per-employee tallies.
type Counts struct {
	Fetched   int `json:"fetched"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Errors    int `json:"errors"`
}

// Run is one row of the execution history (実行履歴).
type Run struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"tenantId"`
	Kind          string     `json:"kind"`
	Month         string     `json:"month,omitempty"`
	Trigger       string     `json:"trigger"`
	DryRun        bool       `json:"dryRun"`
	WorkflowID    string     `json:"workflowId"`
	WorkflowRunID string     `json:"workflowRunId"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"startedAt"`
	FinishedAt    *time.Time `json:"finishedAt,omitempty"`
	Counts
	FailureReason string   `json:"failureReason,omitempty"`
	Notices       []string `json:"notices"`
}

// Item is one employee's outcome in a run (sync_run_items).
type Item struct {
	HRMOSUserID    int64    `json:"hrmosUserId"`
	EmployeeID     *int64   `json:"employeeId,omitempty"`
	Outcome        string   `json:"outcome"`
	ReasonCode     string   `json:"reasonCode"`
	Reason         string   `json:"reason,omitempty"`
	ChangedFields  []string `json:"changedFields"`
	NeedsAttention []string `json:"needsAttention"`
}

// stagingTables hold runs' personal data in flight, by kind.
var stagingTables = map[string]string{codes.KindRoster: "roster_staging", codes.KindAttendance: "attendance_staging"}

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
	tag, err := q.db.Exec(ctx, `
		UPDATE sync_runs SET status = 'failed', finished_at = now(), failure_reason = $4
		WHERE tenant_id = $1 AND kind = $2 AND month IS NOT DISTINCT FROM $3 AND status = 'running' AND id <> $5`,
		r.TenantID, r.Kind, month, AbandonedReason, r.ID)
	if err != nil {
		return 0, fmt.Errorf("close abandoned runs of tenant %s: %w", r.TenantID, err)
	}
	for _, table := range stagingTables {
		if _, err := q.db.Exec(ctx, `
			DELETE FROM `+table+` s USING sync_runs r
			WHERE s.sync_run_id = r.id AND r.tenant_id = $1 AND r.status <> 'running'`, r.TenantID); err != nil {
			return 0, fmt.Errorf("delete the staging of finished runs of tenant %s: %w", r.TenantID, err)
		}
	}
	_, err = q.db.Exec(ctx, `
		INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, dry_run, workflow_id, workflow_run_id, status, started_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, r.TenantID, r.Kind, month, r.Trigger, r.DryRun, r.WorkflowID, r.WorkflowRunID, r.StartedAt)
	if err != nil {
		return 0, fmt.Errorf("record the start of run %s: %w", r.ID, err)
	}
	return tag.RowsAffected(), nil
}

// RunRef names a run within its tenant. Every query about a run takes one,
// so no query reads or writes a run's rows without its tenant in the WHERE.
type RunRef struct {
	TenantID string
	RunID    string
}

// FinishRun closes a run: counts come from its items, so they always agree
// with the per-employee list. Its staged personal data is deleted in the
// same transaction. Finishing an already finished run changes nothing.
func (q *Queries) FinishRun(ctx context.Context, ref RunRef, status, failureReason string, notices []string, fetched int) (Run, error) {
	runID := ref.RunID
	var reason *string
	if failureReason != "" {
		reason = &failureReason
	}
	if notices == nil {
		notices = []string{}
	}
	if _, err := q.db.Exec(ctx, `
		UPDATE sync_runs r SET status = $2, finished_at = now(), failure_reason = $3, notices = $4, fetched = $5,
			created = c.created, updated = c.updated, unchanged = c.unchanged, skipped = c.skipped, errors = c.errors
		FROM (SELECT count(*) FILTER (WHERE outcome = 'created')   AS created,
		             count(*) FILTER (WHERE outcome = 'updated')   AS updated,
		             count(*) FILTER (WHERE outcome = 'unchanged') AS unchanged,
		             count(*) FILTER (WHERE outcome = 'skipped')   AS skipped,
		             count(*) FILTER (WHERE outcome = 'error')     AS errors
		      FROM sync_run_items WHERE tenant_id = $6 AND sync_run_id = $1) c
		WHERE r.tenant_id = $6 AND r.id = $1 AND r.status = 'running'`,
		runID, status, reason, notices, fetched, ref.TenantID); err != nil {
		return Run{}, fmt.Errorf("record the end of run %s: %w", runID, err)
	}
	if err := q.deleteStaging(ctx, ref); err != nil {
		return Run{}, err
	}
	return q.Run(ctx, ref)
}

const runColumns = `id::text, tenant_id, kind, coalesce(month, ''), trigger, dry_run, workflow_id, workflow_run_id, status,
	started_at, finished_at, fetched, created, updated, unchanged, skipped, errors, coalesce(failure_reason, ''), notices`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.TenantID, &r.Kind, &r.Month, &r.Trigger, &r.DryRun, &r.WorkflowID, &r.WorkflowRunID, &r.Status,
		&r.StartedAt, &r.FinishedAt, &r.Fetched, &r.Created, &r.Updated, &r.Unchanged, &r.Skipped, &r.Errors, &r.FailureReason, &r.Notices)
	return r, err
}

// Run reads one run of a tenant; ErrNotFound when the tenant has no such run.
func (q *Queries) Run(ctx context.Context, ref RunRef) (Run, error) {
	runID := ref.RunID
	r, err := scanRun(q.db.QueryRow(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE tenant_id = $1 AND id = $2`, ref.TenantID, runID))
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
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Run, error) { return scanRun(row) })
	if err != nil {
		return nil, fmt.Errorf("list the runs of tenant %s: %w", tenantID, err)
	}
	return runs, nil
}

// itemColumns are read into an Item, in its field order.
const itemColumns = `hrmos_user_id, employee_id, outcome, reason_code, coalesce(reason, ''), changed_fields, needs_attention`

// Items lists a run's per-employee outcomes, by HRMOS user ID.
func (q *Queries) Items(ctx context.Context, ref RunRef) ([]Item, error) {
	runID := ref.RunID
	rows, err := q.db.Query(ctx, `
		SELECT `+itemColumns+`
		FROM sync_run_items WHERE tenant_id = $1 AND sync_run_id = $2 ORDER BY hrmos_user_id`, ref.TenantID, runID)
	if err != nil {
		return nil, fmt.Errorf("list the items of run %s: %w", runID, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Item])
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
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Item])
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("read item %d of run %s: %w", hrmosUserID, runID, err)
	}
	return it, nil
}

// RecordItem stores one employee's outcome; the first record wins, so a
// retried activity cannot record two outcomes for one employee.
func (q *Queries) RecordItem(ctx context.Context, ref RunRef, it Item) error {
	tenantID, runID := ref.TenantID, ref.RunID
	if it.ChangedFields == nil {
		it.ChangedFields = []string{}
	}
	if it.NeedsAttention == nil {
		it.NeedsAttention = []string{}
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, employee_id, outcome, reason_code, reason, changed_fields, needs_attention)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (sync_run_id, hrmos_user_id) DO NOTHING`,
		runID, tenantID, it.HRMOSUserID, it.EmployeeID, it.Outcome, it.ReasonCode, it.Reason, it.ChangedFields, it.NeedsAttention)
	if err != nil {
		return fmt.Errorf("record the outcome of HRMOS user %d in run %s: %w", it.HRMOSUserID, runID, err)
	}
	return nil
}

// StaleRunningRuns lists runs of every tenant still marked running that
// started before the cutoff: candidates for the sweeper, which asks Temporal
// whether their workflow still runs.
func (q *Queries) StaleRunningRuns(ctx context.Context, startedBefore time.Time) ([]Run, error) {
	rows, err := q.db.Query(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE status = 'running' AND started_at < $1 ORDER BY started_at`, startedBefore)
	if err != nil {
		return nil, fmt.Errorf("list running runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Run, error) { return scanRun(row) })
	if err != nil {
		return nil, fmt.Errorf("list running runs: %w", err)
	}
	return runs, nil
}

// AbandonRun closes, as failed with the reason given, a run whose workflow
// ended without recording its result, and deletes its staged personal data.
func (q *Queries) AbandonRun(ctx context.Context, ref RunRef, reason string) error {
	if _, err := q.db.Exec(ctx, `
		UPDATE sync_runs SET status = 'failed', finished_at = now(), failure_reason = $3
		WHERE tenant_id = $1 AND id = $2 AND status = 'running'`, ref.TenantID, ref.RunID, reason); err != nil {
		return fmt.Errorf("close abandoned run %s: %w", ref.RunID, err)
	}
	return q.deleteStaging(ctx, ref)
}

func (q *Queries) deleteStaging(ctx context.Context, ref RunRef) error {
	for _, table := range stagingTables {
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
	for _, table := range stagingTables {
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
