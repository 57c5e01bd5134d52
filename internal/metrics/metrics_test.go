package metrics_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/metrics"
)

func newMetrics(t *testing.T) (*metrics.Metrics, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	m := metrics.New(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { _ = m.Close() })
	return m, &logs
}

// value is the value of one series of a counter (or the sample count of a
// histogram) in the registry, 0 when the series does not exist.
func value(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if hasLabels(s, labels) {
				if h := s.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return s.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(s *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range s.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *metrics.Metrics
	m.RunStarted(codes.KindRoster, codes.TriggerCLI)
	m.RunFinished(codes.KindRoster, codes.RunFailed)
	m.Records(codes.KindRoster, string(codes.Created), 3)
	m.HRMOSRequest("users", 200, time.Second)
	hook := m.HRMOSRequest // the HRMOS client's OnResponse, wired before the worker knows whether metrics are on
	hook("token", 0, time.Second)
	if m.TemporalHandler() != nil {
		t.Error("a nil *Metrics must give the SDK no handler (nil means no metrics)")
	}
	if m.Registry() != nil {
		t.Error("a nil *Metrics has no registry")
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

func TestEngineMetrics(t *testing.T) {
	m, _ := newMetrics(t)
	reg := m.Registry()

	m.RunStarted(codes.KindRoster, codes.TriggerSchedule)
	m.RunStarted(codes.KindRoster, codes.TriggerSchedule)
	m.RunFinished(codes.KindAttendance, codes.RunFailed)
	m.Records(codes.KindRoster, string(codes.Created), 3)
	m.Records(codes.KindRoster, string(codes.Created), 0) // nothing
	m.Records(codes.KindAttendance, string(codes.Skipped), 1)
	m.HRMOSRequest("users", 200, 120*time.Millisecond)
	m.HRMOSRequest("users", 503, 2*time.Second)
	m.HRMOSRequest("token", 0, 30*time.Second)

	cases := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"hrmos_sync_runs_started_total", map[string]string{"kind": "roster", "trigger": "schedule"}, 2},
		{"hrmos_sync_runs_started_total", map[string]string{"kind": "roster", "trigger": "cli"}, 0},
		{"hrmos_sync_runs_finished_total", map[string]string{"kind": "attendance", "status": "failed"}, 1},
		{"hrmos_sync_runs_finished_total", map[string]string{"kind": "attendance", "status": "completed"}, 0},
		{"hrmos_sync_records_total", map[string]string{"kind": "roster", "outcome": "created"}, 3},
		{"hrmos_sync_records_total", map[string]string{"kind": "attendance", "outcome": "skipped"}, 1},
		{"hrmos_sync_hrmos_requests_total", map[string]string{"operation": "users", "status": "200"}, 1},
		{"hrmos_sync_hrmos_requests_total", map[string]string{"operation": "users", "status": "503"}, 1},
		{"hrmos_sync_hrmos_requests_total", map[string]string{"operation": "token", "status": "none"}, 1},
		{"hrmos_sync_hrmos_request_duration_seconds", map[string]string{"operation": "users"}, 2},
		{"hrmos_sync_hrmos_request_duration_seconds", map[string]string{"operation": "token"}, 1},
	}
	for _, c := range cases {
		if got := value(t, reg, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// A series that first appears at 1 is invisible to increase(): the first
// failed run of a kind would not show in "runs failed in the last day".
func TestKnownSeriesStartAtZero(t *testing.T) {
	m, _ := newMetrics(t)
	// 2 kinds × 3 triggers, 2 kinds × 2 final statuses, 2 kinds × 5 outcomes.
	for name, want := range map[string]int{
		"hrmos_sync_runs_started_total":  6,
		"hrmos_sync_runs_finished_total": 4,
		"hrmos_sync_records_total":       10,
	} {
		if got, err := testutil.GatherAndCount(m.Registry(), name); err != nil || got != want {
			t.Errorf("%s has %d series (err %v), want %d", name, got, err, want)
		}
	}
}

// Labels hold only known codes: a caller's mistake (or a value that should
// never be a label) becomes "other" instead of a new series.
func TestUnknownLabelValuesBecomeOther(t *testing.T) {
	m, _ := newMetrics(t)
	m.RunStarted("payroll", "cron")
	m.RunFinished(codes.KindRoster, codes.RunRunning)
	m.Records(codes.KindRoster, "山田太郎", 1)
	reg := m.Registry()
	if got := value(t, reg, "hrmos_sync_runs_started_total", map[string]string{"kind": "other", "trigger": "other"}); got != 1 {
		t.Errorf("runs_started{other,other} = %v, want 1", got)
	}
	if got := value(t, reg, "hrmos_sync_runs_finished_total", map[string]string{"kind": "roster", "status": "other"}); got != 1 {
		t.Errorf("runs_finished{roster,other} = %v, want 1", got)
	}
	if got := value(t, reg, "hrmos_sync_records_total", map[string]string{"kind": "roster", "outcome": "other"}); got != 1 {
		t.Errorf("records{roster,other} = %v, want 1", got)
	}
}

func TestEngineMetricNamesFollowPrometheusConventions(t *testing.T) {
	m, _ := newMetrics(t)
	m.HRMOSRequest("users", 200, time.Second)
	problems, err := testutil.GatherAndLint(m.Registry(),
		"hrmos_sync_runs_started_total", "hrmos_sync_runs_finished_total", "hrmos_sync_records_total",
		"hrmos_sync_hrmos_requests_total", "hrmos_sync_hrmos_request_duration_seconds")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestEnabled(t *testing.T) {
	for addr, want := range map[string]bool{
		"": false, "off": false, "OFF": false, " off ": false,
		":9464": true, "127.0.0.1:9464": true, "0.0.0.0:9464": true,
	} {
		if got := metrics.Enabled(addr); got != want {
			t.Errorf("Enabled(%q) = %v, want %v", addr, got, want)
		}
	}
}

// The SDK's handler writes into the same registry, under the names
// Temporal's docs use (counters _total, timers _seconds histograms), tags
// as labels.
func TestSDKHandlerWritesToTheRegistry(t *testing.T) {
	m, logs := newMetrics(t)
	h := m.TemporalHandler().WithTags(map[string]string{"namespace": "default", "workflow_type": "RosterSync"})
	h.Counter("temporal_workflow_failed").Inc(2)
	h.Timer("temporal_workflow_endtoend_latency").Record(3 * time.Second)
	h.Gauge("temporal_num_pollers").Update(4)
	if err := m.Close(); err != nil { // flush tally's buffer
		t.Fatal(err)
	}
	reg := m.Registry()
	labels := map[string]string{"namespace": "default", "workflow_type": "RosterSync"}
	if got := value(t, reg, "temporal_workflow_failed_total", labels); got != 2 {
		t.Errorf("temporal_workflow_failed_total = %v, want 2; registry has %v", got, names(t, reg))
	}
	if got := value(t, reg, "temporal_workflow_endtoend_latency_seconds", labels); got != 1 {
		t.Errorf("temporal_workflow_endtoend_latency_seconds count = %v, want 1; registry has %v", got, names(t, reg))
	}
	if n, err := testutil.GatherAndCount(reg, "temporal_num_pollers"); err != nil || n != 1 {
		t.Errorf("temporal_num_pollers: %d series (err %v)", n, err)
	}
	if strings.Contains(logs.String(), "could not be registered") {
		t.Errorf("reporter errors: %s", logs)
	}
}

func names(t *testing.T, g prometheus.Gatherer) []string {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "go_") && !strings.HasPrefix(f.GetName(), "process_") {
			out = append(out, f.GetName())
		}
	}
	return out
}

// The endpoint as Prometheus sees it: start on a free port, record every
// metric, scrape over HTTP, shut down.
func TestEndpointServesEveryMetric(t *testing.T) {
	m, _ := newMetrics(t)
	srv, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.RunStarted(codes.KindRoster, codes.TriggerCLI)
	m.RunFinished(codes.KindRoster, codes.RunCompleted)
	m.Records(codes.KindRoster, string(codes.Updated), 2)
	m.HRMOSRequest("users", 200, 80*time.Millisecond)
	m.TemporalHandler().Counter("temporal_workflow_failed").Inc(1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	body := scrape(t, srv.URL())
	for _, want := range []string{
		`hrmos_sync_runs_started_total{kind="roster",trigger="cli"} 1`,
		`hrmos_sync_runs_finished_total{kind="roster",status="completed"} 1`,
		`hrmos_sync_runs_finished_total{kind="roster",status="failed"} 0`,
		`hrmos_sync_records_total{kind="roster",outcome="updated"} 2`,
		`hrmos_sync_hrmos_requests_total{operation="users",status="200"} 1`,
		`hrmos_sync_hrmos_request_duration_seconds_bucket{operation="users",le="0.1"} 1`,
		`temporal_workflow_failed_total 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(srv.URL()); err == nil {
		t.Error("the endpoint still answers after Shutdown")
	}
}

func TestStartOnATakenPortFails(t *testing.T) {
	m, _ := newMetrics(t)
	srv, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	_, err = m.Start(srv.Addr())
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Errorf("second Start on %s: %v, want an error naming METRICS_ADDR", srv.Addr(), err)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}
