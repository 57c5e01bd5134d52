package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// A sync must stay linear in the size of a tenant whatever PostgreSQL's
// table statistics say: a new tenant's first sync runs before ANALYZE has
// seen its rows, and staging, empty between runs, is analyzed empty by
// autovacuum. This test loads a large tenant beside another large one and,
// under never-analyzed, analyzed-empty and analyzed-full statistics, with
// generic plans forced (a prepared statement planned without its values),
// runs EXPLAIN ANALYZE of every query a run makes per record or per chunk.
// It fails when a lookup reads more than a handful of rows, when a chunk's
// query reads more than its chunk, or when a big shared table is scanned.

const (
	planTenantSize = 20000
	planChunk      = 500
	// maxRowsPerLookup is "a handful": the rows one index probe may read.
	maxRowsPerLookup = 10
)

// bigTables must never be read by a sequential scan: they hold every
// tenant's rows (and every run's).
var bigTables = []string{"employees", "sync_run_items", "monthly_attendance", "sync_run_changes", "roster_staging", "attendance_staging"}

type planQuery struct {
	name string
	sql  string
	args []any
}

// A tenant's first sync starts with no employees and ends with thousands:
// a plan made at the start and kept would be made for a handful of rows.
// The engine's sessions plan every statement anew (store.Open sets
// plan_cache_mode=force_custom_plan); this runs the queries once on the
// empty tenant, then again in the same session once it is big.
func TestSyncQueriesPlannedOnAnEmptyTenantStayLookupsOnceItIsBig(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 80,000 rows")
	}
	pool := newPlanDB(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_custom_plan"); err != nil {
		t.Fatal(err)
	}
	queries := planQueries(runIDs{roster: "00000000-0000-0000-0000-000000000002", attend: "00000000-0000-0000-0000-000000000003"}, []int64{1, 2, 3})
	for i, q := range queries {
		if _, err := conn.Conn().Prepare(ctx, fmt.Sprintf("q%d", i), q.sql); err != nil {
			t.Fatal(err)
		}
		// Executed a few times while the tenant is empty, so a plan cache
		// would have settled.
		for range 6 {
			rows, err := conn.Query(ctx, fmt.Sprintf("q%d", i), q.args...)
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			rows.Close()
		}
	}
	for i, q := range loadBigTenant(t, pool) {
		checkPrepared(t, ctx, conn.Conn(), fmt.Sprintf("q%d", i), q)
	}
}

func TestSyncQueriesStayIndexLookupsWhateverTheStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 80,000 rows")
	}
	// "analyzed before the run": the statistics know the tenant and its
	// earlier run but not the running runs' rows (autovacuum analyzed
	// before they were written), checked with the custom plans the worker
	// makes; the others with generic plans.
	for _, stats := range []string{"never analyzed", "analyzed while empty", "analyzed full", "analyzed before the run"} {
		t.Run(stats, func(t *testing.T) {
			pool := newPlanDB(t)
			ctx := context.Background()
			if stats == "analyzed while empty" {
				mustExec(t, pool, "ANALYZE")
			}
			queries := loadBigTenantAnalyzing(t, pool, stats == "analyzed before the run")
			if stats == "analyzed full" {
				mustExec(t, pool, "ANALYZE")
			}
			mode := "force_generic_plan"
			if stats == "analyzed before the run" {
				mode = "force_custom_plan"
			}
			for _, q := range queries {
				checkPlan(t, ctx, pool, q, mode)
			}
			// The planned writes ran all of their plan, not only its check.
			var office string
			var minutes int
			if err := pool.QueryRow(ctx, `SELECT (SELECT office FROM employees WHERE tenant_id = 'big' AND hrmos_user_id = $1),
				(SELECT m.actual_work_minutes FROM employees e JOIN monthly_attendance m
				ON m.tenant_id = e.tenant_id AND m.employee_id = e.id AND m.month = '2026-10'
				WHERE e.tenant_id = 'big' AND e.hrmos_user_id = $2)`, planTenantSize/2+8, planTenantSize/2+9).Scan(&office, &minutes); err != nil {
				t.Fatal(err)
			}
			if office != "本社" || minutes != 9601 {
				t.Errorf("after the planned writes: office %q, minutes %d; a check failed and the write never ran", office, minutes)
			}
		})
	}
}

