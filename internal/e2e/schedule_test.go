package e2e

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/store"
)

func TestScheduleRunsRosterThenLastMonthsAttendance(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "sch", Users: 12, Seed: 41, Months: []string{month}})
	e.mustConnect("sch", "sch", c.APIKey)
	ctx := context.Background()
	sc := e.temporal.ScheduleClient()
	settings := schedules.Settings{TaskQueue: e.cfg.TaskQueue, DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour}

	changes, err := schedules.Apply(ctx, sc, []string{"sch"}, settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].ScheduleID != schedules.SweeperID || changes[1].Action != "created" || changes[1].ScheduleID != schedules.MonthlyID("sch") {
		t.Fatalf("first apply = %+v", changes)
	}
	changes, err = schedules.Apply(ctx, sc, []string{"sch"}, settings)
	if err != nil || len(changes) != 2 || changes[0].Action != "unchanged" || changes[1].Action != "unchanged" {
		t.Fatalf("second apply = %+v, %v; applying twice must change nothing", changes, err)
	}
	desc, err := sc.GetHandle(ctx, schedules.MonthlyID("sch")).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next := desc.Info.NextActionTimes; len(next) == 0 || next[0].In(time.FixedZone("JST", 9*3600)).Format("02 15:04") != "03 06:00" {
		t.Fatalf("next action times = %v, want the 3rd at 06:00 JST", next)
	}

	// Trigger it now, as ops would from the UI, and wait for both runs.
	if err := sc.GetHandle(ctx, schedules.MonthlyID("sch")).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	runs := e.finishedRuns("sch", 2)
	if len(runs) != 2 {
		t.Fatalf("the schedule started %d runs, want a roster and an attendance run: %+v", len(runs), runs)
	}
	byKind := map[string]store.Run{runs[0].Kind: runs[0], runs[1].Kind: runs[1]}
	roster, attendance := byKind[codes.KindRoster], byKind[codes.KindAttendance]
	if roster.Status != codes.RunCompleted || roster.Trigger != codes.TriggerSchedule || roster.Created == 0 {
		t.Fatalf("scheduled roster run = %+v", roster)
	}
	if attendance.Status != codes.RunCompleted || attendance.Trigger != codes.TriggerSchedule || attendance.Month != month || attendance.Created == 0 {
		t.Fatalf("scheduled attendance run = %+v, want month %s", attendance, month)
	}
	if !attendance.StartedAt.After(roster.StartedAt) {
		t.Fatal("attendance must run after the roster")
	}

	// An optional roster-only schedule; a disconnected tenant loses both.
	settings.RosterCron = "0 6 * * 1"
	changes, err = schedules.Apply(ctx, sc, []string{"sch"}, settings)
	if err != nil || len(changes) != 3 || changes[2].Action != "created" || changes[1].Action != "unchanged" {
		t.Fatalf("apply with a roster schedule = %+v, %v", changes, err)
	}
	removed, err := schedules.Remove(ctx, sc, "sch")
	if err != nil || len(removed) != 2 {
		t.Fatalf("remove = %v, %v", removed, err)
	}
}
