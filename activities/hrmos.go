package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// HRMOSClients builds HRMOS clients for tenants. It is shared by every
// activity of a worker so that tokens are reused until they expire and each
// company's request rate is limited across concurrent activities.
type HRMOSClients struct {
	BaseURL        string
	HTTPClient     *http.Client
	RequestTimeout time.Duration
	RetryBaseDelay time.Duration
	PerMinute      int
	// OnResponse, when set, sees every HTTP attempt (the worker's metrics).
	OnResponse func(op string, status int, elapsed time.Duration)

	tokens   hrmos.TokenCache
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewHRMOSClients makes the shared factory.
func NewHRMOSClients(baseURL string, requestTimeout, retryBaseDelay time.Duration, perMinute int) *HRMOSClients {
	return &HRMOSClients{
		BaseURL: baseURL, RequestTimeout: requestTimeout, RetryBaseDelay: retryBaseDelay, PerMinute: perMinute,
		tokens: hrmos.NewMemoryTokenCache(), limiters: map[string]*rate.Limiter{},
	}
}

func (h *HRMOSClients) limiter(companyID string) *rate.Limiter {
	if h.PerMinute <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.limiters[companyID]
	if !ok {
		l = rate.NewLimiter(rate.Limit(float64(h.PerMinute)/60), max(1, h.PerMinute/60))
		h.limiters[companyID] = l
	}
	return l
}

// Client returns a client for one company and key.
func (h *HRMOSClients) Client(companyID string, apiKey hrmos.Secret) (*hrmos.Client, error) {
	return hrmos.New(hrmos.Config{
		BaseURL: h.BaseURL, CompanyID: companyID, APIKey: apiKey, HTTPClient: h.HTTPClient,
		RequestTimeout: h.RequestTimeout, RetryBaseDelay: h.RetryBaseDelay,
		Limiter: h.limiter(companyID), Tokens: h.tokens, OnResponse: h.OnResponse,
	})
}

// clientFor decrypts a tenant's stored key and returns the HRMOS client of
// the run's company. A tenant switched to another company after the run
// started is refused: the run matches through its company's links only, and
// another company's user N is another person.
func (a *Activities) clientFor(ctx context.Context, run store.RunRef) (*hrmos.Client, error) {
	tenantID := run.TenantID
	conn, err := a.Store.Connection(ctx, tenantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && conn.Status == codes.ConnectionDisconnected) {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %q is not connected to HRMOS", tenantID), syncapi.ErrTypeTenantNotConnected, nil)
	}
	if err != nil {
		return nil, safe(err)
	}
	r, err := a.Store.Run(ctx, run)
	if errors.Is(err, store.ErrNotFound) {
		return nil, temporal.NewNonRetryableApplicationError(store.ErrStagingGone.Error(), syncapi.ErrTypeStagingGone, nil)
	}
	if err != nil {
		return nil, safe(err)
	}
	if r.HRMOSCompanyID != "" && r.HRMOSCompanyID != conn.CompanyID {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"tenant %q was switched from HRMOS company %q to %q after this run started; nothing was fetched or written: start the sync again",
			tenantID, r.HRMOSCompanyID, conn.CompanyID), syncapi.ErrTypeCompanySwitched, nil)
	}
	key, err := a.Sealer.Open(tenantID, conn.Ciphertext, conn.KeyID)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the stored HRMOS API key of tenant %q cannot be decrypted with HRMOS_CREDENTIALS_KEY: %s", tenantID, reasonOf(err)),
			syncapi.ErrTypeCredentials, nil)
	}
	c, err := a.HRMOS.Client(conn.CompanyID, hrmos.Secret(key))
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), syncapi.ErrTypeInvalidInput, nil)
	}
	return c, nil
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, credentials.ErrUnknownKey):
		return "it was encrypted with a credentials key this worker does not have"
	default:
		return "the ciphertext does not match the key"
	}
}

// KeyRejectedReason is what support reads when HRMOS refuses a tenant's key.
const KeyRejectedReason = "HRMOS rejected the API key: generate a new one in HRMOS システム設定 and reconnect"

// hrmosError turns an HRMOS client error into an activity error: permanent
// ones are non-retryable so the run fails at once with a reason support
// can act on; the rest are retried by the activity's retry policy.
func (a *Activities) hrmosError(ctx context.Context, tenantID string, err error) error {
	switch hrmos.KindOf(err) {
	case hrmos.KindKeyRejected:
		// The run fails for the key whatever happens next; recording it on
		// the connection is for `starter connections`, and a failure to do
		// so must not turn the error into a retryable one.
		reason := KeyRejectedReason
		if mErr := a.Store.MarkKeyRejected(ctx, tenantID); mErr != nil {
			reason += " (marking the connection key_rejected failed too: " + safe(mErr).Error() + ")"
		}
		return temporal.NewNonRetryableApplicationError(reason, syncapi.ErrTypeKeyRejected, nil)
	case hrmos.KindCompanyNotFound:
		return temporal.NewNonRetryableApplicationError(
			"HRMOS does not know the company ID of this tenant: check it and reconnect with `starter connect`", syncapi.ErrTypeCompanyNotFound, nil)
	case hrmos.KindForbidden:
		return temporal.NewNonRetryableApplicationError(err.Error(), syncapi.ErrTypeHRMOSForbidden, nil)
	case hrmos.KindBadRequest, hrmos.KindNotFound, hrmos.KindGone, hrmos.KindUnexpectedStatus:
		// Statuses no retry can fix: the client's sentence says which and
		// what to check.
		return temporal.NewNonRetryableApplicationError(err.Error(), syncapi.ErrTypeHRMOSBadRequest, nil)
	case hrmos.KindTokenRefused, hrmos.KindRateLimited, hrmos.KindUnavailable:
		// "HRMOS did not answer…", "HRMOS rate-limited…", "HRMOS refused 6
		// tokens…": a later attempt may succeed.
		return temporal.NewApplicationError(err.Error(), syncapi.ErrTypeHRMOSUnavailable)
	}
	return err
}
