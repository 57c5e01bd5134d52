package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Fan-out shape (README "Why this shape"): a run plans its records in
// ranges, then writes the records left in chunks of up to a few thousand,
// each a child workflow that writes them as local activities.
const (
	maxConcurrentChunks = 4
	defaultChunkSize    = 500
	maxChunkSize        = 2000
)

// ProgressQuery is the query a running sync answers with its Progress.
const ProgressQuery = "progress"

// syncKind is what a kind of sync adds to the shape every sync shares.
type syncKind struct {
	kind          string
	chunkWorkflow string
	// fetch runs the kind's fetch activity.
	fetch func(ctx workflow.Context, r *syncRun) (syncapi.FetchResult, error)
	// plan is the kind's plan activity.
	plan any
	// guard decides whether the mass-change guard holds the run; "" lets it
	// write.
	guard func(ctx workflow.Context, r *syncRun) (string, error)
	// notices are the kind's run-level notes.
	notices func(r *syncRun) []string
}

// syncRun is one run of a sync: record it, fetch from HRMOS into staging,
// decide every record in chunks (recording at once what writes nothing),
// let the mass-change guard hold it for approval when it would change too
// much, write the rest chunk by chunk, record the outcome.
type syncRun struct {
	syncKind
	w        Workflows
	tenantID string
	month    string
	trigger  string
	dryRun   bool
	// chunkSize is the chunk size ops gave (0: the defaults; planSize,
	// writeGroupSize).
	chunkSize int
	// onlyUser limits a roster run to one HRMOS user (0: every record):
	// the fetch still reads the whole list, the plan and the write only
	// that user's range.
	onlyUser int64

	workflowID string
	runID      string
	today      string
	started    syncapi.StartRunResult
	fetched    syncapi.FetchResult
	planned    syncapi.PlanResult
	approvedBy string
	rejectedBy string
	// held is set while the guard holds the run, waitEnded once that wait
	// is over: the approve and reject Updates' validators accept only while
	// held, and only the first decision, which awaitApproval is woken for
	// by decided. canReject is rejectChange's version.
	held, waitEnded bool
	canReject       bool
	decision        *heldDecision
	decided         workflow.Channel
	progress        Progress
	logger          log.Logger
	// settle lets the writes in flight finish when the run is cancelled,
	// so that it counts only once they have (writesSettleChange).
	settle bool
}

// writesSettleChange puts behind a version what makes a cancelled run's
// counts equal its items: the plan's and the records' local activities in
// flight are left to finish instead of being cancelled (a cancelled local
// activity is abandoned, not stopped: its transaction could still commit
// after the run had counted), nothing new starts after the cancel, and the
// run waits for its chunks to end before it counts. Runs and chunks that
// started before it replay the old way.
const writesSettleChange = "writes-settle-before-the-count"

// settleWrites reports whether this run or chunk lets its writes settle.
func settleWrites(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, writesSettleChange, workflow.DefaultVersion, 1) >= 1
}

// settled is the context for a write that must finish once started: with
// settle, disconnected from ctx's cancellation. cancel releases it.
func settled(ctx workflow.Context, settle bool) (workflow.Context, workflow.CancelFunc) {
	if !settle {
		return ctx, func() {}
	}
	return workflow.NewDisconnectedContext(ctx)
}

// execute runs the sync and, before the workflow returns, lets every Update
// handler finish (they never block: this is the SDK's rule kept, so that no
// caller is left without its answer).
func (r *syncRun) execute(ctx workflow.Context) (syncapi.RunResult, error) {
	res, err := r.steps(ctx)
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	_ = workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) })
	return res, err
}

