// Package harness runs the engine's real binaries as separate processes for
// the benchmark (internal/bench) and the crash soak (internal/soak): it
// builds them once, starts and stops them with their output in log files,
// waits until they are ready, kills them with SIGKILL, reads their peak
// memory from the OS, and starts the servers they need (the Temporal CLI's
// dev server, a throwaway PostgreSQL cluster, the HRMOS simulator).
//
// It depends only on what is stable while the core changes: the binaries
// (./worker, ./starter, ./internal/hrmossim/cmd/hrmos-simulator), the
// environment variables of internal/config, the tables of SPEC §6 and the
// Temporal client API.
package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Module is the engine's Go module path.
const Module = "github.com/mediment/hrmos-sync"

// ModuleRoot finds the directory of the engine's go.mod, walking up from
// the working directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module "+Module+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", Module)
		}
		dir = parent
	}
}

// Binaries are the engine's commands, built once.
type Binaries struct {
	Dir       string
	Worker    string
	Starter   string
	Simulator string
}

// Build compiles the worker, the starter and the simulator into dir with
// the local toolchain. The Go build cache makes a repeated build quick.
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Binaries{}, err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./worker", "./starter", "./internal/hrmossim/cmd/hrmos-simulator")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("go build the binaries: %w\n%s", err, out)
	}
	return Binaries{
		Dir:       dir,
		Worker:    filepath.Join(dir, "worker"),
		Starter:   filepath.Join(dir, "starter"),
		Simulator: filepath.Join(dir, "hrmos-simulator"),
	}, nil
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitUntil calls ready every interval until it returns nil, the process
// dies (died may be nil) or timeout passes; the last error says why.
func WaitUntil(ctx context.Context, what string, timeout, interval time.Duration, died <-chan struct{}, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, max(interval, 2*time.Second))
		last = ready(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w", what, timeout, errors.Join(last, ctx.Err()))
		case <-died:
			return fmt.Errorf("%s exited before it was ready: %w", what, last)
		case <-time.After(interval):
		}
	}
}
