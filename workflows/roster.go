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
//
// With a userId it syncs that one HRMOS user, under the same workflow ID,
// so it never overlaps a full roster run of the tenant (which would stage
// and write the same employees): HRMOS has no single-user GET, so it reads
// the list, and it reads all of it rather than stopping at the user's page,
// because the rules need every user to decide this one: a 社員番号 or
// 氏名+メール shared with another HRMOS user, or a mediment employee whose
// 社員番号 another HRMOS user holds, may be on any page (a check that saw
// half the roster would pass what the full roster fails). It decides and
// writes only that user.
func (w Workflows) RosterSync(ctx workflow.Context, in RosterSyncInput) (syncapi.RunResult, error) {
	trigger := startedFrom(ctx, in.Trigger)
	if err := in.validate(); err != nil {
		return syncapi.RunResult{}, w.refuse(ctx, codes.KindRoster, in.TenantID, "", trigger, in.DryRun, err)
	}
	if id := RosterWorkflowID(in.TenantID); workflow.GetInfo(ctx).WorkflowExecution.ID != id {
		in.Trigger = trigger
		return launch(ctx, launchSpec{kind: codes.KindRoster, tenantID: in.TenantID, trigger: trigger, dryRun: in.DryRun,
			workflowID: id, workflowType: RosterSyncName, input: in, onlyUser: in.UserID})
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
				if r.onlyUser != 0 {
					// One record cannot be a mass change; and a pure
					// check, so no command differs for any history.
					return "", nil
				}
				return rosterGuard(r.started.Guard, r.started, r.planned), nil
			},
			notices: func(r *syncRun) []string {
				var notices []string
				if r.onlyUser != 0 {
					notices = append(notices, noticeOneUser(r.onlyUser, r.fetched.Fetched))
				}
				switch {
				case r.fetched.Fetched == 0:
					notices = append(notices, NoticeNoUsers)
				case !r.fetched.GenderProvided:
					notices = append(notices, NoticeGenderNotProvided)
				}
				return notices
			},
		},
		tenantID: in.TenantID, trigger: trigger, dryRun: in.DryRun, chunkSize: in.ChunkSize, onlyUser: in.UserID,
	}
	return r.execute(ctx)
}
