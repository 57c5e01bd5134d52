package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/workflows"
)

const benchTenant = "bench"

// sizeRun is one size's world: its own Temporal dev server, simulator,
// worker process and databases (one for the worker, one for the direct
// loop), so that sizes and modes do not disturb each other.
type sizeRun struct {
	n        int
	sim      simulator
	company  string
	temporal *harness.TemporalDev
	tc       client.Client
	worker   *harness.Process
	db       string // the worker's
	directDB string
	pool     *pgxpool.Pool // the worker's database, as owner: progress
	dpool    *pgxpool.Pool // the direct loop's database, as owner: progress
	acts     *activities.Activities
}

func (b *bench) size(ctx context.Context, n int) (*SizeReport, error) {
	began := time.Now()
	b.logf("== %d employees", n)
	sr := &SizeReport{Employees: n, byPhase: map[string]*PhaseResult{}, Extra: map[string]string{}}
	s := &sizeRun{n: n, company: "bench", db: fmt.Sprintf("bench_%d", n), directDB: fmt.Sprintf("bench_%d_direct", n)}
	logDir := filepath.Join(b.dir, fmt.Sprintf("size-%d", n))
	if err := mkdir(logDir); err != nil {
		return nil, err
	}

	var err error
	var note string
	s.sim, note, err = startSimulator(ctx, b.cfg.Sim, b.bins.Simulator, simSpec{
		company: s.company, users: n, seed: b.cfg.Seed, months: []string{b.month}, dir: logDir,
	}, slices.Contains(b.cfg.Phases, PhaseChanged))
	if err != nil {
		return nil, err
	}
	defer s.sim.Stop()
	sr.Simulator = note
	for id := range s.sim.Keys() {
		s.company = id
	}
	tenants := map[string]company{benchTenant: {id: s.company, key: s.sim.Keys()[s.company]}}
	if err := b.database(ctx, s.db, s.sim.BaseURL(), tenants); err != nil {
		return nil, err
	}
	if s.pool, err = pgxpool.New(ctx, b.pg.URL(s.db, "")); err != nil {
		return nil, err
	}
	defer s.pool.Close()
	if b.cfg.Direct {
		if err := b.database(ctx, s.directDB, s.sim.BaseURL(), tenants); err != nil {
			return nil, err
		}
		if s.dpool, err = pgxpool.New(ctx, b.pg.URL(s.directDB, "")); err != nil {
			return nil, err
		}
		defer s.dpool.Close()
		cfg := b.cfg.Engine
		cfg.DatabaseURL, cfg.HRMOSBaseURL = b.pg.URL(s.directDB, workerRole), s.sim.BaseURL()
		st, err := app.OpenStore(ctx, cfg)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		if s.acts, err = app.NewActivities(cfg, st, nil); err != nil {
			return nil, err
		}
	}
	if !b.cfg.Keep {
		defer func() {
			_ = b.pg.DropDatabase(context.Background(), s.db)
			_ = b.pg.DropDatabase(context.Background(), s.directDB)
		}()
	}

	b.logf("starting the Temporal dev server")
	if s.temporal, err = harness.StartTemporalDev(ctx, b.cli, filepath.Join(logDir, "temporal.log")); err != nil {
		return nil, err
	}
	defer s.temporal.Stop()
	if s.tc, err = b.dial(s.temporal.Address); err != nil {
		return nil, err
	}
	defer s.tc.Close()
	if s.worker, err = b.startWorker(s.db, s.sim.BaseURL(), s.temporal.Address, filepath.Join(logDir, "worker.log")); err != nil {
		return nil, err
	}
	defer s.worker.Stop(30 * time.Second)
	if err := harness.WaitForWorker(ctx, s.tc, taskQueue, s.worker); err != nil {
		return nil, err
	}

	for _, phase := range b.cfg.Phases {
		r := PhaseResult{Phase: phase, Label: phaseLabels[phase], StatementsPerRecord: -1}
		if phase == PhaseChanged {
			if err := s.sim.Mutate(ctx, s.company, 5, b.cfg.Seed); err != nil {
				r.Status, r.Note = "not run", "the simulator could not change 5% of the users: "+err.Error()
				sr.Phases = append(sr.Phases, r)
				b.logf("%s: %s", r.Label, r.Note)
				continue
			}
		}
		b.temporalPhase(ctx, s, &r)
		if b.cfg.Direct {
			b.directPhase(ctx, s, &r)
		}
		b.logf("%s: %s", r.Label, r.summary())
		sr.Phases = append(sr.Phases, r)
	}
	if dead, err := s.worker.Exited(); dead {
		b.note(fmt.Sprintf("the worker of size %d exited during the run: %v; see %s", n, err, s.worker.Log))
	}
	sr.Statements, _ = b.pg.TopStatements(ctx, s.db, workerRole, 8)
	if b.cfg.Direct {
		sr.Direct, _ = b.pg.TopStatements(ctx, s.directDB, workerRole, 8)
	}
	sr.Took = time.Since(began)
	return sr, nil
}

