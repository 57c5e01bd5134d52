package hrmos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

const testKey = "c2VjcmV0LWtleS0xMjM0NTY3ODkwYWJjZGVm"

func TestSecretRedaction(t *testing.T) {
	s := Secret(testKey)
	tok := Token{Value: s, ExpiresAt: time.Now()}
	cfg := Config{BaseURL: DefaultBaseURL, CompanyID: "acme", APIKey: s}
	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		outputs = append(outputs, fmt.Sprintf(format, s), fmt.Sprintf(format, tok), fmt.Sprintf(format, &tok),
			fmt.Sprintf(format, cfg), fmt.Sprintf(format, []Secret{s}), fmt.Sprintf(format, map[string]Secret{"k": s}))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString())
	for _, v := range []any{s, tok, struct{ APIKey Secret }{s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("x", "key", s, "token", tok, "cfg", cfg, slog.Any("any", s), slog.Group("g", "k", s))
	}
	outputs = append(outputs, logs.String())

	for _, out := range outputs {
		if strings.Contains(out, testKey) || strings.Contains(out, fmt.Sprintf("%x", testKey)) {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if got := fmt.Sprintf("%v|%#v", s, s); got != "[redacted]|[redacted]" {
		t.Errorf("got %q", got)
	}
	if b, _ := json.Marshal(s); string(b) != `"[redacted]"` {
		t.Errorf("json = %s", b)
	}
	if s.Reveal() != testKey {
		t.Error("Reveal must return the value")
	}
}

func TestClientAndCacheDoNotPrintSecrets(t *testing.T) {
	e := newSim(t, hrmossim.GenerateSpec{Users: 1})
	key := e.company.APIKey
	cache := NewMemoryTokenCache()
	c := e.client(t, func(c *Config) { c.Tokens = cache })
	tok, err := c.Authenticate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		for _, v := range []any{c, *c, cache} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, key) || strings.Contains(out, tok.Value.Reveal()) ||
				strings.Contains(out, fmt.Sprintf("%x", key)) {
				t.Errorf("%s of %T leaks: %s", format, v, out)
			}
		}
	}
}

// TestNothingSecretOrPersonalInErrorsOrLogs drives every failure path with
// bodies full of names and e-mails and checks what reaches errors and logs.
func TestNothingSecretOrPersonalInErrorsOrLogs(t *testing.T) {
	personal := []string{"徳川", "家康", "ieyasu@example.jp", "A0001"}
	body := `{"code":%d,"message":"user 徳川 家康 <ieyasu@example.jp> number A0001"}`
	answer := func(status int) func(w http.ResponseWriter, r *http.Request, n int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if isToken(r) {
				return false
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, body, status)
			return true
		}
	}
	scenarios := map[string]struct {
		intercept func(w http.ResponseWriter, r *http.Request, n int) bool
		faults    hrmossim.Faults
	}{
		"401": {intercept: answer(401)},
		"400": {intercept: answer(400)},
		"503": {intercept: answer(503)},
		// The simulator's own truncation cuts a page of generated employees.
		"truncated": {faults: hrmossim.Faults{OnlyPath: "/users", TruncateNextN: 1 << 30}},
		"syntax": {intercept: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if isToken(r) {
				return false
			}
			_, _ = w.Write([]byte(`[{"id":1,"last_name":徳川}]`))
			return true
		}},
		"timeout": {faults: hrmossim.Faults{OnlyPath: "/users", Latency: time.Minute}},
	}
	for name, sc := range scenarios {
		t.Run(name, func(t *testing.T) {
			e := newSim(t, hrmossim.GenerateSpec{Users: 30, Months: []string{"2026-09"}})
			e.intercept = sc.intercept
			e.sim.SetFaults(sc.faults)
			var logs bytes.Buffer
			c := e.client(t, func(c *Config) {
				c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c.RequestTimeout = 20 * time.Millisecond
				c.MaxAttempts = 2
			})
			var errs []error
			_, err := countUsers(t, c)
			errs = append(errs, err)
			if name != "truncated" && name != "timeout" { // their faults are on /users
				errs = append(errs, c.MonthlyReport(context.Background(), "2026-09", 1, func(Page[MonthlyReportRow]) error { return nil }))
			}
			for _, err := range errs {
				if err == nil {
					t.Fatal("expected an error")
				}
				texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
				for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
					texts = append(texts, u.Error())
				}
				assertClean(t, e, texts, personal)
			}
			if !strings.Contains(logs.String(), `"op":"list users"`) {
				t.Errorf("debug logs missing op: %s", logs.String())
			}
			assertClean(t, e, []string{logs.String()}, personal)
		})
	}

	t.Run("bad key", func(t *testing.T) {
		e := newSim(t, hrmossim.GenerateSpec{})
		e.intercept = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			w.WriteHeader(401)
			fmt.Fprintf(w, body, 401)
			return true
		}
		var logs bytes.Buffer
		c := e.client(t, func(c *Config) {
			c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		_, err := c.Authenticate(context.Background())
		mustKind(t, err, KindKeyRejected)
		assertClean(t, e, []string{err.Error(), fmt.Sprintf("%#v", err), logs.String()}, personal)
	})
}

// assertClean fails when a text holds the company's personal data, its key,
// one of its tokens, or one of the extra strings.
func assertClean(t *testing.T, e *simEnv, texts, extra []string) {
	t.Helper()
	forbidden := append(e.secrets(), extra...)
	for _, text := range texts {
		for _, bad := range forbidden {
			if strings.Contains(text, bad) {
				t.Errorf("%q leaks %q", text, bad)
			}
		}
	}
}
