// Package schedules keeps each connected tenant's Temporal Schedules in the
// shape configuration asks for: a monthly one (roster, then the previous
// month's attendance) and, optionally, a roster-only one. Apply is
// idempotent: a schedule already as desired is left untouched.
package schedules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/workflows"
)

// TimeZone is where schedule times are read: the customers' clock.
const TimeZone = "Asia/Tokyo"

// Settings say when schedules run.
type Settings struct {
	TaskQueue string
	// DayOfMonth, Hour and Minute place the monthly action (Japan time).
	DayOfMonth   int
	Hour, Minute int
	// RosterCron, when set, adds a roster-only schedule (cron syntax, Japan time).
	RosterCron string
	// CatchupWindow bounds how late a missed action still runs (e.g. after
	// Temporal was down); older ones are skipped (policies below).
	CatchupWindow time.Duration
}

// MaxCatchupWindow is the longest catch-up window Validate accepts: shorter
// than the shortest month, so that no two monthly actions are ever caught up
// together and a month older than the last is never run again.
const MaxCatchupWindow = 27 * 24 * time.Hour

// The schedules' policies, stated rather than left to Temporal's defaults
// (which are SKIP, a catch-up window of a year, no pause on failure):
//
//   - Overlap. The monthly schedule BUFFERS ONE action: an action that
//     comes while the tenant's previous one still runs (it waits for a
//     worker, or the mass-change guard holds its roster for up to
//     GUARD_APPROVAL_TIMEOUT) starts once that one has ended, so its month's
//     attendance is still synced, once; a third that comes meanwhile is
//     skipped. At most one action of a schedule runs at a time, and the
//     children's canonical workflow IDs keep one roster (and one month) per
//     tenant whoever started it. The roster-only schedule SKIPS instead: a
//     roster has no month, and the next one syncs the same people. The
//     sweeper skips too.
//   - Catch-up window (SCHEDULE_CATCHUP_WINDOW, default 7 days). It is about
//     Temporal's own scheduler: while the engine's worker is down, Temporal
//     still starts the action on time, and it waits in the task queue until
//     a worker polls (it has no timeout), so a worker down over the 3rd runs
//     the month once it is back, whatever the window. When Temporal itself
//     was down at the action time, it runs the action on its return if that
//     is within the window: 7 days cover a weekend, and the 3rd inside
//     Japan's New Year (12/29–1/3) and Golden Week (5/3) holidays, when an
//     outage may go unnoticed for days; a longer outage skips the action
//     (start it by hand: `temporal schedule trigger`). The window stays
//     below MaxCatchupWindow, so no stale month is ever run.
//   - Paused time is never caught up, whatever the window: Temporal skips
//     the actions a paused schedule missed, so a schedule unpaused months
//     later runs from its next action on.
//   - No pause on failure. A failed action is a failed run in sync_runs and
//     HrmosStatus = "failed", for one month (HRMOS down after retries, a
//     held run not approved) or for every month until someone acts (a
//     rejected key): pausing would turn it into months skipped silently, and
//     since paused time is not caught up they would be lost; the next
//     month's action reports the failure again instead.

// monthlyPolicy, rosterPolicy and sweeperPolicy are the policies of the
// tenants' monthly schedule, their roster-only schedule and the sweeper's.
func (s Settings) monthlyPolicy() client.SchedulePolicies {
	return client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, CatchupWindow: s.CatchupWindow, PauseOnFailure: false}
}

func (s Settings) rosterPolicy() client.SchedulePolicies {
	return client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: s.CatchupWindow, PauseOnFailure: false}
}

// sweeperPolicy: an hourly clean-up whose next run does the same, so a
// missed one is caught up only within its hour.
func sweeperPolicy() client.SchedulePolicies {
	return client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: time.Hour, PauseOnFailure: false}
}

// Validate checks settings before anything is sent to Temporal.
func (s Settings) Validate() error {
	switch {
	case s.DayOfMonth < 1 || s.DayOfMonth > 28:
		return fmt.Errorf("the monthly day must be 1-28 so that it exists in every month, not %d", s.DayOfMonth)
	case s.Hour < 0 || s.Hour > 23 || s.Minute < 0 || s.Minute > 59:
		return fmt.Errorf("the monthly time must be HH:MM, not %02d:%02d", s.Hour, s.Minute)
	case s.CatchupWindow < time.Minute:
		return fmt.Errorf("the catch-up window (SCHEDULE_CATCHUP_WINDOW) must be at least a minute, not %s", s.CatchupWindow)
	case s.CatchupWindow > MaxCatchupWindow:
		return fmt.Errorf("the catch-up window (SCHEDULE_CATCHUP_WINDOW) must be at most %s, shorter than a month, so that a missed month is never caught up after the next one; not %s",
			FormatWindow(MaxCatchupWindow), FormatWindow(s.CatchupWindow))
	}
	return nil
}

// MonthlyID and RosterID name a tenant's schedules.
func MonthlyID(tenantID string) string { return "hrmos-monthly-" + tenantID }

