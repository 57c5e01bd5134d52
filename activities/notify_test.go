package activities

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/notify"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// receiver is a local webhook: it records what it is posted and answers
// with the statuses it is given, one per post (200 once they run out).
type receiver struct {
	mu       sync.Mutex
	posts    []notify.Payload
	statuses []int
	url      string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var p notify.Payload
		_ = json.Unmarshal(b, &p)
		r.mu.Lock()
		r.posts = append(r.posts, p)
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	// The path stands for a Slack webhook's secret.
	r.url = srv.URL + "/services/T0/B0/s3cr3t"
	return r
}

func (r *receiver) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, p := range r.posts {
		s = append(s, p.Text)
	}
	return s
}

func (w *world) notifyTo(r *receiver) {
	w.t.Helper()
	n, err := NewNotifier(r.url, time.Second, "https://temporal.example.com")
	if err != nil {
		w.t.Fatal(err)
	}
	w.acts.Notify = n
}

// NotifyOps words each event from its input and what the connection says,
// links the workflow that runs it, and posts it; without a webhook it posts
// nothing and says why.
func TestNotifyOpsPostsEachEvent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-hrmos", 3)
	w.connect("acme", c)
	in := syncapi.NotifyInput{TenantID: "acme", Kind: codes.KindRoster, RunID: newUUID(), Trigger: codes.TriggerSchedule}

	res := must[syncapi.NotifyResult](w, w.acts.NotifyOps, with(in, func(in *syncapi.NotifyInput) { in.Event = syncapi.NotifyHeld }))
	if res.Sent || !strings.Contains(res.NotSent, "NOTIFY_WEBHOOK_URL") {
		t.Fatalf("without a webhook: %+v, want nothing sent and why", res)
	}

	r := newReceiver(t)
	w.notifyTo(r)
	must[syncapi.NotifyResult](w, w.acts.NotifyOps, with(in, func(in *syncapi.NotifyInput) {
		in.Event, in.Code, in.Reason = syncapi.NotifyHeld, syncapi.NotifyCodeHeld, "it would create 120 and change 3 employees of the tenant's 200"
	}))
	must[syncapi.NotifyResult](w, w.acts.NotifyOps, with(in, func(in *syncapi.NotifyInput) {
		in.Event, in.Code, in.Reason = syncapi.NotifyFailed, syncapi.ErrTypeKeyRejected, "HRMOS rejected the API key"
	}))
	got := r.texts()
	if len(got) != 2 {
		t.Fatalf("posted %d messages, want 2: %q", len(got), got)
	}
	for i, want := range [][]string{
		{"held for approval: roster sync of tenant acme", "mass_change: it would create 120", "starter approve --tenant acme --run " + in.RunID,
			"https://temporal.example.com/namespaces/default-test-namespace/workflows/default-test-workflow-id/default-test-run-id/history"},
		{"HRMOS sync failed: roster sync of tenant acme", "HRMOSKeyRejected: HRMOS rejected the API key",
			"starter connect --tenant acme --company acme-hrmos", "starter roster --tenant acme --wait"},
	} {
		for _, s := range want {
			if !strings.Contains(got[i], s) {
				t.Errorf("message %d does not say %q:\n%s", i, s, got[i])
			}
		}
	}
}

