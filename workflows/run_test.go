package workflows

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Cancelling a run while its chunks write (the Temporal UI's Cancel, or
// `temporal workflow cancel`) ends it failed with a reason support can
// read, records that in its history row, and starts no record after the
// cancel: the chunks not yet started never start, the chunks in flight
// start no further record, and no record is recorded as failed for being
// cancelled. The records already writing finish (a write is never cut in
// two), and the run counts its outcomes only once every one of them has:
// its counts are its items.
func TestCancellingARunWhileItWritesStopsTheWrites(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	// 100 records in chunks of 10: four chunks write at once, six wait.
	// In each running chunk the first record is written at once and the
	// other nine are still writing when the run is cancelled; they finish
	// a little after the cancel.
	const inFlight = maxConcurrentChunks * 9
	var mu sync.Mutex
	cancelled := false
	blocked, returned := 0, 0
	release := make(chan struct{})
	var writtenBefore, startedAfter []int64
	f := &fakeRun{n: 100, settled: func(int64) bool { return false }, start: syncapi.StartRunResult{FirstSync: true}}
	f.syncCtx = func(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
		mu.Lock()
		if cancelled {
			startedAfter = append(startedAfter, in.HRMOSUserID)
		}
		if in.HRMOSUserID%10 == 1 {
			writtenBefore = append(writtenBefore, in.HRMOSUserID)
			returned++
			mu.Unlock()
			return syncapi.RecordResult{Outcome: codes.Created}, nil
		}
		blocked++
		if blocked == inFlight {
			// Every chunk that can write is writing: cancel now.
			env.RegisterDelayedCallback(func() {
				mu.Lock()
				cancelled = true
				mu.Unlock()
				env.CancelWorkflow()
				close(release)
			}, time.Millisecond)
		}
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
			return syncapi.RecordResult{}, ctx.Err() // cut in two: what the run must not do
		}
		time.Sleep(20 * time.Millisecond) // the write's commit, after the cancel
		mu.Lock()
		returned++
		mu.Unlock()
		return syncapi.RecordResult{Outcome: codes.Created}, nil
	}
	returnedAtFinish := -1
	env.OnActivity(a.FinishRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.FinishRunInput) (syncapi.RunResult, error) {
		mu.Lock()
		returnedAtFinish = returned
		mu.Unlock()
		f.finished = in
		return syncapi.RunResult{RunID: in.RunID, TenantID: in.TenantID, Kind: codes.KindRoster, Status: in.Status, FailureReason: in.FailureReason}, nil
	})
	f.mock(env, codes.KindRoster) // after FinishRun's: the first one given answers

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", ChunkSize: 10})

	appErr := workflowError(t, env)
	const reason = "the run was cancelled (from the Temporal UI or CLI) before it finished"
	if appErr.Message() != reason || appErr.Type() != ErrTypeSyncFailed {
		t.Fatalf("workflow error = %q (%s), want %q", appErr.Message(), appErr.Type(), reason)
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != reason {
		t.Errorf("FinishRun with %+v, want failed with %q", f.finished, reason)
	}
	mu.Lock()
	defer mu.Unlock()
	if !cancelled {
		t.Fatal("the run ended before it was cancelled")
	}
	if len(startedAfter) != 0 {
		t.Errorf("records %v were started after the cancel", startedAfter)
	}
	if len(f.failed) != 0 {
		t.Errorf("records %v were recorded as failed because the run was cancelled", f.failed)
	}
	for id := range f.synced {
		if id > 40 {
			t.Errorf("record %d of a chunk that had not started was written", id)
		}
	}
	if len(writtenBefore) != maxConcurrentChunks {
		t.Errorf("wrote %v before the cancel, want the first record of each running chunk", writtenBefore)
	}
	if want := maxConcurrentChunks + inFlight; returned != want || returnedAtFinish != want {
		t.Errorf("%d records returned, %d of them before the run counted (FinishRun), want all %d written before it counts",
			returned, returnedAtFinish, want)
	}
	var p Progress
	if v, err := env.QueryWorkflow(ProgressQuery); err != nil || v.Get(&p) != nil || p.Phase != PhaseFailed {
		t.Errorf("progress after the cancel = %+v, %v", p, err)
	}
}

