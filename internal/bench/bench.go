// Package bench is the end-to-end benchmark (`make bench`): the real worker
// binary as its own process against the Temporal CLI's dev server, the HRMOS
// simulator and PostgreSQL, at sizes of 1,000 / 10,000 / 100,000 employees;
// for each, a first roster sync, an unchanged re-sync, a re-sync with 5%
// changed and the attendance month, against the same work done in a direct
// loop without Temporal; and a wave of many tenants started at once as the
// schedule starts them. Nothing is cut short: a slow size runs to its end,
// printing its progress every 10 seconds.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/internal/jst"
)

// Phases, in the order they run for a size.
const (
	PhaseFirst      = "roster-first"
	PhaseUnchanged  = "roster-unchanged"
	PhaseChanged    = "roster-changed"
	PhaseAttendance = "attendance"
)

// AllPhases are every phase, in order.
var AllPhases = []string{PhaseFirst, PhaseUnchanged, PhaseChanged, PhaseAttendance}

var phaseLabels = map[string]string{
	PhaseFirst:      "first sync",
	PhaseUnchanged:  "unchanged re-sync",
	PhaseChanged:    "re-sync, 5% changed",
	PhaseAttendance: "attendance month",
}

// Config is one benchmark run.
type Config struct {
	Sizes  []int
	Phases []string
	// Direct also runs each phase as a direct loop without Temporal.
	Direct bool
	// Wave runs the many-tenants wave.
	Wave          bool
	WaveTenants   int
	WaveEmployees int
	// WaveBig adds one tenant of that many employees to the wave (0: none).
	WaveBig int
	// WaveRateLimit is the simulator's per-company limit (requests per minute).
	WaveRateLimit int
	// Sim is "auto", "binary" or "inprocess".
	Sim  string
	Seed uint64
	// Dir holds the binaries, logs and the PostgreSQL cluster ("" = a temp dir).
	Dir string
	// Keep keeps Dir and the databases afterwards.
	Keep bool
	// Engine is the configuration the direct loop runs with; the worker
	// process reads the same environment.
	Engine config.Config
	Out    io.Writer
}

// Report is everything measured.
type Report struct {
	Machine Machine       `json:"machine"`
	Notes   []string      `json:"notes"`
	Sizes   []SizeReport  `json:"sizes"`
	Wave    *WaveReport   `json:"wave,omitempty"`
	Started time.Time     `json:"started"`
	Took    time.Duration `json:"tookNs"`
}

// Machine describes where it ran.
type Machine struct {
	CPUs        int    `json:"cpus"`
	MemoryMB    int64  `json:"memoryMB"`
	Go          string `json:"go"`
	PostgreSQL  string `json:"postgresql"`
	TemporalCLI string `json:"temporalCli"`
	Kernel      string `json:"kernel"`
}

// SizeReport is one size's phases.
type SizeReport struct {
	Employees  int                 `json:"employees"`
	Simulator  string              `json:"simulator"`
	Phases     []PhaseResult       `json:"phases"`
	Statements []harness.Statement `json:"topStatements,omitempty"`
	Direct     []harness.Statement `json:"topStatementsDirect,omitempty"`
	Extra      map[string]string   `json:"extra,omitempty"`
	Took       time.Duration       `json:"tookNs"`
	byPhase    map[string]*PhaseResult
}

