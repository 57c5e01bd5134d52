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
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
)

func newEnv(t *testing.T, tenant string) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(RosterSync, workflow.RegisterOptions{Name: RosterSyncName})
	env.RegisterWorkflowWithOptions(RosterSyncChunk, workflow.RegisterOptions{Name: RosterSyncChunkName})
	env.RegisterActivity(&activities.Activities{})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: RosterWorkflowID(tenant)})
	return env
}

// staged mocks the chunk listing: chunk First..Last holds those IDs.
func mockStaged(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(a.StagedUserIDs, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.StagedUsersInput) ([]int64, error) {
			ids := make([]int64, 0, in.Last-in.First+1)
			for i := in.First; i <= in.Last; i++ {
				ids = append(ids, int64(i))
			}
			return ids, nil
		})
}

func TestRosterSyncFansOutInChunksAndRecordsCompletion(t *testing.T) {
	env := newEnv(t, "acme")
	env.OnActivity(a.StartRun, mock.Anything, mock.MatchedBy(func(in activities.StartRunInput) bool {
		return in.TenantID == "acme" && in.Kind == codes.KindRoster && in.Trigger == codes.TriggerCLI && !in.DryRun
	})).Return(activities.StartRunResult{}, nil).Once()
	env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(activities.FetchResult{Fetched: 1201, Staged: 1200}, nil).Once()
	mockStaged(env)
	seen := map[int64]int{}
	var mu sync.Mutex // local activities run concurrently
	env.OnActivity(a.SyncEmployee, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SyncEmployeeInput) (activities.EmployeeResult, error) {
			mu.Lock()
			defer mu.Unlock()
			seen[in.HRMOSUserID]++
			if in.Today == "" {
				return activities.EmployeeResult{}, errors.New("today not set")
			}
			return activities.EmployeeResult{Outcome: codes.Created, ReasonCode: codes.ReasonNewEmployee}, nil
		})
	var finished activities.FinishRunInput
	env.OnActivity(a.FinishRun, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FinishRunInput) (store.Run, error) {
			finished = in
			return store.Run{Status: in.Status, Counts: store.Counts{Fetched: in.Fetched, Created: 1200}}, nil
		}).Once()

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", Trigger: codes.TriggerCLI})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if len(seen) != 1200 {
		t.Fatalf("synced %d distinct employees, want 1200", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("employee %d synced %d times", id, n)
		}
	}
	if finished.Status != codes.RunCompleted || finished.Fetched != 1201 {
		t.Fatalf("finished with %+v", finished)
	}
	if !slices.Contains(finished.Notices, NoticeGenderNotProvided) {
		t.Fatalf("notices = %v, want the gender notice", finished.Notices)
	}
	var got RunSummary
	if err := env.GetWorkflowResult(&got); err != nil || got.Status != codes.RunCompleted {
		t.Fatalf("result = %+v, %v", got, err)
	}
}

func TestRosterSyncKeyRejectedFailsTheRunAtOnce(t *testing.T) {
	env := newEnv(t, "acme")
	env.OnActivity(a.StartRun, mock.Anything, mock.Anything).Return(activities.StartRunResult{}, nil)
	env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(activities.FetchResult{},
		temporal.NewNonRetryableApplicationError(activities.KeyRejectedReason, activities.ErrTypeKeyRejected, nil)).Once()
	var finished activities.FinishRunInput
	env.OnActivity(a.FinishRun, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FinishRunInput) (store.Run, error) {
			finished = in
			return store.Run{Status: in.Status, FailureReason: in.FailureReason}, nil
		})

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})

	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), activities.KeyRejectedReason) {
		t.Fatalf("workflow error = %v, want the key-rejected reason", err)
	}
	if finished.Status != codes.RunFailed || finished.FailureReason != activities.KeyRejectedReason {
		t.Fatalf("finished with %+v", finished)
	}
}

func TestRosterSyncRecordsAnEmployeeThatKeepsFailing(t *testing.T) {
	env := newEnv(t, "acme")
	env.OnActivity(a.StartRun, mock.Anything, mock.Anything).Return(activities.StartRunResult{}, nil)
	env.OnActivity(a.FetchRoster, mock.Anything, mock.Anything).Return(activities.FetchResult{Fetched: 3, Staged: 3, GenderProvided: true}, nil)
	mockStaged(env)
	env.OnActivity(a.SyncEmployee, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SyncEmployeeInput) (activities.EmployeeResult, error) {
			if in.HRMOSUserID == 2 {
				return activities.EmployeeResult{}, errors.New("constraint nobody expected")
			}
			return activities.EmployeeResult{Outcome: codes.Unchanged}, nil
		})
	var failed []int64
	var mu sync.Mutex // local activities run concurrently
	env.OnActivity(a.RecordEmployeeFailure, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordEmployeeFailureInput) error {
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, in.HRMOSUserID)
			return nil
		})
	var finished activities.FinishRunInput
	env.OnActivity(a.FinishRun, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FinishRunInput) (store.Run, error) {
			finished = in
			return store.Run{Status: in.Status}, nil
		})

	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme", DryRun: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("one employee's failure must not fail the run: %v", err)
	}
	if len(failed) != 1 || failed[0] != 2 {
		t.Fatalf("recorded failures for %v, want [2]", failed)
	}
	if finished.Status != codes.RunCompleted || slices.Contains(finished.Notices, NoticeGenderNotProvided) || !slices.Contains(finished.Notices, NoticeDryRun) {
		t.Fatalf("finished with %+v", finished)
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
			if !errors.As(err, &appErr) || appErr.Type() != ErrTypeInvalidInput || !appErr.NonRetryable() {
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

func TestRosterSyncRefusesAnotherWorkflowID(t *testing.T) {
	env := newEnv(t, "acme")
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "my-roster-run"})
	env.ExecuteWorkflow(RosterSyncName, RosterSyncInput{TenantID: "acme"})
	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), RosterWorkflowID("acme")) {
		t.Fatalf("workflow error = %v, want it to name the workflow ID to use", err)
	}
}