func (r *syncRun) steps(ctx workflow.Context) (syncapi.RunResult, error) {
	info := workflow.GetInfo(ctx)
	r.workflowID, r.runID = info.WorkflowExecution.ID, syncRunID(info)
	r.logger = workflow.GetLogger(ctx)
	r.settle = settleWrites(ctx)
	if parent := info.ParentWorkflowExecution; parent != nil {
		r.progress.StartedBy = parent.ID
	}
	r.today = jst.Today(workflow.Now(ctx))
	r.progress.OnlyUser = r.onlyUser
	r.setPhase(ctx, PhaseStarting)
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) { return r.progress, nil }); err != nil {
		return syncapi.RunResult{}, err
	}
	if err := r.setDecisionHandlers(ctx); err != nil {
		return syncapi.RunResult{}, err
	}
	upsertSearch(ctx, SearchFor(r.tenantID, r.kind, r.month, r.trigger, codes.RunRunning, r.dryRun).Copy())

	if err := workflow.ExecuteLocalActivity(r.w.db(ctx, "record the run"), a.StartRun, r.runInput(info, workflow.Now(ctx))).
		Get(ctx, &r.started); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == syncapi.ErrTypeTenantNotFound {
			r.setFinal(ctx, codes.RunFailed)
			return syncapi.RunResult{}, runFailed(appErr.Message(), err) // no tenant, so no history row to write
		}
		return r.fail(ctx, err)
	}
	r.logger.Info("sync started", "tenant", r.tenantID, "kind", r.kind, "month", r.month, "dryRun", r.dryRun)
	r.notifyKeyExpiry(ctx)

	r.setPhase(ctx, PhaseFetching)
	fetched, err := r.fetch(ctx, r)
	if err != nil {
		return r.fail(ctx, err)
	}
	r.fetched = fetched
	r.progress.Fetched = fetched.Fetched

	var chunks syncapi.ChunkRangesResult
	if err := workflow.ExecuteLocalActivity(r.w.db(ctx, "split the records into chunks"), a.ChunkRanges, syncapi.ChunkRangesInput{
		Kind: r.kind, TenantID: r.tenantID, RunID: r.runID, Size: r.planSize(), OnlyUser: r.onlyUser,
	}).Get(ctx, &chunks); err != nil {
		return r.fail(ctx, err)
	}
	if chunks.Staged == 0 && r.fetched.Staged > 0 {
		// A reset past the fetch of a run that had ended: its staging was
		// deleted with its end, and the fetch is history, not redone.
		return r.fail(ctx, temporal.NewNonRetryableApplicationError(
			"the HRMOS data this run fetched is gone (it was deleted when the run ended, before the workflow was reset past its fetch): "+
				"reset the workflow to its first workflow task instead, so that it fetches again, or start a new sync",
			syncapi.ErrTypeStagingGone, nil))
	}
	r.progress.Total, r.progress.ChunksTotal = chunks.Staged, len(chunks.Ranges)
	if r.onlyUser != 0 {
		if len(chunks.Ranges) == 0 {
			return r.fail(ctx, userNotListed(r.onlyUser, r.fetched.Fetched))
		}
		// The run decides one record; the others were staged only for the
		// checks that need the whole roster, and get no outcome.
		r.progress.Total = 1
	}

	r.setPhase(ctx, PhasePlanning)
	pending, err := r.planChunks(ctx, chunks.Ranges)
	if err != nil {
		return r.fail(ctx, err)
	}

	if !r.dryRun && len(pending) > 0 {
		reason, err := r.guard(ctx, r)
		if err != nil {
			return r.fail(ctx, err)
		}
		if reason != "" {
			if err := r.awaitApproval(ctx, reason); err != nil {
				return r.fail(ctx, err)
			}
		}
		r.setPhase(ctx, PhaseSyncing)
		if err := r.syncChunks(ctx, pending); err != nil {
			return r.fail(ctx, err)
		}
	}

	r.setPhase(ctx, PhaseFinishing)
	var res syncapi.RunResult
	if err := workflow.ExecuteLocalActivity(r.w.db(ctx, "record the result"), a.FinishRun, syncapi.FinishRunInput{
		TenantID: r.tenantID, RunID: r.runID, Status: codes.RunCompleted, Notices: r.allNotices(), Fetched: r.fetched.Fetched,
		Staged: r.progress.Total,
	}).Get(ctx, &res); err != nil {
		return r.fail(ctx, err)
	}
	r.setFinal(ctx, codes.RunCompleted)
	res.WorkflowID = r.workflowID
	return res, nil
}

