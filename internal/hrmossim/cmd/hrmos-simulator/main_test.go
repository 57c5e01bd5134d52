package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// start runs the binary's run with args on a free port and returns its
// base URL once it prints "ready", and what it printed by then.
func start(t *testing.T, args ...string) (base string, out []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		out = append(out, lines.Text())
		if strings.Contains(lines.Text(), "faults:") {
			break
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "base URL:"); ok {
			base = strings.TrimSpace(v)
		}
	}
	if base == "" {
		t.Fatalf("no base URL in %q", out)
	}
	return base, out
}

func token(t *testing.T, base, company, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/"+company+"/v1/authentication/token", nil)
	req.Header.Set("Authorization", "Basic "+key)
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// scripts/demo.sh reads the key from the line containing "api key".
func TestSingleCompanyOutput(t *testing.T) {
	base, out := start(t, "-company", "acme", "-users", "5", "-seed", "7")
	var key string
	for _, l := range out {
		if strings.Contains(strings.ToLower(l), "api key") {
			f := strings.Fields(l)
			key = f[len(f)-1]
		}
	}
	if key == "" || token(t, base, "acme", key) != http.StatusOK {
		t.Fatalf("output %q: no usable API key line", out)
	}
}

func TestManyCompaniesAndKeysFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	base, out := start(t, "-company", "bench", "-companies", "12", "-users", "3", "-keys-out", file, "-messy=false")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]string
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 12 || keys["bench-001"] == "" || keys["bench-012"] == "" || keys["bench-001"] == keys["bench-002"] {
		t.Fatalf("keys file %s", b)
	}
	for id, key := range keys {
		if code := token(t, base, id, key); code != http.StatusOK {
			t.Errorf("%s: token status %d", id, code)
		}
	}
	if !strings.Contains(strings.Join(out, "\n"), "bench-001 … bench-012") {
		t.Errorf("output %q", out)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-companies", "-1"}, {"-companies", "2", "-key", "k"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
