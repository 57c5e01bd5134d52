// Package testenv is the integration tests' one harness (internal/e2e,
// internal/soak, the starter's and the metrics' Temporal tests): a Temporal
// dev server shared by the tests of one test binary, each test in a
// namespace of its own; a worker wired as internal/app wires production; the
// HRMOS simulator over HTTP; a fresh database from internal/testdb; one way
// to wait (Eventually) and one source of UUIDs (github.com/google/uuid).
//
// The dev server is the Temporal CLI's, the one `make demo` and the
// benchmark run (internal/harness finds or installs it, CLI v1.5.1 with
// server 1.29.1), started on first use with its UI off, on free ports and in
// memory, and stopped by Main. It is started as internal/harness starts
// processes, not with the SDK's testsuite.StartDevServer: harness kills it
// with the test binary (Linux's parent-death signal), so a test binary that
// times out or panics leaves no server behind. A namespace costs the server
// a few milliseconds, and isolates what a test can see: workflow IDs,
// schedules, search attributes, visibility queries, task queues.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
	"github.com/mediment/hrmos-sync/workflows"
)

// Main runs a test binary's tests, then stops its dev server if a test
// started one: `func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if dev.server != nil {
		dev.server.Stop()
		if code == 0 {
			_ = os.RemoveAll(dev.dir)
		}
	}
	return code
}

// dev is the test binary's dev server, started by the first test that needs it.
var dev struct {
	once   sync.Once
	server *harness.TemporalDev
	dir    string // holds its log
	err    error
}

func devServer(t testing.TB) *harness.TemporalDev {
	t.Helper()
	dev.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		root, err := harness.ModuleRoot()
		if err != nil {
			dev.err = err
			return
		}
		cli, err := harness.TemporalCLI(ctx, root, func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
		if err != nil {
			dev.err = err
			return
		}
		if dev.dir, dev.err = os.MkdirTemp("", "hrmos-sync-temporal-"); dev.err != nil {
			return
		}
		dev.server, dev.err = harness.StartTemporalDev(ctx, cli, filepath.Join(dev.dir, "temporal.log"),
			// As temporaltest: a search attribute is usable as soon as it is
			// registered. The version check would call out to the internet.
			"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true",
			"--dynamic-config-value", "frontend.enableServerVersionCheck=false")
	})
	if dev.err != nil {
		t.Fatalf("the Temporal dev server: %v", dev.err)
	}
	return dev.server
}

// Temporal is one test's part of the dev server: a namespace of its own,
// without the engine's search attributes until a worker starts (or
// `starter setup` runs) there.
type Temporal struct {
	Address   string
	Namespace string
	// HTTPAddress is host:port of the frontend's HTTP API (Temporal's
	// grpc-gateway, what mediment's web app and the Web UI call):
	// POST http://<HTTPAddress>/api/v1/namespaces/<Namespace>/workflows/<ID>.
	HTTPAddress string
	// Client is dialled as app.DialTemporal dials, with the workflows'
	// context propagators; it logs to Logs.
	Client client.Client
	Logs   *Buffer
}