func (r *syncRun) runInput(info *workflow.Info, now time.Time) syncapi.RunInput {
	return syncapi.RunInput{
		RunID: r.runID, TenantID: r.tenantID, Kind: r.kind, Month: r.month, Trigger: r.trigger, DryRun: r.dryRun,
		WorkflowID: info.WorkflowExecution.ID, WorkflowRunID: info.WorkflowExecution.RunID, StartedAt: now,
		OnlyHRMOSUserID: r.onlyUser,
	}
}

// userNotListed fails a one-user run whose HRMOS user is not in HRMOS's
// list: a mistyped ID (a 社員番号 typed for the user ID, say), or a user not
// registered yet. No retry finds it; nothing was written.
func userNotListed(hrmosUserID int64, listed int) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"HRMOS user %d is not in HRMOS's list of this company's users (it lists %d): nothing was written. "+
			"Check the ID: it is HRMOS's user ID, not the 社員番号, and the user must be registered in HRMOS勤怠 first",
		hrmosUserID, listed), syncapi.ErrTypeUserNotListed, nil)
}

// syncRunID is the ID of the sync run a workflow run carries out: its
// original run ID. Temporal's reset — support's answer to a bug fixed in
// the worker — starts a new workflow run (a new run ID) that replays the
// old one's history, activity inputs included, and keeps the original run
// ID; so the run's row, staging and items stay the same run's, and the
// activities record which workflow run carries it on (activities' adopt).
func syncRunID(info *workflow.Info) string {
	if info.OriginalRunID != "" {
		return info.OriginalRunID
	}
	return info.WorkflowExecution.RunID
}