// RosterID names a tenant's optional roster-only schedule.
func RosterID(tenantID string) string { return "hrmos-roster-schedule-" + tenantID }

// SweeperID names the one schedule that cleans up after runs whose
// workflow was terminated (internal/sweeper).
const SweeperID = "hrmos-sweeper"

// desired is one schedule as configuration wants it.
type desired struct {
	id           string
	tenantID     string
	spec         client.ScheduleSpec
	workflowType string
	args         []any
	policy       client.SchedulePolicies
	// summary is the one line the UI lists for each run the schedule starts.
	summary string
	note    string
}

func (s Settings) desired(tenantID string) []desired {
	monthly := desired{
		id: MonthlyID(tenantID), tenantID: tenantID, policy: s.monthlyPolicy(), workflowType: workflows.ScheduledSyncName,
		summary: "monthly sync of " + tenantID + ": roster, then last month's attendance (schedule)",
		args:    []any{workflows.ScheduledSyncInput{TenantID: tenantID, Attendance: true}},
		spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Second:     []client.ScheduleRange{{Start: 0}},
				Minute:     []client.ScheduleRange{{Start: s.Minute}},
				Hour:       []client.ScheduleRange{{Start: s.Hour}},
				DayOfMonth: []client.ScheduleRange{{Start: s.DayOfMonth}},
				Month:      []client.ScheduleRange{{Start: 1, End: 12}},
				DayOfWeek:  []client.ScheduleRange{{Start: 0, End: 6}},
			}},
			TimeZoneName: TimeZone,
		},
	}
	out := []desired{monthly}
	if s.RosterCron != "" {
		out = append(out, desired{
			id: RosterID(tenantID), tenantID: tenantID, policy: s.rosterPolicy(), workflowType: workflows.ScheduledSyncName,
			summary: "roster sync of " + tenantID + " (schedule)",
			args:    []any{workflows.ScheduledSyncInput{TenantID: tenantID}},
			spec:    client.ScheduleSpec{CronExpressions: []string{s.RosterCron}, TimeZoneName: TimeZone},
		})
	}
	for i := range out {
		out[i].note = noteFor(s.TaskQueue, out[i])
	}
	return out
}

func (s Settings) sweeper() desired {
	d := desired{
		id: SweeperID, workflowType: workflows.StagingSweeperName, summary: "close runs that ended without recording their result",
		spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		policy: sweeperPolicy(),
	}
	d.note = noteFor(s.TaskQueue, d)
	return d
}

func noteFor(taskQueue string, d desired) string {
	return "managed by `starter schedule apply` (config " + fingerprint(taskQueue, d) + ")"
}

// fingerprint identifies a desired schedule, so apply can tell whether the
// one in Temporal is already as wanted without comparing Temporal's
// normalized form of the spec field by field.
func fingerprint(taskQueue string, d desired) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%+v|%s|%+v|%+v|%s|%s", d.id, d.spec, d.workflowType, d.args, d.policy, taskQueue, d.summary))
	return hex.EncodeToString(h[:6])
}

// Change is what Apply did to one schedule.
type Change struct {
	ScheduleID string
	TenantID   string
	Action     string // created, updated, unchanged, deleted
}

// Apply makes the schedules of exactly these tenants match the settings:
// missing ones are created, drifted ones updated, and schedules of tenants
// no longer connected (or a roster schedule no longer configured) deleted.
func Apply(ctx context.Context, sc client.ScheduleClient, tenants []string, s Settings) ([]Change, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var changes []Change
	sweep := s.sweeper()
	action, err := applyOne(ctx, sc, s.TaskQueue, sweep)
	if err != nil {
		return nil, err
	}
	changes = append(changes, Change{ScheduleID: sweep.id, Action: action})
	keep := map[string]bool{sweep.id: true}
	for _, tenant := range tenants {
		for _, d := range s.desired(tenant) {
			keep[d.id] = true
			action, err := applyOne(ctx, sc, s.TaskQueue, d)
			if err != nil {
				return changes, err
			}
			changes = append(changes, Change{ScheduleID: d.id, TenantID: tenant, Action: action})
		}
	}
	existing, err := List(ctx, sc)
	if err != nil {
		return changes, err
	}
	for _, e := range existing {
		if keep[e.ID] {
			continue
		}
		var notFound *serviceerror.NotFound
		if err := deleteSchedule(ctx, sc, e.ID); err != nil && !errors.As(err, &notFound) {
			return changes, err
		}
		changes = append(changes, Change{ScheduleID: e.ID, TenantID: e.TenantID, Action: "deleted"})
	}
	return changes, nil
}

