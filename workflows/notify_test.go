package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/notify"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// webhook is a local receiver of ops' messages: it answers each post with
// the next of its statuses (200 once they run out) and keeps the texts.
type webhook struct {
	mu       sync.Mutex
	statuses []int
	posts    int
	texts    []string // of the posts it took
	url      string
}

func newWebhook(t *testing.T, statuses ...int) *webhook {
	h := &webhook{statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.Payload
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &p)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.posts++
		status := http.StatusOK
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		if status == http.StatusOK {
			h.texts = append(h.texts, p.Text)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/services/T0/B0/s3cr3t"
	return h
}

func (h *webhook) got() (posts int, texts []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.posts, append([]string(nil), h.texts...)
}

// newNotifyEnv is newEnv with the real NotifyOps posting to h (the other
// activities mocked by the test) and short waits between its attempts.
func newNotifyEnv(t *testing.T, h *webhook) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	n, err := activities.NewNotifier(h.url, time.Second, "http://ui.example")
	if err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	New(Options{NotifyRetryInterval: time.Millisecond}).Register(env)
	env.RegisterActivity(&activities.Activities{Notify: n})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: RosterWorkflowID("acme")})
	return env
}

// A run held by the guard tells ops at once (why, the workflow's link, the
// commands that review, approve and refuse it), and when nobody approves it
// fails and tells them that too.
func TestAHeldRunThatFailsTellsOpsTwice(t *testing.T) {
	h := newWebhook(t)
	env := newNotifyEnv(t, h)
	f := heldRoster(time.Hour)
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", Trigger: codes.TriggerSchedule})

	appErr := workflowError(t, env)
	if !strings.Contains(appErr.Message(), "nobody approved it within 1h0m0s") {
		t.Fatalf("the run failed with %q, want the guard's timeout", appErr.Message())
	}
	runID := f.started[0].RunID
	link := "http://ui.example/namespaces/default-test-namespace/workflows/" + RosterWorkflowID("acme") + "/default-test-run-id/history"
	_, texts := h.got()
	if len(texts) != 2 {
		t.Fatalf("ops got %d messages, want 2 (held, failed): %q", len(texts), texts)
	}
	for i, want := range [][]string{
		{"HRMOS sync held for approval: roster sync of tenant acme", "mass_change: it would create 100", link,
			"starter approve --tenant acme --run " + runID, "starter reject --tenant acme --run " + runID, `or "reject" with input {"by":"your name","reason":"why"}`, "started from: ui"},
		{"HRMOS sync failed: roster sync of tenant acme", "SyncFailed: the mass-change guard held this run", "nobody approved it within 1h0m0s",
			link, "starter runs show --tenant acme --run " + runID, "starter roster --tenant acme --wait"},
	} {
		for _, w := range want {
			if !strings.Contains(texts[i], w) {
				t.Errorf("message %d does not say %q:\n%s", i+1, w, texts[i])
			}
		}
	}
}

// A held run that ops reject (here by Update, as `starter reject` sends
// it) tells ops that it was held, and nothing when rejected: it is their
// decision, and its reason is their free text.
func TestARejectedRunTellsOpsOnlyThatItWasHeld(t *testing.T) {
	h := newWebhook(t)
	env := newNotifyEnv(t, h)
	f := heldRoster(72 * time.Hour)
	f.mock(env, codes.KindRoster)
	var got *answer
	env.RegisterDelayedCallback(func() {
		got = update(env, RejectUpdate, Rejection{By: "sato", Reason: "the wrong HRMOS company is connected"})
	}, time.Hour)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if appErr := workflowError(t, env); got == nil || !got.accepted || !strings.HasPrefix(appErr.Message(), "rejected by sato") {
		t.Fatalf("the run ended with %q after the Update %+v, want it rejected", appErr.Message(), got)
	}
	posts, texts := h.got()
	if posts != 1 || len(texts) != 1 || !strings.Contains(texts[0], "held for approval") {
		t.Fatalf("the webhook was posted %d times: %q; want the held message only", posts, texts)
	}
}

