package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// TestCrashSoak runs a roster sync and an attendance month while the real
// worker binary, a separate process, is killed with SIGKILL at random
// moments and restarted each time; then it asserts that the database holds
// exactly what one clean run (the same generated company, synced once
// without kills into a second database) writes, and that no staging row
// is left.
//
// The short version (500 employees, 3 kills) runs with `go test ./...`;
// `make soak` runs SOAK_EMPLOYEES=5000 SOAK_KILLS=20. SOAK_FETCH_KILLS=1
// also kills each run once while it fetches from HRMOS. Skipped with -short.
func TestCrashSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("crash soak: runs a Temporal server and the worker binary (skipped with -short)")
	}
	employees := envInt(t, "SOAK_EMPLOYEES", 500)
	kills := envInt(t, "SOAK_KILLS", 3)
	fetchKills := os.Getenv("SOAK_FETCH_KILLS") == "1"
	seed := uint64(envInt(t, "SOAK_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("soak: %d employees, %d kills, seed %d (SOAK_SEED=%d repeats it)", employees, kills, seed, seed)
	began := time.Now()
	ctx := context.Background()

	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bins, err := harness.Build(ctx, root, filepath.Join(dir, "bin"))
	if err != nil {
		t.Fatal(err)
	}

	// The test binary's Temporal dev server, a namespace of the test's own;
	// the worker binary connects to its frontend.
	tc := testenv.NewTemporal(t)

	// The simulator in process: one generated company with messy data.
	now := time.Now()
	month := jst.PreviousMonth(now)
	sim, simURL := testenv.NewSimulator(t)
	company, err := hrmossim.Generate(hrmossim.GenerateSpec{
		CompanyID: "soak", Users: employees, Seed: seed, Messy: hrmossim.MessyAll(), Months: []string{month}, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.AddCompany(company); err != nil {
		t.Fatal(err)
	}

	w := &world{t: t, bins: bins, dir: dir, temporal: tc.Client, frontend: tc.Address, namespace: tc.Namespace,
		baseURL: simURL, apiKey: company.APIKey, month: month, employees: employees, rng: rand.New(rand.NewPCG(seed, 7))}

	// The reference: one clean run, no kills.
	ref := w.database("ref")
	refStart := time.Now()
	ref.worker = w.startWorker(ref, "ref")
	w.run(ref, "roster", 0, false)
	w.run(ref, "attendance", 0, false)
	ref.worker.Stop(30 * time.Second)
	refTook := time.Since(refStart)

	// The soak: the same work, the worker killed and restarted. Its writes
	// are slowed (a few milliseconds a row) so that each run lasts long
	// enough to be killed at every point the soak chose: written 25 to a
	// statement, a run of 500 employees ends in under a second, before the
	// worker restarted after the first kill is back. The data is the same.
	soak := w.database("soak")
	testdb.SlowWrites(t, soak.pool, 8*time.Millisecond, "INSERT OR UPDATE", "employees", "monthly_attendance")
	soakStart := time.Now()
	soak.worker = w.startWorker(soak, "soak")
	rosterKills := kills - kills/3
	rosterStats := w.run(soak, "roster", rosterKills, fetchKills)
	attendanceStats := w.run(soak, "attendance", kills-rosterKills, fetchKills)
	soak.worker.Stop(30 * time.Second)
	soakTook := time.Since(soakStart)

	want, err := Take(ctx, ref.pool, "soak")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Take(ctx, soak.pool, "soak")
	if err != nil {
		t.Fatal(err)
	}
	diffs := Compare(want, got)
	lost, extra := 0, 0
	for _, d := range diffs {
		lost += len(d.Missing)
		extra += len(d.Extra)
	}
	all := append(rosterStats, attendanceStats...)
	t.Logf("soak: %d kills (%d in the roster run, %d in the attendance run; %d while fetching), worker restarted each time",
		len(all), len(rosterStats), len(attendanceStats), countFetch(all))
	for i, k := range all {
		t.Logf("  kill %2d: %-10s %s, progress again after %s", i+1, k.run, k.where(), k.stall.Round(100*time.Millisecond))
	}
	t.Logf("soak: clean reference run %s, soak run %s, whole test %s", refTook.Round(time.Second), soakTook.Round(time.Second), time.Since(began).Round(time.Second))
	t.Logf("soak: compared %d rows (employees %d, monthly_attendance %d, sync_run_items %d, sync_runs %d); lost %d, duplicated or extra %d, duplicate keys %d, staging rows left %v",
		want.Rows(), len(want.Employees), len(want.Attendance), len(want.Items), len(want.Runs), lost, extra, len(got.Duplicates), got.Staging)

	if len(all) != kills {
		t.Errorf("wanted %d kills, made %d", kills, len(all))
	}
	if len(want.Employees) == 0 || len(want.Attendance) == 0 {
		t.Errorf("the reference run wrote %d employees and %d attendance rows: nothing to compare", len(want.Employees), len(want.Attendance))
	}
	if len(got.Duplicates) > 0 || len(want.Duplicates) > 0 {
		t.Errorf("duplicate rows: soak %v, reference %v", got.Duplicates, want.Duplicates)
	}
	for table, n := range got.Staging {
		if n != 0 {
			t.Errorf("%d rows left in %s after the soak", n, table)
		}
	}
	for _, d := range diffs {
		t.Errorf("the soak's database differs from the clean run's: %s", d)
		for _, k := range d.Changed[:min(5, len(d.Changed))] {
			var w, g Row
			switch d.Table {
			case "employees":
				w, g = want.Employees[k], got.Employees[k]
			case "monthly_attendance":
				w, g = want.Attendance[k], got.Attendance[k]
			case "sync_run_items":
				w, g = want.Items[k], got.Items[k]
			case "sync_runs":
				w, g = want.Runs[k], got.Runs[k]
			}
			t.Errorf("  %s %s (-clean +soak):\n%s", d.Table, k, cmp.Diff(w, g))
		}
	}
}

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// world is what one soak shares: the binaries, Temporal, the simulator.
type world struct {
	t         *testing.T
	bins      harness.Binaries
	dir       string
	temporal  client.Client
	frontend  string
	namespace string
	baseURL   string
	apiKey    string
	month     string
	employees int
	rng       *rand.Rand
}

// database is one test database with the tenant connected.
type database struct {
	name      string
	ownerURL  string
	workerURL string
	pool      *pgxpool.Pool
	taskQueue string
	worker    *harness.Process
	spec      harness.Spec
}

func (w *world) database(name string) *database {
	st, url := testdb.New(w.t)
	d := &database{name: name, ownerURL: url, workerURL: testdb.WorkerURL(w.t, url), pool: st.Pool(), taskQueue: "hrmos-soak-" + name}
	// Connected as ops do: `starter connect`, the key on standard input.
	cmd := exec.Command(w.bins.Starter, "connect", "--tenant", "soak", "--company", "soak")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "HRMOS_BASE_URL="+w.baseURL)
	cmd.Stdin = strings.NewReader(w.apiKey + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("starter connect: %v\n%s", err, out)
	}
	return d
}

func (w *world) startWorker(d *database, name string) *harness.Process {
	d.spec = harness.Spec{
		Name: "worker " + name, Path: w.bins.Worker, Log: filepath.Join(w.dir, "worker-"+name+".log"),
		Env: []string{
			"DATABASE_URL=" + d.workerURL, "TEMPORAL_ADDRESS=" + w.frontend, "TEMPORAL_NAMESPACE=" + w.namespace,
			"TEMPORAL_TASK_QUEUE=" + d.taskQueue, "HRMOS_BASE_URL=" + w.baseURL, "HRMOS_RETRY_BASE_DELAY=100ms",
			"LOG_LEVEL=warn",
			// Its metrics would take the default port, which a worker
			// already running on the machine (the demo's) holds.
			"METRICS_ADDR=off",
		},
	}
	p, err := harness.Start(d.spec)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { p.Kill() })
	return p
}

// kill is one SIGKILL of the worker.
type kill struct {
	run, phase  string
	done, total int
	// stall is how long after the restart the run made progress again.
	stall time.Duration
}

func (k kill) where() string {
	if k.phase == "fetching" {
		return fmt.Sprintf("fetching, %5d rows staged", k.done)
	}
	return fmt.Sprintf("syncing,  %5d/%d records", k.done, k.total)
}

func countFetch(ks []kill) int {
	n := 0
	for _, k := range ks {
		if k.phase == "fetching" {
			n++
		}
	}
	return n
}

// run starts one sync and waits for it, killing the worker `kills` times
// at random points of its progress while it runs (progress is read from
// the database: staged rows while fetching, sync_run_items after), and
// restarting it at once each time. The run must complete.
func (w *world) run(d *database, kind string, kills int, fetchKill bool) []kill {
	w.t.Helper()
	ctx := context.Background()
	opts := client.StartWorkflowOptions{TaskQueue: d.taskQueue}
	var wfType string
	input := map[string]any{"tenantId": "soak"}
	staging := "roster_staging"
	if kind == "roster" {
		opts.ID, wfType = workflows.RosterWorkflowID("soak"), workflows.RosterSyncName
	} else {
		opts.ID, wfType = workflows.AttendanceWorkflowID("soak", w.month), workflows.AttendanceSyncName
		input["month"] = w.month
		staging = "attendance_staging"
	}
	run, err := w.temporal.ExecuteWorkflow(ctx, opts, wfType, input)
	if err != nil {
		w.t.Fatalf("start the %s sync: %v", kind, err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, nil) }()

	var (
		stats   []kill
		runID   string
		targets []int // sync_run_items counts to kill at, ascending
		planned bool
		total   int
		stalled bool
		// Progress when the worker was last killed, to see it resume.
		killItems, killStaged int
		killAt                time.Time
		// A fetch kill lands after the first one to three pages (100 users each) are staged.
		fetchAt = 100 * (1 + w.rng.IntN(3))
	)
	doKill := func(phase string, items, staged int) {
		d.worker.Kill()
		killAt = time.Now()
		// Transactions the dead worker had already sent may still commit:
		// let them settle so that only the new worker's writes count as
		// progress again.
		time.Sleep(300 * time.Millisecond)
		killItems, killStaged = count(ctx, d.pool, runID, staging)
		k := kill{run: kind, phase: phase, done: items, total: total}
		if phase == "fetching" {
			k.done = staged
		}
		stats = append(stats, k)
		w.t.Logf("kill: %s run, %s", kind, k.where())
		p, err := harness.Start(d.spec)
		if err != nil {
			w.t.Fatal(err)
		}
		d.worker = p
		w.t.Cleanup(func() { p.Kill() })
		stalled = true
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				w.t.Fatalf("the %s sync failed: %v\nworker log:\n%s", kind, err, harness.Tail(d.spec.Log, 3000))
			}
			if len(stats) < kills {
				w.t.Errorf("the %s sync finished after %d of its %d kills", kind, len(stats), kills)
			}
			return stats
		case <-d.worker.Done():
			// Not one of our kills (those replace d.worker at once): the
			// worker could not start or died by itself, and nothing will
			// finish the run.
			w.t.Fatalf("the worker exited by itself during the %s sync; its log:\n%s", kind, harness.Tail(d.spec.Log, 3000))
		case <-time.After(20 * time.Millisecond):
		}
		if len(stats) >= kills && !stalled {
			continue
		}
		if runID == "" {
			_ = d.pool.QueryRow(ctx, `SELECT id::text FROM sync_runs WHERE workflow_run_id = $1`, run.GetRunID()).Scan(&runID)
			if runID == "" {
				continue
			}
		}
		var status string
		if err := d.pool.QueryRow(ctx, `SELECT status FROM sync_runs WHERE id = $1`, runID).Scan(&status); err != nil {
			w.t.Fatal(err)
		}
		if status != "running" {
			continue
		}
		items, staged := count(ctx, d.pool, runID, staging)
		if stalled {
			// The next kill waits until the run has made progress again.
			if items <= killItems && staged <= killStaged {
				continue
			}
			stats[len(stats)-1].stall = time.Since(killAt)
			stalled = false
			w.t.Logf("  progress again %s after the kill", stats[len(stats)-1].stall.Round(100*time.Millisecond))
		}
		if len(stats) >= kills {
			continue
		}
		if items == 0 {
			if fetchKill && len(stats) == 0 && staged >= fetchAt {
				doKill("fetching", items, staged)
			}
			continue
		}
		if !planned {
			// Staging is complete once records sync: spread the remaining
			// kills over the rest of the run, one at a random point of each
			// equal part, leaving the last 5% so the run cannot finish
			// between two looks at the database.
			planned, total = true, staged
			if total == 0 {
				// No staging table to read the run's size from: assume
				// most users have a record.
				total = w.employees * 8 / 10
			}
			left := kills - len(stats)
			lo, hi := items+1, total-max(2, total/20)
			for i := range left {
				a := lo + (hi-lo)*i/left
				b := lo + (hi-lo)*(i+1)/left
				targets = append(targets, a+w.rng.IntN(max(1, b-a)))
			}
		}
		if len(targets) > 0 && items >= targets[0] {
			targets = targets[1:]
			doKill("syncing", items, staged)
		}
	}
}

// count reads a run's progress: its recorded items and its staged rows
// (0 when the schema has no such staging table).
func count(ctx context.Context, db *pgxpool.Pool, runID, staging string) (items, staged int) {
	_ = db.QueryRow(ctx, `SELECT count(*) FROM sync_run_items WHERE sync_run_id = $1`, runID).Scan(&items)
	_ = db.QueryRow(ctx, `SELECT count(*) FROM `+staging+` WHERE sync_run_id = $1`, runID).Scan(&staged)
	return items, staged
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s must be a whole number, not %q", name, v)
	}
	return n
}
