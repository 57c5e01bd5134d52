// Package config holds the process configuration, read once from the
// environment in main and passed down. Only the mains (and tests) call Load.
package config

import (
	"context"
	"fmt"
	"time"

	"github.com/sethvargo/go-envconfig"
)

// DevCredentialsKey is the local-only default for HRMOS_CREDENTIALS_KEY so
// that the demo and tests run with no setup. It is public by definition:
// every deployment must set its own key (the worker logs a warning when it
// runs with this one).
const DevCredentialsKey = "ZGV2LW9ubHktaHJtb3Mtc3luYy1rZXktMzItYnl0ZXM="

// Config is everything the worker and the starter read from the environment.
// The names of SPEC §6 are a contract with the rest of mediment: add, never rename.
type Config struct {
	DatabaseURL       string `env:"DATABASE_URL, default=postgres://postgres@127.0.0.1:5432/hrmos_sync?sslmode=disable"`
	TemporalAddress   string `env:"TEMPORAL_ADDRESS, default=localhost:7233"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE, default=default"`
	// TemporalTLS is how the worker and the starter reach a production
	// Temporal (a self-hosted cluster with mTLS, or Temporal Cloud), under
	// the names the Temporal CLI reads, so one environment serves both.
	TemporalTLS  TemporalTLS
	TaskQueue    string `env:"TEMPORAL_TASK_QUEUE, default=hrmos-sync"`
	HRMOSBaseURL string `env:"HRMOS_BASE_URL, default=https://ieyasu.co/api"`
	// CredentialsKey is a base64-encoded 32-byte AES-256 key that encrypts
	// stored HRMOS API keys.
	CredentialsKey string `env:"HRMOS_CREDENTIALS_KEY, default=ZGV2LW9ubHktaHJtb3Mtc3luYy1rZXktMzItYnl0ZXM="`

	// HRMOSRequestTimeout bounds one HTTP request to HRMOS.
	HRMOSRequestTimeout time.Duration `env:"HRMOS_REQUEST_TIMEOUT, default=30s"`
	// HRMOSRequestsPerMinute is our own ceiling per tenant; HRMOS does not
	// publish its limit (docs/hrmos-api.md §3), so we stay well below the sibling
	// product's documented 600/min.
	HRMOSRequestsPerMinute int `env:"HRMOS_REQUESTS_PER_MINUTE, default=300"`
	// HRMOSRetryBaseDelay is the first back-off after a 5xx or 429 inside one
	// activity attempt; tests shorten it.
	HRMOSRetryBaseDelay time.Duration `env:"HRMOS_RETRY_BASE_DELAY, default=1s"`

	// DatabaseMaxConns bounds the worker's pool; per-employee activities
	// queue on it rather than overload PostgreSQL.
	DatabaseMaxConns int32 `env:"DATABASE_MAX_CONNS, default=16"`
	// ScheduleDayOfMonth and ScheduleTime place the monthly schedule (roster,
	// then the previous month's attendance), in Japan time.
	ScheduleDayOfMonth int    `env:"SCHEDULE_DAY_OF_MONTH, default=3"`
	ScheduleTime       string `env:"SCHEDULE_TIME, default=06:00"`
	// ScheduleRosterCron adds a roster-only schedule when set (cron syntax,
	// Japan time), e.g. "0 6 * * 1" for Mondays at 06:00.
	ScheduleRosterCron string `env:"SCHEDULE_ROSTER_CRON"`
	// ScheduleCatchupWindow bounds how late a scheduled action missed while
	// Temporal itself was down still runs once it is back (an action missed
	// while only the worker was down is started on time and waits for it,
	// whatever the window). 7 days: a weekend, and the 3rd inside Japan's New
	// Year and Golden Week holidays, when an outage may go unnoticed for
	// days, are 1–6 days; at most 27 days, so that no stale month is ever
	// run (internal/schedules). It was 24h, which a weekend outage outlasts.
	ScheduleCatchupWindow time.Duration `env:"SCHEDULE_CATCHUP_WINDOW, default=168h"`

	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL, default=info"`

	// The mass-change guard: a roster run that would create or change more
	// than GUARD_MAX_CHANGE_SHARE of a tenant's employees, or an attendance
	// month whose rows or working time move more than
	// GUARD_ATTENDANCE_MAX_CHANGE_SHARE from the month before, waits for
	// approval (`starter approve`) before it writes, at most
	// GUARD_APPROVAL_TIMEOUT. A tenant's first roster sync is held instead
	// when it matches less than GUARD_FIRST_SYNC_MIN_MATCH_SHARE of the
	// employees mediment already has. Tenants under GUARD_MIN_EMPLOYEES are
	// never held. GUARD_DISABLED=true turns it off.
	GuardMaxChangeShare           float64       `env:"GUARD_MAX_CHANGE_SHARE, default=0.2"`
	GuardAttendanceMaxChangeShare float64       `env:"GUARD_ATTENDANCE_MAX_CHANGE_SHARE, default=0.5"`
	GuardMinEmployees             int           `env:"GUARD_MIN_EMPLOYEES, default=50"`
	GuardApprovalTimeout          time.Duration `env:"GUARD_APPROVAL_TIMEOUT, default=72h"`
	GuardDisabled                 bool          `env:"GUARD_DISABLED, default=false"`
	// GuardFirstSyncMinMatchShare is 0.5 because the two cases it tells
	// apart sit far from it. A wrong company ID matches almost none of
	// mediment's employees (its HRMOS user IDs and 社員番号 are another
	// company's); a real onboarding matches most of them however many more
	// people HRMOS holds, since the share is of mediment's employees, not of
	// HRMOS's. Half leaves room for a roster typed in by hand with mistakes.
	GuardFirstSyncMinMatchShare float64 `env:"GUARD_FIRST_SYNC_MIN_MATCH_SHARE, default=0.5"`

	// NotifyWebhookURL is where the worker posts a message to ops when a run
	// is held by the mass-change guard, fails, or finds the tenant's HRMOS
	// API key within 14 days of expiry: a Slack incoming webhook, or any
	// receiver of its JSON. Empty sends nothing. It is a secret (the URL is
	// the webhook's credential): never log it.
	NotifyWebhookURL string `env:"NOTIFY_WEBHOOK_URL"`
	// NotifyWebhookTimeout bounds one post; Temporal retries the activity.
	NotifyWebhookTimeout time.Duration `env:"NOTIFY_WEBHOOK_TIMEOUT, default=10s"`
	// TemporalUIURL is the Temporal Web UI the messages link a run's
	// workflow to (the dev server's by default, as `make demo` serves it).
	TemporalUIURL string `env:"TEMPORAL_UI_URL, default=http://localhost:8233"`

	// MetricsAddr is where the worker serves Prometheus metrics on /metrics
	// (host:port); "off" or an empty value turns it off. The default keeps it on
	// this host; a container sets 0.0.0.0:9464 (docker-compose.yml).
	MetricsAddr string `env:"METRICS_ADDR, default=127.0.0.1:9464"`
}

