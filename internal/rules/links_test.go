package rules

import (
	"slices"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// SPEC §1: HRMOS numbers users per company, so the link an earlier sync made
// names a person only within the company it came from. The run reads
// company "new"; user() is its HRMOS user 101.
func TestLinksCountOnlyForTheirCompany(t *testing.T) {
	const company = "new"
	linkedTo := func(user int64, comp *string) func(*Employee) {
		return func(e *Employee) { e.HRMOSUserID, e.HRMOSCompanyID = &user, comp }
	}
	other := func(e *Employee) {
		e.Synced.EmployeeNumber, e.Synced.LastName, e.Synced.Email = ptr("OLD-9"), ptr("別人"), ptr("someone@old.example.jp")
	}
	tests := []struct {
		name          string
		candidates    Candidates
		wantOutcome   codes.Outcome
		wantCode      string
		wantEmployee  int64
		wantTakesOver bool
	}{
		{
			name:       "another company's user with the same ID is not a match by link",
			candidates: Candidates{ByLink: ptr(employee(7, other, linkedTo(101, ptr("old"))))},
			// Nobody else matches: a new employee, taking the ID over.
			wantOutcome: codes.Created, wantCode: codes.ReasonNewEmployee, wantTakesOver: true,
		},
		{
			name:        "the same company's link matches",
			candidates:  Candidates{ByLink: ptr(employee(7, other, linkedTo(101, ptr(company))))},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByLink, wantEmployee: 7,
		},
		{
			name:        "a link made outside the engine (no company) counts for the tenant's company",
			candidates:  Candidates{ByLink: ptr(employee(7, other, linkedTo(101, nil)))},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByLink, wantEmployee: 7,
		},
		{
			name: "another company's link is no conflict with a match by number",
			candidates: Candidates{
				ByNumber: []Employee{employee(8)},
				ByLink:   ptr(employee(7, other, linkedTo(101, ptr("old")))),
			},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 8, wantTakesOver: true,
		},
		{
			name: "the same company's link to another employee still conflicts",
			candidates: Candidates{
				ByNumber: []Employee{employee(8)},
				ByLink:   ptr(employee(7, other, linkedTo(101, ptr(company)))),
			},
			wantOutcome: codes.Error, wantCode: codes.ReasonHRMOSUserLinkedToOther,
		},
		{
			name:        "an employee linked to another company's user 202 is free for this company's user 101",
			candidates:  Candidates{ByNumber: []Employee{employee(8, linkedTo(202, ptr("old")))}},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 8,
		},
		{
			name:        "an employee linked to this company's user 202 is not",
			candidates:  Candidates{ByNumber: []Employee{employee(8, linkedTo(202, ptr(company)))}},
			wantOutcome: codes.Error, wantCode: codes.ReasonLinkedToOtherHRMOSUser,
		},
		{
			name:        "the matched employee's own link to another company's user of the same ID is replaced",
			candidates:  Candidates{ByNumber: []Employee{employee(8, linkedTo(101, ptr("old")))}, ByLink: ptr(employee(8, linkedTo(101, ptr("old"))))},
			wantOutcome: codes.Updated, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 8, wantTakesOver: true,
		},
		{
			name:        "an employee already linked to this company's user is up to date",
			candidates:  Candidates{ByNumber: []Employee{employee(8, linkedTo(101, ptr(company)))}},
			wantOutcome: codes.Unchanged, wantCode: codes.ReasonMatchedByNumber, wantEmployee: 8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.candidates.Company = company
			d := DecideRoster(user(), tt.candidates, today)
			if d.Outcome != tt.wantOutcome || d.ReasonCode != tt.wantCode {
				t.Fatalf("decision = %s/%s (%s), want %s/%s", d.Outcome, d.ReasonCode, d.Reason, tt.wantOutcome, tt.wantCode)
			}
			if tt.wantEmployee != 0 && (d.Employee == nil || d.Employee.ID != tt.wantEmployee) {
				t.Errorf("matched %+v, want employee %d", d.Employee, tt.wantEmployee)
			}
			if d.TakesOverLink != tt.wantTakesOver {
				t.Errorf("TakesOverLink = %v, want %v", d.TakesOverLink, tt.wantTakesOver)
			}
			if d.Outcome == codes.Created || d.Outcome == codes.Updated {
				if !slices.Contains(d.ChangedFields, "hrmos_user_id") && tt.wantTakesOver {
					t.Errorf("changed fields %v lack the new link", d.ChangedFields)
				}
				for _, c := range d.Changes(101) {
					if c.Column == "hrmos_user_id" && c.Old != nil && tt.wantTakesOver {
						t.Errorf("the diff shows another company's link %s as the old value", *c.Old)
					}
				}
			}
		})
	}
}
