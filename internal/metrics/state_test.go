package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/metrics"
	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/internal/testenv"
)

// stateWorld is a database and a Temporal namespace holding one tenant in
// each state the alerts are about, and the healthy tenant they must stay
// quiet for. Times are relative to t0, where the test's clock starts.
type stateWorld struct {
	t0      time.Time
	owner   *store.Store
	pool    *pgxpool.Pool // as the worker's least-privilege role
	sc      client.ScheduleClient
	tenants []string // connected
}

// The tenants of the world, each in one state.
const (
	tHealthy     = "healthy"     // completed runs, a dry run that failed, an old failure superseded
	tHeld        = "held"        // a roster run held for approval since t0-30m
	tFailing     = "failing"     // last scheduled roster failed; an attendance month failed from the UI
	tExpiring    = "expiring"    // key expires at t0+5d
	tExpired     = "expired"     // key expired at t0-2d
	tRejected    = "rejected"    // HRMOS rejected the key (which has expired too)
	tPaused      = "paused"      // monthly schedule paused
	tUnscheduled = "unscheduled" // no schedules at all
	tGone        = "gone"        // disconnected: reported nowhere
)

func newStateWorld(t *testing.T) *stateWorld {
	t.Helper()
	ts := testenv.NewTemporal(t) // first: skipped with -short before any database work
	w := &stateWorld{t0: time.Now().UTC().Truncate(time.Second)}
	var dbURL string
	w.owner, dbURL = testdb.New(t)
	pool, err := store.Open(context.Background(), testdb.WorkerURL(t, dbURL), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	w.pool = pool

	day := 24 * time.Hour
	for _, c := range []struct {
		tenant, status string
		expiresIn      time.Duration
	}{
		{tHealthy, "connected", 60 * day},
		{tHeld, "connected", 60 * day},
		{tFailing, "connected", 60 * day},
		{tExpiring, "connected", 5 * day},
		{tExpired, "connected", -2 * day},
		{tRejected, "key_rejected", -1 * day},
		{tPaused, "connected", 60 * day},
		{tUnscheduled, "connected", 60 * day},
		{tGone, "disconnected", 60 * day},
	} {
		w.connect(t, c.tenant, c.status, w.t0.Add(c.expiresIn))
		if c.status != "disconnected" {
			w.tenants = append(w.tenants, c.tenant)
		}
	}
	// Every tenant but the failing one last synced fine by schedule.
	for _, tenant := range []string{tHealthy, tHeld, tExpiring, tExpired, tRejected, tPaused, tUnscheduled} {
		w.run(t, run{tenant: tenant, kind: "roster", trigger: "schedule", status: "completed", ago: 3 * day})
		w.run(t, run{tenant: tenant, kind: "attendance", month: "2026-10", trigger: "schedule", status: "completed", ago: 3 * day})
	}
	for _, r := range []run{
		// healthy: a failure the next run superseded, and a dry run that
		// failed after it (a dry run writes nothing: it neither fails nor
		// clears a sync).
		{tenant: tHealthy, kind: "roster", trigger: "schedule", status: "failed", ago: 10 * day},
		{tenant: tHealthy, kind: "roster", trigger: "cli", status: "failed", dry: true, ago: day},
		// and a one-user run of a mistyped user ID that failed: one person's
		// sync started by hand, which its starter saw fail, is no failure of
		// the tenant's roster.
		{tenant: tHealthy, kind: "roster", trigger: "cli", status: "failed", oneUser: 99999, ago: 12 * time.Hour},
		// held: waiting since t0-30m; an approved run still writing is not held.
		{tenant: tHeld, kind: "roster", trigger: "schedule", status: "running", ago: 40 * time.Minute, heldFor: 30 * time.Minute},
		{tenant: tHeld, kind: "attendance", month: "2026-11", trigger: "ui", status: "running", ago: 3 * time.Hour, heldFor: 3 * time.Hour, approved: true},
		// A scheduled month held and rejected by ops: failed, but their
		// decision, not a failure to alert on.
		{tenant: tHeld, kind: "attendance", month: "2026-09", trigger: "schedule", status: "failed", ago: 2 * day, heldFor: 2 * day, rejected: true},
		// failing: the roster's last run failed by schedule after one that
		// completed; of three attendance months, one failed by schedule and
		// was synced by hand since, one failed from the UI, one failed by
		// schedule 100 days ago (out of the window); and a refused run
		// without a month.
		{tenant: tFailing, kind: "roster", trigger: "schedule", status: "completed", ago: 10 * day},
		{tenant: tFailing, kind: "roster", trigger: "schedule", status: "failed", ago: 3 * day},
		// A new hire synced alone since does not clear the roster's failure.
		{tenant: tFailing, kind: "roster", trigger: "cli", status: "completed", oneUser: 4321, ago: day},
		{tenant: tFailing, kind: "attendance", month: "2026-10", trigger: "schedule", status: "failed", ago: 3 * day},
		{tenant: tFailing, kind: "attendance", month: "2026-10", trigger: "cli", status: "completed", ago: day},
		{tenant: tFailing, kind: "attendance", month: "2026-09", trigger: "ui", status: "failed", ago: 2 * day},
		{tenant: tFailing, kind: "attendance", month: "2026-06", trigger: "schedule", status: "failed", ago: 100 * day},
		{tenant: tFailing, kind: "attendance", trigger: "ui", status: "failed", ago: day},
		// gone: disconnected since its last scheduled run failed.
		{tenant: tGone, kind: "roster", trigger: "schedule", status: "failed", ago: day},
	} {
		w.run(t, r)
	}

	ctx := context.Background()
	if _, err := app.EnsureSearchAttributes(ctx, ts.Client, ts.Namespace); err != nil {
		t.Fatal(err)
	}
	w.sc = ts.Client.ScheduleClient()
	var scheduled []string
	for _, tenant := range w.tenants {
		if tenant != tUnscheduled {
			scheduled = append(scheduled, tenant)
		}
	}
	if _, err := schedules.Apply(ctx, w.sc, scheduled, schedules.Settings{
		TaskQueue: "hrmos-sync-test", DayOfMonth: 3, Hour: 6, RosterCron: "0 6 * * 1", CatchupWindow: time.Hour,
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.sc.GetHandle(ctx, schedules.MonthlyID(tPaused)).Pause(ctx, client.SchedulePauseOptions{Note: "paused by the test"}); err != nil {
		t.Fatal(err)
	}
	// Listing is eventually consistent: wait until it shows what was made.
	testenv.Eventually(t, 30*time.Second, "the schedules to be listed", func() bool {
		it, err := w.sc.List(ctx, client.ScheduleListOptions{})
		if err != nil {
			return false
		}
		n := 0
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return false
			}
			if e.ID == schedules.MonthlyID(tPaused) && !e.Paused {
				return false
			}
			if e.ID != schedules.SweeperID {
				n++
			}
		}
		return n == 2*len(scheduled)
	})
	return w
}

func (w *stateWorld) connect(t *testing.T, tenant, status string, expires time.Time) {
	t.Helper()
	testdb.Exec(t, w.owner, `INSERT INTO tenants (id, name) VALUES ($1, $1)`, tenant)
	if status == "disconnected" {
		testdb.Exec(t, w.owner, `INSERT INTO hrmos_connections (tenant_id, company_id, key_set_at, key_expires_at, status)
			VALUES ($1, 'co-' || $1, $2::timestamptz - interval '3 months', $2, 'disconnected')`, tenant, expires)
		return
	}
	testdb.Exec(t, w.owner, `INSERT INTO hrmos_connections (tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_set_at, key_expires_at, status)
		VALUES ($1, 'co-' || $1, '\x00', 'k1', $2::timestamptz - interval '3 months', $2, $3)`, tenant, expires, status)
}

// run is one sync_runs row, started ago before t0.
type run struct {
	tenant, kind, month, trigger, status string
	dry                                  bool
	ago                                  time.Duration
	// heldFor: held by the guard since t0-heldFor; approved: and approved.
	heldFor  time.Duration
	approved bool
	// rejected: a failed run ops rejected while held (its notice says so).
	rejected bool
	// oneUser: a roster run of that one HRMOS user (`starter roster --user`).
	oneUser int64
}

func (w *stateWorld) run(t *testing.T, r run) {
	t.Helper()
	started := w.t0.Add(-r.ago)
	var heldSince, approvedAt *time.Time
	if r.heldFor > 0 {
		s := w.t0.Add(-r.heldFor)
		heldSince = &s
		if r.approved {
			a := s.Add(time.Minute)
			approvedAt = &a
		}
	}
	var finished *time.Time
	var reason *string
	if r.status != "running" {
		f := started.Add(time.Minute)
		finished = &f
	}
	if r.status == "failed" {
		s := "failed on purpose"
		reason = &s
	}
	notices := []string{}
	if r.rejected {
		s := "rejected by ops: the month looks wrong"
		reason = &s
		notices = append(notices, codes.NoticeRejected+": the mass-change guard held this run and ops rejected it; nothing was written")
	}
	testdb.Exec(t, w.owner, `INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, dry_run, workflow_id, workflow_run_id, status,
			started_at, finished_at, failure_reason, awaiting_approval_since, approved_at, notices, only_hrmos_user_id)
		VALUES (gen_random_uuid(), $1, $2, nullif($3, ''), $4, $5, gen_random_uuid()::text, gen_random_uuid()::text, $6,
			$7, $8, $9, $10, $11, $12, nullif($13, 0))`,
		r.tenant, r.kind, r.month, r.trigger, r.dry, r.status, started, finished, reason, heldSince, approvedAt, notices, r.oneUser)
}

// clock is the collector's clock, moved by the test.
type clock struct{ now atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}
func (c *clock) set(t time.Time)     { c.now.Store(t.UnixNano()) }
func (c *clock) Now() time.Time      { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.set(c.Now().Add(d)) }

// stateGauges are the state collector's metrics.
var stateGauges = []string{
	"hrmos_sync_state_up", "hrmos_sync_runs_held", "hrmos_sync_runs_held_oldest_age_seconds",
	"hrmos_sync_runs_last_attempt_failed", "hrmos_sync_api_key_expiry_timestamp_seconds", "hrmos_sync_api_key_expires_in_seconds",
	"hrmos_sync_api_key_rejected", "hrmos_sync_schedules_paused", "hrmos_sync_schedules_missing",
}

// gauge is the value of one series of a gauge in g, and whether it exists.
func gauge(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
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
				return s.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

// The collector's values, read from the real database and Temporal.
func TestStateCollectorReadsTheState(t *testing.T) {
	w := newStateWorld(t)
	clk := newClock(w.t0)
	m, logs := newMetrics(t)
	m.Registry().MustRegister(metrics.NewStateCollector(metrics.StateOptions{
		DB: w.pool, Schedules: w.sc, RosterSchedule: true, Now: clk.Now,
	}))
	reg := m.Registry()

	type series = map[string]string
	tk := func(tenant, kind string) series { return series{"tenant": tenant, "kind": kind} }
	tkt := func(tenant, kind, trigger string) series {
		return series{"tenant": tenant, "kind": kind, "trigger": trigger}
	}
	tn := func(tenant string) series { return series{"tenant": tenant} }
	day := 24 * time.Hour
	expiry := func(d time.Duration) float64 { return float64(w.t0.Add(d).UnixMilli()) / 1000 }
	cases := []struct {
		name   string
		labels series
		want   float64
	}{
		{"hrmos_sync_state_up", series{"source": "database"}, 1},
		{"hrmos_sync_state_up", series{"source": "temporal"}, 1},

		{"hrmos_sync_runs_held", tk(tHeld, "roster"), 1},
		{"hrmos_sync_runs_held", tk(tHeld, "attendance"), 0}, // approved: writing, not held
		{"hrmos_sync_runs_held", tk(tHealthy, "roster"), 0},
		{"hrmos_sync_runs_held_oldest_age_seconds", tk(tHeld, "roster"), 1800},

		{"hrmos_sync_runs_last_attempt_failed", tkt(tFailing, "roster", "schedule"), 1},
		{"hrmos_sync_runs_last_attempt_failed", tkt(tFailing, "attendance", "ui"), 1},       // 2026-09
		{"hrmos_sync_runs_last_attempt_failed", tkt(tFailing, "attendance", "schedule"), 0}, // 2026-10 synced since, 2026-06 out of the window
		{"hrmos_sync_runs_last_attempt_failed", tkt(tFailing, "attendance", "cli"), 0},
		{"hrmos_sync_runs_last_attempt_failed", tkt(tHealthy, "roster", "schedule"), 0},  // superseded
		{"hrmos_sync_runs_last_attempt_failed", tkt(tHealthy, "roster", "cli"), 0},       // a dry run
		{"hrmos_sync_runs_last_attempt_failed", tkt(tHeld, "attendance", "schedule"), 0}, // 2026-09 rejected by ops

		{"hrmos_sync_api_key_expiry_timestamp_seconds", tn(tHealthy), expiry(60 * day)},
		{"hrmos_sync_api_key_expiry_timestamp_seconds", tn(tExpiring), expiry(5 * day)},
		{"hrmos_sync_api_key_expiry_timestamp_seconds", tn(tExpired), expiry(-2 * day)},
		{"hrmos_sync_api_key_expires_in_seconds", tn(tExpiring), 5 * day.Seconds()},
		{"hrmos_sync_api_key_expires_in_seconds", tn(tExpired), -2 * day.Seconds()},
		{"hrmos_sync_api_key_rejected", tn(tRejected), 1},
		{"hrmos_sync_api_key_rejected", tn(tHealthy), 0},

		{"hrmos_sync_schedules_paused", tn(tPaused), 1},
		{"hrmos_sync_schedules_paused", tn(tHealthy), 0},
		{"hrmos_sync_schedules_missing", tn(tUnscheduled), 2}, // monthly and roster-only
		{"hrmos_sync_schedules_missing", tn(tPaused), 0},
		{"hrmos_sync_schedules_missing", tn(tHealthy), 0},
	}
	for _, c := range cases {
		got, ok := gauge(t, reg, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}

	// Each connected tenant has its 13 series; the disconnected one none.
	n := len(w.tenants)
	for name, want := range map[string]int{
		"hrmos_sync_state_up":                         2,
		"hrmos_sync_runs_held":                        2 * n,
		"hrmos_sync_runs_held_oldest_age_seconds":     1,
		"hrmos_sync_runs_last_attempt_failed":         6 * n,
		"hrmos_sync_api_key_expiry_timestamp_seconds": n,
		"hrmos_sync_api_key_expires_in_seconds":       n,
		"hrmos_sync_api_key_rejected":                 n,
		"hrmos_sync_schedules_paused":                 n,
		"hrmos_sync_schedules_missing":                n,
	} {
		if got, err := testutil.GatherAndCount(reg, name); err != nil || got != want {
			t.Errorf("%s has %d series (err %v), want %d", name, got, err, want)
		}
	}
	// Labels: tenant, kind, trigger (and the source of state_up), nothing else.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if !slices.Contains(stateGauges, f.GetName()) {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if !slices.Contains([]string{"tenant", "kind", "trigger", "source"}, l.GetName()) {
					t.Errorf("%s has a label %q", f.GetName(), l.GetName())
				}
				if l.GetName() == "tenant" && l.GetValue() == tGone {
					t.Errorf("%s reports the disconnected tenant", f.GetName())
				}
			}
		}
	}

	// The age grows with the clock, once the cache period has passed.
	clk.add(10 * time.Second)
	if got, _ := gauge(t, reg, "hrmos_sync_runs_held_oldest_age_seconds", tk(tHeld, "roster")); got != 1800 {
		t.Errorf("within the cache period the age is %v, want the cached 1800", got)
	}
	clk.add(metrics.StateCacheTTL)
	if got, _ := gauge(t, reg, "hrmos_sync_runs_held_oldest_age_seconds", tk(tHeld, "roster")); got != 1800+10+metrics.StateCacheTTL.Seconds() {
		t.Errorf("after the cache period the age is %v, want %v", got, 1800+10+metrics.StateCacheTTL.Seconds())
	}

	problems, err := testutil.GatherAndLint(reg, stateGauges...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings while everything was readable:\n%s", logs)
	}
}

