package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/schedules"
)

// The state gauges say what ops alert on (README "Metrics",
// deploy/prometheus/alerts.yml): runs held for approval and for how long,
// syncs whose last run failed, each tenant's API key, each tenant's
// schedules. Unlike the counters of metrics.go they are read, not counted: the
// state lives in PostgreSQL (sync_runs, hrmos_connections) and in Temporal
// (the tenants' schedules), and a StateCollector reads it when Prometheus
// scrapes, at most once per cache period, so every worker reports the same
// truth however many there are, and a restarted worker reports it at once.
//
// They are labelled by tenant, which the counters are not: an alert must
// name the tenant to be acted on. The series stay bounded: a connected
// tenant has 12 (2 kinds × 3 triggers of failed runs, 2 kinds of held
// runs, its key's 2, its schedules' 2), plus the age of its held runs while
// it has some; a disconnected tenant has none, and the attendance month is
// counted, never a label. The tenant ID is mediment's own; no label holds
// personal data.

// StateCacheTTL is how long one reading of the state serves scrapes:
// Prometheus scraping every 15 s, and several Prometheus servers, cost the
// database and Temporal one reading per period.
const StateCacheTTL = 30 * time.Second

// StateTimeout bounds each source's reading, below Prometheus' default
// scrape timeout (10 s): a hung database or Temporal makes the scrape say
// so (hrmos_sync_state_up 0), not time out.
const StateTimeout = 5 * time.Second

// FailedRunWindow is how far back the last runs are looked at: a sync
// whose last run is older drops out of hrmos_sync_runs_last_attempt_failed.
// Every tenant's monthly schedule runs both kinds at least once a month, so
// the window always holds a scheduled tenant's last two scheduled runs,
// and it keeps the reading a bounded range of the index on
// (tenant_id, started_at) whatever the length of the tenant's history.
const FailedRunWindow = 62 * 24 * time.Hour

// The sources of hrmos_sync_state_up.
const (
	SourceDatabase = "database"
	SourceTemporal = "temporal"
)

// StateDB is what the collector reads PostgreSQL through: the worker's pool.
type StateDB interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// StateOptions configure a StateCollector.
type StateOptions struct {
	// DB is the worker's pool; its role needs SELECT on sync_runs and
	// hrmos_connections (migration 003 grants it).
	DB StateDB
	// Schedules is the Temporal client's schedule client, in the worker's
	// namespace; nil leaves out the schedule gauges and the temporal source.
	Schedules client.ScheduleClient
	// RosterSchedule says each tenant should also have the roster-only
	// schedule (SCHEDULE_ROSTER_CRON is set), so its absence counts as missing.
	RosterSchedule bool
	// Logger receives one line when a source becomes unreadable and one when
	// it is readable again.
	Logger *slog.Logger
	// CacheTTL defaults to StateCacheTTL, Timeout to StateTimeout.
	CacheTTL, Timeout time.Duration
	// Now is the clock (tests move it); time.Now by default.
	Now func() time.Time
}

// StateCollector is a prometheus.Collector of the state gauges. Register
// one per worker beside New's metrics: m.Registry().MustRegister(c).
type StateCollector struct {
	opts StateOptions

	mu       sync.Mutex
	readAt   time.Time
	snapshot []prometheus.Metric
	down     map[string]bool
}

// NewStateCollector makes the collector; it reads nothing until scraped.
func NewStateCollector(opts StateOptions) *StateCollector {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = StateCacheTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = StateTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &StateCollector{opts: opts, down: map[string]bool{}}
}

