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
	// SwitchedFrom is the company the tenant was connected to before a
	// company switch ("" when this was no switch), and LinksArchived how
	// many employees' links to that company's users were archived.
	SwitchedFrom  string
	LinksArchived int64
}

// Request is what an admin gives to connect a tenant.
type Request struct {
	TenantID  string
	CompanyID string
	APIKey    hrmos.Secret
	// SwitchCompany allows connecting a tenant that is connected (or was)
	// to another HRMOS company: see Connect.
	SwitchCompany bool
}

// Connect validates companyID and apiKey against HRMOS by obtaining a
// token, then stores the key encrypted. Nothing is stored when HRMOS
// refuses them; an existing key stays until the new one has worked.
func (s *Service) Connect(ctx context.Context, tenantID, companyID string, apiKey hrmos.Secret) (Result, error) {
	return s.ConnectWith(ctx, Request{TenantID: tenantID, CompanyID: companyID, APIKey: apiKey})
}

// ConnectWith is Connect with every option. A tenant whose connection names
// another company is a company switch, never a rotation (SPEC §1): HRMOS
// numbers users per company, so a link made under the old company names
// another person in the new one. A switch is refused unless
// req.SwitchCompany is set, and while a sync of the tenant runs; when it is
// made, every employee's link to the old company's users is archived
// (hrmos_link_archive) and cleared with the new connection, in one
// transaction, so the next roster sync matches by 社員番号 and 氏名+メール
// and links the new company's users.
func (s *Service) ConnectWith(ctx context.Context, req Request) (Result, error) {
	tenantID, companyID := strings.TrimSpace(req.TenantID), strings.TrimSpace(req.CompanyID)
	key := hrmos.Secret(strings.TrimSpace(req.APIKey.Reveal()))
	switch {
	case tenantID == "":
		return Result{}, errors.New("the tenant ID is empty: give it with --tenant")
	case companyID == "":
		return Result{}, errors.New("the HRMOS company ID is empty: give it with --company (it is the first path segment of the HRMOS login URL, https://f.ieyasu.co/{company}/login)")
	case key == "":
		return Result{}, errors.New("the HRMOS API key is empty: pipe it on standard input or set HRMOS_API_KEY (HRMOS システム設定 → API KEY)")
	}
	existing, err := s.Store.Connection(ctx, tenantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	switching := existing.CompanyID != "" && existing.CompanyID != companyID
	if switching && !req.SwitchCompany {
		return Result{}, fmt.Errorf("tenant %s is connected to HRMOS company %q, not %q: connecting it to another company is a company switch, not a key rotation. "+
			"HRMOS numbers users per company, so the tenant's employees linked to %q's users would no longer match through those links. "+
			"If %q is right, run the command again with --switch-company: the old links are archived and the next roster sync matches by 社員番号 and 氏名+メール; nothing was stored",
			tenantID, existing.CompanyID, companyID, existing.CompanyID, companyID)
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

	ciphertext, keyID, err := s.Sealer.Seal(tenantID, []byte(key.Reveal()))
	if err != nil {
		return Result{}, err
	}
	now := s.Now()
	res := Result{Replaced: !switching && existing.Status != "" && existing.Status != codes.ConnectionDisconnected,
		KeyExpiresAt: now.AddDate(0, codes.KeyLifetime, 0)}
	conn := store.Connection{
		TenantID: tenantID, CompanyID: companyID, Ciphertext: ciphertext, KeyID: keyID,
		KeySetAt: now, KeyExpiresAt: res.KeyExpiresAt,
	}
	if !switching {
		return res, s.Store.SaveConnection(ctx, conn)
	}
	running, err := s.Store.RunningRun(ctx, tenantID)
	if err != nil {
		return Result{}, err
	}
	if running != "" {
		return Result{}, fmt.Errorf("a sync of tenant %s is running (workflow %s): wait for it to finish or cancel it before switching companies; nothing was stored",
			tenantID, running)
	}
	res.SwitchedFrom = existing.CompanyID
	err = s.Store.InTx(ctx, func(q *store.Queries) error {
		if res.LinksArchived, err = q.ArchiveLinks(ctx, tenantID, store.LinkArchivedBySwitch); err != nil {
			return err
		}
		return q.SaveConnection(ctx, conn)
	})
	if err != nil {
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
