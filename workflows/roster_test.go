package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// newEnv is the SDK's test environment with every workflow registered and
// the activities mocked by each test; it starts under the canonical ID.
func newEnv(t *testing.T, workflowID string) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	New(DefaultOptions()).Register(env)
	env.RegisterActivity(&activities.Activities{})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	return env
}

// fakeRun answers the activities of a run over n staged records with IDs
// 1..n: plans settle every record whose ID is in settled, the others are
// written one by one by sync.
type fakeRun struct {
	mu      sync.Mutex
	n       int
	settled func(id int64) bool
	sync    func(in syncapi.RecordInput) (syncapi.RecordResult, error)
	// syncCtx, when set, writes a record in place of sync, with the local
	// activity's context (a test can block on it until cancelled).
	syncCtx  func(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error)
	synced   map[int64]int
	failed   []int64
	finished syncapi.FinishRunInput
	start    syncapi.StartRunResult
	planned  int
	// workMinutes is the working time of each attendance row the plan
	// leaves to write (the attendance guard sums it).
	workMinutes int64
	// previous is AttendanceMonthFigures' answer for the month before.
	previous     syncapi.MonthFigures
	figuresAsked []syncapi.MonthFiguresInput
	// awaiting and approvals record AwaitApproval and RecordApproval.
	awaiting  []syncapi.ApprovalInput
	approvals []syncapi.ApprovalInput
	rejected  []syncapi.RejectedRunInput
	// started records StartRun's inputs (the trigger a run records).
	started []syncapi.RunInput
}

