package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// RosterSync syncs a tenant's employee roster from HRMOS (SPEC §2): record
// the run, fetch every page into staging, decide each employee in chunks,
// write those with something to do in chunk child workflows, record the
// outcome. Started with any Workflow ID other than RosterWorkflowID (the
// UI's random one), it runs the sync under that ID as its child.
func (w Workflows) RosterSync(ctx workflow.Context, in RosterSyncInput) (syncapi.RunResult, error) {
	trigger := startedFrom(ctx, in.Trigger)
	if err := in.validate(); err != nil {
		return syncapi.RunResult{}, w.refuse(ctx, codes.KindRoster, in.TenantID, "", trigger, in.DryRun, err)
	}
	if id := RosterWorkflowID(in.TenantID); workflow.GetInfo(ctx).WorkflowExecution.ID != id {
		in.Trigger = trigger
		return launch(ctx, launchSpec{kind: codes.KindRoster, tenantID: in.TenantID, trigger: trigger, dryRun: in.DryRun,
			workflowID: id, workflowType: RosterSyncName, input: in})
	}
	r := &syncRun{
		w: w,
		syncKind: syncKind{
			kind: codes.KindRoster, chunkWorkflow: RosterSyncChunkName, plan: a.PlanRosterChunk,
			fetch: func(ctx workflow.Context, r *syncRun) (syncapi.FetchResult, error) {
				var res syncapi.FetchResult
				err := workflow.ExecuteActivity(w.hrmos(ctx, "fetch every HRMOS user"), a.FetchRoster,
					syncapi.FetchRosterInput{TenantID: r.tenantID, RunID: r.runID}).Get(ctx, &res)
				return res, err
			},
			guard: func(_ workflow.Context, r *syncRun) (string, error) {
				return rosterGuard(r.started.Guard, r.started, r.planned), nil
			},
			notices: func(r *syncRun) []string {
				switch {
				case r.fetched.Fetched == 0:
					return []string{NoticeNoUsers}
				case !r.fetched.GenderProvided:
					return []string{NoticeGenderNotProvided}
				}
				return nil
			},
		},
		tenantID: in.TenantID, trigger: trigger, dryRun: in.DryRun, chunkSize: in.ChunkSize,
	}
	return r.execute(ctx)
}