// TemporalTLS configures the connection to Temporal beyond plaintext:
// TLS with a client certificate (mTLS) and/or an API key (Temporal Cloud).
// An API key turns TLS on unless TEMPORAL_TLS=false, as the CLI does.
// Certificates and keys come as a file path or as PEM in the variable
// itself (a secret store's mount or its env injection); never log them.
type TemporalTLS struct {
	APIKey                  string `env:"TEMPORAL_API_KEY"`
	Enabled                 string `env:"TEMPORAL_TLS"` // "", "true" or "false"
	ClientCertPath          string `env:"TEMPORAL_TLS_CLIENT_CERT_PATH"`
	ClientCertData          string `env:"TEMPORAL_TLS_CLIENT_CERT_DATA"`
	ClientKeyPath           string `env:"TEMPORAL_TLS_CLIENT_KEY_PATH"`
	ClientKeyData           string `env:"TEMPORAL_TLS_CLIENT_KEY_DATA"`
	ServerCACertPath        string `env:"TEMPORAL_TLS_SERVER_CA_CERT_PATH"`
	ServerCACertData        string `env:"TEMPORAL_TLS_SERVER_CA_CERT_DATA"`
	ServerName              string `env:"TEMPORAL_TLS_SERVER_NAME"`
	DisableHostVerification bool   `env:"TEMPORAL_TLS_DISABLE_HOST_VERIFICATION, default=false"`
}

// Load reads the configuration from the process environment.
func Load(ctx context.Context) (Config, error) {
	var c Config
	if err := envconfig.Process(ctx, &c); err != nil {
		return Config{}, fmt.Errorf("read configuration from the environment: %w", err)
	}
	return c, nil
}

// UsesDevCredentialsKey reports whether the public development key is in use.
func (c Config) UsesDevCredentialsKey() bool { return c.CredentialsKey == DevCredentialsKey }
