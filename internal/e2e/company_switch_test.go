package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/connect"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// Two HRMOS companies whose users 1 and 2 are different people and whose
// user 3 is one person (the same 社員番号, 氏名 and メール): what a customer
// who connected the wrong company first, or moved to a new HRMOS company,
// has. Company A's month gives every row 160 hours, B's 100 + its user ID.
const (
	switchTenant = "switcher"
	companyA     = "switch-a"
	companyB     = "switch-b"
	hoursA       = 160
)

func (e *env) switchCompanies(month string) (a, b *hrmossim.Company) {
	e.t.Helper()
	a = e.companyWith(hrmossim.GenerateSpec{CompanyID: companyA, Seed: 41}, func(c *hrmossim.Company) {
		c.Users = append(c.Users,
			hrmosUser(c, 1, "A001", "山田", "太郎", "taro.yamada@a.example.jp"),
			hrmosUser(c, 2, "A002", "佐藤", "花子", "hanako.sato@a.example.jp"),
			hrmosUser(c, 3, "C003", "鈴木", "一郎", "ichiro.suzuki@example.jp"))
		c.MonthlyRows[month] = []hrmossim.MonthlyRow{
			reportRow(1, "A001", hoursA), reportRow(2, "A002", hoursA), reportRow(3, "C003", hoursA)}
	})
	b = e.companyWith(hrmossim.GenerateSpec{CompanyID: companyB, Seed: 42}, func(c *hrmossim.Company) {
		c.Users = append(c.Users,
			hrmosUser(c, 1, "B101", "高橋", "次郎", "jiro.takahashi@b.example.jp"),
			hrmosUser(c, 2, "B102", "伊藤", "三郎", "saburo.ito@b.example.jp"),
			hrmosUser(c, 3, "C003", "鈴木", "一郎", "ichiro.suzuki@example.jp"))
		c.MonthlyRows[month] = []hrmossim.MonthlyRow{
			reportRow(1, "B101", 101), reportRow(2, "B102", 102), reportRow(3, "C003", 103)}
	})
	return a, b
}

func (e *env) connectWith(req connect.Request) (connect.Result, error) {
	sealer, err := credentials.NewSealer(e.cfg.CredentialsKey)
	if err != nil {
		e.t.Fatal(err)
	}
	svc := &connect.Service{Store: e.store, Sealer: sealer, BaseURL: e.cfg.HRMOSBaseURL, Timeout: e.cfg.HRMOSRequestTimeout, Now: time.Now}
	return svc.ConnectWith(context.Background(), req)
}

// employeesByNumber maps 社員番号 to (employee ID, HRMOS user ID, email).
func (e *env) employeesByNumber(tenant string) map[string]employeeRow {
	e.t.Helper()
	rows, err := e.store.Pool().Query(context.Background(),
		`SELECT id, employee_number FROM employees WHERE tenant_id = $1`, tenant)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var number string
		if err := rows.Scan(&id, &number); err != nil {
			e.t.Fatal(err)
		}
		ids[number] = id
	}
	out := map[string]employeeRow{}
	for number, id := range ids {
		out[number] = e.employee(tenant, id)
	}
	return out
}

// switchLeavingStaleLinks switches the synced tenant to company B as a
// careless writer would (mediment's web app writing hrmos_connections
// itself): the connection names B, and every link still names A's users.
// It returns the employees by 社員番号 as they were before.
func (e *env) switchLeavingStaleLinks(b *hrmossim.Company) map[string]employeeRow {
	e.t.Helper()
	before := e.employeesByNumber(switchTenant)
	if _, err := e.connectWith(connect.Request{TenantID: switchTenant, CompanyID: companyB, APIKey: hrmos.Secret(b.APIKey), SwitchCompany: true}); err != nil {
		e.t.Fatal(err)
	}
	for number, row := range before {
		if _, err := e.store.Pool().Exec(context.Background(), `UPDATE employees SET hrmos_user_id = $3, hrmos_company_id = $4
			WHERE tenant_id = $1 AND id = $2`, switchTenant, row.ID, *row.HRMOSUserID, companyA); err != nil {
			e.t.Fatalf("restore the stale link of %s: %v", number, err)
		}
	}
	return before
}