// Input the UI typed wrong is refused, and the refusal recorded as a failed
// run of the tenant with the reason the workflow fails with.
func TestRefusedInputIsRecordedWithTheWorkflowsReason(t *testing.T) {
	tests := []struct {
		name       string
		workflow   string
		input      string
		kind       string
		wantReason string
	}{
		{"roster with a negative chunk size", RosterSyncName, `{"tenantId":"acme","chunkSize":-1}`, codes.KindRoster,
			`invalid RosterSync input: field "chunkSize" must be between 1 and 2000`},
		{"attendance with a month written with a slash", AttendanceSyncName, `{"tenantId":"acme","month":"2026/10"}`, codes.KindAttendance,
			`invalid AttendanceSync input: field "month" must be a month as "YYYY-MM" (e.g. "2026-10")`},
		{"attendance for a month in the future", AttendanceSyncName, `{"tenantId":"acme","month":"2026-12"}`, codes.KindAttendance,
			`invalid AttendanceSync input: field "month" is in the future (it is 2026-11 in Japan)`},
		{"attendance without a month", AttendanceSyncName, `{"tenantId":"acme"}`, codes.KindAttendance,
			`field "month" is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, "5a2c7e1e-2222-4c1d-9a7e-0e6f4b1c2d3e") // the UI's random Workflow ID
			env.SetStartTime(attendanceStart)
			f := &fakeRun{}
			f.mock(env, tt.kind)

			env.ExecuteWorkflow(tt.workflow, json.RawMessage(tt.input))

			appErr := workflowError(t, env)
			if appErr.Type() != syncapi.ErrTypeInvalidInput || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), tt.wantReason) {
				t.Fatalf("error = %q (%s), want a non-retryable InvalidInput saying %q", appErr.Message(), appErr.Type(), tt.wantReason)
			}
			if len(f.rejected) != 1 {
				t.Fatalf("RecordRejectedRun called %d times, want once", len(f.rejected))
			}
			r := f.rejected[0]
			if r.TenantID != "acme" || r.Kind != tt.kind || r.Trigger != codes.TriggerUI || r.Reason != appErr.Message() ||
				r.WorkflowID != "5a2c7e1e-2222-4c1d-9a7e-0e6f4b1c2d3e" || r.RunID == "" || r.WorkflowRunID != r.RunID {
				t.Errorf("recorded %+v, want tenant acme, kind %s, trigger ui and the workflow's reason %q", r, tt.kind, appErr.Message())
			}
			if f.finished.RunID != "" || len(f.synced) != 0 {
				t.Errorf("a refused run went on: finished %+v, wrote %d", f.finished, len(f.synced))
			}
		})
	}
}

// Input without a tenant has nowhere to be recorded.
func TestRefusedInputWithoutTenantIsNotRecorded(t *testing.T) {
	env := newEnv(t, "from-the-ui")
	f := &fakeRun{}
	f.mock(env, codes.KindRoster)
	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"dryRun":true}`))
	if err := env.GetWorkflowError(); err == nil || len(f.rejected) != 0 {
		t.Errorf("error %v; recorded %+v", err, f.rejected)
	}
}

// Progress.markdown is what the UI shows as the run's current details: the
// phase and the counts, the chunks once writing, and why it waits.
func TestProgressMarkdownShowsPhaseAndCounts(t *testing.T) {
	tests := []struct {
		name     string
		p        Progress
		kind     string
		month    string
		dryRun   bool
		want     []string
		wantNone []string
	}{
		{"starting shows only what runs", Progress{Phase: PhaseStarting}, codes.KindRoster, "", false,
			[]string{"**roster sync** of tenant `acme`: **starting**"}, []string{"fetched", "done", "chunks"}},
		{"a dry run says so", Progress{Phase: PhaseFetching}, codes.KindAttendance, "2026-10", true,
			[]string{"**dry run of the attendance sync 2026-10** of tenant `acme`: **fetching from HRMOS**", "- fetched from HRMOS: 0"}, nil},
		{"writing shows counts and chunks", Progress{Phase: PhaseSyncing, Fetched: 1200, Total: 1190, Planned: 1190, Done: 900,
			Created: 10, Updated: 300, Unchanged: 870, Skipped: 6, Errors: 4, ChunksTotal: 3, ChunksDone: 1}, codes.KindRoster, "", false,
			[]string{"- fetched from HRMOS: 1200; done: 900 of 1190 (decided: 1190)",
				"- decided so far: created 10, updated 300, unchanged 870, skipped 6, errors 4", "- chunks written: 1 of 3"}, []string{"Waiting"}},
		{"held shows why", Progress{Phase: PhaseApproval, Fetched: 10, Total: 10, Planned: 10, AwaitingApproval: true,
			ApprovalReason: "it would create 10"}, codes.KindRoster, "", false,
			[]string{"**Waiting for approval**: it would create 10"}, []string{"chunks written"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.markdown(tt.kind, "acme", tt.month, tt.dryRun)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("markdown\n%s\ndoes not say %q", got, w)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(got, w) {
					t.Errorf("markdown\n%s\nsays %q", got, w)
				}
			}
		})
	}
}

