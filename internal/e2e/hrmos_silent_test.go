package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// An HRMOS that accepts connections and never answers is the client's
// "HRMOS did not answer", retried, then the run's failure reason: never a
// heartbeat timeout worded as a worker that stopped responding.
func TestHangingHRMOSEndsTheRunFailed(t *testing.T) {
	e := newEnvOpts(t, testenv.Options{
		Configure: func(c *config.Config) { c.HRMOSRequestTimeout = 100 * time.Millisecond },
		Workflows: workflows.Options{HRMOSRetryInterval: 50 * time.Millisecond},
	})
	c := e.company(hrmossim.GenerateSpec{CompanyID: "mute", Users: 5, Seed: 59})
	e.mustConnect("mute", "mute", c.APIKey)
	// The token is issued; the list of users never comes (the simulator
	// answers once the client has left).
	e.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", Latency: time.Minute})

	run, err := e.roster(workflows.RosterSyncInput{TenantID: "mute"})
	if err == nil {
		t.Fatal("the run succeeded while HRMOS did not answer")
	}
	if run.Status != codes.RunFailed || !strings.Contains(run.FailureReason, "HRMOS did not answer within 100ms on 4 attempts (list users, page 1)") ||
		strings.Contains(run.FailureReason, "stopped responding") {
		t.Fatalf("run = %+v, want failed because HRMOS did not answer", run)
	}
	if !strings.Contains(err.Error(), "HRMOS did not answer") {
		t.Fatalf("workflow error = %v", err)
	}
}