// SPEC §1: HRMOS numbers users per company, so a link made under one
// company never matches a user of another. A switch is refused unless asked
// for, then archives the old links; the new company's roster matches by
// 社員番号 and 氏名+メール only, and its month lands on its own people.
func TestCompanySwitchNeverWritesOnePersonsDataOnAnother(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	a, b := e.switchCompanies(month)
	e.mustConnect(switchTenant, companyA, a.APIKey)
	e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant})
	e.mustAttendance(workflows.AttendanceSyncInput{TenantID: switchTenant, Month: month})
	before := e.employeesByNumber(switchTenant)
	if len(before) != 3 {
		t.Fatalf("company A synced %d employees, want 3", len(before))
	}

	// Connecting B as if it were a key rotation is refused, and changes nothing.
	_, err := e.connectWith(connect.Request{TenantID: switchTenant, CompanyID: companyB, APIKey: hrmos.Secret(b.APIKey)})
	if err == nil || !strings.Contains(err.Error(), "--switch-company") {
		t.Fatalf("connecting another company without --switch-company: %v, want a refusal naming the flag", err)
	}
	if conn, _ := e.store.Connection(context.Background(), switchTenant); conn.CompanyID != companyA {
		t.Fatalf("after the refused switch the tenant is connected to %q, want %q", conn.CompanyID, companyA)
	}

	res, err := e.connectWith(connect.Request{TenantID: switchTenant, CompanyID: companyB, APIKey: hrmos.Secret(b.APIKey), SwitchCompany: true})
	if err != nil {
		t.Fatalf("switch: %v", err)
	}
	if res.SwitchedFrom != companyA || res.LinksArchived != 3 || res.Replaced {
		t.Errorf("switch result = %+v, want switched from %s with 3 links archived", res, companyA)
	}
	var archived int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM hrmos_link_archive
		WHERE tenant_id = $1 AND hrmos_company_id = $2 AND reason = 'company_switch'`, switchTenant, companyA).Scan(&archived)
	if archived != 3 {
		t.Errorf("%d links of %s archived, want 3", archived, companyA)
	}

	roster := e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant})
	items := e.items(roster)
	for id, want := range map[int64]string{1: codes.ReasonNewEmployee, 2: codes.ReasonNewEmployee, 3: codes.ReasonMatchedByNumber} {
		if it := items[id]; it.ReasonCode != want {
			t.Errorf("company B's user %d: %s/%s (%s), want %s", id, it.Outcome, it.ReasonCode, it.Reason, want)
		}
	}
	after := e.employeesByNumber(switchTenant)
	for _, number := range []string{"A001", "A002"} {
		old, now := before[number], after[number]
		if now.ID != old.ID || *now.Email != *old.Email || now.HRMOSUserID != nil {
			t.Errorf("company A's employee %s after B's roster: %+v, want its own data kept and no link", number, now)
		}
	}
	for number, user := range map[string]int64{"B101": 1, "B102": 2, "C003": 3} {
		if got := after[number]; got.HRMOSUserID == nil || *got.HRMOSUserID != user {
			t.Errorf("employee %s is linked to %v, want company B's user %d", number, got.HRMOSUserID, user)
		}
	}
	if after["C003"].ID != before["C003"].ID {
		t.Errorf("the person in both companies got a second employee")
	}

	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: switchTenant, Month: month})
	if run.Updated+run.Created != 3 || run.Errors != 0 {
		t.Errorf("B's month: %+v, want 3 rows written", run.Counts)
	}
	for number, hours := range map[string]int{"A001": hoursA, "A002": hoursA, "B101": 101, "B102": 102, "C003": 103} {
		if got := e.attendanceOf(switchTenant, after[number].ID, month); got.ActualMinutes == nil || *got.ActualMinutes != hours*60 {
			t.Errorf("employee %s's month has %v actual minutes, want %d", number, got.ActualMinutes, hours*60)
		}
	}
}

// A connection switched outside the starter (mediment's web app writing
// hrmos_connections itself) leaves the old company's links in place: they
// must not match either, and a user of the new company with the same ID
// takes the ID over, archiving the stale link.
func TestAnotherCompanysLinkNeverMatches(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	a, b := e.switchCompanies(month)
	e.mustConnect(switchTenant, companyA, a.APIKey)
	e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant})
	before := e.switchLeavingStaleLinks(b)

	dry := e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant, DryRun: true})
	for id, it := range e.items(dry) {
		if it.ReasonCode == codes.ReasonMatchedByLink || it.ReasonCode == codes.ReasonHRMOSUserLinkedToOther {
			t.Errorf("dry run: company B's user %d %s through company A's link (%s)", id, it.ReasonCode, it.Reason)
		}
	}
	roster := e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant})
	if roster.Created != 2 || roster.Updated != 1 || roster.Errors != 0 {
		t.Errorf("roster over stale links: %+v, want B's users 1 and 2 created and 3 updated", roster.Counts)
	}
	after := e.employeesByNumber(switchTenant)
	for _, number := range []string{"A001", "A002"} {
		if got := after[number]; *got.Email != *before[number].Email || got.HRMOSUserID != nil {
			t.Errorf("company A's employee %s: email changed or still linked (%v)", number, got.HRMOSUserID)
		}
	}
	var takenOver int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM hrmos_link_archive
		WHERE tenant_id = $1 AND hrmos_company_id = $2 AND reason = 'taken_over'`, switchTenant, companyA).Scan(&takenOver)
	if takenOver != 3 {
		t.Errorf("%d stale links archived as taken over, want 3 (users 1 and 2 by new employees, 3 by its own)", takenOver)
	}

	// The month, with the stale links still in place before the roster ran,
	// would have landed on A's people; now it lands on B's.
	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: switchTenant, Month: month})
	if run.Created != 3 {
		t.Errorf("B's month: %+v, want 3 created", run.Counts)
	}
	for number, hours := range map[string]int{"B101": 101, "B102": 102, "C003": 103} {
		if got := e.attendanceOf(switchTenant, after[number].ID, month); got.ActualMinutes == nil || *got.ActualMinutes != hours*60 {
			t.Errorf("employee %s's month has %v actual minutes, want %d", number, got.ActualMinutes, hours*60)
		}
	}
}

