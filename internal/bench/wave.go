package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/workflows"
)

// WaveReport is the many-tenants wave.
type WaveReport struct {
	Tenants   int    `json:"tenants"`
	Employees int    `json:"employeesEach"`
	Big       int    `json:"bigTenantEmployees,omitempty"`
	Simulator string `json:"simulator"`
	RateLimit int    `json:"simulatorRateLimitPerMinute"`
	// Wall is from the first start to the last tenant done.
	Wall time.Duration `json:"wallNs"`
	// Fastest, Median, P90 and Slowest are the small tenants' times from
	// the wave's start to their ScheduledSync's end.
	Fastest time.Duration `json:"fastestNs"`
	Median  time.Duration `json:"medianNs"`
	P90     time.Duration `json:"p90Ns"`
	Slowest time.Duration `json:"slowestNs"`
	// BigTook is the big tenant's time (0: none).
	BigTook   time.Duration `json:"bigTookNs,omitempty"`
	Completed int           `json:"completed"`
	Failed    []string      `json:"failed,omitempty"`
	// Throttled counts the simulator's 429 answers (-1: the binary does not say).
	Throttled int   `json:"throttled"`
	PeakRSS   int64 `json:"workerPeakRssBytes"`
	// StatementsPerRecord counts roster and attendance records together.
	StatementsPerRecord float64 `json:"statementsPerRecord"`
}

// wave starts every tenant's ScheduledSync at once, as the monthly schedule
// does on its day (roster, then last month's attendance), and waits for all.
func (b *bench) wave(ctx context.Context) (*WaveReport, error) {
	cfg := b.cfg
	wr := &WaveReport{Tenants: cfg.WaveTenants, Employees: cfg.WaveEmployees, Big: cfg.WaveBig, RateLimit: cfg.WaveRateLimit, StatementsPerRecord: -1}
	b.logf("== wave: %d tenants × %d employees%s, started at once", cfg.WaveTenants, cfg.WaveEmployees, bigNote(cfg.WaveBig))
	logDir := filepath.Join(b.dir, "wave")
	if err := mkdir(logDir); err != nil {
		return nil, err
	}
	spec := simSpec{company: "wave", users: cfg.WaveEmployees, companies: cfg.WaveTenants, rateLimit: cfg.WaveRateLimit,
		seed: cfg.Seed, months: []string{b.month}, dir: logDir}
	if cfg.WaveBig > 0 {
		spec.extra = map[string]int{"wave-big": cfg.WaveBig}
	}
	b.logf("generating %d companies", cfg.WaveTenants+len(spec.extra))
	sim, note, err := startSimulator(ctx, cfg.Sim, b.bins.Simulator, spec, false)
	if err != nil {
		return nil, err
	}
	defer sim.Stop()
	wr.Simulator = note
	tenants := map[string]company{}
	for id, key := range sim.Keys() {
		tenants[id] = company{id: id, key: key} // tenant ID = company ID
	}
	db := "bench_wave"
	b.logf("connecting %d tenants with `starter connect`", len(tenants))
	if err := b.database(ctx, db, sim.BaseURL(), tenants); err != nil {
		return nil, err
	}
	if !cfg.Keep {
		defer func() { _ = b.pg.DropDatabase(context.Background(), db) }()
	}
	pool, err := pgxpool.New(ctx, b.pg.URL(db, ""))
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	tdev, err := harness.StartTemporalDev(ctx, b.cli, filepath.Join(logDir, "temporal.log"))
	if err != nil {
		return nil, err
	}
	defer tdev.Stop()
	tc, err := b.dial(tdev.Address)
	if err != nil {
		return nil, err
	}
	defer tc.Close()
	worker, err := b.startWorker(db, sim.BaseURL(), tdev.Address, filepath.Join(logDir, "worker.log"))
	if err != nil {
		return nil, err
	}
	defer worker.Stop(30 * time.Second)
	if err := harness.WaitForWorker(ctx, tc, taskQueue, worker); err != nil {
		return nil, err
	}

	calls0, haveCalls, _ := b.pg.StatementCalls(ctx, db, workerRole)
	type result struct {
		tenant string
		took   time.Duration
		err    error
	}
	results := make(chan result, len(tenants))
	var doneCount sync.WaitGroup
	start := time.Now()
	for tenant := range tenants {
		doneCount.Add(1)
		go func() {
			defer doneCount.Done()
			run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-wave-" + tenant, TaskQueue: taskQueue},
				workflows.ScheduledSyncName, map[string]any{"tenantId": tenant, "attendance": true})
			if err == nil {
				err = run.Get(ctx, nil)
			}
			results <- result{tenant, time.Since(start), err}
		}()
	}
	stop := b.waveProgress(ctx, pool, len(tenants), start)
	doneCount.Wait()
	wr.Wall = time.Since(start)
	stop()
	close(results)
	wr.PeakRSS = worker.PeakRSS()
	var small []time.Duration
	for r := range results {
		switch {
		case r.err != nil:
			wr.Failed = append(wr.Failed, fmt.Sprintf("%s: %v", r.tenant, r.err))
		case r.tenant == "wave-big":
			wr.BigTook = r.took
			wr.Completed++
		default:
			small = append(small, r.took)
			wr.Completed++
		}
	}
	slices.Sort(small)
	if len(small) > 0 {
		wr.Fastest, wr.Slowest = small[0], small[len(small)-1]
		wr.Median, wr.P90 = small[len(small)/2], small[min(len(small)-1, len(small)*9/10)]
	}
	wr.Throttled = sim.Throttled()
	if calls1, ok, _ := b.pg.StatementCalls(ctx, db, workerRole); ok && haveCalls {
		var records int
		_ = pool.QueryRow(ctx, `SELECT coalesce(sum(fetched), 0) FROM sync_runs`).Scan(&records)
		if records > 0 {
			wr.StatementsPerRecord = float64(calls1-calls0) / float64(records)
		}
	}
	return wr, nil
}

func bigNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" and one tenant of %d", n)
}

func (b *bench) waveProgress(ctx context.Context, db *pgxpool.Pool, tenants int, start time.Time) (stop func()) {
	return every(10*time.Second, func() {
		var rosters, attendances, running, items int
		_ = db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'roster' AND status <> 'running'),
				count(*) FILTER (WHERE kind = 'attendance' AND status <> 'running'), count(*) FILTER (WHERE status = 'running'),
				(SELECT count(*) FROM sync_run_items) FROM sync_runs`).Scan(&rosters, &attendances, &running, &items)
		b.logf("  … wave: %s, of %d tenants %d rosters and %d attendance months done, %d runs running, %d records synced",
			time.Since(start).Round(time.Second), tenants, rosters, attendances, running, items)
	})
}
