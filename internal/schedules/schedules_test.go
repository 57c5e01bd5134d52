package schedules

import (
	"testing"
	"time"
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
