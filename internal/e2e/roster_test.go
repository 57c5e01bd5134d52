package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/workflows"
)

// hrmosUser builds a clean HRMOS user; tests dirty one field at a time.
func hrmosUser(c *hrmossim.Company, id int64, number, last, first, email string) hrmossim.User {
	return hrmossim.User{
		ID:            id,
		Number:        hrmossim.Str(number),
		LastName:      hrmossim.Str(last),
		FirstName:     hrmossim.Str(first),
		LastNameKana:  hrmossim.Str("ヤマダ"),
		FirstNameKana: hrmossim.Str("タロウ"),
		Email:         hrmossim.Str(email),
		StartDate:     hrmossim.Str("2020-04-01"),
		EndDate:       hrmossim.Str("").As(hrmossim.Null),
		DepartmentID:  hrmossim.Int(c.Departments[0].ID),
		LodgmentID:    hrmossim.Int(c.Lodgments[0].ID),
		EmploymentID:  hrmossim.Int(c.Employments[0].ID),
		CutoffDate:    hrmossim.Int(31),
		CreatedAt:     time.Now(),
		UpdatedAt:     time.Now(),
	}
}

type employeeRow struct {
	ID                   int64
	HRMOSUserID          *int64
	Number, Email        *string
	Department, Office   *string
	Retirement           *string
	Gender, Nationality  *string
	SocialInsurance      *bool
	StressCheck, Checkup *bool
}

func (e *env) employee(tenant string, id int64) employeeRow {
	e.t.Helper()
	var r employeeRow
	err := e.store.Pool().QueryRow(context.Background(), `
		SELECT id, hrmos_user_id, employee_number, email, department1, office, retirement_date::text, gender, nationality,
			social_insurance, stress_check_target, health_checkup_target
		FROM employees WHERE tenant_id = $1 AND id = $2`, tenant, id).
		Scan(&r.ID, &r.HRMOSUserID, &r.Number, &r.Email, &r.Department, &r.Office, &r.Retirement, &r.Gender, &r.Nationality,
			&r.SocialInsurance, &r.StressCheck, &r.Checkup)
	if err != nil {
		e.t.Fatalf("read employee %d: %v", id, err)
	}
	return r
}