// PhaseResult is one phase of one size.
type PhaseResult struct {
	Phase  string `json:"phase"`
	Label  string `json:"label"`
	Status string `json:"status"` // completed, failed, not run
	Note   string `json:"note,omitempty"`
	// Records is what HRMOS sent (users, or report rows).
	Records   int           `json:"records"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Skipped   int           `json:"skipped"`
	Errors    int           `json:"errors"`
	Wall      time.Duration `json:"wallNs"`
	PerSecond float64       `json:"perSecond"`
	// PeakRSS is the worker process's peak resident set during the phase, bytes.
	PeakRSS        int64 `json:"peakRssBytes"`
	LargestHistory int   `json:"largestHistoryEvents"`
	Workflows      int   `json:"workflows"`
	// StatementsPerRecord is the worker's SQL statements / records (-1: unknown).
	StatementsPerRecord float64       `json:"statementsPerRecord"`
	DirectStatus        string        `json:"directStatus,omitempty"`
	DirectWall          time.Duration `json:"directWallNs,omitempty"`
	DirectStatements    float64       `json:"directStatementsPerRecord,omitempty"`
	// Ratio is the Temporal run's wall time / the direct loop's.
	Ratio float64 `json:"ratio,omitempty"`
	// Shares is each phase's part of the Temporal run's wall time
	// (fetching, planning, writing, recording the run, Temporal).
	Shares map[string]float64 `json:"wallShares,omitempty"`
	// TopStatements are the worker's statements of this phase by total time.
	TopStatements []harness.Statement `json:"topStatements,omitempty"`
}

// bench is one run's shared state.
type bench struct {
	cfg      Config
	root     string
	dir      string
	bins     harness.Binaries
	cli      string
	pg       *harness.Postgres
	report   *Report
	out      io.Writer
	month    string
	simNotes map[string]bool
}

// workerRole is the login role (in hrmos_sync_worker) the worker and the
// direct loop run as.
const workerRole = "hrmos_bench_worker"

const taskQueue = "hrmos-bench"

// Run runs the benchmark and returns its report; progress goes to cfg.Out.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	b := &bench{cfg: cfg, out: cfg.Out, report: &Report{Started: time.Now()}, month: jst.PreviousMonth(time.Now()), simNotes: map[string]bool{}}
	var err error
	if b.root, err = harness.ModuleRoot(); err != nil {
		return nil, err
	}
	b.dir = cfg.Dir
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "hrmos-bench-"); err != nil {
			return nil, err
		}
	}
	// The PostgreSQL cluster inside runs as the postgres OS user, who must
	// be able to reach it.
	if err := os.Chmod(b.dir, 0o755); err != nil {
		return nil, err
	}
	if !cfg.Keep && cfg.Dir == "" {
		defer os.RemoveAll(b.dir)
	}
	b.logf("work directory %s (logs of every process)", b.dir)

	b.logf("building the worker, the starter and the simulator")
	if b.bins, err = harness.Build(ctx, b.root, filepath.Join(b.dir, "bin")); err != nil {
		return nil, err
	}
	if b.cli, err = harness.TemporalCLI(ctx, b.root, b.logf); err != nil {
		return nil, err
	}
	b.logf("starting PostgreSQL")
	if b.pg, err = harness.StartPostgres(ctx, filepath.Join(b.dir, "postgres")); err != nil {
		return nil, err
	}
	defer b.pg.Stop()
	if b.pg.Note != "" {
		b.note(b.pg.Note)
	}
	b.report.Machine = b.machine(ctx)
	b.logf("machine: %d CPUs, %d MB, %s, PostgreSQL %s (%s), Temporal CLI %s", b.report.Machine.CPUs, b.report.Machine.MemoryMB,
		b.report.Machine.Go, b.report.Machine.PostgreSQL, map[bool]string{true: "own cluster", false: "machine's cluster"}[b.pg.Own], b.report.Machine.TemporalCLI)
	b.note(fmt.Sprintf("worker: HRMOS_REQUESTS_PER_MINUTE=%d (per company), DATABASE_MAX_CONNS=%d; direct loop: the same configuration, %d batches of %d records in flight",
		cfg.Engine.HRMOSRequestsPerMinute, cfg.Engine.DatabaseMaxConns, directInFlight, directBatch))

	for _, n := range cfg.Sizes {
		sr, err := b.size(ctx, n)
		if err != nil {
			return b.report, fmt.Errorf("size %d: %w", n, err)
		}
		b.report.Sizes = append(b.report.Sizes, *sr)
		PrintSize(b.out, sr)
	}
	if cfg.Wave {
		wr, err := b.wave(ctx)
		if err != nil {
			return b.report, fmt.Errorf("wave: %w", err)
		}
		b.report.Wave = wr
		PrintWave(b.out, wr)
	}
	b.report.Took = time.Since(b.report.Started)
	return b.report, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (b *bench) note(s string) {
	for _, n := range b.report.Notes {
		if n == s {
			return
		}
	}
	b.report.Notes = append(b.report.Notes, s)
	b.logf("note: %s", s)
}

// database creates a migrated database with the tenants connected to their
// companies, as ops do: `starter migrate` as the owner, `starter connect`
// with the key on standard input.
func (b *bench) database(ctx context.Context, name, baseURL string, tenants map[string]company) error {
	if err := b.pg.CreateDatabase(ctx, name); err != nil {
		return err
	}
	env := []string{"DATABASE_URL=" + b.pg.URL(name, ""), "HRMOS_BASE_URL=" + baseURL}
	if _, err := b.starter(ctx, env, "", "migrate"); err != nil {
		return err
	}
	if err := b.pg.WorkerRole(ctx, workerRole); err != nil {
		return err
	}
	sem := make(chan struct{}, 4)
	errs := make(chan error, len(tenants))
	for tenant, c := range tenants {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := b.starter(ctx, env, c.key+"\n", "connect", "--tenant", tenant, "--company", c.id)
			errs <- err
		}()
	}
	var all []error
	for range tenants {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

type company struct{ id, key string }

func (b *bench) starter(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, b.bins.Starter, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("starter %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// startWorker starts the worker binary against database db.
func (b *bench) startWorker(db, baseURL, temporalAddr, log string) (*harness.Process, error) {
	return harness.Start(harness.Spec{
		Name: "worker", Path: b.bins.Worker, Log: log,
		Env: []string{
			"DATABASE_URL=" + b.pg.URL(db, workerRole), "TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_NAMESPACE=default",
			"TEMPORAL_TASK_QUEUE=" + taskQueue, "HRMOS_BASE_URL=" + baseURL,
			// Not needed here, and the default port may be a running demo's.
			"METRICS_ADDR=off",
		},
	})
}

func (b *bench) dial(addr string) (client.Client, error) {
	return client.Dial(client.Options{HostPort: addr, Namespace: "default", Logger: quietLogger{}})
}

func (b *bench) machine(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.Go = strings.TrimSpace(strings.TrimPrefix(string(out), "go version "))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb); err == nil {
			m.MemoryMB = kb / 1024
		}
	}
	if out, err := exec.CommandContext(ctx, "uname", "-r").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, b.cli, "--version").Output(); err == nil {
		m.TemporalCLI = harness.TemporalCLIVersion + " (" + strings.TrimSpace(strings.TrimPrefix(string(out), "temporal version ")) + ")"
	}
	if c, err := pgx.Connect(ctx, b.pg.AdminURL); err == nil {
		_ = c.QueryRow(ctx, "SHOW server_version").Scan(&m.PostgreSQL)
		_ = c.Close(ctx)
	}
	return m
}
