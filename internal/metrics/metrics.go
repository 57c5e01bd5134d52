// Package metrics is the worker's Prometheus endpoint: the Temporal SDK's own
// metrics (polls, task latencies, workflow and activity failures) and the
// engine's (runs, records, HRMOS requests; and, through a StateCollector,
// the state ops alert on), in one registry served on one /metrics (README
// "Metrics").
//
// The SDK's metrics reach Prometheus through the SDK's tally contrib
// (go.temporal.io/sdk/contrib/tally v0.2.0) and tally's Prometheus reporter,
// rather than through its OpenTelemetry contrib and OTel's Prometheus
// exporter, because:
//   - it is what Temporal's own Go sample for metrics (samples-go/metrics)
//     and the Go SDK's observability docs use, and its Prometheus naming
//     scope gives the OpenMetrics names (temporal_workflow_failed_total)
//     the contrib documents as common across SDKs;
//   - it is light: the contrib is one small file that requires only
//     go.temporal.io/sdk >= v1.12.0, so it leaves the pinned sdk v1.50.0 and
//     api v1.63.5 where they are, and tally/v4 and client_golang were
//     already in the module graph; the OTel route adds the OTel API, SDK,
//     metric SDK and exporter to the binary (at least 1.3 MB more than this
//     one, measured), and its exporter adds otel_scope_* labels and a
//     target_info series to every scrape.
//
// No label carries personal data, a credential or a tenant ID: labels are the
// engine's fixed codes (kind, status, trigger, outcome), HRMOS operation names
// and HTTP status codes, and the SDK's namespace, task queue, workflow and
// activity types. Tenants are left out on purpose: mediment serves many, and
// one series per tenant, kind and outcome would grow with every customer;
// per-tenant detail is in sync_runs and in each run's workflow history.
// The state gauges of state.go are the exception, and a bounded one: what
// needs ops (a held run, a failed scheduled run, a key, a schedule) is read
// from the database and Temporal per connected tenant, for alerts that
// name the tenant (deploy/prometheus/alerts.yml).
//
// A nil *Metrics is valid and records nothing, so tests, the starter and a
// worker with METRICS_ADDR=off need no registry.
package metrics

import (
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Namespace prefixes every metric of the engine.
const Namespace = "hrmos_sync"

// Other is the label value that stands in for a value outside the known
// codes, so that a mistake in a caller cannot grow a label without bound.
const Other = "other"

// NoResponse is the status label of an HRMOS request that got no HTTP
// response (timeout, connection refused, DNS).
const NoResponse = "none"

// HRMOSLatencyBuckets are the HRMOS request duration buckets, in seconds:
// from a fast token call (50 ms) to a request that hit the client's timeout.
var HRMOSLatencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// sdkLatencyBuckets are the buckets of the SDK's timers (task and request
// latencies, in seconds): local activities take milliseconds, a long poll
// up to a minute.
var sdkLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// sdkReportInterval is how often tally hands the SDK's buffered counters and
// gauges to the registry: a scrape sees them at most this late.
const sdkReportInterval = time.Second

// Metrics holds the worker's registry and the engine's metrics. Create one
// per process with New; Close it when the worker has stopped.
type Metrics struct {
	registry *prometheus.Registry

	runsStarted   *prometheus.CounterVec
	runsFinished  *prometheus.CounterVec
	records       *prometheus.CounterVec
	planStale     *prometheus.CounterVec
	hrmosRequests *prometheus.CounterVec
	hrmosLatency  *prometheus.HistogramVec

	sdkHandler client.MetricsHandler
	sdkScope   io.Closer
}

// New makes the registry with the Go runtime and process collectors, the
// engine's metrics and the SDK's handler. logger receives the reporter's
// errors (a metric the SDK emits with two label sets is dropped, not fatal).
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m := &Metrics{
		registry: reg,
		runsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "runs_started_total",
			Help: "Sync runs started (sync_runs rows written as running), by kind and trigger.",
		}, []string{"kind", "trigger"}),
		runsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "runs_finished_total",
			Help: "Sync runs finished, by kind and status (completed or failed).",
		}, []string{"kind", "status"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "records_total",
			Help: "Employees (roster) and report rows (attendance) recorded by runs, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		planStale: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "planned_writes_stale_total",
			Help: "Records whose planned write no longer held at its write (the employee or month changed since the plan), decided again from fresh reads, by kind.",
		}, []string{"kind"}),
		hrmosRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "hrmos_requests_total",
			Help: `HTTP requests to HRMOS (each attempt), by operation and HTTP status ("none": no response).`,
		}, []string{"operation", "status"}),
		hrmosLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "hrmos_request_duration_seconds",
			Help:    "Duration of HTTP requests to HRMOS (each attempt), by operation.",
			Buckets: HRMOSLatencyBuckets,
		}, []string{"operation"}),
	}
	reg.MustRegister(m.runsStarted, m.runsFinished, m.records, m.planStale, m.hrmosRequests, m.hrmosLatency)

	// Every known series exists from the start at 0, so increase() and rate()
	// see the first failed run instead of a series that appears at 1.
	for _, kind := range kinds {
		m.planStale.WithLabelValues(kind)
		for _, trigger := range triggers {
			m.runsStarted.WithLabelValues(kind, trigger)
		}
		for _, status := range finalStatuses {
			m.runsFinished.WithLabelValues(kind, status)
		}
		for _, outcome := range codes.Outcomes {
			m.records.WithLabelValues(kind, string(outcome))
		}
	}

	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: sdkLatencyBuckets,
		OnRegisterError: func(err error) {
			logger.Warn("a Temporal SDK metric could not be registered and is dropped", "error", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter: reporter,
		Separator:      tallyprom.DefaultSeparator,
		// No sanitizer, unlike the contrib's doc comment suggests: its
		// PrometheusSanitizeOptions also rewrite label values, so task queue
		// "hrmos-sync" would be queried as task_queue="hrmos_sync" and a
		// namespace "prod.a1b2c" as "prod_a1b2c". The SDK's metric names and
		// tag keys are valid Prometheus names already; one that were not
		// would be refused by the registry and logged, not served mangled.
		SanitizeOptions: nil,
		// tally's own cardinality gauges say nothing to ops.
		OmitCardinalityMetrics: true,
	}, sdkReportInterval)
	// The naming scope adds _total to counters and _seconds to timers, the
	// names Temporal's docs and dashboards use.
	m.sdkHandler = sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope))
	m.sdkScope = closer
	return m
}

