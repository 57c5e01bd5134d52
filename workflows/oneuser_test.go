package workflows

import (
	"slices"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// A run of one HRMOS user plans and writes that user alone, under the
// roster's workflow ID, records the user on its row, says in a notice
// that it was a one-user run, and is never held by the mass-change guard:
// here the tenant's first sync, with 300 employees in mediment, would be
// held as a full run (it matches none of them), and one new hire is no
// mass change.
func TestRosterSyncOfOneUser(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 500, settled: func(id int64) bool { return id != 7 },
		start: syncapi.StartRunResult{FirstSync: true, Employees: 300, Guard: testGuard}}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", UserID: 7})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if len(f.awaiting) != 0 {
		t.Errorf("the one-user run was held: %+v", f.awaiting)
	}
	if len(f.started) != 1 || f.started[0].OnlyHRMOSUserID != 7 {
		t.Errorf("StartRun got %+v, want the run limited to user 7", f.started)
	}
	if f.planned != 1 || len(f.synced) != 1 || f.synced[7] != 1 {
		t.Errorf("planned %d, wrote %v: want user 7 alone", f.planned, f.synced)
	}
	if f.finished.Status != codes.RunCompleted || f.finished.Staged != 1 || f.finished.Fetched != 500 ||
		!slices.ContainsFunc(f.finished.Notices, func(n string) bool {
			return strings.HasPrefix(n, codes.NoticeOneUser+": only HRMOS user 7 was synced; the other 499 users")
		}) {
		t.Errorf("finished with %+v", f.finished)
	}
	p := queryProgress(t, env)
	if p.Total != 1 || p.Done != 1 || p.OnlyUser != 7 {
		t.Errorf("progress = %+v, want 1 of 1 done, of user 7", p)
	}
	if d := currentDetails(t, env); !strings.Contains(d, "roster sync of HRMOS user 7 only") {
		t.Errorf("details = %q, want the one user named", d)
	}
}

// A user whose record writes nothing is recorded by the plan; nothing is
// left to write, as in any run.
func TestRosterSyncOfOneUnchangedUser(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 50, settled: func(int64) bool { return true }}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", UserID: 50})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if f.planned != 1 || len(f.synced) != 0 || f.finished.Staged != 1 {
		t.Errorf("planned %d, wrote %v, finished %+v: want one record decided, none written", f.planned, f.synced, f.finished)
	}
}

// A user ID HRMOS does not list fails the run at once, naming the ID, and
// records the run as failed with that reason; nothing is planned.
func TestRosterSyncOfAUserHRMOSDoesNotList(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 300, settled: func(int64) bool { return false }}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", UserID: 123456})

	appErr := workflowError(t, env)
	if !strings.Contains(appErr.Message(), "HRMOS user 123456 is not in HRMOS's list") || !appErr.NonRetryable() {
		t.Errorf("error = %v, want a non-retryable error naming user 123456", appErr)
	}
	if f.finished.Status != codes.RunFailed || !strings.Contains(f.finished.FailureReason, "HRMOS user 123456") ||
		!strings.Contains(f.finished.FailureReason, "(it lists 300)") {
		t.Errorf("finished with %+v, want failed naming user 123456", f.finished)
	}
	if f.planned != 0 || len(f.synced) != 0 {
		t.Errorf("planned %d, wrote %d: want nothing", f.planned, len(f.synced))
	}
}

// The UI's input names the user as userId; a negative or non-numeric one is
// refused with the field named.
func TestRosterSyncUserIDInput(t *testing.T) {
	var in RosterSyncInput
	if err := in.UnmarshalJSON([]byte(`{"tenantId":"acme","userId":1234}`)); err != nil || in.validate() != nil || in.UserID != 1234 {
		t.Fatalf("input = %+v, %v", in, in.validate())
	}
	for input, want := range map[string]string{
		`{"tenantId":"acme","userId":-5}`:    `field "userId" must be an HRMOS user ID`,
		`{"tenantId":"acme","userId":"12a"}`: `field "userId" has the wrong type (want an HRMOS user ID (a whole number))`,
		`{"tenantId":"acme","userId":1.5}`:   `field "userId" has the wrong type`,
	} {
		var in RosterSyncInput
		_ = in.UnmarshalJSON([]byte(input))
		if err := in.validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", input, err, want)
		}
	}
}
