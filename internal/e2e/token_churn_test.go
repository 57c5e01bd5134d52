package e2e

import (
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// sameLines fails the test at the first line that differs.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("%s line %d:\n got %s\nwant %s", what, i+1, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d lines, want %d", what, len(got), len(want))
	}
}

// HRMOS may revoke a company's tokens whenever another client gets one, and
// tokens expire: a run must take new ones and carry on, and write exactly
// what a run without the churn writes.
func TestHRMOSTokenChurnNeverFailsARun(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	// One spec (Now included) for both companies: the same employees.
	spec := hrmossim.GenerateSpec{Users: 120, Seed: 53, Months: []string{month}, Messy: hrmossim.MessyAll(), Now: time.Now()}
	for _, id := range []string{"calm", "churn"} {
		spec.CompanyID = id
		c := e.company(spec)
		e.mustConnect(id, id, c.APIKey)
	}

	calmRoster := e.mustRoster(workflows.RosterSyncInput{TenantID: "calm"})
	calmAttendance := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "calm", Month: month})

	// Every token dies after two data requests, and all after 3 s.
	e.sim.SetFaults(hrmossim.Faults{RevokeTokensAfter: 2, TokenTTL: 3 * time.Second})
	roster := e.mustRoster(workflows.RosterSyncInput{TenantID: "churn"})
	attendance := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "churn", Month: month})
	e.sim.SetFaults(hrmossim.Faults{})

	// Six data requests (departments, lodgments, two pages each of users and
	// of the report), each token revoked after two: two tokens more at least.
	if calm, churn := len(e.sim.IssuedTokens("calm")), len(e.sim.IssuedTokens("churn")); churn < calm+2 {
		t.Fatalf("%d tokens issued with churn, %d without: the churn did not happen", churn, calm)
	}
	if roster.Counts != calmRoster.Counts || attendance.Counts != calmAttendance.Counts {
		t.Fatalf("with token churn: roster %+v, attendance %+v; without: %+v, %+v",
			roster.Counts, attendance.Counts, calmRoster.Counts, calmAttendance.Counts)
	}
	if calmAttendance.Created == 0 {
		t.Fatalf("the clean attendance run wrote nothing: %+v", calmAttendance.Counts)
	}
	calmEmployees, calmMonths := e.synced("calm")
	churnEmployees, churnMonths := e.synced("churn")
	sameLines(t, "employees", churnEmployees, calmEmployees)
	sameLines(t, "monthly_attendance", churnMonths, calmMonths)
}