// planChunks decides every record, chunk by chunk, a few chunks at a time,
// and returns the chunks that still have records to write.
func (r *syncRun) planChunks(ctx workflow.Context, ranges []syncapi.Range) ([]syncapi.Range, error) {
	plans := make([]syncapi.PlanResult, len(ranges))
	err := forEach(ctx, ranges, maxConcurrentChunks, r.settle, func(ctx workflow.Context, i int, rg syncapi.Range) error {
		in := syncapi.PlanChunkInput{TenantID: r.tenantID, RunID: r.runID, Range: rg, DryRun: r.dryRun, Today: r.today, Month: r.month}
		summary := fmt.Sprintf("decide chunk %d of %d (HRMOS users %d…)", i+1, len(ranges), rg.First)
		// A plan records outcomes: once started, it finishes before the
		// run counts them.
		lctx, release := settled(ctx, r.settle)
		defer release()
		if err := workflow.ExecuteLocalActivity(r.w.db(lctx, summary), r.plan, in).Get(ctx, &plans[i]); err != nil {
			return err
		}
		p := plans[i]
		r.planned.Merge(p)
		r.progress.Planned += p.Records
		r.progress.Done += p.Records - p.Pending
		r.progress.setOutcomes(r.planned.Tally)
		r.setDetails(ctx)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var pending []syncapi.Range
	if chunksByWrites(ctx) {
		pending = writeGroups(ranges, plans, r.writeGroupSize())
	} else {
		for i, p := range plans {
			if p.Pending > 0 {
				pending = append(pending, ranges[i])
			}
		}
	}
	r.progress.ChunksTotal = len(pending)
	return pending, nil
}

// writeGroupsChange puts behind a version the chunks that are sized by the
// records they write, not by the records they span (writeGroups), with a
// shorter workflow task timeout (chunkTaskTimeout); runs before it started
// a chunk for every range with a record to write.
const writeGroupsChange = "chunks-sized-by-their-writes"

// chunksByWrites reports whether this run sizes its chunks by their writes
// (writeGroupsChange).
func chunksByWrites(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, writeGroupsChange, workflow.DefaultVersion, 1) >= 1
}

// defaultWriteGroup is how many records a chunk writes at most when the run
// was given no chunk size: each chunk costs a child workflow's start and
// end (about a tenth of a second on the dev server), which at 500 records
// a chunk was a quarter of a first sync's time beside the direct loop.
const defaultWriteGroup = maxChunkSize

// planSize is how many staged records one plan step decides: the chunk
// size ops gave, else defaultChunkSize.
func (r *syncRun) planSize() int {
	if r.chunkSize != 0 {
		return r.chunkSize
	}
	return defaultChunkSize
}

// writeGroupSize is how many records one chunk writes at most: the chunk
// size ops gave, else defaultWriteGroup.
func (r *syncRun) writeGroupSize() int {
	if r.chunkSize != 0 {
		return r.chunkSize
	}
	return defaultWriteGroup
}

// chunkTaskTimeout is a chunk's workflow task timeout. A chunk's task
// stays open while its local activities stream (the SDK completes it every
// 80% of the timeout), so a killed worker's chunk waits out the timeout
// before another worker resumes it, and Temporal lengthens the timeout of
// a task that timed out before each time it times out again: a chunk of
// 2,000 records killed again while recovering waited 27–75 s in the crash
// soak with the default 10 s. Runs before writeGroupsChange start their
// chunks as they did (0: Temporal's default).
func chunkTaskTimeout(ctx workflow.Context) time.Duration {
	if !chunksByWrites(ctx) {
		return 0
	}
	return 5 * time.Second
}

// writeGroups joins consecutive planned ranges into the ranges the chunks
// write, each with at most size records to write (a range that has more
// alone is its own): an unchanged company's few records in error, spread
// over every range, are one chunk, not one per range. A joined range spans
// ranges with nothing to write; those have every outcome recorded, so the
// chunk lists only the records it writes.
func writeGroups(ranges []syncapi.Range, plans []syncapi.PlanResult, size int) []syncapi.Range {
	var out []syncapi.Range
	inGroup := 0
	for i, p := range plans {
		if p.Pending == 0 {
			continue
		}
		if len(out) > 0 && inGroup+p.Pending <= size {
			out[len(out)-1].Last = ranges[i].Last
			inGroup += p.Pending
			continue
		}
		out = append(out, ranges[i])
		inGroup = p.Pending
	}
	return out
}

// syncChunks runs one child workflow per chunk with records to write, a few
// at a time. Each history stays far below Temporal's limits: the parent
// holds a handful of events per chunk, a chunk one per batch of 25 records
// it writes.
// Cancelled, it returns once every chunk it started has ended, so the run
// counts what they wrote only when they have stopped writing.
func (r *syncRun) syncChunks(ctx workflow.Context, pending []syncapi.Range) error {
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	taskTimeout := chunkTaskTimeout(ctx)
	return forEach(ctx, pending, maxConcurrentChunks, r.settle, func(gctx workflow.Context, i int, rg syncapi.Range) error {
		cctx := workflow.WithChildOptions(gctx, workflow.ChildWorkflowOptions{
			WorkflowID: chunkWorkflowID(r.workflowID, r.runID, i+1),
			// Counted from the chunk's start, after any approval: the
			// guard's wait is not in it.
			WorkflowExecutionTimeout: 2 * time.Hour,
			// A cancelled chunk's future resolves once the chunk has ended
			// (against a server the SDK waits so anyway; its test
			// environment only with this).
			WaitForCancellation:   r.settle,
			WorkflowTaskTimeout:   taskTimeout,
			StaticSummary:         fmt.Sprintf("%s sync of %s: chunk %d of %d (HRMOS users %d…)", r.kind, r.tenantID, i+1, len(pending), rg.First),
			TypedSearchAttributes: SearchFor(r.tenantID, r.kind, r.month, r.trigger, "", r.dryRun),
		})
		var res ChunkResult
		in := ChunkInput{TenantID: r.tenantID, RunID: r.runID, Range: rg, Today: r.today, Month: r.month}
		err := workflow.ExecuteChildWorkflow(cctx, r.chunkWorkflow, in).Get(gctx, &res)
		for attempt := 1; isAlreadyStarted(err) && attempt <= chunkStartAttempts && waitsForOldChunks(gctx); attempt++ {
			// A run reset while its chunks wrote: the chunk of the same
			// ID that the reset run started is still being terminated (a
			// parent's close reaches its children a moment later). Its
			// writes are recorded; this one resumes from them.
			if err := workflow.Sleep(gctx, time.Second); err != nil {
				break
			}
			err = workflow.ExecuteChildWorkflow(cctx, r.chunkWorkflow, in).Get(gctx, &res)
		}
		if err != nil {
			cancel()
			return err
		}
		r.progress.ChunksDone++
		r.progress.Done += res.Synced
		r.setDetails(ctx)
		return nil
	})
}

// oldChunksChange puts behind a version the wait for a chunk of the same
// ID still ending (isAlreadyStarted); runs before it failed there.
const oldChunksChange = "wait-for-the-reset-runs-chunks"

// chunkStartAttempts bounds that wait: a minute of one-second retries.
const chunkStartAttempts = 60

func waitsForOldChunks(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, oldChunksChange, workflow.DefaultVersion, 1) >= 1
}

