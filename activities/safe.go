package activities

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// safe makes an error fit for Temporal history. Any PostgreSQL error may
// quote a value — data and integrity errors their offending value, a
// trigger's RAISE (P0001) whatever it was given — and values can be personal
// data: every one keeps only its SQLSTATE, constraint, table and column.
func safe(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrStagingGone) {
		return temporal.NewNonRetryableApplicationError(err.Error(), syncapi.ErrTypeStagingGone, nil)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Our own wrapping ("write the outcome of HRMOS user 12: ") names
		// only references; PostgreSQL's text after it is dropped.
		doing := strings.TrimSuffix(err.Error(), pgErr.Error())
		msg := fmt.Sprintf("%sPostgreSQL error SQLSTATE %s (%s)", doing, pgErr.Code, sqlStateClass(pgErr.Code))
		if pgErr.ConstraintName != "" || pgErr.TableName != "" {
			msg += fmt.Sprintf(", constraint %q, table %q, column %q", pgErr.ConstraintName, pgErr.TableName, pgErr.ColumnName)
		}
		return temporal.NewApplicationError(msg, syncapi.ErrTypeDatabase)
	}
	return err
}

// sqlStateClass names a SQLSTATE's class, so support reads what kind of
// problem it was without PostgreSQL's message (which may quote values).
func sqlStateClass(code string) string {
	if len(code) < 2 {
		return "unknown"
	}
	switch code[:2] {
	case "08":
		return "connection exception"
	case "22":
		return "data exception: a value the column does not accept"
	case "23":
		return "integrity constraint violation"
	case "40":
		return "transaction rollback: deadlock or serialization failure, retried"
	case "42":
		return "syntax error or access rule violation: check the worker's database role and migrations"
	case "53":
		return "insufficient resources: PostgreSQL is out of connections, memory or disk"
	case "55":
		return "object not in prerequisite state: e.g. the database does not accept connections"
	case "57":
		return "operator intervention: PostgreSQL is shutting down or ended the session"
	case "P0":
		return "raised by a trigger or function"
	case "XX":
		return "internal error of PostgreSQL"
	}
	return "class " + code[:2]
}
