package workflows

import (
	"context"
	"encoding/json"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// headerOf is the header a client with ContextPropagators writes on a
// start made with ctx.
func headerOf(t *testing.T, ctx context.Context) *commonpb.Header {
	t.Helper()
	h := &commonpb.Header{Fields: map[string]*commonpb.Payload{}}
	for _, p := range ContextPropagators() {
		if err := p.Inject(ctx, mapWriter(h.Fields)); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

type mapWriter map[string]*commonpb.Payload

func (m mapWriter) Set(key string, value *commonpb.Payload) { m[key] = value }

// newStartedEnv is newEnv with the worker's context propagators and the
// header a start carried (nil: none, as from the Temporal UI).
func newStartedEnv(t *testing.T, workflowID string, header *commonpb.Header) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetContextPropagators(ContextPropagators())
	if header != nil {
		s.SetHeader(header)
	}
	env := s.NewTestWorkflowEnvironment()
	New(DefaultOptions()).Register(env)
	env.RegisterActivity(&activities.Activities{})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	return env
}

// A run records how it was started, never what its input claims: the
// starter's header makes "cli", a Temporal Schedule's TemporalScheduledById
// makes "schedule", anything else is "ui"; a run started as a child (the
// UI launcher's, a scheduled action's) takes its parent's.
func TestTheTriggerIsHowTheRunWasStarted(t *testing.T) {
	const uiID = "5a2c7e1e-4444-4c1d-9a7e-0e6f4b1c2d3e" // the UI form's random Workflow ID
	starter := headerOf(t, FromStarter(context.Background()))
	claimed, err := converter.GetDefaultDataConverter().ToPayload(codes.TriggerSchedule)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		workflowID string
		header     *commonpb.Header
		scheduleID string
		input      string
		want       string
	}{
		{"the UI under the canonical ID, its input claiming cli", RosterWorkflowID("acme"), nil, "",
			`{"tenantId":"acme","trigger":"cli"}`, codes.TriggerUI},
		{"the UI with its random ID, its input claiming cli: the launcher's child", uiID, nil, "",
			`{"tenantId":"acme","trigger":"cli"}`, codes.TriggerUI},
		{"the UI with its random ID, its input claiming schedule", uiID, nil, "",
			`{"tenantId":"acme","trigger":"schedule"}`, codes.TriggerUI},
		{"the starter, its input saying cli", RosterWorkflowID("acme"), starter, "",
			`{"tenantId":"acme","trigger":"cli"}`, codes.TriggerCLI},
		{"the starter, without a trigger in its input", RosterWorkflowID("acme"), starter, "",
			`{"tenantId":"acme"}`, codes.TriggerCLI},
		{"a header claiming another trigger than the starter's is ignored", RosterWorkflowID("acme"),
			&commonpb.Header{Fields: map[string]*commonpb.Payload{TriggerHeader: claimed}}, "",
			`{"tenantId":"acme","trigger":"schedule"}`, codes.TriggerUI},
		{"a Temporal Schedule, its input claiming cli", RosterWorkflowID("acme"), nil, "hrmos-roster-schedule-acme",
			`{"tenantId":"acme","trigger":"cli"}`, codes.TriggerSchedule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newStartedEnv(t, tt.workflowID, tt.header)
			if tt.scheduleID != "" {
				if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledByID.ValueSet(tt.scheduleID))); err != nil {
					t.Fatal(err)
				}
			}
			f := &fakeRun{n: 3, settled: func(int64) bool { return true }, start: syncapi.StartRunResult{FirstSync: true}}
			f.mock(env, codes.KindRoster)
			var childIDs []string
			env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
				childIDs = append(childIDs, info.WorkflowExecution.ID)
			})

			env.ExecuteWorkflow(RosterSyncName, json.RawMessage(tt.input))

			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if len(f.started) != 1 || f.started[0].Trigger != tt.want {
				t.Fatalf("StartRun with %+v, want the run recorded with trigger %q", f.started, tt.want)
			}
			if tt.workflowID == uiID && (len(childIDs) == 0 || childIDs[0] != RosterWorkflowID("acme")) {
				t.Errorf("children %v, want the canonical run first", childIDs)
			}
		})
	}
}

// A refused input is recorded with the trigger of how it was started too.
func TestARefusedRunRecordsHowItWasStarted(t *testing.T) {
	env := newStartedEnv(t, AttendanceWorkflowID("acme", "2026-10"), headerOf(t, FromStarter(context.Background())))
	env.SetStartTime(attendanceStart)
	f := &fakeRun{}
	f.mock(env, codes.KindAttendance)

	env.ExecuteWorkflow(AttendanceSyncName, json.RawMessage(`{"tenantId":"acme","month":"2026-10","chunkSize":-1,"trigger":"ui"}`))

	if env.GetWorkflowError() == nil || len(f.rejected) != 1 || f.rejected[0].Trigger != codes.TriggerCLI {
		t.Fatalf("error %v; recorded %+v, want the refusal recorded with trigger cli", env.GetWorkflowError(), f.rejected)
	}
}

// A scheduled action started by hand from the UI is not the schedule's:
// its syncs record "ui".
func TestAScheduledActionStartedByHandRecordsUI(t *testing.T) {
	env := newEnv(t, "started-by-hand")
	env.SetStartTime(scheduledAt)
	var c children
	c.mockRoster(env, nil)
	c.mockAttendance(env)

	env.ExecuteWorkflow(ScheduledSyncName, ScheduledSyncInput{TenantID: "acme", Attendance: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(c.roster) != 1 || c.roster[0].Trigger != codes.TriggerUI || len(c.attendance) != 1 || c.attendance[0].Trigger != codes.TriggerUI {
		t.Errorf("children given %+v and %+v, want trigger ui", c.roster, c.attendance)
	}
}

// The propagator writes the header only for the starter's context, and
// the worker reads back only the starter's value.
func TestTheTriggerHeaderIsWrittenOnlyByTheStarter(t *testing.T) {
	if h := headerOf(t, context.Background()); len(h.Fields) != 0 {
		t.Errorf("a start without the starter's mark carries %v", h.Fields)
	}
	h := headerOf(t, FromStarter(context.Background()))
	var got string
	if p := h.Fields[TriggerHeader]; p == nil || converter.GetDefaultDataConverter().FromPayload(p, &got) != nil || got != codes.TriggerCLI {
		t.Errorf("the starter's start carries %v, want %s = %q", h.Fields, TriggerHeader, codes.TriggerCLI)
	}
}
