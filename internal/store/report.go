package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
)

// The read queries of a run's review (`starter runs show`): what it did or
// would do, employee by employee, and what an admin must act on. Every query
// names the run and its tenant, and reads the run's rows through the primary
// keys that start with sync_run_id (sync_run_items, sync_run_changes, the
// staging tables), so a review costs the size of its run, not of the table.

// ReasonCount is how many of a run's recorded outcomes have one outcome and
// reason code.
type ReasonCount struct {
	Outcome    string `json:"outcome" db:"outcome"`
	ReasonCode string `json:"reasonCode" db:"reason_code"`
	Count      int    `json:"count" db:"count"`
}

// ReasonCounts counts a run's recorded outcomes by outcome and reason code,
// outcomes in the order of codes.Outcomes, then by reason code.
func (q *Queries) ReasonCounts(ctx context.Context, ref RunRef) ([]ReasonCount, error) {
	rows, err := q.db.Query(ctx, `
		SELECT outcome, reason_code, count(*)::int AS count FROM sync_run_items
		WHERE sync_run_id = $1 AND tenant_id = $2
		GROUP BY outcome, reason_code`, ref.RunID, ref.TenantID)
	if err != nil {
		return nil, fmt.Errorf("count the outcomes of run %s: %w", ref.RunID, err)
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[ReasonCount])
	if err != nil {
		return nil, fmt.Errorf("count the outcomes of run %s: %w", ref.RunID, err)
	}
	slices.SortFunc(counts, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(outcomeRank(a.Outcome), outcomeRank(b.Outcome)), cmp.Compare(a.ReasonCode, b.ReasonCode))
	})
	return counts, nil
}

func outcomeRank(o string) int {
	if i := slices.Index(codes.Outcomes, codes.Outcome(o)); i >= 0 {
		return i
	}
	return len(codes.Outcomes)
}

// ItemFilter selects a run's recorded outcomes to list.
type ItemFilter struct {
	Outcome string
	// ReasonCode, when set, keeps only items with this code.
	ReasonCode string
	// Limit caps how many are returned (lowest HRMOS user IDs first); 0 is
	// no cap.
	Limit int
}

// ItemsWithOutcome lists a run's recorded outcomes of one kind, by HRMOS
// user ID, and how many match in all (the limit aside).
func (q *Queries) ItemsWithOutcome(ctx context.Context, ref RunRef, f ItemFilter) ([]Item, int, error) {
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+itemColumns+`, count(*) OVER ()::int AS total
		FROM sync_run_items
		WHERE sync_run_id = $1 AND tenant_id = $2 AND outcome = $3 AND ($4 = '' OR reason_code = $4)
		ORDER BY hrmos_user_id
		LIMIT $5`, ref.RunID, ref.TenantID, f.Outcome, f.ReasonCode, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list the %s items of run %s: %w", f.Outcome, ref.RunID, err)
	}
	type counted struct {
		Item
		Total int `db:"total"`
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[counted])
	if err != nil {
		return nil, 0, fmt.Errorf("list the %s items of run %s: %w", f.Outcome, ref.RunID, err)
	}
	var items []Item
	var total int
	for _, c := range found {
		items, total = append(items, c.Item), c.Total
	}
	return items, total, nil
}

// Unwritten is a record whose change the run's plan recorded but that has
// no outcome yet: the run waits for approval or is still writing, or it
// failed before writing it. Outcome is what the plan decided (created or
// updated); the write decides again on the data it then finds.
type Unwritten struct {
	HRMOSUserID int64  `json:"hrmosUserId" db:"hrmos_user_id"`
	EmployeeID  *int64 `json:"employeeId,omitempty" db:"employee_id"`
	Outcome     string `json:"outcome" db:"outcome"`
}

// UnwrittenRecords lists the records of a run with a planned change and no
// recorded outcome, by HRMOS user ID. A roster record without an employee
// is a creation; an attendance record is a creation when the employee has no
// row of the month yet (nothing else writes it while the run holds the month).
func (q *Queries) UnwrittenRecords(ctx context.Context, ref RunRef, kind, month string) ([]Unwritten, error) {
	rows, err := q.db.Query(ctx, `
		SELECT c.hrmos_user_id, c.employee_id,
			CASE WHEN c.employee_id IS NULL THEN 'created'
			     WHEN $3 = 'attendance' AND NOT EXISTS (SELECT 1 FROM monthly_attendance m
			          WHERE m.tenant_id = $2 AND m.employee_id = c.employee_id AND m.month = $4) THEN 'created'
			     ELSE 'updated' END AS outcome
		FROM (SELECT hrmos_user_id, employee_id FROM sync_run_changes
		      WHERE sync_run_id = $1 AND tenant_id = $2) c
		WHERE NOT EXISTS (SELECT 1 FROM sync_run_items i WHERE i.sync_run_id = $1 AND i.hrmos_user_id = c.hrmos_user_id)
		ORDER BY c.hrmos_user_id`, ref.RunID, ref.TenantID, kind, month)
	if err != nil {
		return nil, fmt.Errorf("list the unwritten changes of run %s: %w", ref.RunID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Unwritten])
	if err != nil {
		return nil, fmt.Errorf("list the unwritten changes of run %s: %w", ref.RunID, err)
	}
	return out, nil
}

