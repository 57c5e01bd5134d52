package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows"
)

// SPEC §4: every run appears in sync_runs, however it was started and
// however soon it ended, as long as its tenant exists to record it under.
func TestEveryRunAppearsInSyncRuns(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "rec", Users: 3, Seed: 47})
	e.mustConnect("rec", "rec", c.APIKey)
	ctx := context.Background()

	for _, bad := range []struct{ workflowType, kind, input, month string }{
		{workflows.AttendanceSyncName, codes.KindAttendance, `{"tenantId":"rec","month":"2026/10"}`, ""},
		{workflows.AttendanceSyncName, codes.KindAttendance, `{"tenantId":"rec","month":"2999-01"}`, "2999-01"},
		{workflows.RosterSyncName, codes.KindRoster, `{"tenantId":"rec","chunkSize":-1}`, ""},
	} {
		run := e.startFromUI(bad.workflowType, bad.input)
		err := run.Get(ctx, nil)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != syncapi.ErrTypeInvalidInput {
			t.Fatalf("input %s: err = %v, want InvalidInput", bad.input, err)
		}
		r, rerr := e.store.Run(ctx, store.RunRef{TenantID: "rec", RunID: run.GetRunID()})
		if rerr != nil {
			t.Fatalf("input %s: the refused run has no sync_runs row: %v", bad.input, rerr)
		}
		if r.Status != codes.RunFailed || r.FailureReason != appErr.Message() || r.Kind != bad.kind ||
			r.Trigger != codes.TriggerUI || r.Month != bad.month || r.WorkflowID != run.GetID() || r.FinishedAt == nil {
			t.Errorf("input %s: row = %+v, want failed with the workflow's reason %q", bad.input, r, appErr.Message())
		}
	}

	// A tenant mediment does not have has nowhere to record a run: bad input
	// or good, nothing is written.
	for _, unknown := range []struct{ input, want string }{
		{`{"tenantId":"nobody","month":"2026/10"}`, `field "month" must be a month`},
		{`{"tenantId":"nobody","month":"` + lastMonth() + `"}`, `tenant "nobody" does not exist in mediment`},
	} {
		run := e.startFromUI(workflows.AttendanceSyncName, unknown.input)
		if err := run.Get(ctx, nil); err == nil || !strings.Contains(err.Error(), unknown.want) {
			t.Fatalf("input %s: err = %v, want %q", unknown.input, err, unknown.want)
		}
	}
	var rows, all int
	_ = e.store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE tenant_id = 'nobody'), count(*) FROM sync_runs`).Scan(&rows, &all)
	if rows != 0 || all != 3 {
		t.Fatalf("%d rows for the unknown tenant and %d in all, want 0 and the 3 refused runs of rec", rows, all)
	}
}