func (f *fakeRun) mock(env *testsuite.TestWorkflowEnvironment, kind string) {
	f.synced = map[int64]int{}
	env.OnActivity(a.StartRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.RunInput) (syncapi.StartRunResult, error) {
		if in.Kind != kind || in.RunID == "" || in.WorkflowRunID != in.RunID {
			return syncapi.StartRunResult{}, errors.New("unexpected StartRun input")
		}
		f.mu.Lock()
		f.started = append(f.started, in)
		f.mu.Unlock()
		return f.start, nil
	})
	fetch := syncapi.FetchResult{Fetched: f.n, Staged: f.n}
	if kind == codes.KindRoster {
		env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(fetch, nil).Once()
	} else {
		env.OnActivity(a.FetchAttendance, mock.Anything, mock.Anything).Return(fetch, nil).Once()
	}
	env.OnActivity(a.ChunkRanges, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.ChunkRangesInput) (syncapi.ChunkRangesResult, error) {
		var res syncapi.ChunkRangesResult
		if in.OnlyUser != 0 {
			// As the store's: the one user's range when it was staged.
			if in.OnlyUser <= int64(f.n) {
				res.Ranges = []syncapi.Range{{First: in.OnlyUser, Last: in.OnlyUser}}
			}
			res.Staged = f.n
			return res, nil
		}
		for first := 1; first <= f.n; first += in.Size {
			res.Ranges = append(res.Ranges, syncapi.Range{First: int64(first), Last: int64(min(first+in.Size-1, f.n))})
		}
		res.Staged = f.n
		return res, nil
	})
	plan := func(_ context.Context, in syncapi.PlanChunkInput) (syncapi.PlanResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var res syncapi.PlanResult
		for id := in.Range.First; id <= in.Range.Last; id++ {
			res.Records++
			if f.settled(id) {
				res.Add(codes.Unchanged)
				res.Matched++ // as the real plan: unchanged is a matched employee
				continue
			}
			// As the real plan: a dry run counts what it would create and
			// leaves nothing to write.
			res.Add(codes.Created)
			res.WorkMinutes += f.workMinutes
			if !in.DryRun {
				res.Pending++
			}
		}
		f.planned += res.Records
		return res, nil
	}
	env.OnActivity(a.PlanRosterChunk, mock.Anything, mock.Anything).Return(plan)
	env.OnActivity(a.PlanAttendanceChunk, mock.Anything, mock.Anything).Return(plan)
	env.OnActivity(a.PendingRecords, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.PendingInput) ([]int64, error) {
		var ids []int64
		for id := in.Range.First; id <= in.Range.Last; id++ {
			if !f.settled(id) {
				ids = append(ids, id)
			}
		}
		return ids, nil
	})
	record := func(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
		f.mu.Lock()
		f.synced[in.HRMOSUserID]++
		f.mu.Unlock()
		if f.syncCtx != nil {
			return f.syncCtx(ctx, in)
		}
		if f.sync != nil {
			return f.sync(in)
		}
		return syncapi.RecordResult{Outcome: codes.Created, ReasonCode: codes.ReasonNewEmployee}, nil
	}
	env.OnActivity(a.SyncEmployee, mock.Anything, mock.Anything).Return(record)
	env.OnActivity(a.SyncAttendance, mock.Anything, mock.Anything).Return(record)
	// A batch writes its records at once, as its one statement does; a
	// record that fails is left to the workflow, as the real batch leaves it.
	batch := func(ctx context.Context, in syncapi.BatchInput) (syncapi.BatchResult, error) {
		results := make([]syncapi.RecordResult, len(in.HRMOSUserIDs))
		errs := make([]error, len(in.HRMOSUserIDs))
		var wg sync.WaitGroup
		for i, id := range in.HRMOSUserIDs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = record(ctx, in.Record(id))
			}()
		}
		wg.Wait()
		var out syncapi.BatchResult
		for i, id := range in.HRMOSUserIDs {
			if errs[i] != nil {
				out.Failed = append(out.Failed, id)
				continue
			}
			out.Written = append(out.Written, results[i])
		}
		return out, nil
	}
	env.OnActivity(a.SyncEmployees, mock.Anything, mock.Anything).Return(batch)
	env.OnActivity(a.SyncAttendances, mock.Anything, mock.Anything).Return(batch)
	env.OnActivity(a.RecordFailure, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.RecordFailureInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.failed = append(f.failed, in.HRMOSUserID)
		return nil
	})
	env.OnActivity(a.FinishRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.FinishRunInput) (syncapi.RunResult, error) {
		f.finished = in
		return syncapi.RunResult{RunID: in.RunID, TenantID: in.TenantID, Kind: kind, Status: in.Status, Fetched: in.Fetched,
			FailureReason: in.FailureReason, Notices: in.Notices}, nil
	})
	env.OnActivity(a.RecordRejectedRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.RejectedRunInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.rejected = append(f.rejected, in)
		return nil
	})
	env.OnActivity(a.AttendanceMonthFigures, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.MonthFiguresInput) (syncapi.MonthFigures, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.figuresAsked = append(f.figuresAsked, in)
		return f.previous, nil
	})
	env.OnActivity(a.AwaitApproval, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.ApprovalInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.awaiting = append(f.awaiting, in)
		return nil
	})
	env.OnActivity(a.RecordApproval, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.ApprovalInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.approvals = append(f.approvals, in)
		return nil
	})
}

func TestRosterSyncPlansEveryoneAndWritesOnlyWhatChanges(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 1200, settled: func(id int64) bool { return id%3 != 0 }} // a third changes
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", Trigger: codes.TriggerCLI})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if f.planned != 1200 {
		t.Errorf("planned %d records, want 1200", f.planned)
	}
	if len(f.synced) != 400 {
		t.Errorf("wrote %d records one by one, want the 400 that change", len(f.synced))
	}
	for id, n := range f.synced {
		if id%3 != 0 || n != 1 {
			t.Fatalf("record %d written %d times", id, n)
		}
	}
	if f.finished.Status != codes.RunCompleted || f.finished.Fetched != 1200 || !slices.Contains(f.finished.Notices, NoticeGenderNotProvided) {
		t.Errorf("finished with %+v", f.finished)
	}
	var got syncapi.RunResult
	if err := env.GetWorkflowResult(&got); err != nil || got.Status != codes.RunCompleted || got.WorkflowID != RosterWorkflowID("acme") {
		t.Errorf("result = %+v, %v", got, err)
	}
	var p Progress
	if v, err := env.QueryWorkflow(ProgressQuery); err != nil || v.Get(&p) != nil || p.Phase != PhaseCompleted || p.Done != 1200 {
		t.Errorf("progress = %+v, %v", p, err)
	}
}

