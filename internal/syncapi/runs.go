package syncapi

import (
	"encoding/json"
	"time"
)

// RunInput identifies a run: what starts it and what a refused one records.
type RunInput struct {
	RunID         string
	TenantID      string
	Kind          string
	Month         string
	Trigger       string
	DryRun        bool
	WorkflowID    string
	WorkflowRunID string
	StartedAt     time.Time
	// OnlyHRMOSUserID is the one HRMOS user a roster run syncs (0: the
	// whole roster); the run's row records it. Left out of the JSON when 0
	// (see ChunkRangesInput.OnlyUser).
	OnlyHRMOSUserID int64 `json:",omitempty"`
}

// StartRunResult tells the workflow what it needs to know before it syncs.
type StartRunResult struct {
	// KeyExpiryNotice is set from 14 days before the API key's 3 months run out.
	KeyExpiryNotice string
	// FirstSync is true when no run of this kind ever wrote to the tenant
	// (store.HasRunThatWrote: a failed or abandoned run that wrote counts).
	// The mass-change guard holds a first roster sync only when it matches
	// too few of the employees mediment has, and never a first attendance
	// sync.
	FirstSync bool
	// Employees is how many employees the tenant has in mediment now.
	Employees int
	// Guard is the worker's mass-change guard configuration.
	Guard GuardSettings
}

// RejectedRunInput is a run refused before it started (bad input from the
// Temporal UI): recorded as failed when its tenant exists.
type RejectedRunInput struct {
	RunInput
	Reason string
}

// FinishRunInput closes a run.
type FinishRunInput struct {
	TenantID      string
	RunID         string
	Status        string
	FailureReason string
	Notices       []string
	Fetched       int
	// Staged is how many records the run staged (0: not known, as in runs
	// recorded before it was passed). A run is completed only when each of
	// them has its outcome.
	Staged int
}

// RunResult is a finished run: what FinishRun reports from the run's
// history row, and what a sync workflow returns, shown in the Temporal UI
// and read by `starter … --wait`. The workflow owns this shape, not the
// database: a change to the run row (store.Run) does not change the results
// already in histories.
type RunResult struct {
	RunID      string `json:"runId"`
	TenantID   string `json:"tenantId"`
	Kind       string `json:"kind"`
	Month      string `json:"month,omitempty"`
	Trigger    string `json:"trigger"`
	DryRun     bool   `json:"dryRun"`
	WorkflowID string `json:"workflowId"`
	Status     string `json:"status"`
	Fetched    int    `json:"fetched"`
	Created    int    `json:"created"`
	Updated    int    `json:"updated"`
	Unchanged  int    `json:"unchanged"`
	Skipped    int    `json:"skipped"`
	Errors     int    `json:"errors"`
	// FailureReason is why a failed run failed, in words support acts on.
	FailureReason string   `json:"failureReason,omitempty"`
	Notices       []string `json:"notices,omitempty"`
}

// UnmarshalJSON reads a RunResult, and FinishRun's results recorded before
// it returned one: those named the run "ID" (no workflowId, which the
// workflow fills in); every other field's name differs only in case, which
// encoding/json ignores.
func (r *RunResult) UnmarshalJSON(data []byte) error {
	type plain RunResult
	var v struct {
		plain
		// ID is the run's ID in FinishRun's results recorded before.
		ID string
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*r = RunResult(v.plain)
	if r.RunID == "" {
		r.RunID = v.ID
	}
	return nil
}

// ApprovalInput records the guard's state of a run.
type ApprovalInput struct {
	TenantID string
	RunID    string
	// Reason is why the run waits (AwaitApproval); By who approved it
	// (RecordApproval).
	Reason string
	By     string
}

// MonthFiguresInput names a tenant's month.
type MonthFiguresInput struct {
	TenantID string
	Month    string
}

// MonthFigures are a tenant's synced attendance of one month in aggregate:
// how many employees have a row and their total working minutes. The
// mass-change guard compares a month with the one before.
type MonthFigures struct {
	Rows        int
	WorkMinutes int64
}

// SweepResult counts what a sweep did: the StagingSweeper workflow's
// result, and the Sweep activity's.
type SweepResult struct {
	Checked        int
	Closed         int
	StagingDeleted int64
}

// RunningRunInput names a tenant's kind of sync (roster: no month).
type RunningRunInput struct {
	TenantID string
	Kind     string
}

// RunningRunResult says whether a run of that kind is running for the
// tenant, as its history row says, and whether it is a one-user run.
type RunningRunResult struct {
	Running bool
	// OnlyHRMOSUserID is the one HRMOS user the running run syncs (0: a
	// run of the whole roster).
	OnlyHRMOSUserID int64
}
