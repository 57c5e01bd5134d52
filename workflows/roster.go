package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
)

// RosterSync syncs a tenant's employee roster from HRMOS (SPEC §2):
// record the run, fetch every page into staging, sync each employee in
// chunked child workflows, then record the outcome.
func RosterSync(ctx workflow.Context, in RosterSyncInput) (RunSummary, error) {
	if err := in.validate(); err != nil {
		return RunSummary{}, err
	}
	if want := RosterWorkflowID(in.TenantID); workflow.GetInfo(ctx).WorkflowExecution.ID != want {
		return RunSummary{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("start the roster sync of tenant %q with Workflow ID %q: that ID is what keeps it to one run at a time", in.TenantID, want),
			ErrTypeInvalidInput, nil)
	}
	r := &syncRun{
		kind: codes.KindRoster, tenantID: in.TenantID, trigger: in.Trigger, dryRun: in.DryRun, chunkSize: in.ChunkSize,
		chunkWorkflow: RosterSyncChunkName,
		fetch: func(ctx workflow.Context, runID string) (activities.FetchResult, error) {
			var res activities.FetchResult
			err := workflow.ExecuteActivity(hrmosOptions(ctx), a.FetchRoster,
				activities.FetchRosterInput{TenantID: in.TenantID, RunID: runID}).Get(ctx, &res)
			return res, err
		},
		notices: func(f activities.FetchResult) []string {
			switch {
			case f.Fetched == 0:
				return []string{NoticeNoUsers}
			case !f.GenderProvided:
				return []string{NoticeGenderNotProvided}
			}
			return nil
		},
	}
	return r.execute(ctx)
}
