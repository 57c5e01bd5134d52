package syncapi

import (
	"encoding/json"
	"testing"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// One tally counts every outcome into its own field; a run sums its
// chunks' tallies with Merge.
func TestTallyCountsEachOutcomeOnce(t *testing.T) {
	var chunk Tally
	for _, o := range codes.Outcomes {
		chunk.Add(o)
	}
	chunk.Add(codes.Created)
	chunk.Add("not an outcome")
	if want := (Tally{Created: 2, Updated: 1, Unchanged: 1, Skipped: 1, Errors: 1}); chunk != want {
		t.Fatalf("tally = %+v, want %+v", chunk, want)
	}
	var run PlanResult
	run.Merge(PlanResult{Records: 6, Tally: chunk, Pending: 2, WorkMinutes: 60})
	run.Merge(PlanResult{Records: 1, Tally: Tally{Errors: 1}, NewlyRetired: 1, Matched: 1})
	want := PlanResult{Records: 7, Tally: Tally{Created: 2, Updated: 1, Unchanged: 1, Skipped: 1, Errors: 2}, NewlyRetired: 1, Matched: 1,
		Pending: 2, WorkMinutes: 60}
	if run != want {
		t.Fatalf("run = %+v, want %+v", run, want)
	}
}

// A plan's result keeps the JSON recorded in histories: the tally's fields
// sit beside the others, as they did before the tally was one type.
func TestPlanResultJSONIsFlat(t *testing.T) {
	b, err := json.Marshal(PlanResult{Records: 90, Tally: Tally{Unchanged: 74, Skipped: 12, Errors: 4}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Records":90,"Created":0,"Updated":0,"Unchanged":74,"Skipped":12,"Errors":4,"NewlyRetired":0,"Matched":0,"Pending":0,"WorkMinutes":0}`
	if string(b) != want {
		t.Fatalf("JSON = %s, want %s", b, want)
	}
}

// FinishRun's results recorded before it returned a RunResult (as
// workflows/testdata holds them) still read as the run they describe.
func TestRunResultReadsFinishRunResultsRecordedBefore(t *testing.T) {
	const recorded = `{"ID":"01a22971-9a4b-7579-9a2f-34801f9f807d","TenantID":"pii","Kind":"attendance","Month":"2026-10",` +
		`"Trigger":"schedule","DryRun":false,"Status":"completed","Fetched":78,"Created":0,"Updated":0,"Unchanged":70,"Skipped":8,` +
		`"Errors":0,"FailureReason":"","Notices":null}`
	var r RunResult
	if err := json.Unmarshal([]byte(recorded), &r); err != nil {
		t.Fatal(err)
	}
	want := RunResult{RunID: "01a22971-9a4b-7579-9a2f-34801f9f807d", TenantID: "pii", Kind: "attendance", Month: "2026-10",
		Trigger: "schedule", Status: "completed", Fetched: 78, Unchanged: 70, Skipped: 8}
	if r.RunID != want.RunID || r.TenantID != want.TenantID || r.Month != want.Month || r.Trigger != want.Trigger ||
		r.Fetched != want.Fetched || r.Unchanged != want.Unchanged || r.Skipped != want.Skipped || r.Status != want.Status {
		t.Fatalf("read %+v, want %+v", r, want)
	}

	// And a result written now reads back as itself, in the workflow's JSON.
	now := RunResult{RunID: "r", TenantID: "acme", Kind: "roster", Trigger: "cli", WorkflowID: "hrmos-roster-acme", Status: "completed",
		Created: 3, Notices: []string{"dry_run: …"}}
	b, err := json.Marshal(now)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"runId":"r","tenantId":"acme","kind":"roster","trigger":"cli","dryRun":false,"workflowId":"hrmos-roster-acme",` +
		`"status":"completed","fetched":0,"created":3,"updated":0,"unchanged":0,"skipped":0,"errors":0,"notices":["dry_run: …"]}`
	if string(b) != wantJSON {
		t.Fatalf("JSON = %s, want %s", b, wantJSON)
	}
	var back RunResult
	if err := json.Unmarshal(b, &back); err != nil || back.RunID != "r" || back.WorkflowID != now.WorkflowID || len(back.Notices) != 1 {
		t.Fatalf("read back %+v (%v)", back, err)
	}
}