// A failed run tells ops once the webhook takes it (Temporal retries a
// 500), and a webhook that never takes it costs the run its bounded
// attempts, never its outcome: it fails with its own reason.
func TestAFailedRunTellsOpsAndAWebhookDownNeverChangesTheRun(t *testing.T) {
	for _, tt := range []struct {
		name     string
		statuses []int
		posts    int
		told     bool
	}{
		{"500 twice, then taken", []int{500, 500}, 3, true},
		{"500 on every attempt", []int{500, 500, 500, 500, 500, 500, 500}, notifyAttempts, false},
		{"404 (a revoked webhook): not retried", []int{404}, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newWebhook(t, tt.statuses...)
			env := newNotifyEnv(t, h)
			f := &fakeRun{n: 10, settled: func(int64) bool { return false }, start: syncapi.StartRunResult{FirstSync: true}}
			env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(syncapi.FetchResult{},
				temporal.NewNonRetryableApplicationError("HRMOS rejected the API key of tenant acme", syncapi.ErrTypeKeyRejected, nil))
			f.mock(env, codes.KindRoster)

			env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", Trigger: codes.TriggerSchedule})

			appErr := workflowError(t, env)
			if appErr.Message() != "HRMOS rejected the API key of tenant acme" || f.finished.Status != codes.RunFailed {
				t.Fatalf("the run failed with %q and recorded %+v, want its own reason whatever the webhook did", appErr.Message(), f.finished)
			}
			posts, texts := h.got()
			if posts != tt.posts || (len(texts) == 1) != tt.told {
				t.Fatalf("the webhook was posted %d times and took %d messages, want %d posts, told %v", posts, len(texts), tt.posts, tt.told)
			}
			if tt.told && (!strings.Contains(texts[0], "HRMOSKeyRejected: HRMOS rejected the API key") ||
				!strings.Contains(texts[0], "starter connect --tenant acme --company <company ID>")) {
				t.Errorf("the message:\n%s", texts[0])
			}
		})
	}
}

// A run that found the key close to expiry asks for the key message (the
// activity says it once a day), and goes on whatever that answers; a run
// that is neither held, nor failed, nor near the key's expiry asks for
// none.
func TestTheKeyMessageIsAskedForAndNeverStopsTheRun(t *testing.T) {
	for _, notice := range []string{"", "key_expires_soon: the HRMOS API key expires in 9 days"} {
		env := newEnv(t, RosterWorkflowID("acme"))
		f := &fakeRun{n: 10, settled: func(int64) bool { return true }, start: syncapi.StartRunResult{KeyExpiryNotice: notice}}
		var asked []syncapi.NotifyInput
		env.OnActivity(a.NotifyOps, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.NotifyInput) (syncapi.NotifyResult, error) {
			asked = append(asked, in)
			return syncapi.NotifyResult{}, errors.New("the webhook is down")
		})
		f.mock(env, codes.KindRoster)

		env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", Trigger: codes.TriggerCLI})

		if err := env.GetWorkflowError(); err != nil || f.finished.Status != codes.RunCompleted {
			t.Fatalf("notice %q: the run ended %v, %+v; want it completed", notice, err, f.finished)
		}
		switch {
		case notice == "" && len(asked) != 0:
			t.Errorf("a run with nothing for ops asked for %+v", asked)
		case notice != "" && (len(asked) != notifyAttempts || asked[0].Event != syncapi.NotifyKeyExpiry || asked[0].TenantID != "acme" ||
			asked[0].Kind != codes.KindRoster || asked[0].RunID != f.started[0].RunID):
			t.Errorf("a run near the key's expiry asked for %+v, want the key message (tried %d times)", asked, notifyAttempts)
		}
	}
}