// insertEmployee adds a mediment employee as mediment's web app would.
func (e *env) insertEmployee(tenant string, number, last, first, email *string, extra string) int64 {
	e.t.Helper()
	var id int64
	err := e.store.Pool().QueryRow(context.Background(), `
		INSERT INTO employees (tenant_id, employee_number, last_name, first_name, email, social_insurance, stress_check_target, health_checkup_target, gender, nationality)
		VALUES ($1, $2, $3, $4, $5, false, false, false, '男', $6) RETURNING id`,
		tenant, number, last, first, email, nilIfEmpty(extra)).Scan(&id)
	if err != nil {
		e.t.Fatalf("insert employee: %v", err)
	}
	return id
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func s(v string) *string { return &v }

func TestRosterSyncAppliesEverySpecRule(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "acme-co", Users: 0, Seed: 11})
	e.mustConnect("acme", "acme-co", c.APIKey)

	// mediment's employees before the first sync.
	byNumber := e.insertEmployee("acme", s("A0001"), s("山田"), s("太郎"), s("old@example.co.jp"), "日本")
	byNameEmail := e.insertEmployee("acme", nil, s("佐藤"), s("花子"), s("Hanako.Sato@Example.co.jp"), "")
	twinA := e.insertEmployee("acme", nil, s("鈴木"), s("一郎"), s("ichiro@example.co.jp"), "")
	twinB := e.insertEmployee("acme", nil, s("鈴木"), s("一郎"), s("ichiro@example.co.jp"), "")
	conflictNumber := e.insertEmployee("acme", s("C0005"), s("高橋"), s("次郎"), s("jiro@example.co.jp"), "")
	conflictNameEmail := e.insertEmployee("acme", s("C9999"), s("田中"), s("三郎"), s("saburo@example.co.jp"), "")
	retiree := e.insertEmployee("acme", s("D0007"), s("伊藤"), s("四郎"), s("shiro@example.co.jp"), "")

	past := time.Now().AddDate(0, -1, 0).Format(time.DateOnly)
	users := []hrmossim.User{
		// 1: full-width number and spaces still match A0001 (rule 2, NFKC).
		withNumber(hrmosUser(c, 1, "Ａ０００１", "山田　", "太郎", "taro@example.co.jp"), "Ａ０００１"),
		// 2: matched by name and email, compared ignoring spaces and case.
		hrmosUser(c, 2, "B0002", "佐藤 ", "花子", "hanako.sato@example.co.jp"),
		// 3: no number, name+email match two employees: ambiguous.
		hrmosUser(c, 3, "", "鈴木", "一郎", "ichiro@example.co.jp"),
		// 4: number points at one employee, name+email at another.
		hrmosUser(c, 4, "C0005", "田中", "三郎", "saburo@example.co.jp"),
		// 5: matched and retired in HRMOS: updated, kept, reported.
		withEndDate(hrmosUser(c, 5, "D0007", "伊藤", "四郎", "shiro@example.co.jp"), past),
		// 6: matches nobody: created with the defaults.
		hrmosUser(c, 6, "E0006", "渡辺", "五郎", "goro@example.co.jp"),
		// 7: retired and unknown: skipped.
		withEndDate(hrmosUser(c, 7, "F0007", "山本", "六郎", "rokuro@example.co.jp"), past),
		// 8: no number and no email: cannot be matched.
		hrmosUser(c, 8, "", "中村", "七郎", ""),
		// 9: malformed hire date.
		withStartDate(hrmosUser(c, 9, "G0009", "小林", "八郎", "hachiro@example.co.jp"), "2020/04/01"),
		// 10: department ID HRMOS does not list.
		withDepartment(hrmosUser(c, 10, "H0010", "加藤", "九郎", "kuro@example.co.jp"), 99999),
		// 11 and 12: the same 社員番号 twice in HRMOS.
		hrmosUser(c, 11, "J0011", "吉田", "十郎", "juro@example.co.jp"),
		hrmosUser(c, 12, "Ｊ００１１", "山田", "花", "hana@example.co.jp"),
	}
	for _, u := range users {
		if err := e.sim.PutUser("acme-co", u); err != nil {
			t.Fatal(err)
		}
	}

	run := e.mustRoster(workflows.RosterSyncInput{TenantID: "acme"})
	items := e.items(run)

	want := map[int64]struct {
		outcome codes.Outcome
		code    string
	}{
		1:  {codes.Updated, codes.ReasonMatchedByNumber},
		2:  {codes.Updated, codes.ReasonMatchedByNameMail},
		3:  {codes.Error, codes.ReasonAmbiguousNameMail},
		4:  {codes.Error, codes.ReasonConflictingKeys},
		5:  {codes.Updated, codes.ReasonMatchedByNumber},
		6:  {codes.Created, codes.ReasonNewEmployee},
		7:  {codes.Skipped, codes.ReasonRetiredNotInMediment},
		8:  {codes.Error, codes.ReasonMissingIdentity},
		9:  {codes.Error, codes.ReasonInvalidDate},
		10: {codes.Error, codes.ReasonUnknownDepartment},
		11: {codes.Error, codes.ReasonDuplicateInHRMOS},
		12: {codes.Error, codes.ReasonDuplicateInHRMOS},
	}
	for id, w := range want {
		it, ok := items[id]
		if !ok {
			t.Errorf("HRMOS user %d: no item recorded", id)
			continue
		}
		if codes.Outcome(it.Outcome) != w.outcome || it.ReasonCode != w.code {
			t.Errorf("HRMOS user %d: %s/%s (%s), want %s/%s", id, it.Outcome, it.ReasonCode, it.Reason, w.outcome, w.code)
		}
	}
	if len(items) != len(want) {
		t.Errorf("%d items, want %d", len(items), len(want))
	}
	if run.Status != codes.RunCompleted || run.Fetched != 12 || run.Created != 1 || run.Updated != 3 || run.Skipped != 1 || run.Errors != 7 {
		t.Errorf("run = %+v", run)
	}
	if !slices.Contains(run.Notices, workflows.NoticeGenderNotProvided) {
		t.Errorf("notices %v lack the gender note", run.Notices)
	}

	// Rule 1: HRMOS overwrote the synced fields; rule 7: mediment-only kept.
	got := e.employee("acme", byNumber)
	if *got.Email != "taro@example.co.jp" || *got.HRMOSUserID != 1 || got.Nationality == nil || *got.Nationality != "日本" {
		t.Errorf("employee matched by number = %+v", got)
	}
	if got.Department == nil || *got.Department != c.Departments[0].Name || got.Office == nil || *got.Office != c.Lodgments[0].Name {
		t.Errorf("department/office not resolved from HRMOS masters: %+v", got)
	}
	// Rule 6: defaults are never applied to existing employees; 性別 not cleared.
	if *got.SocialInsurance || *got.StressCheck || *got.Checkup || got.Gender == nil || *got.Gender != "男" {
		t.Errorf("existing employee's defaults or gender changed: %+v", got)
	}
	if got := e.employee("acme", byNameEmail); got.Number == nil || *got.Number != "B0002" {
		t.Errorf("employee matched by name+email did not get HRMOS's number: %+v", got)
	}
	if !slices.Contains(items[1].ChangedFields, "email") || !slices.Contains(items[1].NeedsAttention, "insurance_name_kana") || slices.Contains(items[1].NeedsAttention, "nationality") {
		t.Errorf("item 1 = %+v", items[1])
	}
	// Rule 5: the retiree keeps its account and is reported.
	ret := e.employee("acme", retiree)
	if ret.Retirement == nil || *ret.Retirement != past || !slices.Contains(items[5].NeedsAttention, "retirement_date") {
		t.Errorf("retiree = %+v, item %+v", ret, items[5])
	}
	// Ambiguous and conflicting employees were not written.
	for _, id := range []int64{twinA, twinB, conflictNumber, conflictNameEmail} {
		if r := e.employee("acme", id); r.HRMOSUserID != nil {
			t.Errorf("employee %d was linked despite the error: %+v", id, r)
		}
	}
	// Rule 3 and 6: the new employee got the defaults.
	created := items[6]
	if created.EmployeeID == nil {
		t.Fatal("created item has no employee ID")
	}
	newEmp := e.employee("acme", *created.EmployeeID)
	if !*newEmp.SocialInsurance || !*newEmp.StressCheck || !*newEmp.Checkup {
		t.Errorf("created employee lacks the defaults: %+v", newEmp)
	}
	// Rule 4: nobody created for the retired unknown.
	var n int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM employees WHERE tenant_id = 'acme' AND employee_number = 'F0007'`).Scan(&n)
	if n != 0 {
		t.Error("a retired unknown employee was created")
	}
	// Reasons name fields and the HRMOS user, never values.
	if !strings.Contains(items[9].Reason, "start_date") || strings.Contains(items[9].Reason, "2020/04/01") {
		t.Errorf("reason = %q", items[9].Reason)
	}

	// An admin changes a default; the next sync must not reset it, and an
	// unchanged employee is reported unchanged.
	testdb.Exec(t, e.store, `UPDATE employees SET stress_check_target = false WHERE id = $1`, *created.EmployeeID)
	run2 := e.mustRoster(workflows.RosterSyncInput{TenantID: "acme"})
	items2 := e.items(run2)
	if it := items2[6]; it.Outcome != string(codes.Unchanged) || len(it.ChangedFields) != 0 {
		t.Errorf("second sync of the created employee = %+v", it)
	}
	if *e.employee("acme", *created.EmployeeID).StressCheck {
		t.Error("the second sync reset an admin's change of a default")
	}
	if run2.Created != 0 || run2.Unchanged != 4 {
		t.Errorf("second run = %+v", run2)
	}
}

func withNumber(u hrmossim.User, n string) hrmossim.User { u.Number = hrmossim.Str(n); return u }
func withEndDate(u hrmossim.User, d string) hrmossim.User {
	u.EndDate = hrmossim.Str(d)
	return u
}
func withStartDate(u hrmossim.User, d string) hrmossim.User {
	u.StartDate = hrmossim.Str(d)
	return u
}
func withDepartment(u hrmossim.User, id int64) hrmossim.User {
	u.DepartmentID = hrmossim.Int(id)
	return u
}

func TestRosterDryRunWritesNoEmployee(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "dry", Users: 25, Seed: 3})
	e.mustConnect("dry", "dry", c.APIKey)

	run := e.mustRoster(workflows.RosterSyncInput{TenantID: "dry", DryRun: true})
	if !run.DryRun || run.Created == 0 || !slices.Contains(run.Notices, workflows.NoticeDryRun) {
		t.Fatalf("dry run = %+v", run)
	}
	var n int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM employees WHERE tenant_id = 'dry'`).Scan(&n)
	if n != 0 {
		t.Fatalf("a dry run wrote %d employees", n)
	}
	real := e.mustRoster(workflows.RosterSyncInput{TenantID: "dry"})
	if real.Created != run.Created || real.Skipped != run.Skipped || real.Errors != run.Errors {
		t.Fatalf("the dry run predicted %+v, the real run did %+v", run.Counts, real.Counts)
	}
}

