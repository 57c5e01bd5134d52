package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProcessKillAndPeakRSS(t *testing.T) {
	p, err := Start(Spec{Name: "sleep", Path: "/bin/sleep", Args: []string{"60"}, Log: filepath.Join(t.TempDir(), "sleep.log")})
	if err != nil {
		t.Fatal(err)
	}
	if dead, _ := p.Exited(); dead {
		t.Fatal("exited at once")
	}
	if p.PeakRSS() <= 0 {
		t.Error("no peak RSS read from /proc")
	}
	p.Kill()
	if dead, err := p.Exited(); !dead || err == nil {
		t.Errorf("after SIGKILL: exited %v, err %v", dead, err)
	}
	if p.PeakRSS() <= 0 {
		t.Error("the peak is lost once the process is gone")
	}
}

func TestParseSimulatorOutput(t *testing.T) {
	out := "HRMOS simulator ready\n  base URL:   http://127.0.0.1:1/api\n  company ID: acme\n  API key:    k-123\n"
	if c, k := parseSimulatorOutput(out); c != "acme" || k != "k-123" {
		t.Errorf("company %q key %q", c, k)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "worker", "main.go")); err != nil {
		t.Errorf("module root %s has no worker: %v", root, err)
	}
}
