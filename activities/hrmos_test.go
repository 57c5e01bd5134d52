package activities

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// fetchRoster starts a roster run of the tenant and fetches it: the
// activity where every HRMOS error of a roster sync surfaces.
func (w *world) fetchRoster(tenant string) (syncapi.RunInput, error) {
	w.t.Helper()
	in := runInput(tenant, codes.KindRoster, "")
	if _, err := w.run(w.acts.StartRun, in); err != nil {
		return in, err
	}
	_, err := w.run(w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: tenant, RunID: in.RunID})
	return in, err
}

func (w *world) connectionStatus(tenant string) string {
	w.t.Helper()
	c, err := w.store.Connection(context.Background(), tenant)
	if err != nil {
		w.t.Fatal(err)
	}
	return c.Status
}

// assertNoSecret fails when msg holds any of the secrets, as they are or
// encoded.
func assertNoSecret(t *testing.T, msg string, secrets ...[]byte) {
	t.Helper()
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		for _, form := range []string{string(s), hex.EncodeToString(s), base64.StdEncoding.EncodeToString(s), fmt.Sprintf("%v", s)} {
			if strings.Contains(msg, form) {
				t.Errorf("the message %q holds a secret (%q)", msg, form)
			}
		}
	}
}

// clientFor refuses, non-retryably, a tenant it cannot build a client for:
// not connected (never, or any more), or a stored key this worker's
// HRMOS_CREDENTIALS_KEY cannot open. The message says what to do and holds
// no key material.
func TestFetchRefusesATenantWithoutAUsableKey(t *testing.T) {
	const otherCredentialsKey = "YW5vdGhlci1jcmVkZW50aWFscy1rZXktMzItYnl0ZXM=" // "another-credentials-key-32-bytes"
	for _, tt := range []struct {
		name        string
		setup       func(w *world)
		wantType    string
		wantMessage string
	}{
		{"never connected", func(w *world) {
			testdb.Exec(w.t, w.store, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
		}, syncapi.ErrTypeTenantNotConnected, `tenant "acme" is not connected to HRMOS`},
		{"disconnected", func(w *world) {
			if err := w.store.Disconnect(context.Background(), "acme"); err != nil {
				w.t.Fatal(err)
			}
		}, syncapi.ErrTypeTenantNotConnected, `tenant "acme" is not connected to HRMOS`},
		{"sealed with a credentials key this worker does not have", func(w *world) {
			sealer, err := credentials.NewSealer(otherCredentialsKey)
			if err != nil {
				w.t.Fatal(err)
			}
			w.acts.Sealer = sealer
		}, syncapi.ErrTypeCredentials, "cannot be decrypted with HRMOS_CREDENTIALS_KEY: it was encrypted with a credentials key this worker does not have"},
		{"ciphertext altered", func(w *world) {
			testdb.Exec(w.t, w.store, `UPDATE hrmos_connections SET api_key_ciphertext = set_byte(api_key_ciphertext, 20, get_byte(api_key_ciphertext, 20) # 255)`)
		}, syncapi.ErrTypeCredentials, "cannot be decrypted with HRMOS_CREDENTIALS_KEY: the ciphertext does not match the key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			c := w.company("acme-co", 3)
			if tt.name != "never connected" {
				w.connect("acme", c)
			}
			conn, _ := w.store.Connection(context.Background(), "acme")
			tt.setup(w)
			in := runInput("acme", codes.KindRoster, "")
			testdb.Exec(t, w.store, `INSERT INTO sync_runs (id, tenant_id, kind, trigger, workflow_id, workflow_run_id, status)
				VALUES ($1, 'acme', 'roster', 'cli', 'wf', $2, 'running')`, in.RunID, in.RunID)

			_, err := w.run(w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

			appErr := appError(t, err)
			if appErr.Type() != tt.wantType || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), tt.wantMessage) {
				t.Fatalf("error = %q (type %s, non-retryable %v), want a non-retryable %s saying %q",
					appErr.Message(), appErr.Type(), appErr.NonRetryable(), tt.wantType, tt.wantMessage)
			}
			dev, _ := base64.StdEncoding.DecodeString(config.DevCredentialsKey)
			other, _ := base64.StdEncoding.DecodeString(otherCredentialsKey)
			assertNoSecret(t, err.Error(), []byte(c.APIKey), dev, other, conn.Ciphertext)
			if !slices.Contains(syncapi.NonRetryable, appErr.Type()) || !slices.Contains(syncapi.PermanentForTenant, appErr.Type()) {
				t.Errorf("%s must be in syncapi.NonRetryable and syncapi.PermanentForTenant", appErr.Type())
			}
		})
	}
}

// HRMOS refusing the key fails the run at once, and marks the connection
// so that ops see the tenant needs a new key before the next run.
func TestFetchWithARejectedKeyFailsAtOnceAndMarksTheConnection(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 3)
	w.connect("acme", c)
	if _, err := w.sim.RotateKey(c.ID); err != nil { // the key was regenerated in HRMOS
		t.Fatal(err)
	}

	_, err := w.fetchRoster("acme")

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeKeyRejected || !appErr.NonRetryable() || appErr.Message() != KeyRejectedReason {
		t.Fatalf("error = %q (type %s, non-retryable %v), want the non-retryable %s with KeyRejectedReason",
			appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeKeyRejected)
	}
	assertNoSecret(t, err.Error(), []byte(c.APIKey))
	if got := w.connectionStatus("acme"); got != codes.ConnectionKeyRejected {
		t.Errorf("connection status = %q, want %q", got, codes.ConnectionKeyRejected)
	}
}

