package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// triggerSchedule triggers a tenant's monthly schedule now, as ops would
// from the UI, and waits for the ScheduledSync workflow it started: its
// result and error.
func (e *env) triggerSchedule(tenant string) (workflows.ScheduledSyncResult, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := e.temporal.ScheduleClient().GetHandle(ctx, schedules.MonthlyID(tenant))
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		e.t.Fatal(err)
	}
	var started *client.ScheduleWorkflowExecution
	testenv.Eventually(e.t, 3*time.Minute, "schedule "+schedules.MonthlyID(tenant)+" starts its workflow", func() bool {
		desc, err := h.Describe(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if actions := desc.Info.RecentActions; len(actions) > 0 {
			started = actions[len(actions)-1].StartWorkflowResult
		}
		return started != nil
	})
	var res workflows.ScheduledSyncResult
	err := e.temporal.GetWorkflow(ctx, started.WorkflowID, started.FirstExecutionRunID).Get(ctx, &res)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		_ = appErr.Details(&res) // a failed scheduled sync still reports both syncs
	}
	return res, err
}

// The schedule runs the roster, then last month's attendance. A roster that
// fails because HRMOS's /users is down must not cost the month's
// attendance (it runs on the links an earlier roster made); a rejected key,
// which fails every sync of the tenant, stops both.
func TestFailedRosterDoesNotCostTheMonthsAttendance(t *testing.T) {
	e := newEnvRetrying(t, 0, 50*time.Millisecond)
	month := lastMonth()
	for _, tenant := range []string{"sdown", "skey"} {
		c := e.company(hrmossim.GenerateSpec{CompanyID: tenant, Users: 12, Seed: 43, Months: []string{month}})
		e.mustConnect(tenant, tenant, c.APIKey)
	}
	settings := schedules.Settings{TaskQueue: e.cfg.TaskQueue, DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour}
	if _, err := schedules.Apply(context.Background(), e.temporal.ScheduleClient(), []string{"sdown", "skey"}, settings); err != nil {
		t.Fatal(err)
	}
	scheduledRuns := func(tenant string) map[string]store.Run {
		runs, err := e.store.Runs(context.Background(), tenant, 50)
		if err != nil {
			t.Fatal(err)
		}
		byKind := map[string]store.Run{}
		for _, r := range runs {
			if r.Trigger == codes.TriggerSchedule {
				if _, dup := byKind[r.Kind]; dup {
					t.Fatalf("two scheduled %s runs: %+v", r.Kind, runs)
				}
				byKind[r.Kind] = r
			}
		}
		return byKind
	}

	t.Run("HRMOS's /users down: attendance still runs", func(t *testing.T) {
		e.mustRoster(workflows.RosterSyncInput{TenantID: "sdown"}) // an earlier roster linked the employees
		e.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: 503})
		defer e.sim.SetFaults(hrmossim.Faults{})

		res, err := e.triggerSchedule("sdown")
		if err == nil || !strings.Contains(err.Error(), "roster: gave up after retries: HRMOS is unavailable") ||
			!strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "attendance") {
			t.Fatalf("scheduled sync: err = %v, want it to fail naming the roster's failure alone", err)
		}
		if !strings.HasPrefix(res.RosterOutcome, "failed: ") || res.AttendanceOutcome != codes.RunCompleted || res.Month != month {
			t.Fatalf("scheduled sync result = %+v, want the roster failed and %s's attendance completed", res, month)
		}
		runs := scheduledRuns("sdown")
		roster, attendance := runs[codes.KindRoster], runs[codes.KindAttendance]
		if roster.Status != codes.RunFailed || !strings.Contains(roster.FailureReason, "HRMOS is unavailable") {
			t.Fatalf("scheduled roster run = %+v", roster)
		}
		if attendance.Status != codes.RunCompleted || attendance.Month != month || attendance.Created == 0 {
			t.Fatalf("scheduled attendance run = %+v, want %s's rows written", attendance, month)
		}
	})

	t.Run("key rejected: attendance is not attempted", func(t *testing.T) {
		if _, err := e.sim.RotateKey("skey"); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.ExpireTokens("skey"); err != nil {
			t.Fatal(err)
		}
		res, err := e.triggerSchedule("skey")
		if err == nil || !strings.Contains(err.Error(), "roster: "+activities.KeyRejectedReason) {
			t.Fatalf("scheduled sync: err = %v, want the rejected key named", err)
		}
		if !strings.HasPrefix(res.AttendanceOutcome, "skipped: ") {
			t.Fatalf("attendance outcome = %q, want skipped", res.AttendanceOutcome)
		}
		runs := scheduledRuns("skey")
		if len(runs) != 1 || runs[codes.KindRoster].FailureReason != activities.KeyRejectedReason {
			t.Fatalf("scheduled runs = %+v, want only the failed roster run", runs)
		}
	})
}
