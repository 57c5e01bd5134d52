package startopts

import (
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/workflows"
)

// The starter's starts carry no timeout: a run the mass-change guard holds
// waits for its approval, however long it is configured to wait (the
// workflows' held-run tests say the same of a launcher's or a schedule's
// child).
func TestStartOptionsHaveNoTimeoutShorterThanTheApprovalWait(t *testing.T) {
	roster := Roster("q", "acme", codes.TriggerCLI, false)
	attendance := Attendance("q", "acme", "2026-10", codes.TriggerCLI, false)
	for name, o := range map[string][2]time.Duration{
		"roster":     {roster.WorkflowExecutionTimeout, roster.WorkflowRunTimeout},
		"attendance": {attendance.WorkflowExecutionTimeout, attendance.WorkflowRunTimeout},
	} {
		if o != [2]time.Duration{} {
			t.Errorf("the starter's %s start has execution/run timeouts %v, want none", name, o)
		}
	}
}

// A start runs under the sync's one workflow ID, listed with its summary.
func TestStartOptionsNameTheCanonicalWorkflow(t *testing.T) {
	o := Attendance("q", "acme", "2026-10", codes.TriggerCLI, true)
	if o.ID != workflows.AttendanceWorkflowID("acme", "2026-10") || o.TaskQueue != "q" {
		t.Fatalf("options = %+v", o)
	}
	if want := workflows.Summary(codes.KindAttendance, "acme", "2026-10", codes.TriggerCLI, true); o.StaticSummary != want {
		t.Fatalf("summary = %q, want %q", o.StaticSummary, want)
	}
}
