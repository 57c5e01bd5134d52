package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Connection is a tenant's link to its HRMOS company. The API key is only
// ever held here encrypted.
type Connection struct {
	TenantID     string
	CompanyID    string
	Ciphertext   []byte
	KeyID        string
	KeySetAt     time.Time
	KeyExpiresAt time.Time
	Status       string
}

// SaveConnection stores a validated connection, creating the tenant when it
// is absent and leaving an existing tenant row as it is (SPEC §6).
func (q *Queries) SaveConnection(ctx context.Context, c Connection) error {
	if _, err := q.db.Exec(ctx,
		`INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING`, c.TenantID); err != nil {
		return fmt.Errorf("create tenant %s: %w", c.TenantID, err)
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO hrmos_connections (tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_set_at, key_expires_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, 'connected')
		ON CONFLICT (tenant_id) DO UPDATE SET
			company_id = excluded.company_id, api_key_ciphertext = excluded.api_key_ciphertext,
			api_key_key_id = excluded.api_key_key_id, key_set_at = excluded.key_set_at,
			key_expires_at = excluded.key_expires_at, status = 'connected', updated_at = now()`,
		c.TenantID, c.CompanyID, c.Ciphertext, c.KeyID, c.KeySetAt, c.KeyExpiresAt)
	if err != nil {
		return fmt.Errorf("save the HRMOS connection of tenant %s: %w", c.TenantID, err)
	}
	return nil
}

// Connection reads a tenant's connection; ErrNotFound when it has none.
func (q *Queries) Connection(ctx context.Context, tenantID string) (Connection, error) {
	var c Connection
	var setAt, expiresAt *time.Time
	var keyID *string
	err := q.db.QueryRow(ctx, `
		SELECT tenant_id, company_id, api_key_ciphertext, api_key_key_id, key_set_at, key_expires_at, status
		FROM hrmos_connections WHERE tenant_id = $1`, tenantID).
		Scan(&c.TenantID, &c.CompanyID, &c.Ciphertext, &keyID, &setAt, &expiresAt, &c.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	if err != nil {
		return Connection{}, fmt.Errorf("read the HRMOS connection of tenant %s: %w", tenantID, err)
	}
	if keyID != nil {
		c.KeyID = *keyID
	}
	if setAt != nil {
		c.KeySetAt = *setAt
	}
	if expiresAt != nil {
		c.KeyExpiresAt = *expiresAt
	}
	return c, nil
}

// Disconnect forgets a tenant's API key and marks it disconnected; the
// company ID stays for the record. ErrNotFound when it was never connected.
func (q *Queries) Disconnect(ctx context.Context, tenantID string) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE hrmos_connections SET status = 'disconnected', api_key_ciphertext = NULL, api_key_key_id = NULL, updated_at = now()
		WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return fmt.Errorf("disconnect tenant %s: %w", tenantID, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// MarkKeyRejected records that HRMOS refused the stored key, so ops see the
// tenant needs a new one before the next run.
func (q *Queries) MarkKeyRejected(ctx context.Context, tenantID string) error {
	_, err := q.db.Exec(ctx, `
		UPDATE hrmos_connections SET status = 'key_rejected', updated_at = now()
		WHERE tenant_id = $1 AND status = 'connected'`, tenantID)
	if err != nil {
		return fmt.Errorf("mark the API key of tenant %s rejected: %w", tenantID, err)
	}
	return nil
}

// TenantExists reports whether mediment has the tenant.
func (q *Queries) TenantExists(ctx context.Context, tenantID string) (bool, error) {
	var ok bool
	if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1)`, tenantID).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up tenant %s: %w", tenantID, err)
	}
	return ok, nil
}

// ConnectedTenants lists the tenants with an HRMOS connection that is not
// disconnected (a rejected key still counts: its schedule will say so).
func (q *Queries) ConnectedTenants(ctx context.Context) ([]string, error) {
	rows, err := q.db.Query(ctx, `SELECT tenant_id FROM hrmos_connections WHERE status <> 'disconnected' ORDER BY tenant_id`)
	if err != nil {
		return nil, fmt.Errorf("list connected tenants: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list connected tenants: %w", err)
	}
	return ids, nil
}

// Connections lists every tenant's HRMOS connection, by tenant.
func (q *Queries) Connections(ctx context.Context) ([]Connection, error) {
	rows, err := q.db.Query(ctx, `
		SELECT tenant_id, company_id, api_key_ciphertext, coalesce(api_key_key_id, ''),
			coalesce(key_set_at, 'epoch'), coalesce(key_expires_at, 'epoch'), status
		FROM hrmos_connections ORDER BY tenant_id`)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	conns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Connection])
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return conns, nil
}

// ReplaceCiphertext re-seals a tenant's stored key, only if it is still the
// ciphertext sealed under oldKeyID (a concurrent connect wins).
func (q *Queries) ReplaceCiphertext(ctx context.Context, tenantID, oldKeyID string, ciphertext []byte, keyID string) (bool, error) {
	tag, err := q.db.Exec(ctx, `
		UPDATE hrmos_connections SET api_key_ciphertext = $3, api_key_key_id = $4, updated_at = now()
		WHERE tenant_id = $1 AND api_key_key_id = $2 AND api_key_ciphertext IS NOT NULL`, tenantID, oldKeyID, ciphertext, keyID)
	if err != nil {
		return false, fmt.Errorf("re-encrypt the API key of tenant %s: %w", tenantID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// RunningRun returns the workflow ID of a run of the tenant still marked
// running, "" when there is none.
func (q *Queries) RunningRun(ctx context.Context, tenantID string) (string, error) {
	var workflowID string
	err := q.db.QueryRow(ctx, `SELECT workflow_id FROM sync_runs WHERE tenant_id = $1 AND status = 'running' ORDER BY started_at LIMIT 1`,
		tenantID).Scan(&workflowID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look for a running sync of tenant %s: %w", tenantID, err)
	}
	return workflowID, nil
}

// Why a link was archived (hrmos_link_archive.reason).
const (
	// LinkArchivedBySwitch: the tenant was switched to another HRMOS company.
	LinkArchivedBySwitch = "company_switch"
	// LinkArchivedByTakeOver: a user of the tenant's current company with
	// the same HRMOS user ID took the ID over.
	LinkArchivedByTakeOver = "taken_over"
)

// ArchiveLinks ends every HRMOS link of a tenant's employees, keeping each
// in hrmos_link_archive with why: after a company switch the old company's
// user IDs name other people than the new company's. It returns how many
// links it archived.
func (q *Queries) ArchiveLinks(ctx context.Context, tenantID, reason string) (int64, error) {
	tag, err := q.db.Exec(ctx, `
		WITH linked AS (
			SELECT id, hrmos_company_id, hrmos_user_id FROM employees
			WHERE tenant_id = $1 AND hrmos_user_id IS NOT NULL
			FOR UPDATE),
		archived AS (
			INSERT INTO hrmos_link_archive (tenant_id, employee_id, hrmos_company_id, hrmos_user_id, reason)
			SELECT $1, id, hrmos_company_id, hrmos_user_id, $2 FROM linked)
		UPDATE employees e SET hrmos_user_id = NULL, hrmos_company_id = NULL, updated_at = now()
		FROM linked WHERE e.tenant_id = $1 AND e.id = linked.id`, tenantID, reason)
	if err != nil {
		return 0, fmt.Errorf("archive the HRMOS links of tenant %s: %w", tenantID, err)
	}
	return tag.RowsAffected(), nil
}