func TestRosterSyncUnchangedCompanyStartsNoChunk(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 2000, settled: func(int64) bool { return true }}
	f.mock(env, codes.KindRoster)
	children := 0
	env.SetOnChildWorkflowStartedListener(func(*workflow.Info, workflow.Context, converter.EncodedValues) { children++ })

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if children != 0 || len(f.synced) != 0 {
		t.Errorf("an unchanged company started %d chunks and wrote %d records one by one, want none", children, len(f.synced))
	}
}

// A chunk is sized by the records it writes: a company with a few records
// in error in every range of 500 is one chunk, not one per range; a first
// sync writes 2,000 records a chunk; ops' chunkSize bounds both.
func TestRosterSyncChunksAreSizedByTheirWrites(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n         int
		chunkSize int
		settled   func(id int64) bool
		children  int
	}{
		{"two records to write in each of 10 ranges", 5000, 0, func(id int64) bool { return id%250 != 0 }, 1},
		{"every record to write", 5000, 0, func(int64) bool { return false }, 3},
		{"every record to write, chunkSize 100", 1000, 100, func(int64) bool { return false }, 10},
		{"one record in 50 to write, chunkSize 100", 1000, 100, func(id int64) bool { return id%50 != 0 }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, RosterWorkflowID("acme"))
			f := &fakeRun{n: tc.n, settled: tc.settled}
			f.mock(env, codes.KindRoster)
			children := 0
			env.SetOnChildWorkflowStartedListener(func(*workflow.Info, workflow.Context, converter.EncodedValues) { children++ })

			env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", ChunkSize: tc.chunkSize})

			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			want := 0
			for id := int64(1); id <= int64(tc.n); id++ {
				if !tc.settled(id) {
					want++
				}
			}
			if children != tc.children || len(f.synced) != want {
				t.Errorf("started %d chunks writing %d records, want %d chunks writing %d", children, len(f.synced), tc.children, want)
			}
		})
	}
}

func TestRosterSyncDryRunWritesNothing(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 300, settled: func(int64) bool { return false }}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", DryRun: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(f.synced) != 0 || !slices.Contains(f.finished.Notices, NoticeDryRun) {
		t.Errorf("a dry run wrote %d records; notices %v", len(f.synced), f.finished.Notices)
	}
}

func TestRosterSyncKeyRejectedFailsTheRunAtOnce(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{}
	env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(syncapi.FetchResult{},
		temporal.NewNonRetryableApplicationError(activities.KeyRejectedReason, syncapi.ErrTypeKeyRejected, nil)).Once()
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), activities.KeyRejectedReason) {
		t.Fatalf("workflow error = %v, want the key-rejected reason", err)
	}
	if f.finished.Status != codes.RunFailed || f.finished.FailureReason != activities.KeyRejectedReason {
		t.Fatalf("finished with %+v", f.finished)
	}
}

func TestRosterSyncRecordsAnEmployeeThatKeepsFailing(t *testing.T) {
	env := newEnv(t, RosterWorkflowID("acme"))
	f := &fakeRun{n: 3, settled: func(int64) bool { return false }, sync: func(in syncapi.RecordInput) (syncapi.RecordResult, error) {
		if in.HRMOSUserID == 2 {
			return syncapi.RecordResult{}, errors.New("constraint nobody expected")
		}
		return syncapi.RecordResult{Outcome: codes.Updated}, nil
	}}
	f.mock(env, codes.KindRoster)

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("one employee's failure must not fail the run: %v", err)
	}
	if len(f.failed) != 1 || f.failed[0] != 2 {
		t.Fatalf("recorded failures for %v, want [2]", f.failed)
	}
	if f.finished.Status != codes.RunCompleted {
		t.Fatalf("finished with %+v", f.finished)
	}
}