// newPlanDB is a migrated database of this test alone, with autovacuum off
// on it, so that statistics change only when the test says so.
func newPlanDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	st, _ := testdb.New(t)
	for _, table := range append(bigTables, "sync_runs", "tenants") {
		mustExec(t, st.Pool(), "ALTER TABLE "+table+" SET (autovacuum_enabled = false)")
	}
	return st.Pool()
}

// loadBigTenant loads two tenants of planTenantSize employees, a finished
// run with its items, a month of attendance, and a running roster and
// attendance run with everything staged; it returns each sync query with
// arguments that hit the middle of the big tenant.
func loadBigTenant(t *testing.T, pool *pgxpool.Pool) []planQuery {
	t.Helper()
	return loadBigTenantAnalyzing(t, pool, false)
}

// loadBigTenantAnalyzing is loadBigTenant, analyzing once the earlier run
// is loaded and before the running runs' rows are when beforeTheRun.
func loadBigTenantAnalyzing(t *testing.T, pool *pgxpool.Pool, beforeTheRun bool) []planQuery {
	t.Helper()
	const (
		oldRun = "00000000-0000-0000-0000-000000000001"
		roster = "00000000-0000-0000-0000-000000000002"
		attend = "00000000-0000-0000-0000-000000000003"
	)
	n := planTenantSize
	for _, sql := range []string{
		`INSERT INTO tenants (id, name) VALUES ('big', 'Big'), ('other', 'Other')`,
		fmt.Sprintf(`INSERT INTO employees (tenant_id, hrmos_user_id, employee_number, last_name, first_name, email)
			SELECT t, i, 'N' || i, '姓' || i, '名', 'e' || i || '@example.jp'
			FROM generate_series(1, %d) i, unnest(ARRAY['big', 'other']) t`, n),
		`INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, finished_at)
			VALUES ('` + oldRun + `', 'big', 'roster', 'cli', 'w1', 'r1', 'completed', now())`,
		`INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status)
			VALUES ('` + roster + `', 'big', 'roster', 'cli', 'w2', 'r2', 'running')`,
		`INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status)
			VALUES ('` + attend + `', 'big', 'attendance', '2026-10', 'cli', 'w3', 'r3', 'running')`,
		fmt.Sprintf(`INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code)
			SELECT '`+oldRun+`', 'big', i, 'created', 'new_employee' FROM generate_series(1, %d) i`, n),
		analyzeBeforeTheRun,
		fmt.Sprintf(`INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code)
			SELECT '`+roster+`', 'big', i, 'unchanged', 'matched_by_employee_number' FROM generate_series(1, %d, 2) i`, n),
		// The finished run's diffs, and the running run's plan's for every
		// other record: a record's write reads its own by primary key.
		fmt.Sprintf(`INSERT INTO sync_run_changes (sync_run_id, tenant_id, hrmos_user_id, changes)
			SELECT r, 'big', i, '[{"column":"email","old":null,"new":"e@example.jp"}]'
			FROM generate_series(1, %d) i, unnest(ARRAY['`+oldRun+`'::uuid, '`+roster+`'::uuid]) r WHERE r = '`+oldRun+`' OR i %% 2 = 0`, n),
		fmt.Sprintf(`INSERT INTO monthly_attendance (tenant_id, employee_id, month, actual_work_minutes, sync_run_id)
			SELECT 'big', id, m, 9600, '` + oldRun + `' FROM employees, unnest(ARRAY['2026-09', '2026-10']) m WHERE tenant_id = 'big'`),
		fmt.Sprintf(`INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page, number, last_name, first_name, email)
			SELECT '`+roster+`', 'big', i, i / 100 + 1, 'N' || i, '姓' || i, '名', 'e' || i || '@example.jp' FROM generate_series(1, %d) i`, n),
		// The roster run's planned writes, for every other record.
		fmt.Sprintf(`INSERT INTO sync_run_writes (sync_run_id, tenant_id, hrmos_user_id, outcome, candidates)
			SELECT '`+roster+`', 'big', i, 'created', '' FROM generate_series(1, %d, 2) i`, n),
		fmt.Sprintf(`INSERT INTO attendance_staging (sync_run_id, tenant_id, hrmos_user_id, page, number, actual_working_hours)
			SELECT '`+attend+`', 'big', i, i / 100 + 1, 'N' || i, '160:00' FROM generate_series(1, %d) i`, n),
	} {
		if sql == analyzeBeforeTheRun {
			if beforeTheRun {
				mustExec(t, pool, "ANALYZE")
			}
			continue
		}
		mustExec(t, pool, sql)
	}
	// Planned writes that hold for the records the planned writes below
	// apply (two, since one's update changes the version the other's was
	// planned from): the check reads every lookup, then the update runs.
	planned := int64(n/2 + 8)
	for _, fx := range []struct {
		sql  string
		args []any
	}{
		{store.PlannedEmployeeUpdateFixture, []any{roster, "big", planned}},
		{store.PlannedMonthUpdateFixture, []any{attend, "big", planned + 1, "2026-10"}},
	} {
		if tag, err := pool.Exec(context.Background(), fx.sql, fx.args...); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("keep a planned write: %v, %d rows", err, tag.RowsAffected())
		}
	}
	var employees []int64
	if err := pool.QueryRow(context.Background(), `SELECT array_agg(id) FROM (SELECT id FROM employees WHERE tenant_id = 'big'
		ORDER BY id OFFSET $1 LIMIT $2) e`, n/2, planChunk).Scan(&employees); err != nil {
		t.Fatal(err)
	}
	return planQueries(runIDs{roster: roster, attend: attend}, employees)
}

