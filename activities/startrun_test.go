package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// StartRun's order of steps: an unknown tenant has nowhere to record a run
// and touches nothing; any tenant that exists gets its history row first
// (SPEC §4: every run appears), and only then is its connection checked.

func TestStartRunUnknownTenantRecordsNothing(t *testing.T) {
	w := newWorld(t, worldOptions{})
	in := runInput("nobody", codes.KindRoster, "")

	_, err := w.run(w.acts.StartRun, in)

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeTenantNotFound || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), `"nobody"`) {
		t.Fatalf("error = %v (type %s, non-retryable %v), want a non-retryable TenantNotFound naming the tenant", err, appErr.Type(), appErr.NonRetryable())
	}
	if n := w.count(`SELECT count(*) FROM sync_runs`); n != 0 {
		t.Errorf("%d run rows written for an unknown tenant, want none", n)
	}
	if n := w.count(`SELECT count(*) FROM tenants`); n != 0 {
		t.Errorf("%d tenant rows written, want none", n)
	}
}

func TestStartRunRecordsTheRunBeforeRefusingAnUnconnectedTenant(t *testing.T) {
	for _, tt := range []struct {
		name, wantMessage string
		setup             func(w *world)
	}{
		{"never connected", "is not connected to HRMOS", func(w *world) {
			testdb.Exec(w.t, w.store, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
		}},
		{"disconnected", "was disconnected from HRMOS", func(w *world) {
			w.connect("acme", w.company("acme-co", 3))
			if err := w.store.Disconnect(context.Background(), "acme"); err != nil {
				w.t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			tt.setup(w)
			in := runInput("acme", codes.KindAttendance, "2026-10")

			_, err := w.run(w.acts.StartRun, in)

			appErr := appError(t, err)
			if appErr.Type() != syncapi.ErrTypeTenantNotConnected || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), tt.wantMessage) ||
				!strings.Contains(appErr.Message(), "starter connect") {
				t.Fatalf("error = %v (type %s, non-retryable %v), want a non-retryable TenantNotConnected that says %q and how to connect",
					err, appErr.Type(), appErr.NonRetryable(), tt.wantMessage)
			}
			r, err := w.store.Run(context.Background(), store.RunRef{TenantID: "acme", RunID: in.RunID})
			if err != nil {
				t.Fatalf("the run has no history row: %v", err)
			}
			if r.Status != codes.RunRunning || r.Kind != codes.KindAttendance || r.Month != "2026-10" || r.Trigger != codes.TriggerCLI ||
				r.WorkflowID != in.WorkflowID || r.WorkflowRunID != in.WorkflowRunID {
				t.Errorf("history row = %+v, want it recorded as running with the run's input (the workflow then records the failure)", r)
			}
		})
	}
}

func TestStartRunOfAConnectedTenant(t *testing.T) {
	guard := syncapi.GuardSettings{MaxChangeShare: 0.3, AttendanceMaxChangeShare: 0.4, MinEmployees: 7, ApprovalTimeout: 5 * time.Hour}
	w := newWorld(t, worldOptions{guard: guard})
	w.connect("acme", w.company("acme-co", 3))
	for i := range 4 {
		testdb.Exec(t, w.store, `INSERT INTO employees (tenant_id, employee_number) VALUES ('acme', $1)`, "E"+string(rune('0'+i)))
	}
	// Another tenant's employees and runs count for nothing here.
	w.connect("other", w.company("other-co", 3))
	testdb.Exec(t, w.store, `INSERT INTO employees (tenant_id, employee_number) VALUES ('other', 'X1')`)
	finish := func(in syncapi.RunInput, status string) {
		t.Helper()
		reason := ""
		if status == codes.RunFailed {
			reason = "HRMOS is unavailable"
		}
		must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: in.TenantID, RunID: in.RunID, Status: status, FailureReason: reason})
	}
	start := func(in syncapi.RunInput) syncapi.StartRunResult {
		t.Helper()
		return must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	}
	other := runInput("other", codes.KindRoster, "")
	start(other)
	finish(other, codes.RunCompleted)

	first := runInput("acme", codes.KindRoster, "")
	got := start(first)
	if !got.FirstSync {
		t.Error("FirstSync = false before the tenant has any completed run")
	}
	if got.Employees != 4 {
		t.Errorf("Employees = %d, want the tenant's 4", got.Employees)
	}
	if got.Guard != guard {
		t.Errorf("Guard = %+v, want the worker's %+v", got.Guard, guard)
	}
	if got.KeyExpiryNotice != "" {
		t.Errorf("a key set today has an expiry notice: %q", got.KeyExpiryNotice)
	}

	// "First" means no roster run ever wrote to the tenant: a failed run
	// that wrote nothing, a completed run that changed nobody, a dry run and
	// a run of the other kind leave it first.
	wrote := func(in syncapi.RunInput, outcome codes.Outcome) {
		t.Helper()
		if err := w.store.RecordItems(context.Background(), store.RunRef{TenantID: in.TenantID, RunID: in.RunID},
			[]store.Item{{HRMOSUserID: 1, Outcome: string(outcome), ReasonCode: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	finish(first, codes.RunFailed)
	unchanged := runInput("acme", codes.KindRoster, "")
	start(unchanged)
	wrote(unchanged, codes.Unchanged)
	finish(unchanged, codes.RunCompleted)
	dry := runInput("acme", codes.KindRoster, "")
	dry.DryRun = true
	start(dry)
	wrote(dry, codes.Created)
	finish(dry, codes.RunCompleted)
	att := runInput("acme", codes.KindAttendance, "2026-10")
	start(att)
	wrote(att, codes.Created)
	finish(att, codes.RunCompleted)
	if !start(runInput("acme", codes.KindRoster, "")).FirstSync {
		t.Error("FirstSync = false after only a failed run, a run that changed nobody, a dry run and an attendance run")
	}

	// A run that updated before it failed did write; so did one whose
	// workflow was lost (closed by the next start, its counts from its items).
	failed := runInput("acme", codes.KindRoster, "")
	start(failed)
	wrote(failed, codes.Updated)
	finish(failed, codes.RunFailed)
	if start(runInput("acme", codes.KindRoster, "")).FirstSync {
		t.Error("FirstSync = true after a roster run that updated an employee, then failed")
	}
	w.connect("lost", w.company("lost-co", 3))
	lost := runInput("lost", codes.KindRoster, "")
	start(lost)
	wrote(lost, codes.Created)
	if start(runInput("lost", codes.KindRoster, "")).FirstSync {
		t.Error("FirstSync = true after a roster run that created an employee and was lost")
	}
}
