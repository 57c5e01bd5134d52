// Package app wires the engine together: it is what the worker binary and
// the integration tests share, so the tests run exactly what production runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows"
)

// NewLogger makes the process logger: JSON lines on stderr. Nothing logged
// anywhere in the engine carries personal data or a credential: log
// references (tenant, run, HRMOS user ID) and counts only.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// DialTemporal connects to the Temporal frontend, with no SDK metrics (the
// starter's short-lived commands).
func DialTemporal(cfg config.Config, logger *slog.Logger) (client.Client, error) {
	return DialTemporalWithMetrics(cfg, logger, nil)
}

// DialTemporalWithMetrics connects to the Temporal frontend and has the SDK
// emit its own metrics (polls, task latencies, workflow failures) to
// metricsHandler, the worker's metrics.Metrics.TemporalHandler(); nil emits
// none. The worker made on this client reports through it too.
//
// Every client of the engine, the starter's and the worker's, carries the
// workflows' context propagators: the starter's starts write the header
// that says they are the starter's (workflows.FromStarter), and the worker
// reads it into the run, which records trigger "cli" only then.
func DialTemporalWithMetrics(cfg config.Config, logger *slog.Logger, metricsHandler client.MetricsHandler) (client.Client, error) {
	opts, err := ClientOptions(cfg, logger, metricsHandler)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
	}
	return c, nil
}

// ClientOptions are the Temporal client options of the configuration: the
// address and namespace, TLS and credentials (connectionOptions), the
// logger, the SDK's metrics and the workflows' context propagators.
func ClientOptions(cfg config.Config, logger *slog.Logger, metricsHandler client.MetricsHandler) (client.Options, error) {
	tlsConfig, creds, err := connectionOptions(cfg.TemporalTLS)
	if err != nil {
		return client.Options{}, fmt.Errorf("the Temporal connection settings: %w", err)
	}
	return client.Options{
		HostPort:           cfg.TemporalAddress,
		Namespace:          cfg.TemporalNamespace,
		Credentials:        creds,
		ConnectionOptions:  client.ConnectionOptions{TLS: tlsConfig},
		Logger:             sdklog.NewStructuredLogger(logger),
		MetricsHandler:     metricsHandler,
		ContextPropagators: workflows.ContextPropagators(),
	}, nil
}

// NewActivities builds the activities with their dependencies.
func NewActivities(cfg config.Config, st *store.Store, c client.Client) (*activities.Activities, error) {
	sealer, err := credentials.NewSealer(cfg.CredentialsKey)
	if err != nil {
		return nil, err
	}
	notifier, err := activities.NewNotifier(cfg.NotifyWebhookURL, cfg.NotifyWebhookTimeout, cfg.TemporalUIURL)
	if err != nil {
		return nil, err
	}
	return &activities.Activities{
		Notify:   notifier,
		Store:    st,
		Sealer:   sealer,
		HRMOS:    activities.NewHRMOSClients(cfg.HRMOSBaseURL, cfg.HRMOSRequestTimeout, cfg.HRMOSRetryBaseDelay, cfg.HRMOSRequestsPerMinute),
		Temporal: c,
		Now:      time.Now,
		Guard: syncapi.GuardSettings{
			MaxChangeShare: cfg.GuardMaxChangeShare, AttendanceMaxChangeShare: cfg.GuardAttendanceMaxChangeShare,
			FirstSyncMinMatchShare: cfg.GuardFirstSyncMinMatchShare, MinEmployees: cfg.GuardMinEmployees,
			ApprovalTimeout: cfg.GuardApprovalTimeout, Disabled: cfg.GuardDisabled,
		},
	}, nil
}

// Register puts every workflow and activity of the engine on a worker,
// under the names ops type into the Temporal UI: the workflows built once
// with wf (the worker binary's workflows.DefaultOptions; a test of an outage
// passes shorter retry waits).
func Register(r worker.Registry, acts *activities.Activities, wf workflows.Options) {
	workflows.New(wf).Register(r)
	r.RegisterActivity(acts)
}

// EnsureSearchAttributes registers the engine's custom search attributes in
// the namespace when they are missing (`starter setup`, and the worker at
// start). Every sync sets them, and Temporal refuses a workflow task that
// sets unregistered ones. It reports which it added.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("list the search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	var added []string
	for name, typ := range workflows.SearchAttributes() {
		got, ok := have.GetCustomAttributes()[name]
		if !ok {
			missing[name] = typ
			added = append(added, name)
			continue
		}
		if got != typ {
			return nil, fmt.Errorf("search attribute %s exists in namespace %s as %s, not %s: remove or rename it", name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	}); err != nil {
		return nil, fmt.Errorf("register the search attributes %v in namespace %s (run `starter setup` with a role allowed to): %w", added, namespace, err)
	}
	slices.Sort(added)
	return added, nil
}

// NewWorker makes a worker on the task queue with the engine registered
// (Register). Local activities (one per employee) are bounded near the
// database pool size so they queue in the worker rather than on PostgreSQL.
func NewWorker(c client.Client, cfg config.Config, acts *activities.Activities, wf workflows.Options) worker.Worker {
	w := worker.New(c, cfg.TaskQueue, worker.Options{
		MaxConcurrentLocalActivityExecutionSize: int(cfg.DatabaseMaxConns) * 2,
		MaxConcurrentActivityExecutionSize:      50,
		// On SIGTERM, running tasks get this long to finish before the worker exits.
		WorkerStopTimeout: 30 * time.Second,
	})
	Register(w, acts, wf)
	return w
}

// OpenStore connects to PostgreSQL.
func OpenStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	return store.OpenStore(ctx, cfg.DatabaseURL, cfg.DatabaseMaxConns)
}

// ScheduleSettings turns the configuration into schedule settings.
func ScheduleSettings(cfg config.Config) (schedules.Settings, error) {
	var hour, minute int
	if _, err := fmt.Sscanf(cfg.ScheduleTime, "%d:%d", &hour, &minute); err != nil || len(cfg.ScheduleTime) != 5 {
		return schedules.Settings{}, fmt.Errorf("SCHEDULE_TIME must be HH:MM in Japan time, e.g. 06:00, not %q", cfg.ScheduleTime)
	}
	s := schedules.Settings{
		TaskQueue: cfg.TaskQueue, DayOfMonth: cfg.ScheduleDayOfMonth, Hour: hour, Minute: minute,
		RosterCron: cfg.ScheduleRosterCron, CatchupWindow: cfg.ScheduleCatchupWindow,
	}
	return s, s.Validate()
}