// analyzeBeforeTheRun marks where loadBigTenantAnalyzing analyzes.
const analyzeBeforeTheRun = "-- ANALYZE before the run"

type runIDs struct{ roster, attend string }

// planQueries are the queries a run makes per record or per chunk, with
// arguments that hit the middle of the big tenant.
func planQueries(runs runIDs, employees []int64) []planQuery {
	roster, attend := runs.roster, runs.attend
	n := planTenantSize
	first, last := int64(n/2), int64(n/2+planChunk-1)
	one := int64(n/2 + 7)
	return []planQuery{
		{"staged users of a chunk", store.StagedUsersInRange, []any{roster, "big", first, last}},
		{"candidates of a chunk", store.CandidatesInRange, []any{roster, "big", first, last}},
		{"one employee's candidates by number, locked", store.LockedCandidates[0], []any{roster, "big", one}},
		{"one employee's candidates by name and email, locked", store.LockedCandidates[1], []any{roster, "big", one}},
		{"one employee's link, locked", store.LockedCandidates[2], []any{roster, "big", one}},
		{"one employee's recorded outcome", store.ItemQuery, []any{"big", roster, one}},
		{"records of a chunk still to sync", store.PendingQuery("roster_staging"), []any{roster, "big", first, last}},
		{"staged report rows of a chunk", store.StagedRowsInRange, []any{attend, "big", first, last}},
		{"a chunk's month already synced", store.ExistingMonthQuery(false), []any{"big", "2026-10", employees}},
		{"one employee's month, locked", store.ExistingMonthQuery(true), []any{"big", "2026-10", employees[0]}},
		{"linked HRMOS users among rivals", store.LinkedRivalsQuery, []any{"big", []int64{one, one + 1, one + 2}, attend}},
		{"a run's HRMOS company", store.RunCompanyQuery, []any{roster, "big"}},
		{"a run's HRMOS company and one record's planned diff", store.PlannedChangesQuery, []any{roster, "big", one}},
		{"another company's link taken over", store.TakeOverLinkSQL, []any{"big", one, "another-company"}},
		{"a batch of planned employee writes", store.PlannedEmployeeSQL, append([]any{roster, "big", []int64{one - 1, one + 1}}, store.DefaultValues()...)},
		{"a batch of planned month writes", store.PlannedAttendanceSQL, []any{attend, "big", []int64{one - 1, one + 2}, "2026-10"}},
		// After the writes above: it deletes what they apply.
		{"a chunk's planned writes replaced", store.PlannedWritesOfRange, []any{roster, first, last}},
	}
}