func TestRosterSyncRejectsBadInput(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		wantField string
	}{
		{"missing tenant", `{}`, `"tenantId" is required`},
		{"tenant of the wrong type", `{"tenantId": 42}`, `"tenantId" has the wrong type`},
		{"misspelt field", `{"tenantID": "acme"}`, `unknown field "tenantID"`},
		{"bad trigger", `{"tenantId": "acme", "trigger": "cron"}`, `"trigger" must be`},
		{"dryRun as a string", `{"tenantId": "acme", "dryRun": "yes"}`, `"dryRun" has the wrong type`},
		{"not an object", `"acme"`, `must be a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in RosterSyncInput
			if err := json.Unmarshal([]byte(tt.json), &in); err != nil {
				t.Fatalf("decoding must never fail: %v", err)
			}
			err := in.validate()
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != syncapi.ErrTypeInvalidInput || !appErr.NonRetryable() {
				t.Fatalf("validate = %v, want a non-retryable InvalidInput error", err)
			}
			if !strings.Contains(appErr.Message(), tt.wantField) {
				t.Fatalf("message %q does not say %q", appErr.Message(), tt.wantField)
			}
		})
	}
	var ok RosterSyncInput
	_ = json.Unmarshal([]byte(`{"tenantId":"acme","dryRun":true}`), &ok)
	if err := ok.validate(); err != nil || ok.TenantID != "acme" || !ok.DryRun {
		t.Fatalf("valid UI input: %+v, %v", ok, err)
	}
}

// A run refused for bad input is still recorded when its tenant exists
// (SPEC §4), with the reason the workflow ends with.
func TestRosterSyncRecordsARefusedRun(t *testing.T) {
	env := newEnv(t, "from-the-ui")
	var recorded syncapi.RejectedRunInput
	env.OnActivity(a.RecordRejectedRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in syncapi.RejectedRunInput) error {
		recorded = in
		return nil
	})
	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"tenantId":"acme","chunkSize":-1}`))
	err := env.GetWorkflowError()
	if err == nil || recorded.TenantID != "acme" || recorded.Kind != codes.KindRoster || recorded.Trigger != codes.TriggerUI ||
		!strings.Contains(err.Error(), recorded.Reason) || recorded.Reason == "" {
		t.Fatalf("workflow error %v; recorded %+v", err, recorded)
	}
}

// Started from the UI with any Workflow ID, the sync runs under its
// canonical ID as a child, and returns that run's result.
func TestRosterSyncWithAnyWorkflowIDRunsTheCanonicalOne(t *testing.T) {
	env := newEnv(t, "5a2c7e1e-1111-4c1d-9a7e-0e6f4b1c2d3e")
	f := &fakeRun{n: 10, settled: func(int64) bool { return false }}
	f.mock(env, codes.KindRoster)
	var childIDs []string
	env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		childIDs = append(childIDs, info.WorkflowExecution.ID)
	})

	env.ExecuteWorkflow(RosterSyncName, json.RawMessage(`{"tenantId":"acme"}`))

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(childIDs) == 0 || childIDs[0] != RosterWorkflowID("acme") {
		t.Fatalf("children %v, want the canonical %s first", childIDs, RosterWorkflowID("acme"))
	}
	var got syncapi.RunResult
	if err := env.GetWorkflowResult(&got); err != nil || got.Status != codes.RunCompleted || got.Trigger != "" && got.Trigger != codes.TriggerUI {
		t.Fatalf("result = %+v, %v", got, err)
	}
}