func TestRosterSyncInChunksSyncsEveryEmployeeOnce(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "big", Users: 230, Seed: 5, Messy: hrmossim.MessyAll()})
	e.mustConnect("big", "big", c.APIKey)

	run := e.mustRoster(workflows.RosterSyncInput{TenantID: "big", ChunkSize: 40})
	if run.Fetched != 230 {
		t.Fatalf("fetched %d, want 230 (every page)", run.Fetched)
	}
	total := run.Created + run.Updated + run.Unchanged + run.Skipped + run.Errors
	if total != 230 || len(e.items(run)) != 230 {
		t.Fatalf("counts %+v add up to %d, want 230", run.Counts, total)
	}
	if run.Errors == 0 {
		t.Fatal("messy data produced no per-employee errors; the simulator's dirty records did not reach the sync")
	}
	// Staged personal data is gone once the run ends.
	var staged int
	_ = e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM roster_staging`).Scan(&staged)
	if staged != 0 {
		t.Fatalf("%d staged rows left after the run", staged)
	}
	// Re-sync: nothing is created twice.
	again := e.mustRoster(workflows.RosterSyncInput{TenantID: "big", ChunkSize: 100})
	if again.Created != 0 {
		t.Fatalf("second sync created %d employees again", again.Created)
	}
}

func TestRosterFailsAtOnceWhenHRMOSRejectsTheKey(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "rot", Users: 5, Seed: 9})
	e.mustConnect("rot", "rot", c.APIKey)
	if _, err := e.sim.RotateKey("rot"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	run, err := e.roster(workflows.RosterSyncInput{TenantID: "rot"})
	if err == nil {
		t.Fatal("the run succeeded with a rotated key")
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("a rejected key took %s to fail; it must not be retried", time.Since(start))
	}
	if run.Status != codes.RunFailed || run.FailureReason != activities.KeyRejectedReason || run.FinishedAt == nil {
		t.Fatalf("run = %+v", run)
	}
	conn, _ := e.store.Connection(context.Background(), "rot")
	if conn.Status != codes.ConnectionKeyRejected {
		t.Fatalf("connection status = %s, want key_rejected", conn.Status)
	}
}

func TestConnectRefusesWrongKeyAndStoresNothing(t *testing.T) {
	e := newEnv(t)
	e.company(hrmossim.GenerateSpec{CompanyID: "acme-co", Users: 1, Seed: 1})
	if err := e.connect("acme", "acme-co", "not-the-key"); err == nil || !strings.Contains(err.Error(), "rejected the API key") {
		t.Fatalf("wrong key: err = %v", err)
	}
	if err := e.connect("acme", "no-such-co", "whatever"); err == nil || !strings.Contains(err.Error(), "does not know the company ID") {
		t.Fatalf("wrong company: err = %v", err)
	}
	if _, err := e.store.Connection(context.Background(), "acme"); err != store.ErrNotFound {
		t.Fatalf("something was stored: %v", err)
	}
}

func TestRosterOfAnUnconnectedTenantFailsWithAReason(t *testing.T) {
	e := newEnv(t)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "gone", Users: 3, Seed: 2})
	e.mustConnect("gone", "gone", c.APIKey)
	if err := e.store.Disconnect(context.Background(), "gone"); err != nil {
		t.Fatal(err)
	}
	run, err := e.roster(workflows.RosterSyncInput{TenantID: "gone"})
	if err == nil || run.Status != codes.RunFailed || !strings.Contains(run.FailureReason, "disconnected") {
		t.Fatalf("run = %+v, err = %v", run, err)
	}
	_, err = e.roster(workflows.RosterSyncInput{TenantID: "nobody"})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown tenant: err = %v", err)
	}
}
