package workflows

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// scheduledAt is a scheduled action's nominal time: 3 November 2026, 06:00
// in Japan, so its attendance month is October.
var scheduledAt = time.Date(2026, 11, 3, 6, 0, 0, 0, jst.Zone)

// children stands in for the child syncs of a scheduled action: each
// records how it was started and answers with what the test says.
type children struct {
	mu            sync.Mutex
	roster        []RosterSyncInput
	rosterIDs     []string
	attendance    []AttendanceSyncInput
	attendanceIDs []string
}

// newScheduledEnv is a scheduled action as a Temporal Schedule starts it:
// with the search attributes the server sets on the workflows it starts.
func newScheduledEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t, "hrmos-monthly-acme-2026-11-02T21:00:00Z")
	env.SetStartTime(scheduledAt)
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		scheduledByID.ValueSet("hrmos-monthly-acme"), scheduledStartTime.ValueSet(scheduledAt))); err != nil {
		t.Fatal(err)
	}
	return env
}

// mockRoster replaces the roster child by one that ends with err.
func (c *children) mockRoster(env *testsuite.TestWorkflowEnvironment, err error) {
	env.OnWorkflow(RosterSyncName, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, in RosterSyncInput) (syncapi.RunResult, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.roster = append(c.roster, in)
		c.rosterIDs = append(c.rosterIDs, workflow.GetInfo(ctx).WorkflowExecution.ID)
		if err != nil {
			return syncapi.RunResult{}, err
		}
		return syncapi.RunResult{TenantID: in.TenantID, Kind: codes.KindRoster, Trigger: in.Trigger, Status: codes.RunCompleted, Created: 3}, nil
	})
}

// mockAttendance replaces the attendance child by one that completes.
func (c *children) mockAttendance(env *testsuite.TestWorkflowEnvironment) {
	env.OnWorkflow(AttendanceSyncName, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, in AttendanceSyncInput) (syncapi.RunResult, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.attendance = append(c.attendance, in)
		c.attendanceIDs = append(c.attendanceIDs, workflow.GetInfo(ctx).WorkflowExecution.ID)
		return syncapi.RunResult{TenantID: in.TenantID, Kind: codes.KindAttendance, Month: in.Month, Trigger: in.Trigger, Status: codes.RunCompleted, Updated: 7}, nil
	})
}

// scheduledFailure is the error a scheduled action failed with and the
// result it carries as details.
func scheduledFailure(t *testing.T, env *testsuite.TestWorkflowEnvironment) (*temporal.ApplicationError, ScheduledSyncResult) {
	t.Helper()
	appErr := workflowError(t, env)
	var res ScheduledSyncResult
	if !appErr.HasDetails() {
		t.Fatalf("the failure %q carries no result", appErr.Message())
	}
	if err := appErr.Details(&res); err != nil {
		t.Fatal(err)
	}
	return appErr, res
}

func TestScheduledSyncRunsBothAndCompletes(t *testing.T) {
	env := newScheduledEnv(t)
	var c children
	c.mockRoster(env, nil)
	c.mockAttendance(env)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("scheduled sync failed: %v", err)
	}
	var res ScheduledSyncResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.RosterOutcome != codes.RunCompleted || res.Roster == nil || res.Roster.Created != 3 ||
		res.AttendanceOutcome != codes.RunCompleted || res.Attendance == nil || res.Attendance.Updated != 7 || res.Month != "2026-10" {
		t.Errorf("result = %+v (roster %+v, attendance %+v)", res, res.Roster, res.Attendance)
	}
	if len(c.rosterIDs) != 1 || c.rosterIDs[0] != RosterWorkflowID("acme") || c.roster[0].Trigger != codes.TriggerSchedule {
		t.Errorf("roster children %v with %+v, want one under %s triggered by the schedule", c.rosterIDs, c.roster, RosterWorkflowID("acme"))
	}
	if len(c.attendanceIDs) != 1 || c.attendanceIDs[0] != AttendanceWorkflowID("acme", "2026-10") ||
		c.attendance[0].TenantID != "acme" || c.attendance[0].Month != "2026-10" || c.attendance[0].Trigger != codes.TriggerSchedule || c.attendance[0].DryRun {
		t.Errorf("attendance children %v with %+v", c.attendanceIDs, c.attendance)
	}
}

