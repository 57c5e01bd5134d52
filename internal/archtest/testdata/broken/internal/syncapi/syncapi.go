// Package syncapi is the contract, as the rule wants it.
package syncapi

import "github.com/mediment/hrmos-sync/internal/codes"

// FetchInput is an activity's input.
type FetchInput struct {
	TenantID string
	Outcome  codes.Outcome
}
