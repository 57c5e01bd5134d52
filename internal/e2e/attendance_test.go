package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows"
)

// lastMonth is the month before now in Japan, "YYYY-MM".
func lastMonth() string {
	now := time.Now().In(time.FixedZone("JST", 9*3600))
	return time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, now.Location()).Format("2006-01")
}

func (e *env) attendance(in workflows.AttendanceSyncInput) (store.Run, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if in.Trigger == "" {
		in.Trigger = codes.TriggerCLI
	}
	run, err := e.temporal.ExecuteWorkflow(startedAs(ctx, in.Trigger), startopts.Attendance(e.cfg.TaskQueue, in.TenantID, in.Month, in.Trigger, in.DryRun), workflows.AttendanceSyncName, in)
	if err != nil {
		e.t.Fatalf("start attendance sync: %v", err)
	}
	return e.wait(ctx, in.TenantID, run.GetRunID(), run.Get)
}

// wait waits for a run's workflow and returns its history row (also for a
// failed run) and the workflow's error.
func (e *env) wait(ctx context.Context, tenant, runID string, get func(context.Context, any) error) (store.Run, error) {
	e.t.Helper()
	var result syncapi.RunResult
	wfErr := get(ctx, &result)
	r, err := e.store.Run(ctx, store.RunRef{TenantID: tenant, RunID: runID})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	if wfErr == nil && (result.RunID != r.ID || result.Status != r.Status || result.Created != r.Created || result.Errors != r.Errors) {
		e.t.Fatalf("the workflow's result %+v does not match its history row %+v", result, r)
	}
	return r, wfErr
}

func (e *env) mustAttendance(in workflows.AttendanceSyncInput) store.Run {
	e.t.Helper()
	r, err := e.attendance(in)
	if err != nil {
		e.t.Fatalf("attendance sync failed: %v (row: %+v)", err, r)
	}
	return r
}

type attendanceRow struct {
	WorkingDays, PaidLeaveDays                  *float64
	ActualMinutes, PrescribedMinutes, NonPresc  *int
	BreakMinutes, PaidLeaveMinutes, LateMinutes *int
	SyncRunID                                   string
}

func (e *env) attendanceOf(tenant string, employeeID int64, month string) attendanceRow {
	e.t.Helper()
	var r attendanceRow
	err := e.store.Pool().QueryRow(context.Background(), `
		SELECT working_days::float8, paid_leave_days::float8, actual_work_minutes, prescribed_minutes, non_prescribed_minutes,
			break_minutes, paid_leave_minutes, late_minutes, sync_run_id::text
		FROM monthly_attendance WHERE tenant_id = $1 AND employee_id = $2 AND month = $3`, tenant, employeeID, month).
		Scan(&r.WorkingDays, &r.PaidLeaveDays, &r.ActualMinutes, &r.PrescribedMinutes, &r.NonPresc, &r.BreakMinutes, &r.PaidLeaveMinutes, &r.LateMinutes, &r.SyncRunID)
	if err != nil {
		e.t.Fatalf("read attendance of employee %d: %v", employeeID, err)
	}
	return r
}

