package workflows

import "github.com/mediment/hrmos-sync/activities"

// RunResult is what a sync workflow returns, shown in the Temporal UI and
// read by `starter … --wait`. The workflow owns this type: a change to the
// database's run row does not change the results already in histories.
type RunResult struct {
	RunID         string   `json:"runId"`
	TenantID      string   `json:"tenantId"`
	Kind          string   `json:"kind"`
	Month         string   `json:"month,omitempty"`
	Trigger       string   `json:"trigger"`
	DryRun        bool     `json:"dryRun"`
	WorkflowID    string   `json:"workflowId"`
	Status        string   `json:"status"`
	Fetched       int      `json:"fetched"`
	Created       int      `json:"created"`
	Updated       int      `json:"updated"`
	Unchanged     int      `json:"unchanged"`
	Skipped       int      `json:"skipped"`
	Errors        int      `json:"errors"`
	FailureReason string   `json:"failureReason,omitempty"`
	Notices       []string `json:"notices,omitempty"`
}

func resultOf(s activities.RunSummary, workflowID string) RunResult {
	return RunResult{
		RunID: s.ID, TenantID: s.TenantID, Kind: s.Kind, Month: s.Month, Trigger: s.Trigger, DryRun: s.DryRun,
		WorkflowID: workflowID, Status: s.Status, Fetched: s.Fetched, Created: s.Created, Updated: s.Updated,
		Unchanged: s.Unchanged, Skipped: s.Skipped, Errors: s.Errors, FailureReason: s.FailureReason, Notices: s.Notices,
	}
}

// Progress is what a running sync shows: the "progress" query answers it,
// the UI shows it as the workflow's current details, and `starter … --wait`
// draws its progress bar from it.
type Progress struct {
	Phase string `json:"phase"`
	// Fetched counts the records HRMOS listed; Total those staged to sync.
	Fetched int `json:"fetched"`
	Total   int `json:"total"`
	// Planned counts the records decided; Done those with a final outcome.
	Planned int `json:"planned"`
	Done    int `json:"done"`
	// Outcomes of the plan (what the run does, or a dry run would do).
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Errors    int `json:"errors"`

	ChunksTotal int `json:"chunksTotal"`
	ChunksDone  int `json:"chunksDone"`
	// AwaitingApproval is set while the mass-change guard holds the run.
	AwaitingApproval bool   `json:"awaitingApproval,omitempty"`
	ApprovalReason   string `json:"approvalReason,omitempty"`
	// StartedBy is the workflow that started the run as its child (the UI
	// launcher, a scheduled action), which passes an approval on to it.
	StartedBy string `json:"startedBy,omitempty"`
}

// Phases of a run, as Progress.Phase and the UI show them.
const (
	PhaseStarting  = "starting"
	PhaseFetching  = "fetching from HRMOS"
	PhasePlanning  = "deciding each record"
	PhaseApproval  = "waiting for approval"
	PhaseSyncing   = "writing changes"
	PhaseFinishing = "recording the result"
	PhaseCompleted = "completed"
	PhaseFailed    = "failed"
)