// When recording key_rejected on the connection fails too (here: the
// worker's pool can read but not write), the run still fails at once for
// the key; the message says the mark failed, without PostgreSQL's text.
func TestFetchWithARejectedKeyStaysNonRetryableWhenMarkingFails(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 3)
	w.connect("acme", c)
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	if _, err := w.sim.RotateKey(c.ID); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(w.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	pool, err := store.Open(context.Background(), u.String(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	readOnly := *w.acts
	readOnly.Store = store.New(pool)
	env := newActivityEnv(&readOnly)

	_, err = env.ExecuteActivity(readOnly.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeKeyRejected || !appErr.NonRetryable() {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a non-retryable %s", appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeKeyRejected)
	}
	msg := appErr.Message()
	if !strings.HasPrefix(msg, KeyRejectedReason) || !strings.Contains(msg, "marking the connection key_rejected failed too") ||
		!strings.Contains(msg, "SQLSTATE 25006") || strings.Contains(msg, "read-only transaction") {
		t.Errorf("message %q: want the key-rejected reason, then that marking failed with its SQLSTATE only", msg)
	}
	if got := w.connectionStatus("acme"); got != codes.ConnectionConnected {
		t.Errorf("connection status = %q; the read-only pool cannot have changed it", got)
	}
}

// Every class of HRMOS failure reaches the workflow with the type its
// retry policy and support key on: what no retry can fix is non-retryable
// at once, what may pass is retryable.
func TestFetchClassifiesHRMOSFailures(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults hrmossim.Faults
		// setup, when set, breaks something else than the data calls.
		setup        func(w *world)
		wantType     string
		nonRetryable bool
		wantMessage  []string
		// attempts is how many requests the fault should have hit.
		attempts int
	}{
		{name: "data 403 is forbidden, at once",
			faults:   hrmossim.Faults{OnlyPath: "/users", FailNextN: 10, FailStatus: http.StatusForbidden},
			wantType: syncapi.ErrTypeHRMOSForbidden, nonRetryable: true, wantMessage: []string{"forbids this API key reading /users", "HTTP 403"}, attempts: 1},
		{name: "data 404 is a bad request",
			faults:   hrmossim.Faults{OnlyPath: "/users", FailNextN: 10, FailStatus: http.StatusNotFound},
			wantType: syncapi.ErrTypeHRMOSBadRequest, nonRetryable: true, wantMessage: []string{"HTTP 404"}, attempts: 1},
		{name: "data 410 is a bad request",
			faults:   hrmossim.Faults{OnlyPath: "/users", FailNextN: 10, FailStatus: http.StatusGone},
			wantType: syncapi.ErrTypeHRMOSBadRequest, nonRetryable: true, wantMessage: []string{"HTTP 410"}, attempts: 1},
		{name: "data 422 is a bad request",
			faults:   hrmossim.Faults{OnlyPath: "/users", FailNextN: 10, FailStatus: http.StatusUnprocessableEntity},
			wantType: syncapi.ErrTypeHRMOSBadRequest, nonRetryable: true, wantMessage: []string{"HTTP 422"}, attempts: 1},
		{name: "503 on every attempt is unavailable, retryable",
			faults:   hrmossim.Faults{OnlyPath: "/users", FailNextN: 100, FailStatus: http.StatusServiceUnavailable},
			wantType: syncapi.ErrTypeHRMOSUnavailable, nonRetryable: false, wantMessage: []string{"HRMOS is unavailable", "HTTP 503", "after 4 attempts"}, attempts: 4},
		{name: "unknown company ID",
			setup: func(w *world) {
				testdb.Exec(w.t, w.store, `UPDATE hrmos_connections SET company_id = 'no-such-company'`)
			},
			wantType: syncapi.ErrTypeCompanyNotFound, nonRetryable: true, wantMessage: []string{"does not know the company ID"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			w.connect("acme", w.company("acme-co", 3))
			if tt.setup != nil {
				tt.setup(w)
			}
			w.sim.SetFaults(tt.faults)

			_, err := w.fetchRoster("acme")

			appErr := appError(t, err)
			if appErr.Type() != tt.wantType || appErr.NonRetryable() != tt.nonRetryable {
				t.Fatalf("error = %q (type %s, non-retryable %v), want type %s, non-retryable %v",
					appErr.Message(), appErr.Type(), appErr.NonRetryable(), tt.wantType, tt.nonRetryable)
			}
			if inList := slices.Contains(syncapi.NonRetryable, appErr.Type()); inList != tt.nonRetryable {
				t.Errorf("%s in syncapi.NonRetryable = %v, want %v (the workflows' retry policies use the list)", appErr.Type(), inList, tt.nonRetryable)
			}
			for _, want := range tt.wantMessage {
				if !strings.Contains(appErr.Message(), want) {
					t.Errorf("message %q does not say %q", appErr.Message(), want)
				}
			}
			if tt.attempts > 0 {
				if hit := tt.faults.FailNextN - w.sim.Faults().FailNextN; hit != tt.attempts {
					t.Errorf("HRMOS was asked %d times, want %d", hit, tt.attempts)
				}
			}
			if got := w.connectionStatus("acme"); got != codes.ConnectionConnected {
				t.Errorf("connection status = %q: only a rejected key marks it", got)
			}
		})
	}
}
