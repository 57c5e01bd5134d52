package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// opsWebhook is a local receiver in place of Slack: it keeps every body
// it is posted.
type opsWebhook struct {
	mu     sync.Mutex
	bodies []string
	url    string
}

func newOpsWebhook(t *testing.T) *opsWebhook {
	h := &opsWebhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	// The path stands for a Slack webhook URL's secret.
	h.url = srv.URL + "/services/T0NOTIFY/B0NOTIFY/w3bh00kS3cr3t"
	return h
}

// texts are the messages' text fields, in the order they came.
func (h *opsWebhook) texts(t *testing.T) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var p struct {
			Text   string            `json:"text"`
			Blocks []json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal([]byte(b), &p); err != nil || p.Text == "" || len(p.Blocks) == 0 {
			t.Fatalf("the webhook was posted %q (%v): want Slack's {\"text\", \"blocks\"}", b, err)
		}
		out = append(out, p.Text)
	}
	return out
}

func (h *opsWebhook) raw() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.bodies, "\n")
}

// Ops learn on their webhook what needs them, on a real Temporal server:
// the first run of a tenant whose API key expires in five days says so
// (once that day: the later runs do not repeat it); a run the mass-change
// guard holds says why, links its workflow and gives the commands that act
// on it; unapproved, it fails and says that; a run whose key HRMOS rejects
// fails and gives the reconnect command. No message holds a personal value
// of the company, and no log line the webhook's URL.
func TestOpsAreToldOnTheirWebhook(t *testing.T) {
	h := newOpsWebhook(t)
	e := newEnvWith(t, func(c *config.Config) {
		c.NotifyWebhookURL, c.TemporalUIURL = h.url, "http://temporal-ui.test:8233"
		c.GuardApprovalTimeout = 3 * time.Second
	})
	ctx := context.Background()
	c := e.guardCompany("ntf")
	if _, err := e.store.Pool().Exec(ctx, `UPDATE hrmos_connections SET key_expires_at = now() + interval '5 days' - interval '1 hour' WHERE tenant_id = 'ntf'`); err != nil {
		t.Fatal(err)
	}
	link := func(r store.Run) string {
		return "http://temporal-ui.test:8233/namespaces/" + e.namespace + "/workflows/" + workflows.RosterWorkflowID("ntf") + "/" + r.WorkflowRunID + "/history"
	}

	first := e.mustRoster(workflows.RosterSyncInput{TenantID: "ntf"})
	testenv.Eventually(t, 10*time.Second, "the key message", func() bool { return len(h.texts(t)) == 1 })

	if _, err := e.sim.MutateUsers("ntf", 60, 7); err != nil {
		t.Fatal(err)
	}
	held, err := e.roster(workflows.RosterSyncInput{TenantID: "ntf"})
	if err == nil || held.Status != codes.RunFailed {
		t.Fatalf("the held run = %+v, %v: want it failed once nobody approved it", held, err)
	}

	if _, err := e.sim.RotateKey("ntf"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.ExpireTokens("ntf"); err != nil {
		t.Fatal(err)
	}
	rejected, err := e.roster(workflows.RosterSyncInput{TenantID: "ntf"})
	if err == nil || rejected.Status != codes.RunFailed {
		t.Fatalf("the run with a regenerated key = %+v, %v: want it failed", rejected, err)
	}

	texts := h.texts(t)
	want := [][]string{
		{"HRMOS API key of tenant ntf expires in 5 days", "starter connect --tenant ntf --company ntf", "found by the roster sync run " + first.ID, link(first)},
		{"HRMOS sync held for approval: roster sync of tenant ntf", "mass_change: it would create", link(held),
			"starter runs show --tenant ntf --run " + held.ID, "starter approve --tenant ntf --run " + held.ID + " --by NAME",
			"starter reject --tenant ntf --run " + held.ID + ` --reason "…" --by NAME`, `Update, name "approve" with input {"by":"your name"}`},
		{"HRMOS sync failed: roster sync of tenant ntf", "nobody approved it within 3s", link(held), "starter roster --tenant ntf --wait"},
		{"HRMOS sync failed: roster sync of tenant ntf", "HRMOSKeyRejected: ", link(rejected),
			"Reconnect: starter connect --tenant ntf --company ntf", "Then run it again: starter roster --tenant ntf --wait"},
	}
	if len(texts) != len(want) {
		t.Fatalf("ops got %d messages, want %d (key, held, failed when unapproved, failed on the key):\n%s", len(texts), len(want), strings.Join(texts, "\n---\n"))
	}
	for i, ws := range want {
		for _, w := range ws {
			if !strings.Contains(texts[i], w) {
				t.Errorf("message %d does not say %q:\n%s", i+1, w, texts[i])
			}
		}
	}
	raw := h.raw()
	for _, s := range c.PersonalStrings() {
		if strings.Contains(raw, s) {
			t.Errorf("a message holds the personal value or key %q", s)
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, "w3bh00kS3cr3t") || !strings.Contains(logs, "told ops") {
		t.Errorf("the worker's logs hold the webhook URL, or say nothing of the messages")
	}

	if os.Getenv("UPDATE_REPLAY_HISTORY") == "1" {
		// The held run reaches every call of workflows/notify.go: the key
		// message (said already today), the held one, the failed one.
		e.writeReplayHistories(e.histories(), map[string]runOf{
			"roster_sync_held_then_failed_notified": {workflowID: held.WorkflowID, runID: held.WorkflowRunID},
		})
	}
}
