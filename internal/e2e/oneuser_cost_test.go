package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// TestOneUserSyncCost measures what syncing one new hire costs at a few
// company sizes (the README's starter section quotes it): the simulator
// without a rate limit, the worker in the test, the dev server, this
// machine's PostgreSQL. For each size: the tenant's full first sync (for
// comparison), then a new hire added in HRMOS and synced alone with
// --user. It prints the wall time of each run, how long the fetch of the
// whole list took (from the workflow history), and how many HTTP requests
// reached HRMOS, from which the cost at HRMOS's 300 requests a minute
// follows. A measurement, not a check: it runs only with
// HRMOS_ONE_USER_COST=1 (sizes in HRMOS_ONE_USER_COST_SIZES, default
// 300,10000).
func TestOneUserSyncCost(t *testing.T) {
	if os.Getenv("HRMOS_ONE_USER_COST") != "1" {
		t.Skip("a measurement: set HRMOS_ONE_USER_COST=1 to run it")
	}
	sizes := []int{300, 10000}
	if s := os.Getenv("HRMOS_ONE_USER_COST_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "| HRMOS users | full first sync | new hire | one-user sync | of which the fetch | HTTP requests to HRMOS (one-user) |\n|---:|---:|---|---:|---:|---:|\n")
	for _, n := range sizes {
		var requests atomic.Int64
		var mu sync.Mutex
		paths := map[string]int{}
		e := newEnvWith(t, func(c *config.Config) {
			// Count what reaches HRMOS: a proxy in front of the simulator.
			target, err := url.Parse(strings.TrimSuffix(c.HRMOSBaseURL, "/api"))
			if err != nil {
				t.Fatal(err)
			}
			proxy := httputil.NewSingleHostReverseProxy(target)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				mu.Lock()
				paths[r.URL.Path]++
				mu.Unlock()
				proxy.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			c.HRMOSBaseURL = srv.URL + "/api"
		})
		tenant := fmt.Sprintf("cost%d", n)
		c := e.company(hrmossim.GenerateSpec{CompanyID: tenant, Users: n, Seed: 5})
		e.mustConnect(tenant, tenant, c.APIKey)

		// The full first sync of a large company outlasts the test
		// helpers' 3 minutes on this machine (docs/benchmarks.md measures
		// it): above 20,000 users the one-user runs find an empty tenant,
		// which changes their cost little (the plan reads one user's
		// candidates by index either way).
		started := time.Now()
		var full store.Run
		var fullTime time.Duration
		if n <= 20000 {
			full = e.mustRoster(workflows.RosterSyncInput{TenantID: tenant})
			fullTime = time.Since(started)
		}

		// Two new hires: one registered in HRMOS ten minutes before the
		// sync, one a moment before. The fetch reads a list again when a
		// record was created less than its clock margin (5 minutes) before
		// it began (activities/fetch.go, clockSkewMargin): an ops person who
		// registers the hire and syncs at once pays that second reading.
		last := c.Users[len(c.Users)-1].ID
		for i, ago := range []time.Duration{10 * time.Minute, 0} {
			hire := hrmosUser(c, last+int64(i)+1, fmt.Sprintf("NEW-%04d", i+1), "新入", "社員", fmt.Sprintf("new.hire%d@example.com", i+1))
			hire.CreatedAt, hire.UpdatedAt = time.Now().Add(-ago), time.Now().Add(-ago)
			if err := e.sim.PutUser(tenant, hire); err != nil {
				t.Fatal(err)
			}
			requests.Store(0)
			mu.Lock()
			clear(paths)
			mu.Unlock()
			ctx := context.Background()
			started = time.Now()
			wf, err := e.temporal.ExecuteWorkflow(startedAs(ctx, codes.TriggerCLI), startopts.Roster(e.cfg.TaskQueue, tenant, codes.TriggerCLI, false),
				workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: tenant, Trigger: codes.TriggerCLI, UserID: hire.ID})
			if err != nil {
				t.Fatal(err)
			}
			one, err := e.wait(ctx, tenant, wf.GetRunID(), wf.Get)
			oneTime := time.Since(started)
			if err != nil || one.Created != 1 || one.Fetched != n+i+1 {
				t.Fatalf("one-user run = %+v, %v", one, err)
			}
			fetch := e.activityTime(wf.GetID(), wf.GetRunID(), "FetchRoster")
			when := "registered 10 min before"
			if ago == 0 {
				when = "registered just before"
			}
			mu.Lock()
			t.Logf("%d users: full first sync %s (%d created; 0s: not run); one-user sync of a hire %s: %s (fetch %s), %d requests %v",
				n, fullTime.Round(10*time.Millisecond), full.Created, when, oneTime.Round(10*time.Millisecond), fetch.Round(10*time.Millisecond),
				requests.Load(), paths)
			mu.Unlock()
			fullCell := "not run"
			if fullTime > 0 {
				fullCell = fullTime.Round(10 * time.Millisecond).String()
			}
			fmt.Fprintf(&report, "| %d | %s | %s | %s | %s | %d |\n", n, fullCell, when,
				oneTime.Round(10*time.Millisecond), fetch.Round(10*time.Millisecond), requests.Load())
		}
	}
	t.Logf("\n%s", report.String())
}

// activityTime is how long an activity of a workflow run took, from its
// scheduling to its completion, as the history records them.
func (e *env) activityTime(workflowID, runID, activityType string) time.Duration {
	e.t.Helper()
	it := e.temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled := map[int64]time.Time{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			e.t.Fatal(err)
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == activityType {
			scheduled[ev.GetEventId()] = ev.GetEventTime().AsTime()
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			if at, ok := scheduled[a.GetScheduledEventId()]; ok {
				return ev.GetEventTime().AsTime().Sub(at)
			}
		}
	}
	e.t.Fatalf("no completed %s in the history of %s", activityType, workflowID)
	return 0
}
