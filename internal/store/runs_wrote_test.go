package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// "First sync" for the mass-change guard means that no run of the kind ever
// wrote to the tenant: a run of the whole roster (not one user's) that was
// no dry run, whatever its status, with created or updated items. Runs closed because their workflow was lost
// (by the next run's start, or the sweeper) count what they wrote too: their
// counts are set from their items, as a finished run's are.
func TestHasRunThatWrote(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	tenants := 0
	newTenant := func() string {
		tenants++
		id := fmt.Sprintf("t%d", tenants)
		testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ($1, $1)`, id)
		return id
	}
	start := func(tenant, kind string, dryRun bool) store.RunRef {
		t.Helper()
		id, month := uuid.NewString(), ""
		if kind == "attendance" {
			month = "2026-10"
		}
		if _, err := st.StartRun(ctx, store.Run{ID: id, TenantID: tenant, Kind: kind, Month: month, Trigger: "cli", DryRun: dryRun,
			WorkflowID: "w-" + id, WorkflowRunID: id, StartedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return store.RunRef{TenantID: tenant, RunID: id}
	}
	record := func(ref store.RunRef, outcomes ...string) {
		t.Helper()
		var items []store.Item
		for i, o := range outcomes {
			items = append(items, store.Item{HRMOSUserID: int64(i + 1), Outcome: o, ReasonCode: "test"})
		}
		if err := st.RecordItems(ctx, ref, items); err != nil {
			t.Fatal(err)
		}
	}
	finish := func(ref store.RunRef, status string) {
		t.Helper()
		reason := ""
		if status == "failed" {
			reason = "HRMOS is unavailable"
		}
		if _, _, err := st.FinishRun(ctx, ref, status, reason, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	wrote := func(tenant string) bool {
		t.Helper()
		ok, err := st.HasRunThatWrote(ctx, tenant, "roster")
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	countsEqualItems := func(ref store.RunRef, created, updated, unchanged int) {
		t.Helper()
		r, err := st.Run(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "failed" || r.Created != created || r.Updated != updated || r.Unchanged != unchanged {
			t.Errorf("abandoned run = %+v, want failed with created %d, updated %d, unchanged %d: its items", r, created, updated, unchanged)
		}
	}

	tests := []struct {
		name  string
		setup func(tenant string)
		want  bool
	}{
		{"no run at all", func(string) {}, false},
		{"a completed run that only found everyone unchanged or skipped", func(tn string) {
			r := start(tn, "roster", false)
			record(r, "unchanged", "skipped", "error")
			finish(r, "completed")
		}, false},
		{"a dry run, however much it would create", func(tn string) {
			r := start(tn, "roster", true)
			record(r, "created", "updated")
			finish(r, "completed")
		}, false},
		{"a run of the other kind", func(tn string) {
			r := start(tn, "attendance", false)
			record(r, "created")
			finish(r, "completed")
		}, false},
		{"a run still running counts once it is closed", func(tn string) {
			record(start(tn, "roster", false), "created")
		}, false},
		{"a completed run that created", func(tn string) {
			r := start(tn, "roster", false)
			record(r, "created", "unchanged")
			finish(r, "completed")
		}, true},
		{"a failed run that updated before it failed", func(tn string) {
			r := start(tn, "roster", false)
			record(r, "updated")
			finish(r, "failed")
		}, true},
		{"a run closed as abandoned by the next run's start", func(tn string) {
			lost := start(tn, "roster", false)
			record(lost, "created", "created", "unchanged")
			start(tn, "roster", false)
			countsEqualItems(lost, 2, 0, 1)
		}, true},
		{"a one-user run that created its user (a new hire synced before the first full sync)", func(tn string) {
			id, user := uuid.NewString(), int64(42)
			if _, err := st.StartRun(ctx, store.Run{ID: id, TenantID: tn, Kind: "roster", Trigger: "cli",
				WorkflowID: "w-" + id, WorkflowRunID: id, StartedAt: time.Now(), OnlyHRMOSUserID: &user}); err != nil {
				t.Fatal(err)
			}
			r := store.RunRef{TenantID: tn, RunID: id}
			record(r, "created")
			finish(r, "completed")
		}, false},
		{"a one-user run, then a full run that created", func(tn string) {
			id, user := uuid.NewString(), int64(1)
			if _, err := st.StartRun(ctx, store.Run{ID: id, TenantID: tn, Kind: "roster", Trigger: "cli",
				WorkflowID: "w-" + id, WorkflowRunID: id, StartedAt: time.Now(), OnlyHRMOSUserID: &user}); err != nil {
				t.Fatal(err)
			}
			record(store.RunRef{TenantID: tn, RunID: id}, "created")
			finish(store.RunRef{TenantID: tn, RunID: id}, "completed")
			r := start(tn, "roster", false)
			record(r, "unchanged", "created")
			finish(r, "completed")
		}, true},
		{"a run closed as abandoned by the sweeper", func(tn string) {
			lost := start(tn, "roster", false)
			record(lost, "updated", "unchanged")
			if err := st.AbandonRun(ctx, lost, "the workflow was terminated"); err != nil {
				t.Fatal(err)
			}
			countsEqualItems(lost, 0, 1, 1)
		}, true},
	}
	other := newTenant()
	r := start(other, "roster", false)
	record(r, "created")
	finish(r, "completed")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := newTenant()
			tt.setup(tenant)
			if got := wrote(tenant); got != tt.want {
				t.Errorf("HasRunThatWrote = %v, want %v (another tenant's run that wrote counts for nothing)", got, tt.want)
			}
		})
	}
}

// The answer reads a tenant's run rows, never the items of its runs: a
// tenant with many big runs costs a few hundred rows, not their items.
func TestHasRunThatWroteReadsNoItems(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	testdb.Exec(t, st, `INSERT INTO tenants (id, name) VALUES ('big', 'Big')`)
	// 300 finished runs of 200 items each, none of which wrote: the worst
	// case, where no run stops the search early.
	testdb.Exec(t, st, `
		INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, started_at, finished_at, unchanged)
		SELECT gen_random_uuid(), 'big', 'roster', 'schedule', 'w-' || g, 'r-' || g, 'completed', now(), now(), 200
		FROM generate_series(1, 300) g`)
	testdb.Exec(t, st, `
		INSERT INTO sync_run_items (sync_run_id, tenant_id, hrmos_user_id, outcome, reason_code)
		SELECT r.id, 'big', u, 'unchanged', 'unchanged' FROM sync_runs r CROSS JOIN generate_series(1, 200) u`)
	testdb.Exec(t, st, `ANALYZE sync_runs, sync_run_items`)
	ok, err := st.HasRunThatWrote(ctx, "big", "roster")
	if err != nil || ok {
		t.Fatalf("HasRunThatWrote = %v, %v; want false", ok, err)
	}

	var plan []map[string]any
	if err := st.Pool().QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) SELECT EXISTS (SELECT 1 FROM sync_runs
		WHERE tenant_id = 'big' AND kind = 'roster' AND NOT dry_run AND (created > 0 OR updated > 0))`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(plan)
	var walk func(n map[string]any) float64
	walk = func(n map[string]any) float64 {
		if rel, _ := n["Relation Name"].(string); rel != "" && rel != "sync_runs" {
			t.Errorf("the plan reads %s:\n%s", rel, b)
		}
		read := 0.0
		if _, ok := n["Relation Name"]; ok {
			read += n["Actual Rows"].(float64) + asFloat(n["Rows Removed by Filter"])
		}
		children, _ := n["Plans"].([]any)
		for _, c := range children {
			read += walk(c.(map[string]any))
		}
		return read
	}
	if read := walk(plan[0]["Plan"].(map[string]any)); read > 300 {
		t.Errorf("the plan read %.0f rows, want at most the tenant's 300 runs:\n%s", read, b)
	}
}

func asFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}