func isAlreadyStarted(err error) bool {
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	return errors.As(err, &already)
}

// fail records the run as failed with a reason support can act on, then
// ends the workflow failed. It runs even when the workflow was cancelled.
func (r *syncRun) fail(ctx workflow.Context, cause error) (syncapi.RunResult, error) {
	reason := failureReason(cause)
	r.logger.Warn("sync failed", "tenant", r.tenantID, "kind", r.kind, "reason", reason)
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	r.setFinal(dctx, codes.RunFailed)
	var res syncapi.RunResult
	if err := workflow.ExecuteLocalActivity(r.w.db(dctx, "record the failure"), a.FinishRun, syncapi.FinishRunInput{
		TenantID: r.tenantID, RunID: r.runID, Status: codes.RunFailed, FailureReason: reason, Fetched: r.fetched.Fetched,
		Notices: r.failureNotices(),
	}).Get(dctx, &res); err != nil {
		reason += " (and recording the failure failed too: " + failureReason(err) + ")"
		r.notifyFailed(dctx, reason, cause)
		return syncapi.RunResult{}, runFailed(reason, cause)
	}
	r.notifyFailed(dctx, reason, cause) // once recorded, so that the run ops open reads as failed
	res.WorkflowID = r.workflowID
	return res, runFailed(reason, cause)
}

func (r *syncRun) setPhase(ctx workflow.Context, phase string) {
	r.progress.Phase = phase
	r.setDetails(ctx)
}

// setFinal records the run's end in its search attributes and details.
func (r *syncRun) setFinal(ctx workflow.Context, status string) {
	r.progress.Phase, r.progress.AwaitingApproval = PhaseCompleted, false
	if status == codes.RunFailed {
		r.progress.Phase = PhaseFailed
	}
	upsertSearch(ctx, SearchStatus.ValueSet(status))
	r.setDetails(ctx)
}

// setDetails shows the progress in the UI (the workflow's current details).
func (r *syncRun) setDetails(ctx workflow.Context) {
	workflow.SetCurrentDetails(ctx, r.progress.markdown(r.kind, r.tenantID, r.month, r.dryRun))
}

