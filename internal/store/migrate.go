package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// versionTable records which migrations ran; it is ours alone, so mediment's
// own migrations never collide with it.
const versionTable = "hrmos_sync_schema_version"

// Migrate applies every migration not yet applied. tern holds a PostgreSQL
// advisory lock while it works, so two starters (or a starter racing a
// deploy) cannot apply one twice, and each migration runs in a transaction,
// so a worker never sees a half-made schema.
func (s *Store) Migrate(ctx context.Context) (from, to int32, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: acquire a connection: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return 0, 0, fmt.Errorf("migrate: load migrations: %w", err)
	}
	if from, err = m.GetCurrentVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("migrate: read the current version: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	if to, err = m.GetCurrentVersion(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: read the new version: %w", err)
	}
	return from, to, nil
}

// CreateWorkerLogin creates, unless it exists, a login role that holds only
// hrmos_sync_worker, the worker's least-privilege role of migration 003, as
// ops create theirs (scripts/compose/postgres-init.sh). Callers that race to
// create the same role (parallel test packages) all succeed.
func CreateWorkerLogin(ctx context.Context, admin *pgx.Conn, role string) error {
	_, err := admin.Exec(ctx, `DO $$ BEGIN
		CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN IN ROLE hrmos_sync_worker;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
	if err != nil {
		return fmt.Errorf("create the worker login role %s: %w", role, err)
	}
	return nil
}
