// Command worker runs the sync engine's Temporal worker: it executes the
// roster and attendance workflows and their activities.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
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
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Pool().Close()
	c, err := app.DialTemporal(cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	acts, err := app.NewActivities(cfg, st, c)
	if err != nil {
		return err
	}

	w := app.NewWorker(c, cfg, acts)
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