func (r PhaseResult) summary() string {
	if r.Status != "completed" {
		return fmt.Sprintf("%s after %s: %s", r.Status, r.Wall.Round(time.Millisecond), r.Note)
	}
	s := fmt.Sprintf("%s, %d records (%d created, %d updated, %d unchanged, %d skipped, %d errors), %.0f/s, worker peak %s, largest history %d events of %d workflows",
		r.Wall.Round(time.Millisecond), r.Records, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors, r.PerSecond, mb(r.PeakRSS), r.LargestHistory, r.Workflows)
	if r.StatementsPerRecord >= 0 {
		s += fmt.Sprintf(", %.1f statements/record", r.StatementsPerRecord)
	}
	if len(r.Shares) > 0 {
		s += "; wall time: " + formatShares(r.Shares)
	}
	if r.DirectStatus != "" {
		s += fmt.Sprintf("; direct loop %s %s, ratio %.2f", r.DirectStatus, r.DirectWall.Round(time.Millisecond), r.Ratio)
	}
	return s
}

// temporalPhase runs one phase through Temporal, as ops start it: the
// workflow type and the UI's JSON input under its one workflow ID.
func (b *bench) temporalPhase(ctx context.Context, s *sizeRun, r *PhaseResult) {
	opts := client.StartWorkflowOptions{TaskQueue: taskQueue}
	input := map[string]any{"tenantId": benchTenant}
	wfType, kind := workflows.RosterSyncName, "roster"
	if r.Phase == PhaseAttendance {
		wfType, kind = workflows.AttendanceSyncName, "attendance"
		opts.ID = workflows.AttendanceWorkflowID(benchTenant, b.month)
		input["month"] = b.month
	} else {
		opts.ID = workflows.RosterWorkflowID(benchTenant)
	}
	if err := s.worker.ResetPeak(); err != nil {
		b.note("peak RSS is the worker's since it started, not per phase: " + err.Error())
	}
	statements0, _ := b.pg.StatementTotals(ctx, s.db, workerRole)
	start := time.Now()
	stop := b.progress(ctx, s.pool, kind, fmt.Sprintf("%d employees, %s (Temporal)", s.n, r.Label), start)
	run, err := s.tc.ExecuteWorkflow(ctx, opts, wfType, input)
	if err == nil {
		err = run.Get(ctx, nil)
	}
	r.Wall = time.Since(start)
	stop()
	r.PeakRSS = s.worker.PeakRSS()
	r.Status = "completed"
	if err != nil {
		r.Status, r.Note = "failed", err.Error()
	}
	if run != nil {
		if row, err := readRun(ctx, s.pool, "workflow_run_id", run.GetRunID()); err == nil {
			r.fill(row)
		}
		var tl timeline
		r.LargestHistory, r.Workflows, tl, err = readHistories(ctx, s.tc, run.GetID(), run.GetRunID())
		if err != nil {
			b.note("largest history: " + err.Error())
		}
		r.Shares = tl.shares(r.Wall)
	}
	if statements1, err := b.pg.StatementTotals(ctx, s.db, workerRole); err == nil && statements0 != nil {
		r.TopStatements = harness.TopSince(statements0, statements1, 5)
		if r.Records > 0 {
			r.StatementsPerRecord = float64(harness.Calls(statements1)-harness.Calls(statements0)) / float64(r.Records)
		}
	}
	if r.Wall > 0 && r.Records > 0 {
		r.PerSecond = float64(r.Records) / r.Wall.Seconds()
	}
}

