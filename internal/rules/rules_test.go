package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
)

const today = "2026-11-25"

func ptr[T any](v T) *T { return &v }

// user is a valid HRMOS employee; tests change one thing at a time.
func user(mod ...func(*HRMOSUser)) HRMOSUser {
	u := HRMOSUser{
		ID: 101, Number: "A0001", LastName: "山田", FirstName: "太郎",
		LastNameKana: "ヤマダ", FirstNameKana: "タロウ", Email: "t.yamada@example.co.jp",
		StartDate: "2020-04-01", DepartmentID: ptr(int64(1)), DepartmentName: ptr("営業部"),
		LodgmentID: ptr(int64(2)), LodgmentName: ptr("本社"),
	}
	for _, m := range mod {
		m(&u)
	}
	return u
}

// synced is what user() maps to.
func synced() SyncedFields {
	f, p := MapUser(user())
	if p != nil {
		panic(p)
	}
	return f
}

func employee(id int64, mod ...func(*Employee)) Employee {
	e := Employee{ID: id, Synced: synced()}
	for _, m := range mod {
		m(&e)
	}
	return e
}

func TestMapUser(t *testing.T) {
	tests := []struct {
		name      string
		user      HRMOSUser
		want      SyncedFields
		wantCode  string
		wantField string
	}{
		{
			name: "every synced field is mapped and trimmed",
			user: user(func(u *HRMOSUser) { u.LastName = " 山田　"; u.EndDate = "2030-03-31" }),
			want: SyncedFields{
				EmployeeNumber: ptr("A0001"), LastName: ptr("山田"), FirstName: ptr("太郎"),
				LastNameKana: ptr("ヤマダ"), FirstNameKana: ptr("タロウ"), Email: ptr("t.yamada@example.co.jp"),
				Office: ptr("本社"), Department1: ptr("営業部"), HireDate: ptr("2020-04-01"), RetirementDate: ptr("2030-03-31"),
			},
		},
		{
			name: "empty strings and null IDs become NULL",
			user: user(func(u *HRMOSUser) {
				u.LastNameKana, u.FirstNameKana, u.StartDate = "", "", ""
				u.DepartmentID, u.DepartmentName, u.LodgmentID, u.LodgmentName = nil, nil, nil, nil
			}),
			want: SyncedFields{EmployeeNumber: ptr("A0001"), LastName: ptr("山田"), FirstName: ptr("太郎"), Email: ptr("t.yamada@example.co.jp")},
		},
		{
			name: "gender is mapped only when HRMOS sends it",
			user: user(func(u *HRMOSUser) {
				u.HasGender, u.Gender = true, "女"
				u.DepartmentID, u.DepartmentName, u.LodgmentID, u.LodgmentName = nil, nil, nil, nil
				u.StartDate = ""
			}),
			want: SyncedFields{EmployeeNumber: ptr("A0001"), LastName: ptr("山田"), FirstName: ptr("太郎"),
				LastNameKana: ptr("ヤマダ"), FirstNameKana: ptr("タロウ"), Email: ptr("t.yamada@example.co.jp"),
				Gender: ptr("女"), GenderProvided: true},
		},
		{
			name:     "no number and no email is missing identity",
			user:     user(func(u *HRMOSUser) { u.Number, u.Email = "", "" }),
			wantCode: codes.ReasonMissingIdentity, wantField: "number",
		},
		{
			name:     "no number and no name is missing identity",
			user:     user(func(u *HRMOSUser) { u.Number, u.LastName, u.FirstName = "  ", "", "" }),
			wantCode: codes.ReasonMissingIdentity, wantField: "number",
		},
		{
			name: "no number but name and email is fine",
			user: user(func(u *HRMOSUser) { u.Number = "" }),
		},
		{
			name:     "slashed hire date is invalid",
			user:     user(func(u *HRMOSUser) { u.StartDate = "2020/04/01" }),
			wantCode: codes.ReasonInvalidDate, wantField: "start_date",
		},
		{
			name:     "impossible retirement date is invalid",
			user:     user(func(u *HRMOSUser) { u.EndDate = "2020-13-45" }),
			wantCode: codes.ReasonInvalidDate, wantField: "end_date",
		},
		{
			name:     "unknown department ID",
			user:     user(func(u *HRMOSUser) { u.DepartmentName = nil }),
			wantCode: codes.ReasonUnknownDepartment, wantField: "department_id",
		},
		{
			name:     "unknown office ID",
			user:     user(func(u *HRMOSUser) { u.LodgmentName = nil }),
			wantCode: codes.ReasonUnknownOffice, wantField: "lodgment_id",
		},
		{
			name:     "a wrong-typed field",
			user:     user(func(u *HRMOSUser) { u.InvalidFields = []string{"email"} }),
			wantCode: codes.ReasonInvalidField, wantField: "email",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := MapUser(tt.user)
			if tt.wantCode != "" {
				if p == nil {
					t.Fatalf("MapUser = %+v, want problem %s", got, tt.wantCode)
				}
				if p.Code != tt.wantCode || p.Field != tt.wantField {
					t.Fatalf("problem = %s/%s, want %s/%s", p.Code, p.Field, tt.wantCode, tt.wantField)
				}
				if !strings.Contains(p.Reason, "HRMOS user 101") {
					t.Errorf("reason %q does not name the HRMOS user", p.Reason)
				}
				return
			}
			if p != nil {
				t.Fatalf("unexpected problem %v", p)
			}
			if tt.want != (SyncedFields{}) {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("MapUser (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// Reasons are stored in the run history: they must name fields, never values.
func TestProblemsNeverContainValues(t *testing.T) {
	u := user(func(u *HRMOSUser) { u.StartDate = "1999/12/31"; u.Number = "" })
	_, p := MapUser(u)
	if p == nil {
		t.Fatal("want a problem")
	}
	for _, v := range []string{"1999/12/31", u.LastName, u.FirstName, u.Email} {
		if strings.Contains(p.Reason, v) {
			t.Errorf("reason %q contains the value %q", p.Reason, v)
		}
	}
}

func TestDecideRoster(t *testing.T) {
	linked := func(id int64) func(*Employee) { return func(e *Employee) { e.HRMOSUserID = ptr(id) } }
	tests := []struct {
		name          string
		user          HRMOSUser
		cands         Candidates
		wantOutcome   codes.Outcome
		wantCode      string
		wantEmployee  int64
		wantChanged   []string
		wantAttention []string
	}{
		{
			name:        "rule 3: matches nobody, so it is created with the defaults",
			user:        user(),
			wantOutcome: codes.Created, wantCode: codes.ReasonNewEmployee,
			wantChanged: []string{"hrmos_user_id", "employee_number", "last_name", "first_name", "last_name_kana", "first_name_kana",
				"email", "office", "department1", "hire_date", "social_insurance", "stress_check_target", "health_checkup_target"},
			wantAttention: []string{"insurance_name_kana", "employment_category", "insurance_card_number", "nationality", "job_title", "employment_period"},
		},
		{
			name:        "rule 4: retired and unknown is skipped",
			user:        user(func(u *HRMOSUser) { u.EndDate = "2025-03-31" }),
			wantOutcome: codes.Skipped, wantCode: codes.ReasonRetiredNotInMediment,
		},
		{
			name:        "rule 4: retiring today counts as retired",
			user:        user(func(u *HRMOSUser) { u.EndDate = today }),
			wantOutcome: codes.Skipped, wantCode: codes.ReasonRetiredNotInMediment,
		},
		{
			name:        "rule 4: a future retirement date is still created",
			user:        user(func(u *HRMOSUser) { u.EndDate = "2026-11-26" }),
			wantOutcome: codes.Created, wantCode: codes.ReasonNewEmployee,
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "rule 2: matched by number, nothing differs",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(101))}},
			wantOutcome: codes.Unchanged, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantAttention: []string{"insurance_name_kana", "employment_category", "insurance_card_number", "nationality", "job_title", "employment_period"},
		},
		{
			name: "rule 1: HRMOS overwrites the synced fields; rule 7: filled mediment-only fields are not reported",
			user: user(func(u *HRMOSUser) { u.Email = "new@example.co.jp"; u.DepartmentName = ptr("開発部") }),
			cands: Candidates{ByNumber: []Employee{employee(7, linked(101), func(e *Employee) {
				e.MedimentOnly = MedimentOnlyFields{InsuranceNameKana: ptr("ヤマダ タロウ"), EmploymentCategory: ptr("正社員"),
					InsuranceCardNumber: ptr("123"), Nationality: ptr("日本"), JobTitle: ptr("課長")}
			})}},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantChanged:   []string{"email", "department1"},
			wantAttention: []string{"employment_period"},
		},
		{
			name:        "rule 2: matched by name and email when the number finds nobody; the link is new",
			user:        user(func(u *HRMOSUser) { u.Number = "" }),
			cands:       Candidates{ByNameEmail: []Employee{employee(8)}},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNameMail, wantEmployee: 8,
			wantChanged:   []string{"hrmos_user_id", "employee_number"},
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "rule 2: the keys point at different employees",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7)}, ByNameEmail: []Employee{employee(8)}},
			wantOutcome: codes.Error, wantCode: codes.ReasonConflictingKeys,
		},
		{
			name:        "rule 2: both keys point at the same employee",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(101))}, ByNameEmail: []Employee{employee(7, linked(101))}},
			wantOutcome: codes.Unchanged, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "rule 2: name and email match several",
			user:        user(func(u *HRMOSUser) { u.Number = "" }),
			cands:       Candidates{ByNameEmail: []Employee{employee(7), employee(8)}},
			wantOutcome: codes.Error, wantCode: codes.ReasonAmbiguousNameMail,
		},
		{
			name:        "rule 2: the normalized number matches several",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7), employee(8)}},
			wantOutcome: codes.Error, wantCode: codes.ReasonAmbiguousNumber,
		},
		{
			name:        "the matched employee is linked to another HRMOS user",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(999))}},
			wantOutcome: codes.Error, wantCode: codes.ReasonLinkedToOtherHRMOSUser,
		},
		{
			name:        "the HRMOS user is linked to another employee than the keys find",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7)}, ByLink: ptr(employee(9, linked(101)))},
			wantOutcome: codes.Error, wantCode: codes.ReasonHRMOSUserLinkedToOther,
		},
		{
			name:        "the link finds the employee when HRMOS changed both keys",
			user:        user(func(u *HRMOSUser) { u.Number = "B0001" }),
			cands:       Candidates{ByLink: ptr(employee(9, linked(101)))},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByLink, wantEmployee: 9,
			wantChanged:   []string{"employee_number"},
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "rule 5: a matched retiree is updated, kept and reported",
			user:        user(func(u *HRMOSUser) { u.EndDate = "2026-10-31" }),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(101))}},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantChanged:   []string{"retirement_date"},
			wantAttention: append(MedimentOnlyFields{}.Missing(), "retirement_date"),
		},
		{
			name:        "the gender note: without a gender from HRMOS, mediment's gender is left as it is",
			user:        user(),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(101), func(e *Employee) { e.Synced.Gender, e.Synced.GenderProvided = ptr("男"), true })}},
			wantOutcome: codes.Unchanged, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "a gender sent by HRMOS overwrites mediment's",
			user:        user(func(u *HRMOSUser) { u.HasGender, u.Gender = true, "女" }),
			cands:       Candidates{ByNumber: []Employee{employee(7, linked(101), func(e *Employee) { e.Synced.Gender, e.Synced.GenderProvided = ptr("男"), true })}},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 7,
			wantChanged:   []string{"gender"},
			wantAttention: MedimentOnlyFields{}.Missing(),
		},
		{
			name:        "rule 8: a 社員番号 shared by two HRMOS users is an error before matching",
			user:        user(func(u *HRMOSUser) { u.NumberShared = true }),
			cands:       Candidates{ByNumber: []Employee{employee(7)}},
			wantOutcome: codes.Error, wantCode: codes.ReasonDuplicateInHRMOS,
		},
		{
			name:        "rule 8: bad data is an error even when the employee matches",
			user:        user(func(u *HRMOSUser) { u.StartDate = "not a date" }),
			cands:       Candidates{ByNumber: []Employee{employee(7)}},
			wantOutcome: codes.Error, wantCode: codes.ReasonInvalidDate,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideRoster(tt.user, tt.cands, today)
			if d.Outcome != tt.wantOutcome || d.ReasonCode != tt.wantCode {
				t.Fatalf("decision = %s/%s (%s), want %s/%s", d.Outcome, d.ReasonCode, d.Reason, tt.wantOutcome, tt.wantCode)
			}
			var gotEmployee int64
			if d.Employee != nil {
				gotEmployee = d.Employee.ID
			}
			if gotEmployee != tt.wantEmployee {
				t.Errorf("employee = %d, want %d", gotEmployee, tt.wantEmployee)
			}
			if tt.wantChanged != nil || d.Outcome == codes.Unchanged {
				if diff := cmp.Diff(tt.wantChanged, d.ChangedFields); diff != "" {
					t.Errorf("changed fields (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantAttention, d.NeedsAttention); diff != "" {
				t.Errorf("needs attention (-want +got):\n%s", diff)
			}
			if d.Reason == "" {
				t.Error("every decision carries a reason")
			}
		})
	}
}

func TestIsRetiredUsesJapanTime(t *testing.T) {
	// 2026-03-31 15:30 UTC is already 2026-04-01 in Japan.
	if got := jst.Today(mustTime(t, "2026-03-31T15:30:00Z")); got != "2026-04-01" {
		t.Fatalf("jst.Today = %s", got)
	}
	if !IsRetired(ptr("2026-04-01"), "2026-04-01") || IsRetired(ptr("2026-04-02"), "2026-04-01") || IsRetired(nil, "2026-04-01") {
		t.Fatal("IsRetired: retired means set and not after today")
	}
}
