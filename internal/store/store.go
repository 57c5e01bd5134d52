// Package store is the engine's PostgreSQL access: migrations, connections,
// runs and their items, the roster staging and employee writes. Every query
// is scoped by tenant; the schema's composite foreign keys make a
// cross-tenant row impossible even if a query forgot.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// DBTX is what queries need; both the pool and a transaction have it.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// Queries runs the engine's queries against a pool or a transaction.
type Queries struct{ db DBTX }

// Store is the engine's database, created once per process.
type Store struct {
	*Queries
	pool *pgxpool.Pool
}

// Open connects a pool whose sessions plan every statement anew. maxConns
// <= 0 keeps pgx's default.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may echo the URL, password included: say only what is wrong.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	// Plan each statement with the tables as they are now. pgx prepares
	// statements once per connection, and PostgreSQL would then settle on a
	// generic plan after five executions and keep it: a plan made in the
	// first seconds of a tenant's first sync, while its employees were a
	// handful, would scan them all for every record once they are
	// thousands. A custom plan costs a fraction of a millisecond to make.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// OpenStore connects the engine's pool.
func OpenStore(ctx context.Context, url string, maxConns int32) (*Store, error) {
	pool, err := Open(ctx, url, maxConns)
	if err != nil {
		return nil, err
	}
	return New(pool), nil
}

// Close closes the store's pool.
func (s *Store) Close() { s.pool.Close() }

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{Queries: &Queries{db: pool}, pool: pool}
}

// Pool is the underlying pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(q *Queries) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(&Queries{db: tx}) })
}