var (
	stateUpDesc = prometheus.NewDesc(Namespace+"_state_up",
		`Whether the last reading of the state gauges' source succeeded (1) or failed (0): "database" (sync_runs, hrmos_connections) or "temporal" (the schedules). While 0, that source's gauges are absent.`,
		[]string{"source"}, nil)
	runsHeldDesc = prometheus.NewDesc(Namespace+"_runs_held",
		"Runs held by the mass-change guard, waiting for approval (starter approve), by tenant and kind.",
		[]string{"tenant", "kind"}, nil)
	runsHeldAgeDesc = prometheus.NewDesc(Namespace+"_runs_held_oldest_age_seconds",
		"How long the oldest run held for approval has waited, by tenant and kind; absent when none is held.",
		[]string{"tenant", "kind"}, nil)
	lastAttemptFailedDesc = prometheus.NewDesc(Namespace+"_runs_last_attempt_failed",
		"Syncs whose last run failed, by tenant, kind and that run's trigger: the roster (0 or 1) and each attendance month, among the runs started in the last 62 days; dry runs are left out, and a run ops rejected (starter reject) is no failure.",
		[]string{"tenant", "kind", "trigger"}, nil)
	keyExpiryDesc = prometheus.NewDesc(Namespace+"_api_key_expiry_timestamp_seconds",
		"When the tenant's HRMOS API key expires (3 months after it was set), as a Unix time; absent when unknown. Days left: (this - time()) / 86400.",
		[]string{"tenant"}, nil)
	keyExpiresInDesc = prometheus.NewDesc(Namespace+"_api_key_expires_in_seconds",
		"How long until the tenant's HRMOS API key expires, as of the last reading (at most the cache period old): divide by 86400 for days; negative once expired, absent when unknown.",
		[]string{"tenant"}, nil)
	keyRejectedDesc = prometheus.NewDesc(Namespace+"_api_key_rejected",
		"1 when HRMOS rejected the tenant's API key (hrmos_connections.status key_rejected): every sync of the tenant fails until `starter connect` sets a new one.",
		[]string{"tenant"}, nil)
	schedulesPausedDesc = prometheus.NewDesc(Namespace+"_schedules_paused",
		"The tenant's Temporal Schedules that are paused.",
		[]string{"tenant"}, nil)
	schedulesMissingDesc = prometheus.NewDesc(Namespace+"_schedules_missing",
		"The tenant's Temporal Schedules that do not exist: hrmos-monthly-<tenant>, and hrmos-roster-schedule-<tenant> when SCHEDULE_ROSTER_CRON is set (starter schedule apply creates them).",
		[]string{"tenant"}, nil)
)

// Describe sends the descriptors of every state gauge.
func (c *StateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{stateUpDesc, runsHeldDesc, runsHeldAgeDesc, lastAttemptFailedDesc,
		keyExpiryDesc, keyExpiresInDesc, keyRejectedDesc, schedulesPausedDesc, schedulesMissingDesc} {
		ch <- d
	}
}

// Collect sends the state as last read, reading it again first when the
// reading is older than the cache period. A source that cannot be read
// never fails the scrape: its gauges are left out and
// hrmos_sync_state_up{source} is 0.
func (c *StateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	now := c.opts.Now()
	if c.snapshot == nil || now.Sub(c.readAt) >= c.opts.CacheTTL || now.Before(c.readAt) {
		c.snapshot = c.read(now)
		c.readAt = now
	}
	snapshot := c.snapshot
	c.mu.Unlock()
	for _, m := range snapshot {
		ch <- m
	}
}

// dbState is what PostgreSQL holds.
type dbState struct {
	connections []connectionRow
	held        []heldRow
	failed      []failedRow
}

type connectionRow struct {
	TenantID     string     `db:"tenant_id"`
	Status       string     `db:"status"`
	KeyExpiresAt *time.Time `db:"key_expires_at"`
}

type heldRow struct {
	TenantID string    `db:"tenant_id"`
	Kind     string    `db:"kind"`
	Held     int64     `db:"held"`
	Oldest   time.Time `db:"oldest"`
}

type failedRow struct {
	TenantID string `db:"tenant_id"`
	Kind     string `db:"kind"`
	Trigger  string `db:"trigger"`
	Failed   int64  `db:"failed"`
}

// connectionsQuery lists the tenants whose state is reported: those with a
// connection that is not disconnected (a rejected key still counts), as
// `starter schedule apply` does. One row per tenant.
const connectionsQuery = `SELECT tenant_id, status, key_expires_at FROM hrmos_connections
	WHERE status <> 'disconnected' ORDER BY tenant_id`

