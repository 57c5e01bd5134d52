package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

const (
	reviewRun   = "00000000-0000-0000-0000-0000000000a1" // roster, held for approval
	reviewAtt   = "00000000-0000-0000-0000-0000000000a2" // attendance, held for approval
	otherTenant = "00000000-0000-0000-0000-0000000000b1" // same HRMOS users, other tenant
	earlierAtt  = "00000000-0000-0000-0000-0000000000a3" // attendance, completed
)

// loadReviewRuns builds, row by row as the activities would, a roster run
// held for approval after its plan: HRMOS users 1–3 recorded (unchanged,
// skipped, error), 4 planned as a creation and 5 as an update with their
// diff, 6 staged with no outcome (a planned error, recorded when it writes);
// an attendance run of the same tenant with one new month and one resync
// planned; and a run of another tenant over the same HRMOS user IDs.
func loadReviewRuns(t *testing.T, st *store.Store) (emp5, emp7 int64) {
	t.Helper()
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('other', 'Other')`)
	if err := st.Pool().QueryRow(ctx, `INSERT INTO employees (tenant_id, hrmos_user_id, employee_number) VALUES ('acme', 5, 'E5') RETURNING id`).Scan(&emp5); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool().QueryRow(ctx, `INSERT INTO employees (tenant_id, hrmos_user_id, employee_number) VALUES ('acme', 7, 'E7') RETURNING id`).Scan(&emp7); err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status, awaiting_approval_since, approval_reason)
		VALUES ($1::uuid, 'acme', 'roster', NULL, 'cli', 'hrmos-roster-acme', $1::uuid::text, 'running', now(), 'too many'),
		       ($2::uuid, 'acme', 'attendance', '2026-10', 'cli', 'hrmos-attendance-acme-2026-10', $2::uuid::text, 'running', now(), 'too many')`,
		reviewRun, reviewAtt)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, finished_at)
		VALUES ($1::uuid, 'other', 'roster', 'cli', 'hrmos-roster-other', $1::uuid::text, 'completed', now())`, otherTenant)
	// Employee 7's month was synced by an earlier run.
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status, finished_at)
		VALUES ($1::uuid, 'acme', 'attendance', '2026-10', 'cli', 'hrmos-attendance-acme-2026-10', $1::uuid::text, 'completed', now())`, earlierAtt)
	testdb.Exec(t, st, `INSERT INTO monthly_attendance (tenant_id, employee_id, month, actual_work_minutes, sync_run_id)
		VALUES ('acme', $1, '2026-10', 9600, $2)`, emp7, earlierAtt)
	ref := store.RunRef{TenantID: "acme", RunID: reviewRun}
	if err := st.RecordItems(ctx, ref, []store.Item{
		{HRMOSUserID: 1, EmployeeID: &emp7, Outcome: "unchanged", ReasonCode: "matched_by_employee_number",
			NeedsAttention: []string{"insurance_name_kana", "retirement_date"}},
		{HRMOSUserID: 2, Outcome: "skipped", ReasonCode: "retired_not_in_mediment", Reason: "retired"},
		{HRMOSUserID: 3, Outcome: "error", ReasonCode: "invalid_date", Reason: "HRMOS user 3: 入社日 is not a date", Field: "start_date"},
	}); err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	if err := st.RecordChanges(ctx, ref, []store.Change{
		{HRMOSUserID: 4, Column: "social_insurance", New: s("true")},
		{HRMOSUserID: 4, Column: "last_name", New: s("山田")},
		{HRMOSUserID: 4, Column: "employee_number", New: s("E4")},
		{HRMOSUserID: 5, EmployeeID: &emp5, Column: "email", Old: s("a@example.jp"), New: s("b@example.jp")},
	}); err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= 6; id++ {
		testdb.Exec(t, st, `INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page) VALUES ($1, 'acme', $2, 1)`, reviewRun, id)
	}
	att := store.RunRef{TenantID: "acme", RunID: reviewAtt}
	if err := st.RecordChanges(ctx, att, []store.Change{
		{HRMOSUserID: 5, EmployeeID: &emp5, Column: "actual_work_minutes", New: s("160:00")},
		{HRMOSUserID: 7, EmployeeID: &emp7, Column: "actual_work_minutes", Old: s("160:00"), New: s("150:00")},
	}); err != nil {
		t.Fatal(err)
	}
	// The other tenant's run over the same HRMOS user IDs.
	other := store.RunRef{TenantID: "other", RunID: otherTenant}
	if err := st.RecordItems(ctx, other, []store.Item{
		{HRMOSUserID: 1, Outcome: "error", ReasonCode: "conflicting_match_keys", NeedsAttention: []string{"job_title"}},
		{HRMOSUserID: 4, Outcome: "created", ReasonCode: "new_employee"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordChanges(ctx, other, []store.Change{{HRMOSUserID: 4, Column: "email", New: s("x@example.jp")}}); err != nil {
		t.Fatal(err)
	}
	return emp5, emp7
}

func TestReviewQueriesReadOneRunOfOneTenant(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	emp5, emp7 := loadReviewRuns(t, st)
	ref := store.RunRef{TenantID: "acme", RunID: reviewRun}

	counts, err := st.ReasonCounts(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := []store.ReasonCount{
		{Outcome: "unchanged", ReasonCode: "matched_by_employee_number", Count: 1},
		{Outcome: "skipped", ReasonCode: "retired_not_in_mediment", Count: 1},
		{Outcome: "error", ReasonCode: "invalid_date", Count: 1},
	}
	if d := cmp.Diff(wantCounts, counts); d != "" {
		t.Errorf("reason counts (-want +got):\n%s", d)
	}

	// A creation has no employee; an update has one.
	unwritten, err := st.UnwrittenRecords(ctx, ref, "roster", "")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]store.Unwritten{{HRMOSUserID: 4, Outcome: "created"}, {HRMOSUserID: 5, EmployeeID: &emp5, Outcome: "updated"}}, unwritten); d != "" {
		t.Errorf("roster unwritten (-want +got):\n%s", d)
	}
	// An attendance record creates the month unless the employee has it.
	unwritten, err = st.UnwrittenRecords(ctx, store.RunRef{TenantID: "acme", RunID: reviewAtt}, "attendance", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]store.Unwritten{{HRMOSUserID: 5, EmployeeID: &emp5, Outcome: "created"}, {HRMOSUserID: 7, EmployeeID: &emp7, Outcome: "updated"}}, unwritten); d != "" {
		t.Errorf("attendance unwritten (-want +got):\n%s", d)
	}

	if n, err := st.UndecidedCount(ctx, ref, "roster"); err != nil || n != 1 {
		t.Errorf("undecided = %d, %v; want 1 (HRMOS user 6)", n, err)
	}

	items, total, err := st.ItemsWithOutcome(ctx, ref, store.ItemFilter{Outcome: "error"})
	if err != nil || total != 1 || len(items) != 1 || items[0].Field != "start_date" {
		t.Errorf("errors = %+v (%d), %v", items, total, err)
	}
	items, total, err = st.ItemsWithOutcome(ctx, ref, store.ItemFilter{Outcome: "error", ReasonCode: "invalid_value"})
	if err != nil || total != 0 || len(items) != 0 {
		t.Errorf("errors with another reason = %+v (%d), %v", items, total, err)
	}

	changes, err := st.ChangesOf(ctx, ref, []int64{1, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range changes {
		cols = append(cols, fmt.Sprintf("%d.%s", c.HRMOSUserID, c.Column))
	}
	// In the order of the employees table, defaults last.
	if d := cmp.Diff([]string{"4.employee_number", "4.last_name", "4.social_insurance", "5.email"}, cols); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}

	attention, err := st.AttentionItems(ctx, ref)
	if err != nil || len(attention) != 1 || attention[0].HRMOSUserID != 1 {
		t.Errorf("attention = %+v, %v", attention, err)
	}
	problems, err := st.ProblemItems(ctx, ref, []string{"retired_not_in_mediment"})
	if err != nil || len(problems) != 2 || problems[0].HRMOSUserID != 2 || problems[1].HRMOSUserID != 3 {
		t.Errorf("problems = %+v, %v", problems, err)
	}

	// The other tenant cannot read this run, nor this tenant the other's.
	for _, wrong := range []store.RunRef{{TenantID: "other", RunID: reviewRun}, {TenantID: "acme", RunID: otherTenant}} {
		counts, _ := st.ReasonCounts(ctx, wrong)
		unwritten, _ := st.UnwrittenRecords(ctx, wrong, "roster", "")
		changes, _ := st.ChangesOf(ctx, wrong, []int64{1, 4, 5})
		attention, _ := st.AttentionItems(ctx, wrong)
		problems, _ := st.ProblemItems(ctx, wrong, nil)
		n, _ := st.UndecidedCount(ctx, wrong, "roster")
		if len(counts)+len(unwritten)+len(changes)+len(attention)+len(problems)+n > 0 {
			t.Errorf("run %s read as tenant %s: %v %v %v %v %v %d", wrong.RunID, wrong.TenantID, counts, unwritten, changes, attention, problems, n)
		}
	}
}

// tracer records the statements a store makes, with their arguments.
type tracer struct {
	mu    sync.Mutex
	calls []planQuery
}

func (tr *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	name := strings.Join(strings.Fields(d.SQL), " ")
	tr.calls = append(tr.calls, planQuery{name: name[:min(len(name), 60)], sql: d.SQL, args: d.Args})
	return ctx
}

func (tr *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Reviewing one run reads that run's rows through the primary keys that
// start with the run, however many other runs and tenants the tables hold:
// every query `starter runs show` makes is run with EXPLAIN ANALYZE, its
// run of 500 records beside three runs of 10,000 (one of them in flight)
// and another tenant's months, before and after ANALYZE; no node may scan
// a shared table or read much more than the reviewed run's rows.
func TestReviewQueriesReadOnlyTheirRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 30,000 rows")
	}
	const (
		n      = 500   // rows of the reviewed run
		others = 10000 // rows of each other run
	)
	st, dbURL := testdb.New(t)
	ctx := context.Background()
	loadReviewRuns(t, st)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, finished_at)
		VALUES ('00000000-0000-0000-0000-0000000000c1', 'acme', 'roster', 'cli', 'w1', 'r1', 'completed', now())`)
	testdb.Exec(t, st, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status)
		VALUES ('00000000-0000-0000-0000-0000000000c2', 'other', 'roster', 'cli', 'w2', 'r2', 'running')`)
	for _, run := range []string{otherTenant, "00000000-0000-0000-0000-0000000000c1", "00000000-0000-0000-0000-0000000000c2"} {
		testdb.Exec(t, st, `INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code, needs_attention)
			SELECT $1, r.tenant_id, i, 'updated', 'matched_by_employee_number', ARRAY['job_title']
			FROM generate_series(100, 100 + $2) i, sync_runs r WHERE r.id = $1 ON CONFLICT DO NOTHING`, run, others)
		testdb.Exec(t, st, `INSERT INTO sync_run_changes (sync_run_id, tenant_id, hrmos_user_id, changes)
			SELECT $1, r.tenant_id, i, '[{"column":"email","old":null,"new":"x"},{"column":"office","old":null,"new":"x"}]'
			FROM generate_series(100, 100 + $2) i, sync_runs r
			WHERE r.id = $1 ON CONFLICT DO NOTHING`, run, others)
	}
	// Another tenant's run in flight, and months of its employees.
	testdb.Exec(t, st, `INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page)
		SELECT '00000000-0000-0000-0000-0000000000c2', 'other', i, 1 FROM generate_series(100, 100 + $1) i`, others)
	testdb.Exec(t, st, `INSERT INTO employees (tenant_id, employee_number) SELECT 'other', 'N' || i FROM generate_series(1, $1) i`, others)
	testdb.Exec(t, st, `INSERT INTO monthly_attendance (tenant_id, employee_id, month, actual_work_minutes, sync_run_id)
		SELECT 'other', e.id, m, 9600, $1 FROM employees e, unnest(ARRAY['2026-09', '2026-10']) m WHERE e.tenant_id = 'other'`, otherTenant)
	// The reviewed run.
	testdb.Exec(t, st, `INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code)
		SELECT $1, 'acme', i, 'unchanged', 'matched_by_employee_number' FROM generate_series(100, 100 + $2) i`, reviewRun, n)
	testdb.Exec(t, st, `INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page)
		SELECT $1, 'acme', i, 1 FROM generate_series(100, 100 + $2) i`, reviewRun, n)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := &tracer{}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	traced := store.New(pool)
	ref := store.RunRef{TenantID: "acme", RunID: reviewRun}
	for _, call := range []func() error{
		func() error { _, err := traced.ReasonCounts(ctx, ref); return err },
		func() error {
			_, _, err := traced.ItemsWithOutcome(ctx, ref, store.ItemFilter{Outcome: "unchanged", Limit: 100})
			return err
		},
		func() error { _, err := traced.UnwrittenRecords(ctx, ref, "roster", ""); return err },
		func() error {
			_, err := traced.UnwrittenRecords(ctx, store.RunRef{TenantID: "acme", RunID: reviewAtt}, "attendance", "2026-10")
			return err
		},
		func() error { _, err := traced.UndecidedCount(ctx, ref, "roster"); return err },
		func() error { _, err := traced.ChangesOf(ctx, ref, []int64{4, 5, 150, 151}); return err },
		func() error { _, err := traced.AttentionItems(ctx, ref); return err },
		func() error { _, err := traced.ProblemItems(ctx, ref, []string{"duplicate_in_hrmos"}); return err },
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	if len(tr.calls) != 8 {
		t.Fatalf("traced %d statements, want 8", len(tr.calls))
	}
	for _, stats := range []string{"as loaded", "analyzed"} {
		if stats == "analyzed" {
			testdb.Exec(t, st, `ANALYZE`)
		}
		for _, q := range tr.calls {
			checkRunPlan(t, st, q, stats, n+10)
		}
	}
}

