// Package activities holds the engine's Temporal activities: every piece of
// I/O a sync does (HRMOS, PostgreSQL). They are methods on one struct that
// holds their dependencies; workflows call them through a typed nil pointer.
// Their inputs, results and error types are the contract of internal/syncapi,
// which imports nothing that does I/O: what the workflow code reaches through
// this package is the method values and those types alone.
//
// Inputs, results and errors carry only references (tenant, run, page, HRMOS
// user ID) and counts: personal data travels between activities through the
// database, never through Temporal, whose history keeps payloads for good.
package activities

import (
	"time"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Activities are registered once per worker.
type Activities struct {
	Store  *store.Store
	Sealer *credentials.Sealer
	HRMOS  *HRMOSClients
	// Temporal lets the sweeper ask whether a run's workflow still runs.
	Temporal client.Client
	Now      func() time.Time
	// Guard is the mass-change guard's configuration, handed to each run
	// when it starts (so a run keeps the settings it started with).
	Guard syncapi.GuardSettings
	// Metrics counts runs and records; nil counts nothing.
	Metrics Metrics
	// Notify posts ops' messages (NotifyOps); nil posts none.
	Notify *Notifier
}

// Metrics is what the activities report to the worker's metrics.
type Metrics interface {
	RunStarted(kind, trigger string)
	RunFinished(kind, status string)
	Records(kind, outcome string, n int)
	// PlanStale counts a record whose planned write no longer held.
	PlanStale(kind string)
}

type noMetrics struct{}

func (noMetrics) RunStarted(string, string)   {}
func (noMetrics) RunFinished(string, string)  {}
func (noMetrics) Records(string, string, int) {}
func (noMetrics) PlanStale(string)            {}

func (a *Activities) metrics() Metrics {
	if a.Metrics == nil {
		return noMetrics{}
	}
	return a.Metrics
}
