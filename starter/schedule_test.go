package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/testenv"
)

// `schedule apply` says the catch-up window it applied, and `schedule list`
// shows each schedule's overlap policy, catch-up window, paused state (with
// why) and next runs, as Temporal holds them.
func TestScheduleListShowsEachSchedulesPolicies(t *testing.T) {
	tc := temporalServer(t)
	c := setup(t)
	t.Setenv("SCHEDULE_ROSTER_CRON", "0 6 * * 1")
	if _, err := run(t, "", "setup"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, c.APIKey+"\n", "connect", "--tenant", "acme", "--company", "acme-co"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "", "schedule", "apply")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "schedule apply", out, "created   hrmos-monthly-acme (tenant acme)", "created   hrmos-roster-schedule-acme (tenant acme)",
		"1 connected tenants; monthly on day 3 at 06:00 Asia/Tokyo", "Missed actions are caught up within 7d (SCHEDULE_CATCHUP_WINDOW)")

	ctx := context.Background()
	if err := tc.Client.ScheduleClient().GetHandle(ctx, schedules.MonthlyID("acme")).Pause(ctx,
		client.SchedulePauseOptions{Note: "HRMOS maintenance"}); err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	// The list reads Temporal's visibility, which lags a moment.
	testenv.Eventually(t, 30*time.Second, "schedule list shows the three schedules, the monthly one paused", func() bool {
		out, err = run(t, "", "schedule", "list")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(out, "\n") {
			if id, _, ok := strings.Cut(l, " "); ok {
				lines[id] = strings.Join(strings.Fields(l), " ")
			}
		}
		return lines[schedules.SweeperID] != "" && lines[schedules.RosterID("acme")] != "" &&
			strings.Contains(lines[schedules.MonthlyID("acme")], "yes: HRMOS maintenance")
	})
	if header, _, _ := strings.Cut(out, "\n"); strings.Join(strings.Fields(header), " ") != "SCHEDULE TENANT OVERLAP CATCH-UP PAUSED LAST RUN (JST) NEXT RUNS (JST)" {
		t.Errorf("schedule list's header:\n%s", out)
	}
	for id, want := range map[string]string{
		schedules.MonthlyID("acme"): "hrmos-monthly-acme acme buffer one 7d yes: HRMOS maintenance never ",
		schedules.RosterID("acme"):  "hrmos-roster-schedule-acme acme skip 7d no never ",
		schedules.SweeperID:         "hrmos-sweeper - skip 1h no never ",
	} {
		if !strings.HasPrefix(lines[id], want) {
			t.Errorf("%s: %q, want it to start %q", id, lines[id], want)
		}
	}
	if next := strings.TrimPrefix(lines[schedules.MonthlyID("acme")], "hrmos-monthly-acme acme buffer one 7d yes: HRMOS maintenance never "); strings.Count(next, "-03 06:00") != 2 {
		t.Errorf("the monthly schedule's next runs %q, want the next two 3rds at 06:00 JST", next)
	}
	mustContain(t, "schedule list", out, "A paused schedule never runs the actions it missed while paused.")
}
