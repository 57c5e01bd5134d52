package syncapi

import "github.com/mediment/hrmos-sync/internal/codes"

// ChunkRangesInput asks for a run's chunks.
type ChunkRangesInput struct {
	Kind     string
	TenantID string
	RunID    string
	Size     int
	// OnlyUser limits a roster run to one HRMOS user (0: every staged
	// record): its one range is that user's, none when HRMOS did not list
	// it; Staged still counts every staged record.
	// Left out of the JSON when 0, so the input of a whole-roster run reads
	// as it did before the field existed.
	OnlyUser int64 `json:",omitempty"`
}

// ChunkRangesResult splits a run's staged records into chunks.
type ChunkRangesResult struct {
	Ranges []Range
	Staged int
}

// PlanChunkInput is one chunk of a run to plan.
type PlanChunkInput struct {
	TenantID string
	RunID    string
	Range    Range
	DryRun   bool
	// Today is the run's Japan date (roster: who has retired), fixed once
	// per run so that every employee is judged against the same day.
	Today string
	// Month is the attendance run's month.
	Month string
}

// PlanResult counts a chunk's decisions (and, summed with Merge, a run's).
type PlanResult struct {
	// Records counts the records decided; Tally their outcomes.
	Records int
	Tally
	// NewlyRetired counts matched employees whose retirement the run records
	// for the first time (the mass-change guard counts them as changes).
	NewlyRetired int
	// Matched counts the roster records decided as an existing mediment
	// employee (updated or unchanged, retirements included): the guard of a
	// tenant's first sync compares it with the employees mediment has.
	Matched int
	// Pending is how many records the chunk still syncs one by one.
	Pending int
	// WorkMinutes sums the actual working time of the month rows the run
	// writes (attendance; the guard compares it with the month before).
	WorkMinutes int64
}

// Merge adds another chunk's plan to p.
func (p *PlanResult) Merge(q PlanResult) {
	p.Records += q.Records
	p.Tally.Merge(q.Tally)
	p.NewlyRetired += q.NewlyRetired
	p.Matched += q.Matched
	p.Pending += q.Pending
	p.WorkMinutes += q.WorkMinutes
}

// PendingInput names a chunk whose remaining records to list.
type PendingInput struct {
	Kind     string
	TenantID string
	RunID    string
	Range    Range
}

// RecordInput names one record of a run to sync on its own.
type RecordInput struct {
	TenantID    string
	RunID       string
	HRMOSUserID int64
	// Today (roster) and Month (attendance) as for PlanChunkInput.
	Today string
	Month string
}

// BatchInput is a batch of a chunk's records to write in one local
// activity (SyncEmployees, SyncAttendances).
type BatchInput struct {
	TenantID     string
	RunID        string
	HRMOSUserIDs []int64
	// Today (roster) and Month (attendance) as for PlanChunkInput.
	Today string
	Month string
}

// Record is the input of one record of the batch.
func (in BatchInput) Record(hrmosUserID int64) RecordInput {
	return RecordInput{TenantID: in.TenantID, RunID: in.RunID, HRMOSUserID: hrmosUserID, Today: in.Today, Month: in.Month}
}

// BatchResult is what a batch wrote: the outcome of each record written,
// in the batch's order, and the records whose write failed, which the
// workflow writes again one by one, with retries, as their own activities.
type BatchResult struct {
	Written []RecordResult
	Failed  []int64
}

// RecordResult is one record's outcome: codes only, no personal data.
type RecordResult struct {
	Outcome    codes.Outcome
	ReasonCode string
}

// RecordFailureInput reports a record whose activity failed after all its
// retries.
type RecordFailureInput struct {
	TenantID    string
	RunID       string
	HRMOSUserID int64
	// Cause is the last attempt's error, already free of personal data.
	Cause string
}