// The progress query and the current details agree at the end of a run.
func TestRosterSyncProgressAtTheEnd(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 25, settled: func(id int64) bool { return id > 5 }, start: syncapi.StartRunResult{FirstSync: true}}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", ChunkSize: 10})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	p := queryProgress(t, env)
	if p.Phase != PhaseCompleted || p.Fetched != 25 || p.Total != 25 || p.Planned != 25 || p.Done != 25 ||
		p.Created != 5 || p.Unchanged != 20 || p.ChunksTotal != 1 || p.ChunksDone != 1 {
		t.Errorf("progress = %+v", p)
	}
	if d := currentDetails(t, env); d != p.markdown(codes.KindRoster, "acme", "", false) {
		t.Errorf("current details\n%s\nare not the progress\n%s", d, p.markdown(codes.KindRoster, "acme", "", false))
	}
}

// A run started from the UI under its own ID points at the canonical run.
func TestLaunchedRunPointsAtTheCanonicalWorkflow(t *testing.T) {
	env := newEnv(t, "5a2c7e1e-3333-4c1d-9a7e-0e6f4b1c2d3e")
	env.SetStartTime(attendanceStart)
	f := &fakeRun{n: 3, settled: func(int64) bool { return false }, start: syncapi.StartRunResult{FirstSync: true}}
	f.mock(env, codes.KindAttendance)

	env.ExecuteWorkflow(AttendanceSyncName, json.RawMessage(`{"tenantId":"acme","month":"2026-10"}`))

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	p := queryProgress(t, env)
	if p.Phase != "running as workflow "+AttendanceWorkflowID("acme", "2026-10") {
		t.Errorf("progress of the launcher = %+v", p)
	}
	if d := currentDetails(t, env); !strings.Contains(d, "`"+AttendanceWorkflowID("acme", "2026-10")+"`") {
		t.Errorf("current details of the launcher: %q", d)
	}
}

// The chunks are sized by the records they write: sparse ranges are joined
// into one chunk spanning them, a range never split, the order kept.
func TestWriteGroups(t *testing.T) {
	rg := func(first, last int64) syncapi.Range { return syncapi.Range{First: first, Last: last} }
	ranges := []syncapi.Range{rg(1, 10), rg(11, 20), rg(21, 30), rg(31, 40), rg(41, 50)}
	pending := func(n ...int) []syncapi.PlanResult {
		out := make([]syncapi.PlanResult, len(n))
		for i, p := range n {
			out[i].Pending = p
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		pending []int
		size    int
		want    []syncapi.Range
	}{
		{"nothing to write", []int{0, 0, 0, 0, 0}, 10, nil},
		{"every record to write: a chunk per range", []int{10, 10, 10, 10, 10}, 10, ranges},
		{"a few errors everywhere: one chunk", []int{1, 2, 0, 1, 1}, 10, []syncapi.Range{rg(1, 50)}},
		{"ranges with nothing inside a span", []int{0, 3, 0, 0, 4}, 10, []syncapi.Range{rg(11, 50)}},
		{"joined up to the size, then a new chunk", []int{4, 4, 4, 4, 4}, 10, []syncapi.Range{rg(1, 20), rg(21, 40), rg(41, 50)}},
		{"a range over the size alone", []int{1, 12, 1, 0, 0}, 10, []syncapi.Range{rg(1, 10), rg(11, 20), rg(21, 30)}},
		{"exactly the size", []int{5, 5, 1, 0, 0}, 10, []syncapi.Range{rg(1, 20), rg(21, 30)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := writeGroups(ranges, pending(tc.pending...), tc.size)
			if !slices.Equal(got, tc.want) {
				t.Errorf("writeGroups(%v, size %d) = %v, want %v", tc.pending, tc.size, got, tc.want)
			}
		})
	}
}
