// Package syncapi is the contract between the workflows and the activities:
// every activity's input and result, the figures and settings they pass,
// the error types the activities fail with, and the one tally of outcomes.
// It imports nothing but the standard library's time and the vocabulary
// (internal/codes), so the workflow code reaches through the activities
// package only the method values it schedules and these types
// (internal/archtest checks both).
//
// Inputs, results and errors carry only references (tenant, run, page, HRMOS
// user ID) and counts: personal data travels between activities through the
// database, never through Temporal, whose history keeps payloads for good.
//
// The types are recorded in workflow histories as JSON: a field may be
// added, never renamed or removed, or runs in flight no longer read what
// their history holds.
package syncapi

import (
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// Tally counts records by outcome: a chunk's plan, a chunk's writes, a run's
// sums. It is the one place an outcome is counted; the database's count of a
// run's items (store's countsFromItems) follows codes.Outcomes likewise.
type Tally struct {
	Created   int
	Updated   int
	Unchanged int
	Skipped   int
	Errors    int
}

// Add counts one record of outcome o.
func (t *Tally) Add(o codes.Outcome) {
	if n := t.of(o); n != nil {
		*n++
	}
}

// Merge adds another tally's counts to t.
func (t *Tally) Merge(u Tally) {
	for _, o := range codes.Outcomes {
		*t.of(o) += *u.of(o)
	}
}

// of is where outcome o is counted; nil for a value that is no outcome.
func (t *Tally) of(o codes.Outcome) *int {
	switch o {
	case codes.Created:
		return &t.Created
	case codes.Updated:
		return &t.Updated
	case codes.Unchanged:
		return &t.Unchanged
	case codes.Skipped:
		return &t.Skipped
	case codes.Error:
		return &t.Errors
	}
	return nil
}

// Range is a chunk of a run's staged records: HRMOS user IDs First..Last,
// both included.
type Range struct {
	First int64
	Last  int64
}

// GuardSettings configure the mass-change guard: a run that would change more
// than a share of a tenant's employees (or whose attendance month differs
// that much from the month before) waits for ops to approve it before it
// writes. A tenant's first roster sync is held instead when it matches too
// few of the employees mediment already has. Small tenants (under
// MinEmployees) are never held back, nor is a first attendance sync.
type GuardSettings struct {
	// MaxChangeShare is the share of a tenant's employees a roster run may
	// create, change or newly flag as retired without approval (0.2 = 20%).
	MaxChangeShare float64
	// FirstSyncMinMatchShare is the share of the employees mediment already
	// has that a tenant's first roster sync must match (0.5 = 50%): below
	// it, the sync would create a second roster beside the first, the mark
	// of a wrong HRMOS company ID.
	FirstSyncMinMatchShare float64
	// AttendanceMaxChangeShare is how far a month's row count or total
	// working time may move from the month before without approval.
	AttendanceMaxChangeShare float64
	MinEmployees             int
	// ApprovalTimeout is how long a run waits for approval before it fails.
	ApprovalTimeout time.Duration
	// Disabled turns the guard off.
	Disabled bool
}

// HeartbeatEvery is how often an activity that calls HRMOS heartbeats while
// it works, whatever HRMOS does (answers, stalls, makes the client back
// off): far inside the workflows' heartbeat timeout, so a slow HRMOS ends as
// the client's own "HRMOS did not answer…" and never as a lost worker.
const HeartbeatEvery = 10 * time.Second