func checkRunPlan(t *testing.T, st *store.Store, q planQuery, stats string, runRows float64) {
	t.Helper()
	var out []byte
	if err := st.Pool().QueryRow(context.Background(), "EXPLAIN (ANALYZE, FORMAT JSON) "+q.sql, q.args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil {
		t.Fatal(err)
	}
	if problems := readsBeyondRun(plans[0].Plan, runRows); len(problems) > 0 {
		t.Errorf("statistics %s, %s…: %s\n%s", stats, q.name, strings.Join(problems, "; "), out)
	}
}

// readsBeyondRun lists the nodes of a plan that scan a shared table or read
// more rows than one run has.
func readsBeyondRun(n planNode, runRows float64) []string {
	var out []string
	read := n.ActualRows + n.RemovedByFilter + n.RemovedByRecheck
	if strings.HasSuffix(n.NodeType, "Scan") && n.Relation != "" {
		switch {
		case n.NodeType == "Seq Scan" && contains(bigTables, n.Relation):
			out = append(out, fmt.Sprintf("a sequential scan of %s", n.Relation))
		case read*max(n.ActualLoops, 1) > runRows*2.5:
			out = append(out, fmt.Sprintf("%s of %s reads %.0f rows", n.NodeType, n.Relation, read*max(n.ActualLoops, 1)))
		}
	}
	for _, c := range n.Plans {
		out = append(out, readsBeyondRun(c, runRows)...)
	}
	return out
}