var (
	kinds         = []string{codes.KindRoster, codes.KindAttendance}
	triggers      = []string{codes.TriggerCLI, codes.TriggerUI, codes.TriggerSchedule}
	finalStatuses = []string{codes.RunCompleted, codes.RunFailed}
)

// known returns v when it is one of values, Other otherwise.
func known(v string, values []string) string {
	for _, k := range values {
		if v == k {
			return v
		}
	}
	return Other
}

func knownOutcome(v string) string {
	for _, o := range codes.Outcomes {
		if v == string(o) {
			return v
		}
	}
	return Other
}

// RunStarted counts a run whose sync_runs row was written as running, once
// per run (not again when a retried StartRun finds the row written). kind is
// codes.KindRoster or codes.KindAttendance, trigger one of codes.Trigger*.
func (m *Metrics) RunStarted(kind, trigger string) {
	if m == nil {
		return
	}
	m.runsStarted.WithLabelValues(known(kind, kinds), known(trigger, triggers)).Inc()
}

// RunFinished counts a run whose end was recorded, once per run, whoever
// recorded it: the workflow's FinishRun, StartRun closing runs a killed
// workflow left running, or the sweeper. status is codes.RunCompleted or
// codes.RunFailed.
func (m *Metrics) RunFinished(kind, status string) {
	if m == nil {
		return
	}
	m.runsFinished.WithLabelValues(known(kind, kinds), known(status, finalStatuses)).Inc()
}

// Records counts n employees or report rows recorded with one outcome
// (codes.Created … codes.Error, as a string), once each: after the
// transaction that recorded them committed, not when a retry finds the
// outcome already recorded, and not for dry runs, which write nothing.
// n <= 0 records nothing.
func (m *Metrics) Records(kind, outcome string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.records.WithLabelValues(known(kind, kinds), knownOutcome(outcome)).Add(float64(n))
}

// PlanStale counts one record whose planned write no longer held.
func (m *Metrics) PlanStale(kind string) {
	if m == nil {
		return
	}
	m.planStale.WithLabelValues(known(kind, kinds)).Inc()
}

// HRMOSRequest records one HTTP request to HRMOS. Its signature is the HRMOS
// client's hook (hrmos.Config.OnResponse), so m.HRMOSRequest can be passed
// as it is, even when m is nil. op is the client's fixed operation name;
// status 0 means no response.
func (m *Metrics) HRMOSRequest(op string, status int, elapsed time.Duration) {
	if m == nil {
		return
	}
	s := NoResponse
	if status > 0 {
		s = strconv.Itoa(status)
	}
	m.hrmosRequests.WithLabelValues(op, s).Inc()
	m.hrmosLatency.WithLabelValues(op).Observe(elapsed.Seconds())
}

// TemporalHandler is the SDK's metrics handler for client.Options.MetricsHandler.
// It is nil for a nil *Metrics, which the SDK takes as "no metrics".
func (m *Metrics) TemporalHandler() client.MetricsHandler {
	if m == nil {
		return nil
	}
	return m.sdkHandler
}

// Registry is the registry behind /metrics, for tests and for anything else
// the process wants to expose.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.registry
}

// Close flushes the SDK's last buffered values into the registry and stops
// tally's reporting loop. Call it after the worker and its client stopped.
func (m *Metrics) Close() error {
	if m == nil {
		return nil
	}
	return m.sdkScope.Close()
}
