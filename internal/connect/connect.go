// Package connect links a tenant to its HRMOS company (SPEC §1): the API key
// is validated against HRMOS at once and stored only encrypted.
package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/store"
)

// Confirmation is what the admin sees once connected (the help page's wording).
const Confirmation = "HRMOS勤怠とのシステム連携を設定しました"

// Service connects and disconnects tenants.
type Service struct {
	Store      *store.Store
	Sealer     *credentials.Sealer
	BaseURL    string
	HTTPClient *http.Client
	Timeout    time.Duration
	Now        func() time.Time
}

// Result tells the caller what was stored.
type Result struct {
	Replaced     bool // a key was already stored: this was a rotation
	KeyExpiresAt time.Time
}

// Connect validates companyID and apiKey against HRMOS by obtaining a
// token, then stores the key encrypted. Nothing is stored when HRMOS
// refuses them; an existing key stays until the new one has worked.
func (s *Service) Connect(ctx context.Context, tenantID, companyID string, apiKey hrmos.Secret) (Result, error) {
	tenantID, companyID = strings.TrimSpace(tenantID), strings.TrimSpace(companyID)
	key := hrmos.Secret(strings.TrimSpace(apiKey.Reveal()))
	switch {
	case tenantID == "":
		return Result{}, errors.New("the tenant ID is empty: give it with --tenant")
	case companyID == "":
		return Result{}, errors.New("the HRMOS company ID is empty: give it with --company (it is the first path segment of the HRMOS login URL, https://f.ieyasu.co/{company}/login)")
	case key == "":
		return Result{}, errors.New("the HRMOS API key is empty: pipe it on standard input or set HRMOS_API_KEY (HRMOS システム設定 → API KEY)")
	}
	client, err := hrmos.New(hrmos.Config{
		BaseURL: s.BaseURL, CompanyID: companyID, APIKey: key, HTTPClient: s.HTTPClient,
		RequestTimeout: s.Timeout, MaxAttempts: 2, RetryBaseDelay: 500 * time.Millisecond,
	})
	if err != nil {
		return Result{}, err
	}
	if _, err := client.Authenticate(ctx); err != nil {
		return Result{}, explain(companyID, err)
	}

	existing, err := s.Store.Connection(ctx, tenantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	ciphertext, keyID, err := s.Sealer.Seal(tenantID, []byte(key.Reveal()))
	if err != nil {
		return Result{}, err
	}
	now := s.Now()
	res := Result{Replaced: existing.Status != "" && existing.Status != codes.ConnectionDisconnected, KeyExpiresAt: now.AddDate(0, codes.KeyLifetime, 0)}
	if err := s.Store.SaveConnection(ctx, store.Connection{
		TenantID: tenantID, CompanyID: companyID, Ciphertext: ciphertext, KeyID: keyID,
		KeySetAt: now, KeyExpiresAt: res.KeyExpiresAt,
	}); err != nil {
		return Result{}, err
	}
	return res, nil
}

// Disconnect forgets a tenant's key.
func (s *Service) Disconnect(ctx context.Context, tenantID string) error {
	err := s.Store.Disconnect(ctx, tenantID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("tenant %q is not connected to HRMOS", tenantID)
	}
	return err
}

// explain turns HRMOS's refusal into one sentence the admin can act on.
func explain(companyID string, err error) error {
	switch hrmos.KindOf(err) {
	case hrmos.KindKeyRejected:
		return fmt.Errorf("HRMOS rejected the API key for company %q: copy the key again from HRMOS システム設定 → API KEY (keys expire after 3 months) and check the company ID; nothing was stored", companyID)
	case hrmos.KindCompanyNotFound:
		return fmt.Errorf("HRMOS does not know the company ID %q: it is the first path segment of the HRMOS login URL (https://f.ieyasu.co/{company}/login) and is case-sensitive; nothing was stored", companyID)
	case hrmos.KindRateLimited, hrmos.KindUnavailable, hrmos.KindTokenRefused:
		return fmt.Errorf("HRMOS could not be reached to check the key (%v); nothing was stored, try again later", err)
	case hrmos.KindForbidden, hrmos.KindBadRequest, hrmos.KindNotFound, hrmos.KindGone, hrmos.KindUnexpectedStatus:
		return fmt.Errorf("HRMOS refused to check the key (%v); nothing was stored", err)
	}
	return fmt.Errorf("checking the key with HRMOS failed (%v); nothing was stored", err)
}