// The roster's failure does not cost the month's attendance unless it
// stops every sync of the tenant; either way the action fails naming it,
// and its result (in the error's details) reports both syncs.
func TestScheduledSyncAfterAFailedRoster(t *testing.T) {
	tests := []struct {
		name           string
		cause          error
		wantAttendance bool
	}{
		{"HRMOS unavailable after retries", temporal.NewApplicationError("HRMOS is unavailable: HTTP 503 after 4 attempts", syncapi.ErrTypeHRMOSUnavailable), true},
		{"a database error after retries", temporal.NewApplicationError("PostgreSQL error SQLSTATE 53300", syncapi.ErrTypeDatabase), true},
		// Forbidden is not retried, but it is about one endpoint, not the tenant.
		{"HRMOS forbids the users endpoint", temporal.NewNonRetryableApplicationError("HRMOS forbids this API key reading /users", syncapi.ErrTypeHRMOSForbidden, nil), true},
	}
	for _, typ := range syncapi.PermanentForTenant {
		tests = append(tests, struct {
			name           string
			cause          error
			wantAttendance bool
		}{"permanent for the tenant: " + typ, temporal.NewNonRetryableApplicationError("the tenant cannot sync", typ, nil), false})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newScheduledEnv(t)
			var c children
			// As RosterSync fails: runFailed with the activity's error as cause.
			c.mockRoster(env, runFailed(failureReason(tt.cause), tt.cause))
			c.mockAttendance(env)

			env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

			appErr, res := scheduledFailure(t, env)
			if ran := len(c.attendance) == 1; ran != tt.wantAttendance {
				t.Fatalf("attendance started: %v, want %v", ran, tt.wantAttendance)
			}
			want := "the scheduled sync of tenant acme failed: roster: " + failureReason(tt.cause)
			if appErr.Message() != want || appErr.Type() != ErrTypeSyncFailed || !appErr.NonRetryable() {
				t.Errorf("failure = %q (%s), want %q", appErr.Message(), appErr.Type(), want)
			}
			if !strings.HasPrefix(res.RosterOutcome, "failed: ") || !strings.Contains(res.RosterOutcome, failureReason(tt.cause)) || res.Roster != nil {
				t.Errorf("roster outcome %q (%+v)", res.RosterOutcome, res.Roster)
			}
			if res.Month != "2026-10" {
				t.Errorf("month %q", res.Month)
			}
			if tt.wantAttendance {
				if res.AttendanceOutcome != codes.RunCompleted || res.Attendance == nil {
					t.Errorf("attendance outcome %q (%+v), want completed", res.AttendanceOutcome, res.Attendance)
				}
			} else if !strings.HasPrefix(res.AttendanceOutcome, "skipped: ") || res.Attendance != nil {
				t.Errorf("attendance outcome %q (%+v), want skipped", res.AttendanceOutcome, res.Attendance)
			}
		})
	}
}

// The same through the real RosterSync with mocked activities: the cause
// survives the child's failure, so a retryable fetch failure still lets
// the attendance run and a rejected key does not.
func TestScheduledSyncAfterARealRosterFailure(t *testing.T) {
	tests := []struct {
		name           string
		fetchErr       error
		wantAttempts   int
		wantAttendance bool
		wantReason     string
	}{
		{"retryable: HRMOS unavailable on every attempt",
			temporal.NewApplicationError("HRMOS is unavailable: HTTP 503 after 4 attempts (list users, page 1)", syncapi.ErrTypeHRMOSUnavailable),
			5, true, "roster: gave up after retries: HRMOS is unavailable: HTTP 503 after 4 attempts (list users, page 1)"},
		{"permanent: HRMOS rejected the key",
			temporal.NewNonRetryableApplicationError(activities.KeyRejectedReason, syncapi.ErrTypeKeyRejected, nil),
			1, false, "roster: " + activities.KeyRejectedReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newScheduledEnv(t)
			var attempts atomic.Int32
			env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(func(context.Context, syncapi.FetchRosterInput) (syncapi.FetchResult, error) {
				attempts.Add(1)
				return syncapi.FetchResult{}, tt.fetchErr
			})
			f := &fakeRun{}
			f.mock(env, codes.KindRoster)
			var c children
			c.mockAttendance(env)

			env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

			appErr, res := scheduledFailure(t, env)
			if n := int(attempts.Load()); n != tt.wantAttempts {
				t.Errorf("FetchRoster tried %d times, want %d", n, tt.wantAttempts)
			}
			if f.finished.Status != codes.RunFailed {
				t.Errorf("the roster run finished with %+v", f.finished)
			}
			if ran := len(c.attendance) == 1; ran != tt.wantAttendance {
				t.Fatalf("attendance started: %v, want %v (outcome %q)", ran, tt.wantAttendance, res.AttendanceOutcome)
			}
			if want := "the scheduled sync of tenant acme failed: " + tt.wantReason; appErr.Message() != want {
				t.Errorf("failure = %q, want %q", appErr.Message(), want)
			}
		})
	}
}

