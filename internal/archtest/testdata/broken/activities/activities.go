// Package activities breaks the contract and imports a workflows package.
package activities

import (
	"context"

	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows/x"
)

// HeartbeatEvery is a constant the workflows must not take from here.
const HeartbeatEvery = 10

// Activities hold the store.
type Activities struct {
	Store *store.Store
}

// Fetch keeps to the contract.
func (a *Activities) Fetch(ctx context.Context, in syncapi.FetchInput) (int, error) {
	return len(x.Name), nil
}

// Rows returns the store's rows.
func (a *Activities) Rows(ctx context.Context) ([]store.Row, error) { return nil, nil }

// Each takes a func.
func (a *Activities) Each(ctx context.Context, fn func(int64)) error { return nil }
