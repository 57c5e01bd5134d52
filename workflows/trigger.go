package workflows

import (
	"context"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
)

// How a run was started (its trigger: cli, ui or schedule) is told by the
// start itself, never by the input, which anyone typing into the Temporal
// UI's Start Workflow form may fill with "trigger":"cli":
//
//   - the starter marks its starts with a Temporal header (TriggerHeader),
//     written by this file's context propagator from the starter's Go
//     context (FromStarter); the UI's form cannot set headers;
//   - a start by a Temporal Schedule carries the TemporalScheduledById
//     search attribute, which the server sets;
//   - a child our own workflows start (the UI launcher's canonical run, a
//     scheduled action's syncs) is given the trigger by its parent;
//   - anything else was started from the Temporal UI (or another client).
//
// internal/app installs the propagator on every Temporal client of the
// engine (DialTemporal), so the starter writes the header and the worker
// reads it into the workflow's context.

// TriggerHeader is the Temporal header the starter's starts carry: the
// JSON string "cli".
const TriggerHeader = "hrmos-trigger"

// ContextPropagators are the engine's context propagators, for
// client.Options.ContextPropagators of the worker and the starter alike.
func ContextPropagators() []workflow.ContextPropagator {
	return []workflow.ContextPropagator{triggerPropagator{}}
}

// FromStarter marks ctx as the starter's: a workflow started with it (on a
// client with ContextPropagators) records trigger "cli".
func FromStarter(ctx context.Context) context.Context {
	return context.WithValue(ctx, triggerKey{}, codes.TriggerCLI)
}

type triggerKey struct{}

// triggerPropagator writes the starter's mark into the header of the
// workflows it starts, and reads it back into the workflow's context on the
// worker. It reads only the start's header (a signal's header reaches its
// handler's context, not the workflow's), and only the value "cli": no
// other trigger can be claimed through it.
type triggerPropagator struct{}

func (triggerPropagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	trigger, ok := ctx.Value(triggerKey{}).(string)
	if !ok {
		return nil
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(trigger)
	if err != nil {
		return err
	}
	w.Set(TriggerHeader, p)
	return nil
}

func (triggerPropagator) Extract(ctx context.Context, _ workflow.HeaderReader) (context.Context, error) {
	return ctx, nil // activities do not need it
}

// InjectFromWorkflow writes nothing: a child is given its trigger by its
// parent, in its input.
func (triggerPropagator) InjectFromWorkflow(workflow.Context, workflow.HeaderWriter) error {
	return nil
}

func (triggerPropagator) ExtractToWorkflow(ctx workflow.Context, r workflow.HeaderReader) (workflow.Context, error) {
	p, ok := r.Get(TriggerHeader)
	if !ok {
		return ctx, nil
	}
	var trigger string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &trigger); err != nil || trigger != codes.TriggerCLI {
		return ctx, nil // not the starter's mark: ignored, the run counts as the UI's
	}
	return workflow.WithValue(ctx, triggerKey{}, trigger), nil
}

// scheduledByID is the search attribute Temporal Schedules set on the
// workflows they start: the schedule's ID.
var scheduledByID = temporal.NewSearchAttributeKeyKeyword("TemporalScheduledById")

// triggerChange puts the trigger's source behind a version: a run that
// started before it keeps the trigger its input gave.
const triggerChange = "trigger-from-how-it-started"

// startedFrom is how a run was started. given is what its parent says (a
// child's input), or what the code before triggerChange used.
func startedFrom(ctx workflow.Context, given string) string {
	if workflow.GetVersion(ctx, triggerChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return triggerOrUI(given)
	}
	if workflow.GetInfo(ctx).ParentWorkflowExecution != nil {
		return triggerOrUI(given)
	}
	if trigger, _ := ctx.Value(triggerKey{}).(string); trigger == codes.TriggerCLI {
		return codes.TriggerCLI
	}
	if id, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(scheduledByID); id != "" {
		return codes.TriggerSchedule
	}
	return codes.TriggerUI
}