// A key close to expiry is said once a day per tenant, whichever runs find
// it (the schedule's roster and attendance together, runs by hand), and not
// at all once the key was rotated.
func TestNotifyOpsSaysAnExpiringKeyOnceADay(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-hrmos", 3))
	w.connect("beta", w.company("beta-hrmos", 3))
	r := newReceiver(t)
	w.notifyTo(r)
	now := time.Now()
	testdb.Exec(t, w.store, `UPDATE hrmos_connections SET key_expires_at = $1`, now.Add(9*24*time.Hour-time.Hour))
	key := func(tenant string) syncapi.NotifyResult {
		return must[syncapi.NotifyResult](w, w.acts.NotifyOps, syncapi.NotifyInput{Event: syncapi.NotifyKeyExpiry, TenantID: tenant,
			Kind: codes.KindRoster, RunID: newUUID(), Trigger: codes.TriggerSchedule})
	}
	if res := key("acme"); !res.Sent {
		t.Fatalf("the first run that finds the key: %+v", res)
	}
	if res := key("acme"); res.Sent || !strings.Contains(res.NotSent, "another run said it today") {
		t.Errorf("a second run the same day: %+v, want nothing sent", res)
	}
	if res := key("beta"); !res.Sent {
		t.Errorf("another tenant's key the same day: %+v", res)
	}
	texts := r.texts()
	if len(texts) != 2 || !strings.Contains(texts[0], "HRMOS API key of tenant acme expires in 9 days") ||
		!strings.Contains(texts[0], "starter connect --tenant acme --company acme-hrmos") {
		t.Fatalf("messages: %q", texts)
	}

	// The next day (the activity's clock), said again; expired, it says so.
	w.acts.Now = func() time.Time { return now.Add(24 * time.Hour) }
	if res := key("acme"); !res.Sent {
		t.Errorf("the next day: %+v", res)
	}
	w.acts.Now = func() time.Time { return now.Add(10 * 24 * time.Hour) }
	if res := key("acme"); !res.Sent || !strings.Contains(r.texts()[3], "has expired") {
		t.Errorf("once expired: %+v, %q", res, r.texts())
	}
	// Rotated since the run started: nothing to say.
	w.acts.Now = func() time.Time { return now.Add(11 * 24 * time.Hour) }
	testdb.Exec(t, w.store, `UPDATE hrmos_connections SET key_expires_at = $1`, now.Add(100*24*time.Hour))
	if res := key("acme"); res.Sent {
		t.Errorf("a rotated key: %+v, want nothing sent", res)
	}
}

// A webhook that fails is the activity's error for Temporal to retry (5xx,
// 429); one that refuses for good (a revoked webhook's 404) is
// non-retryable. Neither error holds the webhook's URL, which goes into the
// workflow's history with it. An unsent key notice is not marked said: the
// retry (the same run) claims it again.
func TestNotifyOpsErrors(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-hrmos", 3))
	testdb.Exec(t, w.store, `UPDATE hrmos_connections SET key_expires_at = $1`, time.Now().Add(5*24*time.Hour))
	r := newReceiver(t, 500, 429, 404)
	w.notifyTo(r)
	in := syncapi.NotifyInput{Event: syncapi.NotifyKeyExpiry, TenantID: "acme", Kind: codes.KindRoster, RunID: newUUID()}
	for _, tt := range []struct {
		status       int
		nonRetryable bool
	}{{500, false}, {429, false}, {404, true}} {
		_, err := w.run(w.acts.NotifyOps, in)
		appErr := appError(t, err)
		if appErr.NonRetryable() != tt.nonRetryable || !strings.Contains(err.Error(), fmt.Sprintf("answered %d", tt.status)) {
			t.Errorf("answered %d: %v (non-retryable %v), want non-retryable=%v", tt.status, err, appErr.NonRetryable(), tt.nonRetryable)
		}
		if tt.nonRetryable && appErr.Type() != syncapi.ErrTypeNotifyRefused {
			t.Errorf("answered %d: type %s, want %s", tt.status, appErr.Type(), syncapi.ErrTypeNotifyRefused)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error holds the webhook URL: %v", err)
		}
	}
	if res := must[syncapi.NotifyResult](w, w.acts.NotifyOps, in); !res.Sent {
		t.Errorf("the retry once the webhook answers: %+v, want it sent", res)
	}
	if n := len(r.texts()); n != 4 {
		t.Errorf("the receiver got %d posts, want 4", n)
	}
}

func with(in syncapi.NotifyInput, f func(*syncapi.NotifyInput)) syncapi.NotifyInput {
	f(&in)
	return in
}
