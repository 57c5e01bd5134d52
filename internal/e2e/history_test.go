package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/schedules"
	"github.com/mediment/hrmos-sync/internal/startopts"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// TestHistoriesAndLogsHoldNoPersonalData runs every workflow on a generated
// company (roster and attendance with their chunks, the scheduled sync, the
// sweeper, and a failed run), then reads every event of every history
// (inputs, results, failures, markers, memo, search attributes), the
// progress query of each sync, every log line and the reasons recorded in
// the history tables, and looks for each name, kana, email and key the
// simulator generated.
func TestHistoriesAndLogsHoldNoPersonalData(t *testing.T) {
	e := newEnv(t)
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "pii", Users: 90, Seed: 21, Messy: hrmossim.MessyAll(), Months: []string{month}})
	e.mustConnect("pii", "pii", c.APIKey)

	completed := e.mustRoster(workflows.RosterSyncInput{TenantID: "pii", ChunkSize: 30})
	if completed.Errors == 0 {
		t.Fatal("expected per-employee errors from the messy data, so that error paths are scanned too")
	}
	att := e.mustAttendance(workflows.AttendanceSyncInput{TenantID: "pii", Month: month, ChunkSize: 40})
	if att.Created == 0 {
		t.Fatalf("attendance run = %+v", att)
	}
	// The schedule's workflow and the sweeper's too.
	ctx := context.Background()
	settings := schedules.Settings{TaskQueue: e.cfg.TaskQueue, DayOfMonth: 3, Hour: 6, CatchupWindow: time.Hour}
	if _, err := schedules.Apply(ctx, e.temporal.ScheduleClient(), []string{"pii"}, settings); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{schedules.MonthlyID("pii"), schedules.SweeperID} {
		if err := e.temporal.ScheduleClient().GetHandle(ctx, id).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	e.finishedRuns("pii", 4)
	// A roster started from the UI with the form's random Workflow ID, on a
	// roster changed enough for the mass-change guard to hold it; approved
	// on the workflow ops started, which passes the approval on.
	if _, err := e.sim.MutateUsers("pii", 60, 7); err != nil {
		t.Fatal(err)
	}
	launched, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "5f0e2b8a-ui-random-id", TaskQueue: e.cfg.TaskQueue},
		workflows.RosterSyncName, json.RawMessage(`{"tenantId":"pii","chunkSize":30}`))
	if err != nil {
		t.Fatal(err)
	}
	heldRun := func(what string) store.Run {
		var held store.Run
		testenv.Eventually(t, time.Minute, what+" is held", func() bool {
			runs, err := e.store.Runs(ctx, "pii", 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.Status == codes.RunRunning && r.AwaitingApprovalSince != nil && r.ApprovedAt == nil {
					held = r
					return true
				}
			}
			return false
		})
		return held
	}
	held := heldRun("the launched roster")
	if err := e.temporal.SignalWorkflow(ctx, launched.GetID(), launched.GetRunID(), workflows.ApproveSignal, workflows.Approval{By: "ops"}); err != nil {
		t.Fatal(err)
	}
	if err := launched.Get(ctx, nil); err != nil {
		t.Fatalf("roster started with any Workflow ID: %v", err)
	}
	// Two more held runs, rejected: one through the launcher's reject
	// signal, which passes it on, one by the Update on the run itself.
	if _, err := e.sim.MutateUsers("pii", 60, 8); err != nil {
		t.Fatal(err)
	}
	rejectedLaunch, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "5f0e2b8a-ui-rejected", TaskQueue: e.cfg.TaskQueue},
		workflows.RosterSyncName, json.RawMessage(`{"tenantId":"pii","chunkSize":30}`))
	if err != nil {
		t.Fatal(err)
	}
	heldRun("the roster rejected through the launcher")
	if err := e.temporal.SignalWorkflow(ctx, rejectedLaunch.GetID(), rejectedLaunch.GetRunID(), workflows.RejectSignal,
		workflows.Rejection{By: "ops", Reason: "the import in HRMOS went wrong"}); err != nil {
		t.Fatal(err)
	}
	if err := rejectedLaunch.Get(ctx, nil); err == nil || !strings.Contains(err.Error(), "rejected by ops: the import in HRMOS went wrong") {
		t.Fatalf("the roster rejected through the launcher: %v", err)
	}
	// As `starter roster` starts it.
	if _, err := e.temporal.ExecuteWorkflow(startedAs(ctx, codes.TriggerCLI), startopts.Roster(e.cfg.TaskQueue, "pii", codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "pii", ChunkSize: 30, Trigger: codes.TriggerCLI}); err != nil {
		t.Fatal(err)
	}
	rejected := heldRun("the roster rejected by Update")
	h, err := e.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: rejected.WorkflowID, RunID: rejected.WorkflowRunID, UpdateName: workflows.RejectUpdate,
		Args: []any{workflows.Rejection{By: "ops", Reason: "not this month"}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatal(err)
	}
	var decision workflows.Decision
	if err := h.Get(ctx, &decision); err != nil || decision.Decision != workflows.DecisionRejected {
		t.Fatalf("the reject Update: %+v, %v", decision, err)
	}
	if err := e.temporal.GetWorkflow(ctx, rejected.WorkflowID, rejected.WorkflowRunID).Get(ctx, nil); err == nil {
		t.Fatal("the rejected roster completed")
	}

	// One HRMOS user synced on its own (`starter roster --user`): its run
	// names the user by ID, never by a personal value.
	var oneUserID int64
	for id := range e.items(completed) {
		if oneUserID == 0 || id < oneUserID {
			oneUserID = id
		}
	}
	oneUser := e.mustRoster(workflows.RosterSyncInput{TenantID: "pii", UserID: oneUserID})
	if oneUser.OnlyHRMOSUserID == nil || len(e.items(oneUser)) != 1 {
		t.Fatalf("one-user run = %+v, want one item", oneUser)
	}

	// The key is regenerated in HRMOS and the cached token dies with it.
	if _, err := e.sim.RotateKey("pii"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.ExpireTokens("pii"); err != nil {
		t.Fatal(err)
	}
	failed, err := e.roster(workflows.RosterSyncInput{TenantID: "pii"})
	if err == nil {
		t.Fatal("the run with a rotated key succeeded")
	}

	histories := e.histories()
	types := map[string]bool{}
	var text strings.Builder
	for _, h := range histories {
		types[h.workflowType] = true
		for _, ev := range h.Events {
			collectStrings(ev.ProtoReflect(), &text)
		}
		// Query results are not in the history: ask each sync for its progress.
		if h.workflowType == workflows.RosterSyncName || h.workflowType == workflows.AttendanceSyncName {
			v, err := e.temporal.QueryWorkflow(ctx, h.workflowID, h.runID, "progress")
			if err != nil {
				t.Fatalf("query %s: %v", h.workflowID, err)
			}
			var p workflows.Progress
			if err := v.Get(&p); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&text, "%+v\n", p)
		}
	}
	for _, want := range []string{workflows.RosterSyncName, workflows.RosterSyncChunkName, workflows.AttendanceSyncName,
		workflows.AttendanceSyncChunkName, workflows.ScheduledSyncName, workflows.StagingSweeperName} {
		if !types[want] {
			t.Fatalf("no %s history was scanned (found %v)", want, types)
		}
	}
	// What the execution history tables say of each employee is for admins to
	// read in mediment: reasons name fields, never values.
	rows, err := e.store.Pool().Query(ctx, `
		SELECT coalesce(reason, '') FROM sync_run_items
		UNION ALL SELECT coalesce(failure_reason, '') || array_to_string(notices, ' ') FROM sync_runs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		text.WriteString(r)
		text.WriteByte('\n')
	}
	rows.Close()
	logs := e.logs.String()
	if !strings.Contains(logs, "roster fetched") {
		t.Fatal("the worker's logs were not captured")
	}
	secrets := c.PersonalStrings()
	if !slices.Contains(secrets, c.APIKey) {
		secrets = append(secrets, c.APIKey)
	}
	for _, s := range secrets {
		if len([]rune(s)) < 2 {
			continue
		}
		if strings.Contains(text.String(), s) {
			t.Errorf("personal data or key %q appears in a workflow history", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("personal data or key %q appears in the worker's logs", s)
		}
	}

	if os.Getenv("UPDATE_REPLAY_HISTORY") == "1" {
		// What production runs: a roster and a month that write through
		// chunk children, a run held and then approved through the
		// workflow ops started, one rejected by Update and one through the
		// workflow ops started, a failed run, the scheduled action, the
		// sweeper.
		e.writeReplayHistories(histories, map[string]runOf{
			"roster_sync":                               {workflowID: completed.WorkflowID, runID: completed.WorkflowRunID},
			"roster_sync_held_then_approved":            {workflowID: held.WorkflowID, runID: held.WorkflowRunID},
			"roster_sync_held_then_rejected":            {workflowID: rejected.WorkflowID, runID: rejected.WorkflowRunID},
			"roster_sync_rejected_through_the_launcher": {workflowID: rejectedLaunch.GetID(), runID: rejectedLaunch.GetRunID()},
			"roster_sync_started_with_any_id":           {workflowID: launched.GetID(), runID: launched.GetRunID()},
			"roster_sync_failed":                        {workflowID: failed.WorkflowID, runID: failed.WorkflowRunID},
			"roster_sync_one_user":                      {workflowID: oneUser.WorkflowID, runID: oneUser.WorkflowRunID},
			"attendance_sync":                           {workflowID: att.WorkflowID, runID: att.WorkflowRunID},
			"roster_sync_chunk":                         {workflowType: workflows.RosterSyncChunkName},
			"attendance_sync_chunk":                     {workflowType: workflows.AttendanceSyncChunkName},
			"scheduled_sync":                            {workflowType: workflows.ScheduledSyncName},
			"staging_sweeper":                           {workflowType: workflows.StagingSweeperName},
		})
	}
}

// runOf picks a history to record: by workflow and run ID, or the first
// of a workflow type.
type runOf struct{ workflowID, runID, workflowType string }

type history struct {
	workflowID   string
	runID        string
	workflowType string
	*historypb.History
}

// histories reads every workflow history of the test's namespace.
func (e *env) histories() []history {
	e.t.Helper()
	ctx := context.Background()
	var out []history
	var token []byte
	for {
		resp, err := e.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{NextPageToken: token})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ex := range resp.Executions {
			h := &historypb.History{}
			it := e.temporal.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					e.t.Fatal(err)
				}
				h.Events = append(h.Events, ev)
			}
			out = append(out, history{ex.Execution.WorkflowId, ex.Execution.RunId, ex.Type.Name, h})
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out
		}
	}
}

// collectStrings appends every string and bytes value of a message, all
// the way down: payload data, failure messages and stack traces, memo and
// search attribute payloads, marker details.
func collectStrings(m protoreflect.Message, out *strings.Builder) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				collectValue(fd, l.Get(i), out)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out.WriteString(k.String())
				out.WriteByte('\n')
				collectValue(fd.MapValue(), mv, out)
				return true
			})
		default:
			collectValue(fd, v, out)
		}
		return true
	})
}

func collectValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, out *strings.Builder) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		out.WriteString(v.String())
	case protoreflect.BytesKind:
		out.Write(v.Bytes())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		collectStrings(v.Message(), out)
	}
	out.WriteByte('\n')
}

// writeReplayHistories writes the chosen histories to workflows/testdata
// (name.json, and name.execution with the IDs the workflow reads),
// replayed by the workflows package's tests. Refresh with
// `make replay-histories`; the recordings of older code stay beside them
// (their names end in the date they were recorded) as long as runs of that
// code may be open.
func (e *env) writeReplayHistories(hs []history, chosen map[string]runOf) {
	for name, want := range chosen {
		i := slices.IndexFunc(hs, func(h history) bool {
			if want.workflowType != "" {
				return h.workflowType == want.workflowType
			}
			return h.workflowID == want.workflowID && h.runID == want.runID
		})
		if i < 0 {
			e.t.Fatalf("no history for %s (%+v)", name, want)
		}
		h := hs[i]
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(proto.Message(h.History))
		if err != nil {
			e.t.Fatal(err)
		}
		path := filepath.Join("..", "..", "workflows", "testdata", name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			e.t.Fatal(err)
		}
		ids, _ := json.Marshal(map[string]string{"workflowId": h.workflowID, "runId": h.runID})
		if err := os.WriteFile(strings.TrimSuffix(path, ".json")+".execution", ids, 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}