func applyOne(ctx context.Context, sc client.ScheduleClient, taskQueue string, d desired) (string, error) {
	action := &client.ScheduleWorkflowAction{
		ID:            d.id, // Temporal appends the action time
		Workflow:      d.workflowType,
		Args:          d.args,
		TaskQueue:     taskQueue,
		StaticSummary: d.summary,
	}
	if d.tenantID != "" {
		// Findable by tenant from its first moment, as every other start is.
		action.TypedSearchAttributes = temporal.NewSearchAttributes(
			workflows.SearchTenant.ValueSet(d.tenantID), workflows.SearchTrigger.ValueSet(codes.TriggerSchedule))
	}
	h := sc.GetHandle(ctx, d.id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID: d.id, Spec: d.spec, Action: action, Note: d.note,
			Overlap: d.policy.Overlap, CatchupWindow: d.policy.CatchupWindow, PauseOnFailure: d.policy.PauseOnFailure,
		})
		if err != nil {
			return "", fmt.Errorf("create schedule %s: %w", d.id, err)
		}
		return "created", nil
	}
	if err != nil {
		return "", fmt.Errorf("read schedule %s: %w", d.id, err)
	}
	if desc.Schedule.State != nil && desc.Schedule.State.Note == d.note {
		return "unchanged", nil
	}
	err = h.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sch := in.Description.Schedule
			spec, policy := d.spec, d.policy
			sch.Spec, sch.Action, sch.Policy = &spec, action, &policy
			if sch.State == nil {
				sch.State = &client.ScheduleState{}
			}
			sch.State.Note = d.note
			return &client.ScheduleUpdate{Schedule: &sch}, nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("update schedule %s: %w", d.id, err)
	}
	return "updated", nil
}

// Entry is one of the engine's schedules as Temporal knows it.
type Entry struct {
	ID       string
	TenantID string
	// Policy is the schedule's overlap policy, catch-up window and pause on
	// failure, as Temporal holds them.
	Policy client.SchedulePolicies
	Paused bool
	// Note is the schedule's note: why it was paused, when it is.
	Note string
	Next []time.Time
	// LastAction is when the schedule last started its workflow (nil:
	// never); Missed counts the actions it skipped as older than the
	// catch-up window, Skipped those it skipped by its overlap policy.
	LastAction      *time.Time
	Missed, Skipped int
}

// List returns the engine's schedules, by ID, each described by Temporal.
func List(ctx context.Context, sc client.ScheduleClient) ([]Entry, error) {
	it, err := sc.List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var out []Entry
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		tenant, ok := tenantOf(e.ID)
		if !ok {
			continue
		}
		desc, err := sc.GetHandle(ctx, e.ID).Describe(ctx)
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
			continue // deleted since it was listed
		case err != nil:
			return nil, fmt.Errorf("read schedule %s: %w", e.ID, err)
		}
		out = append(out, entryOf(e.ID, tenant, desc))
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func entryOf(id, tenant string, desc *client.ScheduleDescription) Entry {
	e := Entry{ID: id, TenantID: tenant, Next: desc.Info.NextActionTimes,
		Missed: desc.Info.NumActionsMissedCatchupWindow, Skipped: desc.Info.NumActionsSkippedOverlap}
	if p := desc.Schedule.Policy; p != nil {
		e.Policy = *p
	}
	if st := desc.Schedule.State; st != nil {
		e.Paused, e.Note = st.Paused, st.Note
	}
	if n := len(desc.Info.RecentActions); n > 0 {
		t := desc.Info.RecentActions[n-1].ActualTime
		e.LastAction = &t
	}
	return e
}

// OverlapName words an overlap policy for ops: "buffer one", "skip".
func OverlapName(p enumspb.ScheduleOverlapPolicy) string {
	name := strings.TrimPrefix(enumspb.ScheduleOverlapPolicy_name[int32(p)], "SCHEDULE_OVERLAP_POLICY_")
	if name == "" || name == "UNSPECIFIED" {
		return "skip (Temporal's default)"
	}
	return strings.ReplaceAll(strings.ToLower(name), "_", " ")
}

// FormatWindow words a catch-up window: "7d", "1h", "36h", "90m".
func FormatWindow(d time.Duration) string {
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func tenantOf(scheduleID string) (string, bool) {
	if scheduleID == SweeperID {
		return "", true
	}
	for _, p := range []string{MonthlyID(""), RosterID("")} {
		if t, ok := strings.CutPrefix(scheduleID, p); ok && t != "" {
			return t, true
		}
	}
	return "", false
}

// Remove deletes a tenant's schedules (on disconnect). Absent ones are fine.
func Remove(ctx context.Context, sc client.ScheduleClient, tenantID string) ([]string, error) {
	var removed []string
	for _, id := range []string{MonthlyID(tenantID), RosterID(tenantID)} {
		err := deleteSchedule(ctx, sc, id)
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return removed, err
		default:
			removed = append(removed, id)
		}
	}
	return removed, nil
}

func deleteSchedule(ctx context.Context, sc client.ScheduleClient, id string) error {
	if err := sc.GetHandle(ctx, id).Delete(ctx); err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return err
		}
		return fmt.Errorf("delete schedule %s: %w", id, err)
	}
	return nil
}
