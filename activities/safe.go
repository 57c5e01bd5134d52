package activities

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/store"
)

// safe makes an error fit for Temporal history. PostgreSQL's data and
// integrity errors may quote the offending value, which can be personal
// data: those keep only their SQLSTATE and constraint.
func safe(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrStagingGone) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeStagingGone, nil)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code[:2] == "22" || pgErr.Code[:2] == "23") {
		return fmt.Errorf("PostgreSQL rejected a write (SQLSTATE %s, constraint %q, table %q, column %q)",
			pgErr.Code, pgErr.ConstraintName, pgErr.TableName, pgErr.ColumnName)
	}
	return err
}
