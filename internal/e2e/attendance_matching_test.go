package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// reportRow is a clean monthly report row whose actual working time is
// hours (the value the tests tell rows apart by).
func reportRow(userID int64, number string, hours int) hrmossim.MonthlyRow {
	now := hrmossim.At(time.Now())
	return hrmossim.MonthlyRow{
		UserID: userID, Number: hrmossim.Str(number),
		WorkingDays: hrmossim.Days(20), PaidHolidays: hrmossim.Days(1),
		ActualWorkingHours: hrmossim.HM(hours, 0), HoursInPrescribedWorkingHours: hrmossim.HM(150, 0),
		CreatedAt: now, UpdatedAt: now,
	}
}

// SPEC §3 matches a report row by the roster's link, else by 社員番号. The
// 社員番号 fallback must never put one person's month on another: not on an
// employee the roster linked to a different HRMOS user, and not twice on
// one employee when two rows carry the same number.
func TestAttendanceNeverLandsOnTheWrongEmployee(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	const (
		userA          = 10 // in /users, linked to employee E by the roster
		userGone       = 20 // not in /users (deleted in HRMOS), E's 社員番号
		userLater      = 21 // added to HRMOS after the roster sync, E's 社員番号 too
		userLow        = 30 // not in /users, F's 社員番号
		userHigh       = 31 // not in /users, F's 社員番号 too
		hoursA         = 160
		hoursGone      = 99
		hoursLater     = 98
		hoursLow       = 170
		hoursHigh      = 120
		numberOfE      = "N100"
		numberOfF      = "N200"
		tenant, compID = "wrong", "wrong-co"
	)
	c := e.companyWith(hrmossim.GenerateSpec{CompanyID: compID, Seed: 17}, func(c *hrmossim.Company) {
		c.Users = append(c.Users, hrmosUser(c, userA, numberOfE, "山田", "太郎", "taro.yamada@example.co.jp"))
		c.MonthlyRows[month] = []hrmossim.MonthlyRow{
			reportRow(userA, numberOfE, hoursA),
			reportRow(userGone, numberOfE, hoursGone),
			reportRow(userLater, numberOfE, hoursLater),
			reportRow(userLow, numberOfF, hoursLow),
			reportRow(userHigh, "Ｎ２００", hoursHigh), // F's number typed full-width
		}
	})
	e.mustConnect(tenant, compID, c.APIKey)

	roster := e.mustRoster(workflows.RosterSyncInput{TenantID: tenant})
	employeeE := e.items(roster)[userA].EmployeeID
	if roster.Created != 1 || employeeE == nil {
		t.Fatalf("roster = %+v; want employee E created for HRMOS user %d", roster.Counts, userA)
	}
	// F was entered in mediment by hand: known by 社員番号, linked to nobody.
	employeeF := e.insertEmployee(tenant, s(numberOfF), s("佐藤"), s("花子"), s("hanako.sato@example.co.jp"), "")
	// A second HRMOS user with E's 社員番号 appears after the roster sync.
	if err := e.sim.PutUser(compID, hrmosUser(c, userLater, numberOfE, "山田", "次郎", "jiro.yamada@example.co.jp")); err != nil {
		t.Fatal(err)
	}

	// One row per chunk: the two rows with F's number are written by
	// different child workflows at the same time.
	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: tenant, Month: month, ChunkSize: 1})
	items := e.items(run)
	want := map[int64]struct {
		outcome  codes.Outcome
		code     string
		employee *int64
	}{
		userA:     {codes.Created, codes.ReasonNewAttendance, employeeE},
		userGone:  {codes.Error, codes.ReasonNumberOfOtherHRMOSUser, nil},
		userLater: {codes.Error, codes.ReasonNumberOfOtherHRMOSUser, nil},
		userLow:   {codes.Created, codes.ReasonNewAttendance, &employeeF},
		userHigh:  {codes.Error, codes.ReasonDuplicateAttendanceRow, nil},
	}
	for id, w := range want {
		it, ok := items[id]
		if !ok {
			t.Errorf("HRMOS user %d: no item", id)
			continue
		}
		if codes.Outcome(it.Outcome) != w.outcome || it.ReasonCode != w.code {
			t.Errorf("HRMOS user %d: %s/%s (%s), want %s/%s", id, it.Outcome, it.ReasonCode, it.Reason, w.outcome, w.code)
		}
		if (w.employee == nil) != (it.EmployeeID == nil) || (w.employee != nil && *w.employee != *it.EmployeeID) {
			t.Errorf("HRMOS user %d: recorded for employee %v, want %v", id, deref(it.EmployeeID), deref(w.employee))
		}
	}
	if len(items) != len(want) || run.Created != 2 || run.Errors != 3 {
		t.Errorf("run = %+v with %d items, want 2 created and 3 errors of 5", run.Counts, len(items))
	}

	// E's month holds A's values, F's month the lower HRMOS user's, once.
	if got := e.attendanceOf(tenant, *employeeE, month); *got.ActualMinutes != hoursA*60 {
		t.Errorf("E's month has %d actual minutes, want HRMOS user %d's %d", *got.ActualMinutes, userA, hoursA*60)
	}
	if got := e.attendanceOf(tenant, employeeF, month); *got.ActualMinutes != hoursLow*60 {
		t.Errorf("F's month has %d actual minutes, want HRMOS user %d's %d", *got.ActualMinutes, userLow, hoursLow*60)
	}
	var rows, createdForF int
	ctx := context.Background()
	_ = e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM monthly_attendance WHERE tenant_id = $1`, tenant).Scan(&rows)
	_ = e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1 AND employee_id = $2 AND outcome = 'created'`,
		run.ID, employeeF).Scan(&createdForF)
	if rows != 2 || createdForF != 1 {
		t.Errorf("%d monthly rows (want 2) and %d created items for F (want 1)", rows, createdForF)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
