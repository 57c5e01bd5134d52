package rules

import (
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// HRMOS keeps a retiree's old account beside the new one of a rehire: the
// same 氏名 and メールアドレス, each with its own 社員番号. Rule 2 matches by
// number first, so the shared name and email only matter to a user whose
// match would fall back to them. These cases run both accounts through
// DecideRoster for every state mediment can be in, with candidates found the
// way the store finds them.
func TestRule2RehiredEmployeeInEveryMedimentState(t *testing.T) {
	old := user(func(u *HRMOSUser) { u.ID, u.Number, u.EndDate, u.NameEmailShared = 201, "A0001", "2024-03-31", true })
	rehired := user(func(u *HRMOSUser) { u.ID, u.Number, u.StartDate, u.NameEmailShared = 202, "B0002", "2025-04-01", true })
	staged := []HRMOSUser{old, rehired}

	// account is a mediment employee holding u's synced values.
	account := func(id int64, u HRMOSUser, linkedTo *int64) Employee {
		f, p := MapUser(u)
		if p != nil {
			t.Fatal(p)
		}
		return Employee{ID: id, HRMOSUserID: linkedTo, Synced: f}
	}
	withoutNumber := func(e Employee) Employee { e.Synced.EmployeeNumber = nil; return e }
	oldLinked, rehiredLinked := ptr(int64(201)), ptr(int64(202))

	type want struct {
		outcome  codes.Outcome
		code     string
		employee int64
	}
	tests := []struct {
		name             string
		mediment         []Employee
		wantOld, wantNew want
	}{
		{"neither account is in mediment", nil,
			want{codes.Skipped, codes.ReasonRetiredNotInMediment, 0}, want{codes.Created, codes.ReasonNewEmployee, 0}},
		{"only the old account, not linked yet", []Employee{account(1, old, nil)},
			want{codes.Updated, codes.ReasonMatchedByNumber, 1}, want{codes.Created, codes.ReasonNewEmployee, 0}},
		{"only the old account, linked to the old HRMOS user", []Employee{account(1, old, oldLinked)},
			want{codes.Unchanged, codes.ReasonMatchedByNumber, 1}, want{codes.Created, codes.ReasonNewEmployee, 0}},
		{"only the new account, entered by hand", []Employee{account(2, rehired, nil)},
			want{codes.Skipped, codes.ReasonRetiredNotInMediment, 0}, want{codes.Updated, codes.ReasonMatchedByNumber, 2}},
		{"only the new account, linked", []Employee{account(2, rehired, rehiredLinked)},
			want{codes.Skipped, codes.ReasonRetiredNotInMediment, 0}, want{codes.Unchanged, codes.ReasonMatchedByNumber, 2}},
		{"both accounts, not linked yet", []Employee{account(1, old, nil), account(2, rehired, nil)},
			want{codes.Updated, codes.ReasonMatchedByNumber, 1}, want{codes.Updated, codes.ReasonMatchedByNumber, 2}},
		{"both accounts, each linked", []Employee{account(1, old, oldLinked), account(2, rehired, rehiredLinked)},
			want{codes.Unchanged, codes.ReasonMatchedByNumber, 1}, want{codes.Unchanged, codes.ReasonMatchedByNumber, 2}},
		{"one account without 社員番号: which HRMOS user it is cannot be told", []Employee{withoutNumber(account(3, rehired, nil))},
			want{codes.Error, codes.ReasonDuplicateInHRMOS, 0}, want{codes.Error, codes.ReasonDuplicateInHRMOS, 0}},
		{"the old account, linked to the new HRMOS user by an earlier sync", []Employee{account(1, old, rehiredLinked)},
			want{codes.Error, codes.ReasonLinkedToOtherHRMOSUser, 0}, want{codes.Updated, codes.ReasonMatchedByLink, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				who  string
				u    HRMOSUser
				want want
			}{{"old account", old, tt.wantOld}, {"new account", rehired, tt.wantNew}} {
				d := DecideRoster(c.u, candidatesIn(tt.mediment, staged, c.u), today)
				var got int64
				if d.Employee != nil {
					got = d.Employee.ID
				}
				if d.Outcome != c.want.outcome || d.ReasonCode != c.want.code || got != c.want.employee {
					t.Errorf("%s: %s/%s employee %d (%s), want %s/%s employee %d",
						c.who, d.Outcome, d.ReasonCode, got, d.Reason, c.want.outcome, c.want.code, c.want.employee)
				}
			}
		})
	}
}

// A name+email duplicate still blocks a user that has nothing else to be
// matched by, and two users sharing a 社員番号 are always blocked.
func TestRule2DuplicatesInHRMOS(t *testing.T) {
	tests := []struct {
		name     string
		user     HRMOSUser
		mediment []Employee
		want     string
	}{
		{"no 社員番号 and a shared 氏名+メール: created twice otherwise",
			user(func(u *HRMOSUser) { u.Number, u.NameEmailShared = "", true }), nil, codes.ReasonDuplicateInHRMOS},
		{"a shared 社員番号, even when it finds an employee",
			user(func(u *HRMOSUser) { u.NumberShared = true }), []Employee{employee(7)}, codes.ReasonDuplicateInHRMOS},
		{"a shared 氏名+メール with a 社員番号 that finds the employee: matched by number",
			user(func(u *HRMOSUser) { u.NameEmailShared = true }), []Employee{employee(7)}, codes.ReasonMatchedByNumber},
		{"a 社員番号 found nowhere and a shared 氏名+メール that finds nobody: created",
			user(func(u *HRMOSUser) { u.Number, u.NameEmailShared = "Z9", true }), nil, codes.ReasonNewEmployee},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideRoster(tt.user, candidatesIn(tt.mediment, []HRMOSUser{tt.user}, tt.user), today)
			if d.ReasonCode != tt.want {
				t.Errorf("reason code = %s (%s), want %s", d.ReasonCode, d.Reason, tt.want)
			}
		})
	}
}

// candidatesIn finds u's candidates among mediment's employees as the store
// does: normalized keys, and which name+email candidates hold the 社員番号 of
// another staged HRMOS user.
func candidatesIn(mediment []Employee, staged []HRMOSUser, u HRMOSUser) Candidates {
	var c Candidates
	norm := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, e := range mediment {
		num := norm(e.Synced.EmployeeNumber)
		if num != "" && num == u.Number {
			c.ByNumber = append(c.ByNumber, e)
		}
		if norm(e.Synced.LastName)+norm(e.Synced.FirstName) == u.LastName+u.FirstName && norm(e.Synced.Email) == u.Email {
			c.ByNameEmail = append(c.ByNameEmail, e)
			for _, o := range staged {
				if o.ID != u.ID && num != "" && o.Number == num {
					c.NumberHeldByOther = append(c.NumberHeldByOther, e.ID)
				}
			}
		}
		if e.HRMOSUserID != nil && *e.HRMOSUserID == u.ID {
			link := e
			c.ByLink = &link
		}
	}
	return c
}
