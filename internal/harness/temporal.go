package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// TemporalCLIVersion is the CLI whose dev server the demo and the benchmark use.
const TemporalCLIVersion = "v1.5.1"

// temporalServerOfCLI is the Temporal server inside CLI v1.5.1.
const temporalServerOfCLI = "1.29.1"

// TemporalCLI finds the Temporal CLI at TemporalCLIVersion: $TEMPORAL_CLI,
// <root>/.bin/temporal, ~/go/bin/temporal or the PATH; else it installs it
// into <root>/.bin with go install, as scripts/demo.sh does (about two
// minutes the first time). Test binaries that start together install it
// once: the others wait on a lock file in <root>/.bin. logf reports what it
// does.
func TemporalCLI(ctx context.Context, root string, logf func(string, ...any)) (string, error) {
	bin := filepath.Join(root, ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(bin, ".temporal-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	candidates := []string{os.Getenv("TEMPORAL_CLI"), filepath.Join(bin, "temporal")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "go", "bin", "temporal"))
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		candidates = append(candidates, p)
	}
	for i, c := range candidates {
		if c == "" || !fileExists(c) {
			continue
		}
		// A CLI built by go install says "0.0.0-DEV (Server 1.29.1, …)":
		// the server version is what identifies 1.5.1 then. The one in
		// <root>/.bin is what this function (or scripts/demo.sh) installed.
		out, err := exec.CommandContext(ctx, c, "--version").Output()
		if err == nil && (i == 1 || strings.Contains(string(out), strings.TrimPrefix(TemporalCLIVersion, "v")) ||
			strings.Contains(string(out), "Server "+temporalServerOfCLI)) {
			return c, nil
		}
	}
	logf("installing the Temporal CLI %s into %s (about two minutes the first time)", TemporalCLIVersion, bin)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/temporalio/cli/cmd/temporal@"+TemporalCLIVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("install the Temporal CLI: %w\n%s", err, out)
	}
	return filepath.Join(bin, "temporal"), nil
}

// TemporalDev is a running `temporal server start-dev`.
type TemporalDev struct {
	Address   string
	Namespace string
	Proc      *Process
}

// StartTemporalDev starts the CLI's dev server on free ports of 127.0.0.1,
// in memory (no database file), without its UI, and waits until its
// frontend answers a health check. extraArgs are added to `temporal server
// start-dev` (e.g. --dynamic-config-value).
func StartTemporalDev(ctx context.Context, cli, logPath string, extraArgs ...string) (*TemporalDev, error) {
	var ports [3]int
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	addr := "127.0.0.1:" + strconv.Itoa(ports[0])
	proc, err := Start(Spec{
		Name: "temporal dev server", Path: cli, Log: logPath,
		Args: append([]string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(ports[0]),
			"--http-port", strconv.Itoa(ports[1]), "--metrics-port", strconv.Itoa(ports[2]),
			"--headless", "--log-level", "warn"}, extraArgs...),
	})
	if err != nil {
		return nil, err
	}
	err = WaitUntil(ctx, "the Temporal dev server", 2*time.Minute, 300*time.Millisecond, proc.Done(), func(ctx context.Context) error {
		c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: "default"})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
		if err != nil {
			return err
		}
		// The default namespace is registered a moment after the frontend answers.
		_, err = c.WorkflowService().DescribeNamespace(ctx, describeNamespace("default"))
		return err
	})
	if err != nil {
		proc.Kill()
		return nil, fmt.Errorf("%w\n%s", err, proc.Tail(2000))
	}
	return &TemporalDev{Address: addr, Namespace: "default", Proc: proc}, nil
}

// Stop stops the dev server.
func (t *TemporalDev) Stop() { t.Proc.Stop(10 * time.Second) }

func describeNamespace(ns string) *workflowservice.DescribeNamespaceRequest {
	return &workflowservice.DescribeNamespaceRequest{Namespace: ns}
}

// WaitForWorker waits until a worker polls taskQueue for both workflow and
// activity tasks, so what is timed next holds no worker start-up (ops'
// workers run long before their syncs start).
func WaitForWorker(ctx context.Context, c client.Client, taskQueue string, worker *Process) error {
	return WaitUntil(ctx, "the worker", 2*time.Minute, 200*time.Millisecond, worker.Done(), func(ctx context.Context) error {
		for _, t := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(ctx, taskQueue, t)
			if err != nil {
				return err
			}
			if len(resp.GetPollers()) == 0 {
				return fmt.Errorf("nothing polls %s tasks of %s yet", t, taskQueue)
			}
		}
		return nil
	})
}
