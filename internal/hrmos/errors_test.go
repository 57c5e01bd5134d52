package hrmos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

// Statuses no retry can fix fail a data call at once, each saying what to
// check; 403 is not mistaken for a dead token.
func TestDataCallStatusesThatFailAtOnce(t *testing.T) {
	for _, tt := range []struct {
		status int
		kind   Kind
		text   string
	}{
		{400, KindBadRequest, "HRMOS rejected the request as invalid: HTTP 400; this is a bug in the sync or a change in the HRMOS API: report it (list users, page 1)"},
		{422, KindBadRequest, "HRMOS rejected the request as invalid: HTTP 422; this is a bug in the sync or a change in the HRMOS API: report it (list users, page 1)"},
		{403, KindForbidden, "HRMOS forbids this API key reading /users: HTTP 403; check the company's HRMOS API plan and the key's permissions (list users, page 1)"},
		{404, KindNotFound, "HRMOS found nothing at /users: HTTP 404; check the company ID and that the HRMOS API is enabled for the company (list users, page 1)"},
		{410, KindGone, "HRMOS says /users is gone: HTTP 410; check the company ID and that the HRMOS API is enabled for the company (list users, page 1)"},
		{405, KindUnexpectedStatus, "HRMOS answered with an unexpected status: HTTP 405; report it (list users, page 1)"},
		{409, KindUnexpectedStatus, "HRMOS answered with an unexpected status: HTTP 409; report it (list users, page 1)"},
		{418, KindUnexpectedStatus, "HRMOS answered with an unexpected status: HTTP 418; report it (list users, page 1)"},
	} {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			env := newSim(t, hrmossim.GenerateSpec{Users: 3})
			env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 1 << 30, FailStatus: tt.status})
			_, err := countUsers(t, env.client(t, nil))
			e := mustKind(t, err, tt.kind)
			if e.Retryable() || e.Status != tt.status || e.Attempts != 1 || e.Page != 1 || e.Path != "/users" {
				t.Fatalf("error = %+v", e)
			}
			if got := e.Error(); got != tt.text {
				t.Errorf("Error() = %q\n           want %q", got, tt.text)
			}
			if auth, data := env.counts(); auth != 1 || data != 1 {
				t.Errorf("auth=%d data=%d, want one request and no new token", auth, data)
			}
		})
	}
}

func TestDataCallStatusesThatAreRetried(t *testing.T) {
	for _, status := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			env := newSim(t, hrmossim.GenerateSpec{Users: 3})
			env.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", FailNextN: 2, FailStatus: status})
			if n, err := countUsers(t, env.client(t, nil)); err != nil || n != 3 {
				t.Fatalf("n=%d err=%v", n, err)
			}
			if _, data := env.counts(); data != 3 {
				t.Errorf("data=%d, want two retries", data)
			}
		})
	}
}

func TestTokenEndpointStatuses(t *testing.T) {
	for status, kind := range map[int]Kind{
		401: KindKeyRejected, 403: KindKeyRejected, 404: KindCompanyNotFound, 400: KindBadRequest,
		422: KindBadRequest, 410: KindGone, 405: KindUnexpectedStatus,
	} {
		env := newSim(t, hrmossim.GenerateSpec{})
		env.sim.SetFaults(hrmossim.Faults{OnlyPath: authPath, FailNextN: 1, FailStatus: status})
		_, err := env.client(t, nil).Authenticate(context.Background())
		if e := mustKind(t, err, kind); e.Retryable() || e.Attempts != 1 {
			t.Errorf("%d: error = %+v", status, e)
		}
	}
}

// Kind names are reason codes elsewhere: they must not change.
func TestKindNamesAndRetryable(t *testing.T) {
	for kind, want := range map[Kind]struct {
		name      string
		retryable bool
	}{
		KindUnknown:          {"unknown", false},
		KindKeyRejected:      {"key_rejected", false},
		KindCompanyNotFound:  {"company_not_found", false},
		KindRateLimited:      {"rate_limited", true},
		KindUnavailable:      {"unavailable", true},
		KindBadRequest:       {"bad_request", false},
		KindNotFound:         {"not_found", false},
		KindForbidden:        {"forbidden", false},
		KindGone:             {"gone", false},
		KindUnexpectedStatus: {"unexpected_status", false},
		KindTokenRefused:     {"token_refused", true},
	} {
		e := &Error{Kind: kind, Op: "list users"}
		if kind.String() != want.name || e.Retryable() != want.retryable {
			t.Errorf("%d: %q retryable %v, want %q %v", int(kind), kind, e.Retryable(), want.name, want.retryable)
		}
		if text := e.Error(); !strings.HasPrefix(text, "HRMOS ") && !strings.HasPrefix(text, "invalid request") {
			t.Errorf("%v: Error() = %q", kind, text)
		}
	}
}

func TestErrorTextForCallerStopsAndClientRefusals(t *testing.T) {
	for err, want := range map[*Error]string{
		{Op: "list users", Page: 3, Attempts: 1, Err: context.Canceled}: "HRMOS call stopped: context canceled (list users, page 3)",
		{Kind: KindBadRequest, Op: "monthly report", Err: errBadMonth}:  "invalid request not sent to HRMOS: month must be YYYY-MM; this is a bug in the sync or a change in the HRMOS API: report it (monthly report)",
		{Op: "list users", Page: 2, Err: errPageRepeated}:               "HRMOS call failed: HRMOS returned the same page twice; paging is not advancing (list users, page 2)",
	} {
		if got := err.Error(); got != want {
			t.Errorf("Error() = %q\n           want %q", got, want)
		}
	}
	if !errors.Is(&Error{Err: context.Canceled}, context.Canceled) {
		t.Error("Unwrap lost the cause")
	}
}