func TestAttendanceSyncOfAFullMonthAndItsResync(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	messy := hrmossim.MessyOptions{RowsForUnknownUsers: 3, UsersWithoutRows: 2}
	c := e.company(hrmossim.GenerateSpec{CompanyID: "att", Users: 60, Seed: 31, Months: []string{month}, Messy: messy})
	e.mustConnect("att", "att", c.APIKey)

	// Before the roster sync, every row is skipped: its employee is unknown.
	before := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "att", Month: month})
	if before.Fetched == 0 || before.Skipped != before.Fetched || before.Created != 0 {
		t.Fatalf("attendance before the roster = %+v", before)
	}
	for _, it := range e.items(before) {
		if it.ReasonCode != codes.ReasonEmployeeNotInMediment || !strings.Contains(it.Reason, "run the roster sync first") {
			t.Fatalf("item = %+v", it)
		}
	}

	roster := e.mustRoster(workflows.RosterSyncInput{TenantID: "att"})
	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "att", Month: month})
	if run.Kind != codes.KindAttendance || run.Month != month || run.Trigger != codes.TriggerCLI {
		t.Fatalf("run row = %+v", run)
	}
	rows := c.MonthlyRows[month]
	if run.Fetched != len(rows) || run.Created == 0 || run.Skipped < 3 {
		t.Fatalf("run = %+v for %d rows (roster %+v)", run.Counts, len(rows), roster.Counts)
	}

	// Values follow the SPEC §3 table.
	items := e.items(run)
	checked := 0
	for _, r := range rows {
		it, ok := items[r.UserID]
		if !ok || it.Outcome != string(codes.Created) {
			continue
		}
		got := e.attendanceOf("att", *it.EmployeeID, month)
		if got.ActualMinutes == nil || *got.ActualMinutes != int(r.ActualWorkingHours.Minutes) ||
			*got.PrescribedMinutes != int(r.HoursInPrescribedWorkingHours.Minutes) ||
			*got.NonPresc != max(0, int(r.ActualWorkingHours.Minutes-r.HoursInPrescribedWorkingHours.Minutes)) ||
			*got.WorkingDays != float64(r.WorkingDays.Tenths)/10 || *got.PaidLeaveDays != float64(r.PaidHolidays.Tenths)/10 ||
			got.BreakMinutes != nil || got.PaidLeaveMinutes != nil {
			t.Fatalf("HRMOS row %+v stored as %+v", r, got)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no created row was checked")
	}

	// A re-sync of the month overwrites, never duplicates.
	var count int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM monthly_attendance WHERE tenant_id = 'att'`).Scan(&count)
	changed := rows[0]
	for _, r := range rows {
		if it, ok := items[r.UserID]; ok && it.Outcome == string(codes.Created) {
			changed = r
			break
		}
	}
	changed.TotalLateHours = hrmossim.HM(3, 45)
	if err := e.sim.PutMonthlyRow("att", month, changed); err != nil {
		t.Fatal(err)
	}
	again := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "att", Month: month})
	if again.Created != 0 || again.Updated != 1 || again.Unchanged != run.Created-1 {
		t.Fatalf("re-sync = %+v, first = %+v", again.Counts, run.Counts)
	}
	var count2 int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM monthly_attendance WHERE tenant_id = 'att'`).Scan(&count2)
	if count2 != count {
		t.Fatalf("re-sync changed the row count from %d to %d", count, count2)
	}
	emp := *e.items(again)[changed.UserID].EmployeeID
	if got := e.attendanceOf("att", emp, month); *got.LateMinutes != 225 || got.SyncRunID != again.ID {
		t.Fatalf("overwritten row = %+v", got)
	}
	if it := e.items(again)[changed.UserID]; len(it.ChangedFields) != 1 || it.ChangedFields[0] != "late_minutes" {
		t.Fatalf("changed fields = %v", it.ChangedFields)
	}
}

func TestAttendanceOfAMonthWithoutRowsCompletesEmpty(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "empty", Users: 5, Seed: 2})
	e.mustConnect("empty", "empty", c.APIKey)
	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "empty", Month: "2020-01"})
	if run.Status != codes.RunCompleted || run.Fetched != 0 || len(run.Notices) == 0 || !strings.HasPrefix(run.Notices[0], "no_rows:") {
		t.Fatalf("run = %+v", run)
	}
}

// The Temporal UI sends the input as the JSON an operator typed; such runs
// are recorded with trigger "ui", and bad input fails fast naming the field.
func TestSyncsStartedWithRawJSONAsTheUIDoes(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "ui", Users: 8, Seed: 12, Months: []string{month}})
	e.mustConnect("ui", "ui", c.APIKey)
	ctx := context.Background()

	run, err := e.temporal.ExecuteWorkflow(ctx, startopts.Roster(e.cfg.TaskQueue, "ui", codes.TriggerUI, false), workflows.RosterSyncName,
		json.RawMessage(`{"tenantId":"ui"}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.wait(ctx, "ui", run.GetRunID(), run.Get)
	if err != nil || r.Trigger != codes.TriggerUI || r.Kind != codes.KindRoster {
		t.Fatalf("roster from the UI = %+v, %v", r, err)
	}

	run, err = e.temporal.ExecuteWorkflow(ctx, startopts.Attendance(e.cfg.TaskQueue, "ui", month, codes.TriggerUI, false), workflows.AttendanceSyncName,
		json.RawMessage(`{"tenantId":"ui","month":"`+month+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.wait(ctx, "ui", run.GetRunID(), run.Get); err != nil || r.Trigger != codes.TriggerUI || r.Month != month || r.Created == 0 {
		t.Fatalf("attendance from the UI = %+v, %v", r, err)
	}

	for _, bad := range []struct{ input, want string }{
		{`{"tenantId":"ui","month":"2026/10"}`, `field "month" must be a month`},
		{`{"tenantId":"ui"}`, `field "month" is required`},
		{`{"tenantId":"ui","month":"2999-01"}`, `field "month" is in the future`},
		{`{"tenantId":"ui","month":202610}`, `field "month" has the wrong type`},
	} {
		opts := startopts.Attendance(e.cfg.TaskQueue, "ui", "bad", codes.TriggerUI, false)
		opts.ID += "-" + strings.NewReplacer(`"`, "", "{", "", "}", "", ":", "", ",", "", "/", "").Replace(bad.input)
		run, err := e.temporal.ExecuteWorkflow(ctx, opts, workflows.AttendanceSyncName, json.RawMessage(bad.input))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = run.Get(ctx, nil)
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "InvalidInput") {
			t.Errorf("input %s: err = %v, want InvalidInput saying %q", bad.input, err, bad.want)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("input %s took %s to fail; bad input must fail fast", bad.input, time.Since(start))
		}
	}
}
