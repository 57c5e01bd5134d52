package schedules

import (
	"context"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/config"
)

func TestSettingsAreValidatedBeforeAnythingIsSent(t *testing.T) {
	ok := Settings{TaskQueue: "q", DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Settings{
		"day 31 does not exist in every month": {DayOfMonth: 31, Hour: 6, CatchupWindow: time.Hour},
		"hour 24":                              {DayOfMonth: 3, Hour: 24, CatchupWindow: time.Hour},
		"no catch-up window":                   {DayOfMonth: 3, Hour: 6},
		"a catch-up window of 28 days would catch up a month after the next": {DayOfMonth: 3, Hour: 6, CatchupWindow: 28 * 24 * time.Hour},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestFingerprintChangesWithWhatMatters(t *testing.T) {
	s := Settings{TaskQueue: "q", DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour}
	base := s.desired("acme")[0].note
	if again := s.desired("acme")[0].note; again != base {
		t.Fatal("the same settings must give the same note, or apply would update every time")
	}
	for name, changed := range map[string]Settings{
		"day":        {TaskQueue: "q", DayOfMonth: 4, Hour: 6, CatchupWindow: time.Hour},
		"time":       {TaskQueue: "q", DayOfMonth: 3, Hour: 7, CatchupWindow: time.Hour},
		"task queue": {TaskQueue: "other", DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour},
		"catch-up":   {TaskQueue: "q", DayOfMonth: 3, Hour: 6, CatchupWindow: 2 * time.Hour},
	} {
		if changed.desired("acme")[0].note == base {
			t.Errorf("changing the %s left the fingerprint as it was", name)
		}
	}
	if s.desired("other")[0].note == base {
		t.Error("two tenants' schedules must differ")
	}
}

func TestScheduleIDsNameTheirTenant(t *testing.T) {
	for id, want := range map[string]string{
		MonthlyID("acme"): "acme", RosterID("a-b"): "a-b", SweeperID: "",
	} {
		got, ok := tenantOf(id)
		if !ok || got != want {
			t.Errorf("tenantOf(%s) = %q, %v", id, got, ok)
		}
	}
	if _, ok := tenantOf("someone-elses-schedule"); ok {
		t.Error("a schedule not made by apply must not be ours (apply would delete it)")
	}
}

// Each schedule states its policies instead of taking Temporal's defaults
// (skip, a catch-up window of a year): the monthly one buffers one action
// so that a month whose action comes while the last one still runs is
// synced once, after it; the roster-only one and the sweeper skip; none
// pauses itself on a failure.
func TestEverySchedulesPoliciesAreExplicit(t *testing.T) {
	s := Settings{TaskQueue: "q", DayOfMonth: 3, Hour: 6, RosterCron: "0 6 * * 1", CatchupWindow: 7 * 24 * time.Hour}
	got := map[string]client.SchedulePolicies{SweeperID: s.sweeper().policy}
	for _, d := range s.desired("acme") {
		got[d.id] = d.policy
	}
	want := map[string]client.SchedulePolicies{
		MonthlyID("acme"): {Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, CatchupWindow: 7 * 24 * time.Hour},
		RosterID("acme"):  {Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: 7 * 24 * time.Hour},
		SweeperID:         {Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: time.Hour},
	}
	if len(got) != len(want) {
		t.Fatalf("schedules %v, want %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: policies %+v, want %+v", id, got[id], w)
		}
	}
}

// SCHEDULE_CATCHUP_WINDOW's default covers an outage over a weekend and
// over the 3rd of a Japanese holiday (New Year, Golden Week), and is shorter
// than a month.
func TestTheDefaultCatchupWindowOutlastsALongHoliday(t *testing.T) {
	var cfg config.Config
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &cfg, Lookuper: envconfig.MapLookuper(nil)}); err != nil {
		t.Fatal(err)
	}
	w := cfg.ScheduleCatchupWindow
	// Down from Friday evening before the 3rd until the Monday after it, or
	// from 12/29 until 1/4.
	for _, outage := range []time.Duration{62 * time.Hour, 6 * 24 * time.Hour} {
		if w < outage {
			t.Errorf("the default catch-up window %s is shorter than an outage of %s", FormatWindow(w), FormatWindow(outage))
		}
	}
	s := Settings{TaskQueue: "q", DayOfMonth: cfg.ScheduleDayOfMonth, Hour: 6, CatchupWindow: w}
	if err := s.Validate(); err != nil {
		t.Errorf("the default settings: %v", err)
	}
}

func TestPoliciesAreWordedForOps(t *testing.T) {
	for p, want := range map[enumspb.ScheduleOverlapPolicy]string{
		enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:  "buffer one",
		enumspb.SCHEDULE_OVERLAP_POLICY_SKIP:        "skip",
		enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL:   "allow all",
		enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED: "skip (Temporal's default)",
	} {
		if got := OverlapName(p); got != want {
			t.Errorf("OverlapName(%v) = %q, want %q", p, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7d", time.Hour: "1h", 36 * time.Hour: "36h", 90 * time.Minute: "90m", 10 * time.Second: "10s",
	} {
		if got := FormatWindow(d); got != want {
			t.Errorf("FormatWindow(%s) = %q, want %q", d, got, want)
		}
	}
}
