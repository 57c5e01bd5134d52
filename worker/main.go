// Command worker runs the sync engine's Temporal worker: it executes the
// roster and attendance workflows and their activities.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/metrics"
	"github.com/mediment/hrmos-sync/workflows"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(ctx)
	if err != nil {
		return err
	}
	logger := app.NewLogger(cfg.LogLevel)
	if cfg.UsesDevCredentialsKey() {
		logger.Warn("HRMOS_CREDENTIALS_KEY is the public development key; set your own outside local development")
	}
	// Metrics first: a taken port stops the worker before it takes tasks,
	// and the endpoint is stopped last, after the worker's final values.
	m, stopMetrics, err := serveMetrics(cfg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := app.DialTemporalWithMetrics(cfg, logger, m.TemporalHandler())
	if err != nil {
		return err
	}
	defer c.Close()
	acts, err := app.NewActivities(cfg, st, c)
	if err != nil {
		return err
	}
	if m != nil {
		acts.Metrics = m
		acts.HRMOS.OnResponse = m.HRMOSRequest
		// The state ops alert on (held and failed runs, API keys, schedules),
		// read from the database and Temporal when scraped (README "Metrics").
		m.Registry().MustRegister(metrics.NewStateCollector(metrics.StateOptions{
			DB: st.Pool(), Schedules: c.ScheduleClient(), RosterSchedule: cfg.ScheduleRosterCron != "", Logger: logger,
		}))
	}
	// Every sync sets the engine's search attributes, and Temporal refuses a
	// workflow task that sets unregistered ones: make sure of them first.
	added, err := app.EnsureSearchAttributes(ctx, c, cfg.TemporalNamespace)
	if err != nil {
		return err
	}
	if len(added) > 0 {
		logger.Info("registered the engine's search attributes", "added", added)
	}

	if acts.Notify != nil {
		// The host only: the URL is the webhook's secret.
		logger.Info("ops messages on: held and failed runs, API keys close to expiry", "webhook_host", acts.Notify.Poster.Host(), "ui", cfg.TemporalUIURL)
	} else {
		logger.Info("ops messages off (NOTIFY_WEBHOOK_URL)")
	}
	w := app.NewWorker(c, cfg, acts, workflows.DefaultOptions())
	logger.Info("worker starting", "task_queue", cfg.TaskQueue, "namespace", cfg.TemporalNamespace, "hrmos_base_url", cfg.HRMOSBaseURL)
	// On SIGTERM the worker stops polling and lets running tasks finish
	// (Temporal hands unfinished ones to another worker after their timeouts).
	interrupt := make(chan interface{})
	go func() {
		<-ctx.Done()
		close(interrupt)
	}()
	if err := w.Run(interrupt); err != nil {
		return fmt.Errorf("run the worker: %w", err)
	}
	logger.Info("worker stopped")
	return nil
}

// serveMetrics starts the Prometheus endpoint on METRICS_ADDR, or returns a
// nil *metrics.Metrics (which records nothing) when it is off. stop flushes
// the SDK's last values and closes the endpoint; call it once the worker and
// its client have stopped.
func serveMetrics(cfg config.Config, logger *slog.Logger) (m *metrics.Metrics, stop func(), err error) {
	if !metrics.Enabled(cfg.MetricsAddr) {
		logger.Info("metrics endpoint off (METRICS_ADDR)")
		return nil, func() {}, nil
	}
	m = metrics.New(logger)
	srv, err := m.Start(cfg.MetricsAddr)
	if err != nil {
		_ = m.Close()
		return nil, nil, err
	}
	logger.Info("serving Prometheus metrics", "url", srv.URL())
	return m, func() {
		_ = m.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("the metrics endpoint did not stop cleanly", "error", err)
		}
	}, nil
}