// UndecidedCount counts the records a running run has staged that have
// neither an outcome nor a planned change: not planned yet, or (once the
// plan is done) planned as errors, which are recorded with their reasons
// when the run writes. A finished run has no staging, so 0.
func (q *Queries) UndecidedCount(ctx context.Context, ref RunRef, kind string) (int, error) {
	table, err := stagingTable(kind)
	if err != nil {
		return 0, err
	}
	var n int
	err = q.db.QueryRow(ctx, `
		SELECT count(*)::int FROM `+table+` s
		WHERE s.sync_run_id = $1 AND s.tenant_id = $2
		  AND NOT EXISTS (SELECT 1 FROM sync_run_items i WHERE i.sync_run_id = $1 AND i.hrmos_user_id = s.hrmos_user_id)
		  AND NOT EXISTS (SELECT 1 FROM sync_run_changes c WHERE c.sync_run_id = $1 AND c.hrmos_user_id = s.hrmos_user_id)`,
		ref.RunID, ref.TenantID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the undecided records of run %s: %w", ref.RunID, err)
	}
	return n, nil
}

// ChangesOf lists what a run changed (or would change) for some of its
// records, by HRMOS user ID and then in the order of the table's columns.
func (q *Queries) ChangesOf(ctx context.Context, ref RunRef, hrmosUserIDs []int64) ([]Change, error) {
	if len(hrmosUserIDs) == 0 {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+changeColumns+`
		WHERE c.sync_run_id = $1 AND c.tenant_id = $2 AND c.hrmos_user_id = ANY($3::bigint[])
		ORDER BY c.hrmos_user_id, x.n`, ref.RunID, ref.TenantID, hrmosUserIDs)
	if err != nil {
		return nil, fmt.Errorf("list the changes of run %s: %w", ref.RunID, err)
	}
	changes, err := pgx.CollectRows(rows, pgx.RowToStructByName[Change])
	if err != nil {
		return nil, fmt.Errorf("list the changes of run %s: %w", ref.RunID, err)
	}
	slices.SortStableFunc(changes, func(a, b Change) int {
		if a.HRMOSUserID != b.HRMOSUserID {
			if a.HRMOSUserID < b.HRMOSUserID {
				return -1
			}
			return 1
		}
		return columnRank(a.Column) - columnRank(b.Column)
	})
	return changes, nil
}

// columnRank orders changed columns as the tables list them: the HRMOS
// link, the synced columns, the defaults of a new employee, then the
// attendance columns.
func columnRank(name string) int {
	if name == "hrmos_user_id" {
		return 0
	}
	for i, c := range rules.SyncedColumns {
		if c.Name == name {
			return 1 + i
		}
	}
	for i, d := range rules.Defaults {
		if d.Column == name {
			return 100 + i
		}
	}
	for i, c := range rules.AttendanceColumns {
		if c.Name == name {
			return 200 + i
		}
	}
	return 1000
}

// AttentionItems lists the run's recorded outcomes that name something an
// admin must act on (needs_attention: empty mediment-only columns, and
// retirement_date for an employee retired in HRMOS who keeps an account
// here), by HRMOS user ID.
func (q *Queries) AttentionItems(ctx context.Context, ref RunRef) ([]Item, error) {
	return q.reportItems(ctx, ref, "with something to act on", `cardinality(needs_attention) > 0`)
}

// ProblemItems lists the run's errors, and the outcomes with one of the
// reason codes given whatever their outcome, by HRMOS user ID.
func (q *Queries) ProblemItems(ctx context.Context, ref RunRef, reasonCodes []string) ([]Item, error) {
	return q.reportItems(ctx, ref, "in error", `(outcome = 'error' OR reason_code = ANY($3::text[]))`, reasonCodes)
}

func (q *Queries) reportItems(ctx context.Context, ref RunRef, what, where string, args ...any) ([]Item, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+itemColumns+` FROM sync_run_items
		WHERE sync_run_id = $1 AND tenant_id = $2 AND `+where+`
		ORDER BY hrmos_user_id`, append([]any{ref.RunID, ref.TenantID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list the items of run %s %s: %w", ref.RunID, what, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Item])
	if err != nil {
		return nil, fmt.Errorf("list the items of run %s %s: %w", ref.RunID, what, err)
	}
	return items, nil
}