// flakyDB and flakySchedules fail while told to, and count their readings.
type flakyDB struct {
	metrics.StateDB
	fail  atomic.Bool
	reads atomic.Int32
}

func (f *flakyDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	f.reads.Add(1)
	if f.fail.Load() {
		return nil, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	return f.StateDB.BeginTx(ctx, opts)
}

type flakySchedules struct {
	client.ScheduleClient
	fail atomic.Bool
}

func (f *flakySchedules) List(ctx context.Context, opts client.ScheduleListOptions) (client.ScheduleListIterator, error) {
	if f.fail.Load() {
		return nil, errors.New("connection error: desc = \"transport: Error while dialing: dial tcp 127.0.0.1:7233: connect: connection refused\"")
	}
	return f.ScheduleClient.List(ctx, opts)
}

// A source that cannot be read never fails the scrape: hrmos_sync_state_up
// says which, its gauges are left out, and the worker logs it once, not
// at every scrape, and once again when it is back.
func TestStateCollectorSurvivesUnreadableSources(t *testing.T) {
	w := newStateWorld(t)
	clk := newClock(w.t0)
	db := &flakyDB{StateDB: w.pool}
	sc := &flakySchedules{ScheduleClient: w.sc}
	var logs bytes.Buffer
	m := metrics.New(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { _ = m.Close() })
	m.Registry().MustRegister(metrics.NewStateCollector(metrics.StateOptions{
		DB: db, Schedules: sc, RosterSchedule: true, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}))
	reg := m.Registry()
	srv, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())

	upOf := func(source string) float64 {
		v, ok := gauge(t, reg, "hrmos_sync_state_up", map[string]string{"source": source})
		if !ok {
			t.Fatalf("no hrmos_sync_state_up{source=%q}", source)
		}
		return v
	}
	count := func(name string) int {
		n, err := testutil.GatherAndCount(reg, name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Both down, three scrapes apart.
	db.fail.Store(true)
	sc.fail.Store(true)
	for range 3 {
		body := scrape(t, srv.URL()) // the endpoint answers 200 (scrape fails the test otherwise)
		if !strings.Contains(body, `hrmos_sync_state_up{source="database"} 0`) || !strings.Contains(body, `hrmos_sync_state_up{source="temporal"} 0`) {
			t.Errorf("/metrics does not say both sources are down:\n%s", grep(body, "hrmos_sync_state_up"))
		}
		clk.add(metrics.StateCacheTTL)
	}
	for _, name := range []string{"hrmos_sync_runs_held", "hrmos_sync_runs_last_attempt_failed", "hrmos_sync_api_key_rejected", "hrmos_sync_schedules_missing"} {
		if n := count(name); n != 0 {
			t.Errorf("%s has %d series while its source is unreadable", name, n)
		}
	}
	if n := strings.Count(logs.String(), "cannot read database"); n != 1 {
		t.Errorf("logged the unreadable database %d times in 3 scrapes, want once:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "cannot read temporal"); n != 1 {
		t.Errorf("logged the unreadable Temporal %d times in 3 scrapes, want once:\n%s", n, logs.String())
	}

	// The database back, Temporal still down: the database's gauges
	// return, the schedules' stay out (they need both).
	db.fail.Store(false)
	clk.add(metrics.StateCacheTTL)
	if got := upOf(metrics.SourceDatabase); got != 1 {
		t.Errorf("state_up{database} = %v once readable", got)
	}
	if upOf(metrics.SourceTemporal) != 0 || count("hrmos_sync_schedules_missing") != 0 {
		t.Error("Temporal unreadable: want state_up{temporal} 0 and no schedule gauges")
	}
	if n := count("hrmos_sync_runs_held"); n != 2*len(w.tenants) {
		t.Errorf("hrmos_sync_runs_held has %d series once the database is back, want %d", n, 2*len(w.tenants))
	}
	clk.add(metrics.StateCacheTTL)
	sc.fail.Store(false)
	if upOf(metrics.SourceTemporal) != 1 || count("hrmos_sync_schedules_missing") != len(w.tenants) {
		t.Error("Temporal readable again: want state_up{temporal} 1 and the schedule gauges")
	}
	if n := strings.Count(logs.String(), "read database again"); n != 1 {
		t.Errorf("logged the database's return %d times, want once:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "read temporal again"); n != 1 {
		t.Errorf("logged Temporal's return %d times, want once:\n%s", n, logs.String())
	}

	// Scrapes within the cache period read nothing.
	clk.add(metrics.StateCacheTTL)
	before := db.reads.Load()
	for range 5 {
		scrape(t, srv.URL())
	}
	if got := db.reads.Load() - before; got != 1 {
		t.Errorf("5 scrapes within %s read the database %d times, want once", metrics.StateCacheTTL, got)
	}
}

// A source that hangs is given up after the timeout: the scrape answers.
func TestStateCollectorGivesUpOnAHungSource(t *testing.T) {
	var logs bytes.Buffer
	c := metrics.NewStateCollector(metrics.StateOptions{
		DB: hungDB{}, Timeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	start := time.Now()
	if got := testutil.ToFloat64(c); got != 0 { // the collector's one series: state_up{database}
		t.Errorf("state_up{database} = %v for a hung database", got)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the scrape took %s with a 200ms timeout", took)
	}
	if !strings.Contains(logs.String(), "context deadline exceeded") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
}

type hungDB struct{}

func (hungDB) BeginTx(ctx context.Context, _ pgx.TxOptions) (pgx.Tx, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// The collector's queries stay cheap with many tenants and long histories:
// every tenant's last runs are one range of the index on (tenant_id,
// started_at) bounded by the window, the held runs come from the partial
// index of running runs, and sync_runs is never scanned whole, whatever
// the table statistics say.
func TestStateQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 runs")
	}
	for _, stats := range []string{"never analyzed", "analyzed"} {
		t.Run(stats, func(t *testing.T) {
			st, _ := testdb.New(t)
			pool := st.Pool()
			ctx := context.Background()
			testdb.Exec(t, st, `ALTER TABLE sync_runs SET (autovacuum_enabled = false)`)
			const tenants = 500
			// Two years of each tenant: a weekly roster, a monthly attendance,
			// a dry run a month, the odd failure; a few held runs; and one
			// tenant whose 5,000 runs are all older than the window.
			testdb.Exec(t, st, fmt.Sprintf(`
				INSERT INTO tenants (id, name) SELECT 't' || i, 't' || i FROM generate_series(1, %d) i;
				INSERT INTO tenants (id, name) VALUES ('old', 'old');
				INSERT INTO hrmos_connections (tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_expires_at, status)
					SELECT id, id, '\x00', 'k', now() + interval '30 days', 'connected' FROM tenants;
				INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, dry_run, workflow_id, workflow_run_id, status, started_at,
						finished_at, failure_reason)
					SELECT gen_random_uuid(), 't' || i, k, CASE WHEN k = 'attendance' THEN to_char(now() - w * interval '1 week', 'YYYY-MM') END,
						'schedule', w %% 4 = 1 AND k = 'roster', gen_random_uuid()::text, 'r', CASE WHEN w %% 7 = 0 THEN 'failed' ELSE 'completed' END,
						now() - w * interval '1 week', now() - w * interval '1 week', CASE WHEN w %% 7 = 0 THEN 'x' END
					FROM generate_series(1, %d) i, generate_series(0, 103) w, unnest(ARRAY['roster', 'attendance']) k
					WHERE k = 'roster' OR w %% 4 = 0 OR w %% 4 = 1;
				INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status, started_at, awaiting_approval_since)
					SELECT gen_random_uuid(), 't' || i, 'roster', 'schedule', gen_random_uuid()::text, 'r', 'running', now(), now()
					FROM generate_series(1, 20) i;
				INSERT INTO sync_runs (id, tenant_id, kind, month, trigger, workflow_id, workflow_run_id, status, started_at, finished_at)
					SELECT gen_random_uuid(), 'old', 'attendance', '2020-01', 'cli', gen_random_uuid()::text, 'r', 'completed',
						now() - interval '100 days' - i * interval '1 minute', now() - interval '100 days'
					FROM generate_series(1, 5000) i`, tenants, tenants))
			if stats == "analyzed" {
				testdb.Exec(t, st, "ANALYZE")
			}
			var total, inWindow float64
			since := time.Now().Add(-metrics.FailedRunWindow)
			if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE started_at >= $1) FROM sync_runs`, since).Scan(&total, &inWindow); err != nil {
				t.Fatal(err)
			}
			for name, sql := range metrics.StateQueries {
				var out []byte
				if err := pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql, argsOf(sql, since)...).Scan(&out); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var plans []struct {
					Plan          stateNode
					ExecutionTime float64 `json:"Execution Time"`
				}
				if err := json.Unmarshal(out, &plans); err != nil {
					t.Fatal(err)
				}
				read := plans[0].Plan.rowsRead("sync_runs")
				t.Logf("%s: %.1f ms, %.0f rows of sync_runs read (of %.0f, %.0f in the window)", name, plans[0].ExecutionTime, read, total, inWindow)
				if scans := plans[0].Plan.seqScans("sync_runs"); scans > 0 {
					t.Errorf("%s scans sync_runs whole:\n%s", name, out)
				}
				if read > inWindow+100 {
					t.Errorf("%s reads %.0f rows of sync_runs, more than the %.0f of the window:\n%s", name, read, inWindow, out)
				}
			}
		})
	}
}

func argsOf(sql string, since time.Time) []any {
	if strings.Contains(sql, "$1") {
		return []any{since}
	}
	return nil
}

type stateNode struct {
	NodeType        string      `json:"Node Type"`
	Relation        string      `json:"Relation Name"`
	ActualRows      float64     `json:"Actual Rows"`
	ActualLoops     float64     `json:"Actual Loops"`
	RemovedByFilter float64     `json:"Rows Removed by Filter"`
	Plans           []stateNode `json:"Plans"`
}

// rowsRead adds up the rows the scans of relation read, every loop.
func (n stateNode) rowsRead(relation string) float64 {
	var read float64
	if n.Relation == relation {
		read = (n.ActualRows + n.RemovedByFilter) * max(n.ActualLoops, 1)
	}
	for _, c := range n.Plans {
		read += c.rowsRead(relation)
	}
	return read
}

func (n stateNode) seqScans(relation string) int {
	count := 0
	if n.NodeType == "Seq Scan" && n.Relation == relation {
		count++
	}
	for _, c := range n.Plans {
		count += c.seqScans(relation)
	}
	return count
}

func grep(text, substr string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
