package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SimulatorFlags lists the flags the simulator binary accepts (from its
// -h output), so callers can tell whether e.g. -companies exists yet.
func SimulatorFlags(ctx context.Context, bin string) map[string]bool {
	out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput() // -h exits 2
	flags := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-") {
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "-"), " ")
			flags[name] = true
		}
	}
	return flags
}

// SimulatorSpec is how to start the simulator binary.
type SimulatorSpec struct {
	Bin     string
	Company string
	Users   int
	Seed    uint64
	// Companies > 0 serves "<Company>-001".."<Company>-<N>" (flag -companies).
	Companies int
	// RateLimit is requests per company per sliding minute (0: unlimited).
	RateLimit int
	// Months are the months with monthly reports ("" keeps the default).
	Months string
	Dir    string
}

// Simulator is a running HRMOS simulator binary.
type Simulator struct {
	BaseURL string
	// Keys maps each company ID to its API key.
	Keys map[string]string
	Proc *Process
	addr string
}

// StartSimulator starts the simulator on a free port and reads its
// companies and keys: from its stdout for one company, from -keys-out for
// several.
func StartSimulator(ctx context.Context, s SimulatorSpec) (*Simulator, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"-addr", addr, "-company", s.Company, "-users", strconv.Itoa(s.Users),
		"-seed", strconv.FormatUint(s.Seed, 10), "-rate-limit", strconv.Itoa(s.RateLimit)}
	if s.Months != "" {
		args = append(args, "-months", s.Months)
	}
	keysOut := filepath.Join(s.Dir, "simulator-keys.json")
	if s.Companies > 0 {
		_ = os.Remove(keysOut)
		args = append(args, "-companies", strconv.Itoa(s.Companies), "-keys-out", keysOut)
	}
	proc, err := Start(Spec{Name: "hrmos-simulator", Path: s.Bin, Args: args, Log: filepath.Join(s.Dir, "simulator.log")})
	if err != nil {
		return nil, err
	}
	sim := &Simulator{BaseURL: "http://" + addr + "/api", Proc: proc, addr: addr, Keys: map[string]string{}}
	err = WaitUntil(ctx, "the HRMOS simulator", 10*time.Minute, 200*time.Millisecond, proc.Done(), func(context.Context) error {
		if s.Companies > 0 {
			b, err := os.ReadFile(keysOut)
			if err != nil {
				return err
			}
			keys := map[string]string{}
			if err := json.Unmarshal(b, &keys); err != nil || len(keys) < s.Companies {
				return fmt.Errorf("keys file not complete yet (%d of %d)", len(keys), s.Companies)
			}
			sim.Keys = keys
		} else {
			company, key := parseSimulatorOutput(proc.Tail(1 << 16))
			if key == "" {
				return errors.New("no API key printed yet")
			}
			sim.Keys[company] = key
		}
		resp, err := http.Get("http://" + addr + "/_sim/faults")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	if err != nil {
		proc.Kill()
		return nil, fmt.Errorf("%w\n%s", err, proc.Tail(2000))
	}
	return sim, nil
}

// parseSimulatorOutput reads "company ID: x" and "API key: y" lines.
func parseSimulatorOutput(out string) (company, key string) {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "company id":
			company = strings.TrimSpace(v)
		case "api key":
			key = strings.TrimSpace(v)
		}
	}
	return company, key
}

// Mutate changes a synced field of percent % of the company's users
// (POST /_sim/companies/{company}/mutate).
func (s *Simulator) Mutate(ctx context.Context, company string, percent int, seed uint64) error {
	body, _ := json.Marshal(map[string]any{"percent": percent, "seed": seed})
	return s.post(ctx, "/_sim/companies/"+company+"/mutate", body)
}

func (s *Simulator) post(ctx context.Context, path string, body []byte) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.addr+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("POST %s: %s %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// Stop stops the simulator.
func (s *Simulator) Stop() { s.Proc.Stop(5 * time.Second) }