// directPhase runs the same phase as a direct loop without Temporal.
func (b *bench) directPhase(ctx context.Context, s *sizeRun, r *PhaseResult) {
	kind := "roster"
	if r.Phase == PhaseAttendance {
		kind = "attendance"
	}
	calls0, haveCalls, _ := b.pg.StatementCalls(ctx, s.directDB, workerRole)
	start := time.Now()
	stop := b.progress(ctx, s.dpool, kind, fmt.Sprintf("%d employees, %s (direct loop)", s.n, r.Label), start)
	var runID string
	var err error
	if kind == "roster" {
		runID, err = directRoster(ctx, s.acts, benchTenant, false)
	} else {
		runID, err = directAttendance(ctx, s.acts, benchTenant, b.month, false)
	}
	r.DirectWall = time.Since(start)
	stop()
	r.DirectStatus = "completed"
	if err != nil {
		r.DirectStatus = "failed"
		r.Note += "direct loop: " + err.Error()
	}
	if row, err := readRun(ctx, s.dpool, "id", runID); err == nil && row.records > 0 {
		if calls1, ok, _ := b.pg.StatementCalls(ctx, s.directDB, workerRole); ok && haveCalls {
			r.DirectStatements = float64(calls1-calls0) / float64(row.records)
		}
	}
	if r.DirectWall > 0 {
		r.Ratio = r.Wall.Seconds() / r.DirectWall.Seconds()
	}
}

type runRow struct {
	status, reason                                          string
	records, created, updated, unchanged, skipped, errCount int
}

func readRun(ctx context.Context, db *pgxpool.Pool, column, value string) (runRow, error) {
	var r runRow
	err := db.QueryRow(ctx, `SELECT status, coalesce(failure_reason, ''), fetched, created, updated, unchanged, skipped, errors
		FROM sync_runs WHERE `+column+`::text = $1`, value).
		Scan(&r.status, &r.reason, &r.records, &r.created, &r.updated, &r.unchanged, &r.skipped, &r.errCount)
	return r, err
}

func (r *PhaseResult) fill(row runRow) {
	r.Records, r.Created, r.Updated, r.Unchanged, r.Skipped, r.Errors = row.records, row.created, row.updated, row.unchanged, row.skipped, row.errCount
	if row.status != "completed" {
		r.Status = row.status
		if row.reason != "" {
			r.Note = row.reason
		}
	}
}

// progress prints, every 10 seconds until stop is called, what the
// running run of kind has done so far, read from the database.
func (b *bench) progress(ctx context.Context, db *pgxpool.Pool, kind, what string, start time.Time) (stop func()) {
	staging := map[string]string{"roster": "roster_staging", "attendance": "attendance_staging"}[kind]
	return every(10*time.Second, func() {
		var runID string
		var items, staged int
		err := db.QueryRow(ctx, `SELECT id::text FROM sync_runs WHERE kind = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`, kind).Scan(&runID)
		if err == nil {
			err = db.QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1`, runID).Scan(&items)
			// A schema without this staging table just shows 0 staged.
			_ = db.QueryRow(ctx, `SELECT count(*) FROM `+staging+` WHERE sync_run_id = $1`, runID).Scan(&staged)
		}
		el := time.Since(start)
		switch {
		case err != nil:
			b.logf("  … %s: %s, no running run recorded yet", what, el.Round(time.Second))
		default:
			b.logf("  … %s: %s, %d records staged, %d synced (%.0f/s so far)", what, el.Round(time.Second), staged, items, float64(items)/el.Seconds())
		}
	})
}

// every calls f every interval, in its own goroutine, until stop is called;
// stop returns once f is no longer running.
func every(interval time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// readHistories reads the history of the workflow and of every child it
// started, recursively, and returns the largest event count, how many
// workflows there were and when each phase's activities ran.
func readHistories(ctx context.Context, c client.Client, id, runID string) (largest, workflows int, tl timeline, err error) {
	type wf struct{ id, run string }
	queue := []wf{{id, runID}}
	tl = timeline{}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		workflows++
		it := c.GetWorkflowHistory(ctx, w.id, w.run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var events []*historypb.HistoryEvent
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return largest, workflows, tl, fmt.Errorf("read the history of %s: %w", w.id, err)
			}
			events = append(events, ev)
			if a := ev.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
				queue = append(queue, wf{a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowExecution().GetRunId()})
			}
		}
		tl.add(events)
		largest = max(largest, len(events))
	}
	return largest, workflows, tl, nil
}
