package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The SDK's own metrics, from a real worker on a real Temporal server (the
// CLI's dev server of internal/testenv), dialled the way the worker binary
// dials, reach /metrics under the names the README lists.
func TestSDKMetricsFromARealWorker(t *testing.T) {
	ts := testenv.NewTemporal(t)
	m, logs := newMetrics(t)
	cfg := config.Config{TemporalAddress: ts.Address, TemporalNamespace: ts.Namespace}
	c, err := app.DialTemporalWithMetrics(cfg, slog.New(slog.DiscardHandler), m.TemporalHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	w := worker.New(c, "metrics-test", worker.Options{})
	// With fail set, the activity, then the local activity, then the
	// workflow fail, so that the failure counters appear too.
	ping := func(_ context.Context, fail bool) error {
		if fail {
			return temporal.NewNonRetryableApplicationError("failed on purpose", "Test", nil)
		}
		return nil
	}
	w.RegisterActivityWithOptions(ping, activity.RegisterOptions{Name: "Ping"})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, fail bool) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		actErr := workflow.ExecuteActivity(ctx, "Ping", fail).Get(ctx, nil)
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
		return errors.Join(actErr, workflow.ExecuteLocalActivity(ctx, ping, fail).Get(ctx, nil))
	}, workflow.RegisterOptions{Name: "MetricsTest"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, fail := range []bool{false, true} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("metrics-test-%d", i), TaskQueue: "metrics-test",
		}, "MetricsTest", fail)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); fail != (err != nil) {
			t.Fatalf("workflow (fail=%v): %v", fail, err)
		}
	}
	w.Stop()
	if err := m.Close(); err != nil { // flush tally's buffer
		t.Fatal(err)
	}

	srv, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	body := scrape(t, srv.URL())
	seen := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "# TYPE temporal_") {
			seen[strings.Fields(line)[2]] = true
		}
	}
	var all []string
	for n := range seen {
		all = append(all, n)
	}
	sort.Strings(all)
	t.Logf("SDK metrics on /metrics: %s", strings.Join(all, " "))

	// The ones the README tells ops to watch.
	for _, name := range []string{
		"temporal_workflow_completed_total",
		"temporal_workflow_failed_total",
		"temporal_workflow_endtoend_latency_seconds",
		"temporal_workflow_task_schedule_to_start_latency_seconds",
		"temporal_workflow_task_execution_latency_seconds",
		"temporal_activity_execution_failed_total",
		"temporal_local_activity_execution_failed_total",
		"temporal_activity_execution_latency_seconds",
		"temporal_local_activity_execution_latency_seconds",
		"temporal_request_total",
		"temporal_request_latency_seconds",
		"temporal_long_request_total",
		"temporal_worker_task_slots_available",
		"temporal_num_pollers",
		"temporal_sticky_cache_size",
	} {
		if !seen[name] {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for _, want := range []string{
		`temporal_workflow_completed_total{`,
		`workflow_type="MetricsTest"`,
		`task_queue="metrics-test"`, // as typed, not sanitized to metrics_test
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(logs.String(), "could not be registered") {
		t.Errorf("reporter errors:\n%s", logs)
	}
}