func (p Progress) markdown(kind, tenantID, month string, dryRun bool) string {
	var b strings.Builder
	what := kind + " sync"
	if month != "" {
		what += " " + month
	}
	if p.OnlyUser != 0 {
		what += fmt.Sprintf(" of HRMOS user %d only", p.OnlyUser)
	}
	if dryRun {
		what = "dry run of the " + what
	}
	b.WriteString(fmt.Sprintf("**%s** of tenant `%s`: **%s**\n\n", what, tenantID, p.Phase))
	if p.AwaitingApproval {
		// First, where the UI's panel cannot cut it off: why the run is
		// held and how to let it go.
		where := "this workflow"
		if p.StartedBy != "" {
			where += fmt.Sprintf(" or `%s`, which started it", p.StartedBy)
		}
		b.WriteString(fmt.Sprintf("**Waiting for approval**: %s. Approve: Signal `%s` with input `{\"by\":\"your name\"}` to %s, or `starter approve`. "+
			"Reject: Signal `%s` with input `{\"by\":\"your name\",\"reason\":\"why\"}`, or `starter reject`.\n\n",
			p.ApprovalReason, ApproveSignal, where, RejectSignal))
	}
	// Few lines: the UI's Current Details panel shows about six before it
	// scrolls.
	if p.Total > 0 {
		b.WriteString(fmt.Sprintf("- fetched from HRMOS: %d; done: %d of %d (decided: %d)\n", p.Fetched, p.Done, p.Total, p.Planned))
		// The outcomes are the plan's, known before the writes are done:
		// said so, so that "done 77" beside "created 919" does not read as
		// a contradiction.
		b.WriteString(fmt.Sprintf("- decided so far: created %d, updated %d, unchanged %d, skipped %d, errors %d\n", p.Created, p.Updated, p.Unchanged, p.Skipped, p.Errors))
	} else if p.Fetched > 0 || p.Phase != PhaseStarting {
		b.WriteString(fmt.Sprintf("- fetched from HRMOS: %d\n", p.Fetched))
	}
	if p.ChunksTotal > 0 && (p.Phase == PhaseSyncing || p.ChunksDone > 0) {
		b.WriteString(fmt.Sprintf("- chunks written: %d of %d\n", p.ChunksDone, p.ChunksTotal))
	}
	return b.String()
}

// failureNotices are the notices of a failed run: a rejection's.
func (r *syncRun) failureNotices() []string {
	if r.rejectedBy == "" {
		return nil
	}
	return []string{noticeRejected(r.rejectedBy)}
}

func (r *syncRun) allNotices() []string {
	notices := r.notices(r)
	if r.started.KeyExpiryNotice != "" {
		notices = append(notices, r.started.KeyExpiryNotice)
	}
	if r.fetched.WithoutID > 0 {
		notices = append(notices, noticeUsersWithoutID(r.fetched.WithoutID))
	}
	if r.approvedBy != "" {
		notices = append(notices, noticeApproved(r.approvedBy))
	}
	if r.dryRun {
		notices = append(notices, NoticeDryRun)
	}
	return notices
}

// Notices a run may record (sync_runs.notices): "code: sentence".
var (
	NoticeGenderNotProvided = codes.NoticeGenderNotProvided + ": HRMOS sent no 性別 (gender) for any employee; mediment's 性別 values were left as they are"
	NoticeDryRun            = codes.NoticeDryRun + ": nothing was written; the outcomes show what a real sync would do"
	NoticeNoUsers           = codes.NoticeNoUsers + ": HRMOS listed no employees for this company"
)

func noticeUsersWithoutID(n int) string {
	return fmt.Sprintf("%s: %d HRMOS records had no usable user id and could not be synced; check them in HRMOS", codes.NoticeUsersWithoutID, n)
}

func noticeNoRows(month string) string {
	return fmt.Sprintf("%s: HRMOS's monthly report for %s has no rows; nothing was synced", codes.NoticeNoRows, month)
}

// noticeRejected marks a run ops rejected: its failure is their decision,
// not a fault (the failed-scheduled-run alert leaves it out).
func noticeRejected(by string) string {
	return fmt.Sprintf("%s: the mass-change guard held this run and %s rejected it; nothing was written", codes.NoticeRejected, by)
}

// noticeOneUser says a roster run synced one HRMOS user: the others it
// read are in no outcome, and the run is no full sync (the mass-change
// guard neither held it nor counts it as the tenant's first sync).
func noticeOneUser(hrmosUserID int64, listed int) string {
	return fmt.Sprintf("%s: only HRMOS user %d was synced; the other %d users HRMOS listed were read for the checks that need the whole roster "+
		"(a 社員番号 or 氏名+メール shared with another user) and left to the next full roster sync", codes.NoticeOneUser, hrmosUserID, max(listed-1, 0))
}

func noticeApproved(by string) string {
	return fmt.Sprintf("%s: the mass-change guard held this run until %s approved it", codes.NoticeApproved, by)
}
