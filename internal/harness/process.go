package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Spec describes a process to start.
type Spec struct {
	Name string
	Path string
	Args []string
	// Env is added to this process's environment; a later entry wins.
	Env []string
	// Log receives the process's standard output and error (appended).
	Log string
	// Dir is the working directory ("" keeps ours).
	Dir string
	// Credential runs the process as another OS user (e.g. postgres).
	Credential *syscall.Credential
}

// Process is a started child process. Its memory is sampled from /proc
// until it exits, so Peak reports the most it ever held (VmHWM).
type Process struct {
	Spec
	cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu      sync.Mutex
	peakKiB int64
}

// Start starts the process. It is killed with SIGKILL if this process
// dies first (Linux parent-death signal), so nothing outlives a harness.
func Start(s Spec) (*Process, error) {
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the log of %s: %w", s.Name, err)
	}
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: s.Credential}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	p := &Process{Spec: s, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	go p.sample()
	return p, nil
}

// PID is the process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and its error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to grace, then kills.
func (p *Process) Stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// sample keeps the highest VmHWM (the kernel's peak resident set) seen
// until the process exits; the last reading before exit is the peak.
func (p *Process) sample() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		p.readPeak()
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

func (p *Process) readPeak() {
	hwm, _, err := memStatus(p.PID())
	if err != nil {
		return
	}
	p.mu.Lock()
	p.peakKiB = max(p.peakKiB, hwm)
	p.mu.Unlock()
}

// PeakRSS is the most memory the process held resident since it started
// or since the last ResetPeak, in bytes, as the kernel counts it.
func (p *Process) PeakRSS() int64 {
	p.readPeak()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakKiB * 1024
}

// ResetPeak starts a new peak from the current resident set (Linux's
// clear_refs 5); it fails when the kernel does not allow it.
func (p *Process) ResetPeak() error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.PID()), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset the peak RSS of %s: %w", p.Name, err)
	}
	_, rss, err := memStatus(p.PID())
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.peakKiB = rss
	p.mu.Unlock()
	return nil
}

// memStatus reads VmHWM and VmRSS (KiB) of a process.
func memStatus(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		switch string(f[0]) {
		case "VmHWM:":
			hwm, _ = strconv.ParseInt(string(f[1]), 10, 64)
		case "VmRSS:":
			rss, _ = strconv.ParseInt(string(f[1]), 10, 64)
		}
	}
	if hwm == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return hwm, rss, nil
}

// Tail returns the last n bytes of the process's log, for error messages.
func (p *Process) Tail(n int) string { return Tail(p.Log, n) }

// Tail returns the last n bytes of a file.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