// NewTemporal registers a namespace for the test on the binary's dev server
// (starting it first if need be) and dials it. The test is skipped with
// -short.
func NewTemporal(t testing.TB) *Temporal {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: runs a Temporal server (skipped with -short)")
	}
	srv := devServer(t)
	ns := namespaceFor(t.Name())
	nc, err := client.NewNamespaceClient(client.Options{HostPort: srv.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Register(context.Background(), &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatalf("register namespace %s: %v", ns, err)
	}
	logs := &Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := app.DialTemporal(config.Config{TemporalAddress: srv.Address, TemporalNamespace: ns}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &Temporal{Address: srv.Address, HTTPAddress: httpAddress(t, srv), Namespace: ns, Client: c, Logs: logs}
}

// httpAddress is where the dev server serves its HTTP API: the
// --http-port harness.StartTemporalDev gave it (the last one wins, as the
// CLI reads its flags), on the frontend's host.
func httpAddress(t testing.TB, srv *harness.TemporalDev) string {
	t.Helper()
	port := ""
	for i, a := range srv.Proc.Args {
		if a == "--http-port" && i+1 < len(srv.Proc.Args) {
			port = srv.Proc.Args[i+1]
		}
	}
	host, _, err := net.SplitHostPort(srv.Address)
	if port == "" || err != nil {
		t.Fatalf("the dev server's HTTP port is not among its arguments %q", srv.Proc.Args)
	}
	return net.JoinHostPort(host, port)
}

var unsafeInNamespace = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// namespaceFor names a test's namespace after the test, so that its server
// log lines say whose they are, made unique.
func namespaceFor(test string) string {
	name := strings.Trim(unsafeInNamespace.ReplaceAllString(test, "-"), "-")
	return fmt.Sprintf("%.150s-%s", name, UUID()[:8])
}

// Env is one test's world: its namespace, its own database, a simulator
// and a worker wired as internal/app wires the worker binary's.
type Env struct {
	*Temporal
	// Store is the database as its owner (what migrate and the tests use);
	// DatabaseURL connects as the owner too.
	Store       *store.Store
	DatabaseURL string
	Sim         *hrmossim.Server
	// Config is what the worker runs with: the environment's configuration
	// with the test defaults of New and Options.Configure.
	Config config.Config
	Worker worker.Worker
}

// Options change an Env from its defaults.
type Options struct {
	// Configure changes the configuration the worker starts with, e.g. a
	// short HRMOS_REQUEST_TIMEOUT or GUARD_APPROVAL_TIMEOUT.
	Configure func(*config.Config)
	// Activities changes the activities before the worker registers them.
	Activities func(*activities.Activities)
	// Workflows are the options the worker builds its workflows with; a
	// zero field is production's (workflows.DefaultOptions). A test of an
	// outage passes short retry waits.
	Workflows workflows.Options
}

// New makes a test's Env with its worker running: a namespace on the dev
// server, a fresh migrated database, the simulator on an HTTP port (its base
// URL in Config.HRMOSBaseURL), and the worker as its least-privilege
// database role (migration 003), with the search attributes registered as
// the worker binary registers them. The test is skipped with -short.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	e := &Env{Temporal: NewTemporal(t)}
	e.Store, e.DatabaseURL = testdb.New(t)
	var baseURL string
	e.Sim, baseURL = NewSimulator(t)
	cfg, err := config.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TaskQueue = e.Address, e.Namespace, "hrmos-sync-test"
	cfg.DatabaseURL, cfg.DatabaseMaxConns = testdb.WorkerURL(t, e.DatabaseURL), 20
	cfg.HRMOSBaseURL, cfg.HRMOSRetryBaseDelay, cfg.HRMOSRequestTimeout, cfg.HRMOSRequestsPerMinute = baseURL, 10*time.Millisecond, 5*time.Second, 0
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	e.Config = cfg
	e.Worker = StartWorker(t, e.Temporal, cfg, opts.Workflows, opts.Activities)
	return e
}

// StartWorker runs the engine's worker in the test as the worker binary
// runs it (worker/main.go): the store on cfg.DatabaseURL, the activities of
// app.NewActivities, the search attributes registered, app.NewWorker with
// the workflows built from wf. When the test fails it logs the worker's last
// log lines.
func StartWorker(t testing.TB, tc *Temporal, cfg config.Config, wf workflows.Options, adjust func(*activities.Activities)) worker.Worker {
	t.Helper()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	acts, err := app.NewActivities(cfg, st, tc.Client)
	if err != nil {
		t.Fatal(err)
	}
	if adjust != nil {
		adjust(acts)
	}
	if _, err := app.EnsureSearchAttributes(ctx, tc.Client, tc.Namespace); err != nil {
		t.Fatal(err)
	}
	w := app.NewWorker(tc.Client, cfg, acts, wf)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			lines := strings.Split(strings.TrimSpace(tc.Logs.String()), "\n")
			t.Logf("the worker's last log lines:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	return w
}

// NewSimulator serves an HRMOS simulator over HTTP for the test and returns
// it with its base URL (HRMOS_BASE_URL).
func NewSimulator(t testing.TB) (*hrmossim.Server, string) {
	sim := hrmossim.New(hrmossim.Options{})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv.URL + "/api"
}

// Eventually calls ok every 50 ms until it holds, and fails the test when
// it has not within timeout: the tests' one way to wait for something.
func Eventually(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	notYet := errors.New("not yet")
	err := harness.WaitUntil(context.Background(), what, timeout, 50*time.Millisecond, nil, func(context.Context) error {
		if ok() {
			return nil
		}
		return notYet
	})
	if err != nil {
		t.Fatalf("gave up waiting after %s: %s", timeout, what)
	}
}

// UUID is a random UUID, as the Temporal UI's Start Workflow form fills in
// a Workflow ID.
func UUID() string { return uuid.NewString() }

// Buffer is a bytes.Buffer that one goroutine may write while another reads
// it: a worker's log, a command's output.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