// The attendance month of a switched tenant whose roster has not run yet
// must not follow the old company's links either: its rows fall back to
// 社員番号 and land on nobody else.
func TestAttendanceAfterASwitchIgnoresTheOldLinks(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	a, b := e.switchCompanies(month)
	e.mustConnect(switchTenant, companyA, a.APIKey)
	e.mustRoster(workflows.RosterSyncInput{TenantID: switchTenant})
	before := e.switchLeavingStaleLinks(b)
	run := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: switchTenant, Month: month})
	items := e.items(run)
	// Users 1 and 2 of B are nobody in mediment yet; user 3 is found by its 社員番号.
	for id, want := range map[int64]string{1: codes.ReasonEmployeeNotInMediment, 2: codes.ReasonEmployeeNotInMediment, 3: codes.ReasonNewAttendance} {
		if it := items[id]; it.ReasonCode != want {
			t.Errorf("company B's row of user %d: %s/%s (%s), want %s", id, it.Outcome, it.ReasonCode, it.Reason, want)
		}
	}
	for _, number := range []string{"A001", "A002"} {
		var n int
		_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM monthly_attendance WHERE tenant_id = $1 AND employee_id = $2`,
			switchTenant, before[number].ID).Scan(&n)
		if n != 0 {
			t.Errorf("company A's employee %s got a month of company B's data", number)
		}
	}
}