// heldRunsQuery reads the runs the guard holds: running, waiting since
// awaiting_approval_since, not approved yet. Only running rows are read
// (the partial index sync_runs_running_idx).
const heldRunsQuery = `SELECT tenant_id, kind, count(*) AS held, min(awaiting_approval_since) AS oldest
	FROM sync_runs
	WHERE status = 'running' AND awaiting_approval_since IS NOT NULL AND approved_at IS NULL
	GROUP BY tenant_id, kind`

// lastAttemptsQuery finds, per connected tenant, the syncs whose last run
// failed: the roster, and each attendance month, among the runs started
// since $1 (FailedRunWindow ago). Per tenant it is one range of the index
// on (tenant_id, started_at): the runs of the window, never the tenant's
// whole history. Dry runs write nothing, so they neither count as a
// failure nor clear one; nor do one-user runs (`starter roster --user`),
// which sync one person by hand: one new hire synced after a failed
// monthly roster must not hide that failure, and a mistyped user ID is no
// failure of the tenant's roster (the starter that ran it said so). An
// attendance run refused before it had a month is no month to sync again.
// A run still going is the last attempt too: a failure being retried is
// not reported failed. A run ops rejected while the mass-change guard held
// it (its "rejected" notice) failed by their decision: it is the last
// attempt, and no failure to alert on.
const lastAttemptsQuery = `SELECT c.tenant_id, r.kind, r.trigger, count(*) AS failed
	FROM hrmos_connections c
	CROSS JOIN LATERAL (
		SELECT DISTINCT ON (s.kind, s.month) s.kind, s.trigger,
			CASE WHEN s.status = 'failed' AND EXISTS (SELECT FROM unnest(s.notices) n WHERE starts_with(n, '` + codes.NoticeRejected + `: '))
				THEN 'rejected' ELSE s.status END AS status
		FROM sync_runs s
		WHERE s.tenant_id = c.tenant_id AND s.started_at >= $1 AND NOT s.dry_run AND s.only_hrmos_user_id IS NULL
			AND NOT (s.kind = 'attendance' AND s.month IS NULL)
		ORDER BY s.kind, s.month, s.started_at DESC, s.id DESC
	) r
	WHERE c.status <> 'disconnected' AND r.status = 'failed'
	GROUP BY c.tenant_id, r.kind, r.trigger`

func (c *StateCollector) readDB(ctx context.Context, now time.Time) (dbState, error) {
	var s dbState
	// One snapshot for the three, read-only.
	err := pgx.BeginTxFunc(ctx, c.opts.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if s.connections, err = collect[connectionRow](ctx, tx, connectionsQuery); err != nil {
			return fmt.Errorf("read the connections: %w", err)
		}
		if s.held, err = collect[heldRow](ctx, tx, heldRunsQuery); err != nil {
			return fmt.Errorf("read the held runs: %w", err)
		}
		if s.failed, err = collect[failedRow](ctx, tx, lastAttemptsQuery, now.Add(-FailedRunWindow)); err != nil {
			return fmt.Errorf("read the last runs: %w", err)
		}
		return nil
	})
	return s, err
}

func collect[T any](ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[T])
}