// The attendance month is the one before the action's nominal time
// (TemporalScheduledStartTime) in Japan, also for an action that runs late.
func TestScheduledSyncMonthIsTheOneBeforeTheActionTimeInJapan(t *testing.T) {
	tests := []struct {
		name      string
		nominal   time.Time // zero: no search attribute (started by hand)
		startedAt time.Time
		want      string
	}{
		{"an action on time", scheduledAt, scheduledAt, "2026-10"},
		{"an action caught up two days later, in the next month", time.Date(2026, 11, 30, 23, 0, 0, 0, jst.Zone),
			time.Date(2026, 12, 2, 9, 0, 0, 0, jst.Zone), "2026-10"},
		{"already 1 November in Japan, still 31 October in UTC", time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), "2026-10"},
		{"still 31 October in Japan", time.Date(2026, 10, 31, 14, 59, 0, 0, time.UTC),
			time.Date(2026, 10, 31, 14, 59, 0, 0, time.UTC), "2026-09"},
		{"no search attribute: the start time", time.Time{}, time.Date(2026, 1, 3, 6, 0, 0, 0, jst.Zone), "2025-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, "hrmos-scheduled-acme")
			env.SetStartTime(tt.startedAt)
			if !tt.nominal.IsZero() {
				if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartTime.ValueSet(tt.nominal))); err != nil {
					t.Fatal(err)
				}
			}
			var c children
			c.mockRoster(env, nil)
			c.mockAttendance(env)

			env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if len(c.attendance) != 1 || c.attendance[0].Month != tt.want || c.attendanceIDs[0] != AttendanceWorkflowID("acme", tt.want) {
				t.Errorf("attendance children %v with %+v, want month %s", c.attendanceIDs, c.attendance, tt.want)
			}
		})
	}
}

func TestScheduledSyncRosterOnly(t *testing.T) {
	env := newScheduledEnv(t)
	var c children
	c.mockRoster(env, nil)
	c.mockAttendance(env)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme"})

	var res ScheduledSyncResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(c.attendance) != 0 || res.Month != "" || res.AttendanceOutcome != "" || res.RosterOutcome != codes.RunCompleted {
		t.Errorf("a roster-only action: attendance %+v, result %+v", c.attendance, res)
	}
}

func TestScheduledSyncWithoutTenantIsRefused(t *testing.T) {
	env := newScheduledEnv(t)
	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{Attendance: true})
	appErr := workflowError(t, env)
	if appErr.Type() != syncapi.ErrTypeInvalidInput || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), `"tenantId" is required`) {
		t.Errorf("error = %q (%s)", appErr.Message(), appErr.Type())
	}
}

func TestStagingSweeperReturnsTheSweepsCounts(t *testing.T) {
	env := newEnv(t, "hrmos-staging-sweeper")
	env.OnActivity(a.Sweep, mock.Anything).Return(syncapi.SweepResult{Checked: 12, Closed: 2, StagingDeleted: 4321}, nil).Once()

	env.ExecuteWorkflow(StagingSweeperName)

	var got syncapi.SweepResult
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got != (syncapi.SweepResult{Checked: 12, Closed: 2, StagingDeleted: 4321}) {
		t.Errorf("result = %+v", got)
	}
}

func TestStagingSweeperFailsWithTheSweep(t *testing.T) {
	env := newEnv(t, "hrmos-staging-sweeper")
	env.OnActivity(a.Sweep, mock.Anything).Return(syncapi.SweepResult{Checked: 3}, errors.New("PostgreSQL is down"))

	env.ExecuteWorkflow(StagingSweeperName)

	if err := env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "PostgreSQL is down") {
		t.Errorf("error = %v, want the sweep's", err)
	}
}
