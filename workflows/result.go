package workflows

import "github.com/mediment/hrmos-sync/internal/syncapi"

// A sync workflow returns a syncapi.RunResult: the run as FinishRun reports
// it from its history row, with the workflow's ID. The workflow owns that
// shape, not the database: a change to the run row does not change the
// results already in histories.

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
	// OnlyUser is the one HRMOS user a roster run syncs (0: the whole
	// roster).
	OnlyUser int64 `json:"onlyUser,omitempty"`
}

// setOutcomes shows the outcomes the plan has decided so far.
func (p *Progress) setOutcomes(t syncapi.Tally) {
	p.Created, p.Updated, p.Unchanged, p.Skipped, p.Errors = t.Created, t.Updated, t.Unchanged, t.Skipped, t.Errors
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