// read reads both sources at once, each within the timeout, and makes the
// gauges.
func (c *StateCollector) read(now time.Time) []prometheus.Metric {
	var (
		wg               sync.WaitGroup
		db               dbState
		dbErr            error
		paused           map[string]bool
		temporalErr      error
		watchesSchedules = c.opts.Schedules != nil
	)
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
		defer cancel()
		db, dbErr = c.readDB(ctx, now)
	})
	if watchesSchedules {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
			defer cancel()
			paused, temporalErr = listSchedules(ctx, c.opts.Schedules)
		})
	}
	wg.Wait()

	b := &metricsBuilder{logger: c.opts.Logger}
	b.add(stateUpDesc, up(dbErr), SourceDatabase)
	c.noteHealth(SourceDatabase, dbErr)
	if watchesSchedules {
		b.add(stateUpDesc, up(temporalErr), SourceTemporal)
		c.noteHealth(SourceTemporal, temporalErr)
	}
	if dbErr != nil {
		return b.metrics
	}

	type tenantKind struct{ tenant, kind string }
	held := map[tenantKind]heldRow{}
	for _, h := range db.held {
		held[tenantKind{h.TenantID, known(h.Kind, kinds)}] = h
	}
	type tenantKindTrigger struct{ tenant, kind, trigger string }
	failed := map[tenantKindTrigger]int64{}
	for _, f := range db.failed {
		failed[tenantKindTrigger{f.TenantID, known(f.Kind, kinds), known(f.Trigger, triggers)}] += f.Failed
	}
	listed := watchesSchedules && temporalErr == nil

	connected := map[string]bool{}
	for _, conn := range db.connections {
		t := conn.TenantID
		connected[t] = true
		for _, kind := range kinds {
			b.add(runsHeldDesc, float64(held[tenantKind{t, kind}].Held), t, kind)
			for _, trigger := range triggers {
				b.add(lastAttemptFailedDesc, float64(failed[tenantKindTrigger{t, kind, trigger}]), t, kind, trigger)
			}
		}
		rejected := 0.0
		if conn.Status == codes.ConnectionKeyRejected {
			rejected = 1
		}
		b.add(keyRejectedDesc, rejected, t)
		if conn.KeyExpiresAt != nil {
			b.add(keyExpiryDesc, float64(conn.KeyExpiresAt.UnixMilli())/1000, t)
			b.add(keyExpiresInDesc, conn.KeyExpiresAt.Sub(now).Seconds(), t)
		}
		if listed {
			missing, pausedOnes := 0, 0
			for _, id := range c.scheduleIDs(t) {
				p, ok := paused[id]
				switch {
				case !ok:
					missing++
				case p:
					pausedOnes++
				}
			}
			b.add(schedulesMissingDesc, float64(missing), t)
			b.add(schedulesPausedDesc, float64(pausedOnes), t)
		}
	}
	for k, h := range held {
		if !connected[k.tenant] {
			// A run held for a tenant disconnected since: still held.
			b.add(runsHeldDesc, float64(h.Held), k.tenant, k.kind)
		}
		b.add(runsHeldAgeDesc, max(0, now.Sub(h.Oldest).Seconds()), k.tenant, k.kind)
	}
	return b.metrics
}

// listSchedules says, for every schedule of the namespace, whether it is
// paused: one paged query of Temporal's visibility store, whatever the
// number of tenants (schedules.List, for `starter schedule list`, describes
// each schedule, a call per schedule). Visibility follows a change within
// seconds, well inside the alerts' `for`.
func listSchedules(ctx context.Context, sc client.ScheduleClient) (map[string]bool, error) {
	it, err := sc.List(ctx, client.ScheduleListOptions{PageSize: 1000})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	paused := map[string]bool{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		paused[e.ID] = e.Paused
	}
	return paused, nil
}

// scheduleIDs are the schedules a connected tenant should have.
func (c *StateCollector) scheduleIDs(tenant string) []string {
	ids := []string{schedules.MonthlyID(tenant)}
	if c.opts.RosterSchedule {
		ids = append(ids, schedules.RosterID(tenant))
	}
	return ids
}

// noteHealth logs once when a source becomes unreadable and once when it is
// readable again, not at every scrape.
func (c *StateCollector) noteHealth(source string, err error) {
	was := c.down[source]
	switch {
	case err != nil && !was:
		c.opts.Logger.Warn("the state metrics cannot read "+source+": hrmos_sync_state_up is 0 and its gauges are absent until it can",
			"source", source, "error", err)
	case err == nil && was:
		c.opts.Logger.Info("the state metrics read "+source+" again", "source", source)
	}
	c.down[source] = err != nil
}

func up(err error) float64 {
	if err != nil {
		return 0
	}
	return 1
}

// metricsBuilder makes constant gauges; a label value Prometheus refuses
// (a tenant ID that is not UTF-8) costs its series and one log line, never
// the scrape.
type metricsBuilder struct {
	logger  *slog.Logger
	metrics []prometheus.Metric
	refused bool
}

func (b *metricsBuilder) add(desc *prometheus.Desc, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	if err != nil {
		if !b.refused {
			b.logger.Warn("a state gauge was left out: Prometheus refuses its labels", "error", err)
			b.refused = true
		}
		return
	}
	b.metrics = append(b.metrics, m)
}