// checkPrepared runs EXPLAIN ANALYZE of a statement prepared earlier on
// conn, with the session's own plan cache mode, and checks every node.
func checkPrepared(t *testing.T, ctx context.Context, conn *pgx.Conn, name string, q planQuery) {
	t.Helper()
	values := make([]string, len(q.args))
	for i, v := range q.args {
		values[i] = literal(v)
	}
	var out []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE "+name+"("+strings.Join(values, ", ")+")").Scan(&out); err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	reportPlan(t, q.name, out)
}

func reportPlan(t *testing.T, name string, out []byte) {
	t.Helper()
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil {
		t.Fatal(err)
	}
	problems := plans[0].Plan.problems()
	for _, problem := range problems {
		t.Errorf("%s: %s", name, problem)
	}
	if len(problems) > 0 {
		t.Logf("%s plan:\n%s", name, out)
	}
}

// checkPlan runs EXPLAIN ANALYZE of q with plan cache mode mode (a generic
// plan, or a custom one) and checks every node of it.
func checkPlan(t *testing.T, ctx context.Context, pool *pgxpool.Pool, q planQuery, mode string) {
	t.Helper()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = "+mode); err != nil {
			return err
		}
		if _, err := tx.Prepare(ctx, "q", q.sql); err != nil {
			return err
		}
		defer func() { _ = tx.Conn().Deallocate(ctx, "q") }()
		// EXECUTE takes its values inline; the plan stays the generic one.
		values := make([]string, len(q.args))
		for i, v := range q.args {
			values[i] = literal(v)
		}
		var out []byte
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE q("+strings.Join(values, ", ")+")").Scan(&out); err != nil {
			return err
		}
		reportPlan(t, q.name, out)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
}

type planNode struct {
	NodeType         string     `json:"Node Type"`
	Relation         string     `json:"Relation Name"`
	ActualRows       float64    `json:"Actual Rows"`
	ActualLoops      float64    `json:"Actual Loops"`
	RemovedByFilter  float64    `json:"Rows Removed by Filter"`
	RemovedByRecheck float64    `json:"Rows Removed by Index Recheck"`
	Plans            []planNode `json:"Plans"`
}

// problems lists what makes a plan grow with the tenant. EXPLAIN reports
// rows per loop, so a node's rows read are per lookup when it loops.
func (n planNode) problems() []string {
	var out []string
	read := n.ActualRows + n.RemovedByFilter + n.RemovedByRecheck
	isScan := strings.HasSuffix(n.NodeType, "Scan") && n.Relation != ""
	switch {
	case isScan && n.NodeType == "Seq Scan" && contains(bigTables, n.Relation):
		out = append(out, fmt.Sprintf("a sequential scan of %s (%.0f rows a loop, %.0f loops)", n.Relation, read, n.ActualLoops))
	case isScan && n.ActualLoops > 1 && read > maxRowsPerLookup:
		out = append(out, fmt.Sprintf("%s of %s reads %.0f rows per lookup (%.0f lookups), more than %d",
			n.NodeType, n.Relation, read, n.ActualLoops, maxRowsPerLookup))
	case isScan && read > 2*planChunk:
		out = append(out, fmt.Sprintf("%s of %s reads %.0f rows for one chunk of %d", n.NodeType, n.Relation, read, planChunk))
	}
	for _, c := range n.Plans {
		out = append(out, c.problems()...)
	}
	return out
}

func literal(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case []int64:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = fmt.Sprint(n)
		}
		return "'{" + strings.Join(parts, ",") + "}'"
	}
	return fmt.Sprint(v)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func mustExec(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
