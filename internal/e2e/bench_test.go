package e2e

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/workflows"
)

// noopFanOut is the baseline the sync is measured against: the same shape
// (chunk children of local activities) doing nothing, on the same server
// and machine in the same run, so the ratio says what our work costs over
// Temporal's own.
func noopFanOut(ctx workflow.Context, n, chunk int) (int, error) {
	var done int
	for first := 0; first < n; first += chunk {
		var got int
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{})
		if err := workflow.ExecuteChildWorkflow(cctx, noopChunk, min(chunk, n-first)).Get(ctx, &got); err != nil {
			return done, err
		}
		done += got
	}
	return done, nil
}

func noopChunk(ctx workflow.Context, n int) (int, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	sem := workflow.NewSemaphore(ctx, 16)
	wg := workflow.NewWaitGroup(ctx)
	for range n {
		_ = sem.Acquire(ctx, 1)
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			_ = workflow.ExecuteLocalActivity(gctx, noopActivity).Get(gctx, nil)
		})
	}
	wg.Wait(ctx)
	return n, nil
}

func noopActivity(context.Context) error { return nil }

// BenchmarkRosterSync prints how fast a roster sync of a generated company
// runs end to end (HRMOS simulator over HTTP, real Temporal, PostgreSQL),
// against the no-op baseline, and the worker process's heap. Size with
// BENCH_EMPLOYEES (default 5000):
//
//	BENCH_EMPLOYEES=20000 go test -run '^$' -bench RosterSync -benchtime 1x ./internal/e2e/
func BenchmarkRosterSync(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("BENCH_EMPLOYEES")); err == nil && v > 0 {
		n = v
	}
	e := newEnvB(b, func(r worker.Registry) {
		r.RegisterWorkflow(noopFanOut)
		r.RegisterWorkflow(noopChunk)
		r.RegisterActivity(noopActivity)
	})
	e.sim.SetRateLimit(0)
	c := e.company(hrmossim.GenerateSpec{CompanyID: "bench", Users: n, Seed: 1, Messy: hrmossim.MessyAll()})
	e.mustConnect("bench", "bench", c.APIKey)

	ctx := context.Background()
	start := time.Now()
	run, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "noop-baseline", TaskQueue: e.cfg.TaskQueue}, noopFanOut, n, 500)
	if err != nil {
		b.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		b.Fatal(err)
	}
	baseline := time.Since(start)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	b.ResetTimer()
	start = time.Now()
	first := e.mustRoster(workflows.RosterSyncInput{TenantID: "bench"})
	created := time.Since(start)
	start = time.Now()
	second := e.mustRoster(workflows.RosterSyncInput{TenantID: "bench"})
	resync := time.Since(start)
	b.StopTimer()
	close(stop)

	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	fmt.Printf("roster sync of %d employees (%d created, %d errors): %s, %.0f employees/s\n", n, first.Created, first.Errors, created.Round(time.Millisecond), rate(created))
	fmt.Printf("re-sync (%d unchanged):                          %s, %.0f employees/s\n", second.Unchanged, resync.Round(time.Millisecond), rate(resync))
	fmt.Printf("no-op baseline, same fan-out shape:              %s, %.0f local activities/s\n", baseline.Round(time.Millisecond), rate(baseline))
	fmt.Printf("ratio first sync / baseline: %.2f; re-sync / baseline: %.2f\n", created.Seconds()/baseline.Seconds(), resync.Seconds()/baseline.Seconds())
	fmt.Printf("test process heap in use: %.0f MiB before, %.0f MiB peak (simulator's company included)\n",
		float64(before.HeapInuse)/(1<<20), float64(peak)/(1<<20))
}
