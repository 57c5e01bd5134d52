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
	// Temporal was down); older ones are skipped.
	CatchupWindow time.Duration
}

// Validate checks settings before anything is sent to Temporal.
func (s Settings) Validate() error {
	switch {
	case s.DayOfMonth < 1 || s.DayOfMonth > 28:
		return fmt.Errorf("the monthly day must be 1-28 so that it exists in every month, not %d", s.DayOfMonth)
	case s.Hour < 0 || s.Hour > 23 || s.Minute < 0 || s.Minute > 59:
		return fmt.Errorf("the monthly time must be HH:MM, not %02d:%02d", s.Hour, s.Minute)
	case s.CatchupWindow < time.Minute:
		return fmt.Errorf("the catch-up window must be at least a minute, not %s", s.CatchupWindow)
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
	policy := client.SchedulePolicies{
		// Never two runs of one tenant at once; a run still going when the
		// next action comes makes that action skip.
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: s.CatchupWindow,
	}
	monthly := desired{
		id: MonthlyID(tenantID), tenantID: tenantID, policy: policy, workflowType: workflows.ScheduledSyncName,
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
			id: RosterID(tenantID), tenantID: tenantID, policy: policy, workflowType: workflows.ScheduledSyncName,
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
		policy: client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: time.Hour},
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
			ID: d.id, Spec: d.spec, Action: action, Overlap: d.policy.Overlap, CatchupWindow: d.policy.CatchupWindow, Note: d.note,
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
	Paused   bool
	Next     []time.Time
	Note     string
}

// List returns the engine's schedules, by ID.
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
		out = append(out, Entry{ID: e.ID, TenantID: tenant, Paused: e.Paused, Next: e.NextActionTimes, Note: e.Note})
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
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
