package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/startopts"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/workflows"
)

// startedAs marks ctx as the starter marks its starts when the trigger is
// "cli": the run records the trigger from that mark, not from its input.
func startedAs(ctx context.Context, trigger string) context.Context {
	if trigger == codes.TriggerCLI {
		return workflows.FromStarter(ctx)
	}
	return ctx
}

// A run records how it was started, whatever its input claims: through the
// starter's own Temporal client (app.DialTemporal, with the propagator that
// writes the starter's header) "cli"; from the Temporal UI's form, which
// cannot set that header, "ui", even when its input says "trigger":"cli".
func TestTheTriggerIsHowTheRunWasStarted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "trg", Users: 5, Seed: 5})
	e.mustConnect("trg", "trg", c.APIKey)

	// The starter's client, dialled as `starter roster` dials it.
	starter, err := app.DialTemporal(e.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(starter.Close)

	recorded := func(run client.WorkflowRun, err error) store.Run {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var res syncapi.RunResult
		if err := run.Get(ctx, &res); err != nil {
			t.Fatal(err)
		}
		r, err := e.store.Run(ctx, store.RunRef{TenantID: "trg", RunID: res.RunID})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	claimingCLI := json.RawMessage(`{"tenantId":"trg","trigger":"cli"}`)

	// As `starter roster --tenant trg` starts it (starter/sync.go).
	r := recorded(starter.ExecuteWorkflow(workflows.FromStarter(ctx), startopts.Roster(e.cfg.TaskQueue, "trg", codes.TriggerCLI, false),
		workflows.RosterSyncName, workflows.RosterSyncInput{TenantID: "trg", Trigger: codes.TriggerCLI}))
	if r.Trigger != codes.TriggerCLI {
		t.Errorf("the starter's run recorded trigger %q, want cli", r.Trigger)
	}
	// The UI's form, with its random Workflow ID, the input claiming cli.
	if r := recorded(e.startFromUI(workflows.RosterSyncName, string(claimingCLI)), nil); r.Trigger != codes.TriggerUI {
		t.Errorf("a UI start claiming cli recorded trigger %q, want ui", r.Trigger)
	}
	// The UI's form under the canonical ID, the input claiming cli, even
	// through the starter's client when the start is not the starter's.
	for name, cl := range map[string]client.Client{"the UI": e.temporal, "a client without the starter's mark": starter} {
		r := recorded(cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RosterWorkflowID("trg"), TaskQueue: e.cfg.TaskQueue},
			workflows.RosterSyncName, claimingCLI))
		if r.Trigger != codes.TriggerUI {
			t.Errorf("%s under the canonical ID, claiming cli, recorded trigger %q, want ui", name, r.Trigger)
		}
	}
}
