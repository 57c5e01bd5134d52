// Command hrmos-bench runs the end-to-end benchmark (`make bench`): the
// worker binary against the Temporal dev server, the HRMOS simulator and
// PostgreSQL, at the sizes asked for, against a direct loop without
// Temporal; optionally the many-tenants wave. See docs/benchmarks.md.
//
//	go run ./internal/bench/cmd/hrmos-bench -sizes 1000,10000 -wave -markdown bench.md
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mediment/hrmos-sync/internal/bench"
	"github.com/mediment/hrmos-sync/internal/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hrmos-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		sizes     = flag.String("sizes", "1000,10000", "comma-separated company sizes (employees), e.g. 1000,10000,100000")
		phases    = flag.String("phases", strings.Join(bench.AllPhases, ","), "comma-separated phases: "+strings.Join(bench.AllPhases, ", "))
		direct    = flag.Bool("direct", true, "also run each phase as a direct loop without Temporal, and print the ratio")
		wave      = flag.Bool("wave", false, "run the many-tenants wave")
		tenants   = flag.Int("wave-tenants", 200, "tenants in the wave")
		employees = flag.Int("wave-employees", 500, "employees of each wave tenant")
		big       = flag.Int("wave-big", 0, "add one tenant of this many employees to the wave (0: none)")
		limit     = flag.Int("wave-rate-limit", 300, "the simulator's per-company limit in the wave, requests per minute")
		sim       = flag.String("sim", "auto", "simulator: auto (the binary when it has what the run needs), binary, inprocess")
		seed      = flag.Uint64("seed", 1, "generation seed")
		dir       = flag.String("dir", "", "work directory for binaries, logs and PostgreSQL (default: a temp dir, removed afterwards)")
		keep      = flag.Bool("keep", false, "keep the work directory and the databases")
		markdown  = flag.String("markdown", "", "also write the report as Markdown to this file")
		jsonOut   = flag.String("json", "", "also write the report as JSON to this file")
	)
	flag.Parse()

	cfg := bench.Config{Direct: *direct, Wave: *wave, WaveTenants: *tenants, WaveEmployees: *employees, WaveBig: *big,
		WaveRateLimit: *limit, Sim: *sim, Seed: *seed, Dir: *dir, Keep: *keep, Out: os.Stdout}
	for s := range strings.SplitSeq(*sizes, ",") {
		if s = strings.TrimSpace(s); s == "" || s == "0" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sizes: %q is not a number of employees", s)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	for p := range strings.SplitSeq(*phases, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(bench.AllPhases, p) {
			return fmt.Errorf("-phases: unknown phase %q (one of %s)", p, strings.Join(bench.AllPhases, ", "))
		}
		cfg.Phases = append(cfg.Phases, p)
	}
	if !slices.Contains([]string{"auto", "binary", "inprocess"}, cfg.Sim) {
		return fmt.Errorf("-sim must be auto, binary or inprocess, not %q", cfg.Sim)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	engine, err := config.Load(ctx)
	if err != nil {
		return err
	}
	cfg.Engine = engine
	report, runErr := bench.Run(ctx, cfg)
	if report != nil && *markdown != "" {
		f, err := os.Create(*markdown)
		if err != nil {
			return err
		}
		bench.Markdown(f, report)
		if err := f.Close(); err != nil {
			return err
		}
	}
	if report != nil && *jsonOut != "" {
		b, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return runErr
}
