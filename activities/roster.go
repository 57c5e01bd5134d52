package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
)

// FetchRosterInput names the run whose roster to fetch.
type FetchRosterInput struct {
	TenantID string
	RunID    string
}

// FetchResult counts what HRMOS sent (users or report rows).
type FetchResult struct {
	// Fetched is every record HRMOS listed; Staged those with a usable ID.
	Fetched int
	Staged  int
	// WithoutID counts records whose user id was missing or unusable: they
	// cannot be matched or even named in the history.
	WithoutID int
	// GenderProvided is true when any user carried a gender (roster only).
	GenderProvided bool
	Pages          int
}

// fetchProgress is the heartbeat: a retried attempt resumes after the last
// page that was staged instead of starting over.
type fetchProgress struct {
	NextPage       int
	Fetched        int
	WithoutID      int
	GenderProvided bool
}

// FetchRoster reads every page of HRMOS's users, resolves department and
// office names from HRMOS's masters, and stages the users in the database
// for the run. Memory stays at one page whatever the company's size.
func (a *Activities) FetchRoster(ctx context.Context, in FetchRosterInput) (FetchResult, error) {
	client, err := a.clientFor(ctx, in.TenantID)
	if err != nil {
		return FetchResult{}, err
	}
	departments, err := client.Departments(ctx)
	if err != nil {
		return FetchResult{}, a.hrmosError(ctx, in.TenantID, err)
	}
	lodgments, err := client.Lodgments(ctx)
	if err != nil {
		return FetchResult{}, a.hrmosError(ctx, in.TenantID, err)
	}
	deptNames := make(map[int64]string, len(departments))
	for _, d := range departments {
		deptNames[d.ID] = d.Name
	}
	officeNames := make(map[int64]string, len(lodgments))
	for _, l := range lodgments {
		officeNames[l.ID] = l.Name
	}

	progress := resumeProgress(ctx)
	err = client.Users(ctx, progress.NextPage, func(page hrmos.Page[hrmos.User]) error {
		return stagePage(ctx, &progress, page,
			func(u hrmos.User) (int64, rules.HRMOSUser) {
				progress.GenderProvided = progress.GenderProvided || (u.ID > 0 && u.HasGender)
				return u.ID, stagedUser(u, deptNames, officeNames)
			},
			func(users []rules.HRMOSUser) error {
				return a.Store.StageUsers(ctx, ref(in.TenantID, in.RunID), page.Number, users)
			})
	})
	if err != nil {
		return FetchResult{}, a.fetchError(ctx, in.TenantID, err)
	}
	n, err := a.Store.FinishStaging(ctx, ref(in.TenantID, in.RunID))
	if err != nil {
		return FetchResult{}, safe(err)
	}
	activity.GetLogger(ctx).Info("roster fetched", "tenant", in.TenantID, "run", in.RunID,
		"fetched", progress.Fetched, "staged", n, "without_id", progress.WithoutID, "pages", progress.NextPage-1)
	return FetchResult{
		Fetched: progress.Fetched, Staged: n, WithoutID: progress.WithoutID,
		GenderProvided: progress.GenderProvided, Pages: progress.NextPage - 1,
	}, nil
}

// stagePage stages one page of HRMOS records and heartbeats the next page
// to fetch. Records without a usable user ID are counted, not staged: they
// could be neither matched nor named in the history.
func stagePage[T, S any](ctx context.Context, progress *fetchProgress, page hrmos.Page[T],
	convert func(T) (int64, S), stage func([]S) error) error {
	staged := make([]S, 0, len(page.Items))
	for _, item := range page.Items {
		progress.Fetched++
		id, s := convert(item)
		if id <= 0 {
			progress.WithoutID++
			continue
		}
		staged = append(staged, s)
	}
	if err := stage(staged); err != nil {
		return err
	}
	progress.NextPage = page.Number + 1
	activity.RecordHeartbeat(ctx, *progress)
	return nil
}

// resumeProgress is where a retried fetch resumes: after the last page its
// previous attempt staged and heartbeated.
func resumeProgress(ctx context.Context) fetchProgress {
	progress := fetchProgress{NextPage: 1}
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &progress); err != nil || progress.NextPage < 1 {
			progress = fetchProgress{NextPage: 1}
		}
	}
	return progress
}

// fetchError words a failed fetch for the workflow: HRMOS's errors by kind,
// the rest (the database) made safe for history.
func (a *Activities) fetchError(ctx context.Context, tenantID string, err error) error {
	if hrmos.KindOf(err) != hrmos.KindUnknown {
		return a.hrmosError(ctx, tenantID, err)
	}
	return safe(err)
}

func stagedUser(u hrmos.User, deptNames, officeNames map[int64]string) rules.HRMOSUser {
	s := rules.HRMOSUser{
		ID: u.ID, Number: u.Number, LastName: u.LastName, FirstName: u.FirstName,
		LastNameKana: u.LastNameKana, FirstNameKana: u.FirstNameKana, Email: u.Email,
		StartDate: u.StartDate, EndDate: u.EndDate,
		DepartmentID: u.DepartmentID, LodgmentID: u.LodgmentID,
		HasGender: u.HasGender, Gender: u.Gender, InvalidFields: u.Invalid,
	}
	if u.DepartmentID != nil {
		if name, ok := deptNames[*u.DepartmentID]; ok {
			s.DepartmentName = &name
		}
	}
	if u.LodgmentID != nil {
		if name, ok := officeNames[*u.LodgmentID]; ok {
			s.LodgmentName = &name
		}
	}
	return s
}

// StagedUsersInput selects one chunk of a run's staged records.
type StagedUsersInput struct {
	// Kind is the run's kind; empty means roster (runs recorded before
	// attendance existed).
	Kind     string
	TenantID string
	RunID    string
	First    int
	Last     int
}

// StagedUserIDs lists the HRMOS user IDs of one chunk.
func (a *Activities) StagedUserIDs(ctx context.Context, in StagedUsersInput) ([]int64, error) {
	kind := in.Kind
	if kind == "" {
		kind = codes.KindRoster
	}
	ids, err := a.Store.StagedUserIDs(ctx, kind, ref(in.TenantID, in.RunID), in.First, in.Last)
	return ids, safe(err)
}

// SyncEmployeeInput names one HRMOS employee of a run.
type SyncEmployeeInput struct {
	TenantID    string
	RunID       string
	HRMOSUserID int64
	DryRun      bool
	// Today is the run's Japan calendar date, fixed once per run so every
	// employee of it is judged retired or not against the same day.
	Today string
}

// EmployeeResult is one employee's outcome: codes only, no personal data.
type EmployeeResult struct {
	Outcome    codes.Outcome
	ReasonCode string
}

// SyncEmployee matches, maps, upserts and applies the defaults for one
// HRMOS employee, and records its outcome, all in one transaction.
func (a *Activities) SyncEmployee(ctx context.Context, in SyncEmployeeInput) (EmployeeResult, error) {
	run := ref(in.TenantID, in.RunID)
	return a.syncRecordOnce(ctx, run, in.HRMOSUserID, func(q *store.Queries) (store.Item, error) {
		u, err := q.StagedUser(ctx, run, in.HRMOSUserID)
		if err != nil {
			return store.Item{}, err
		}
		var cands rules.Candidates
		if u.DuplicateKey == "" {
			if cands, err = q.Candidates(ctx, in.TenantID, u); err != nil {
				return store.Item{}, err
			}
		}
		d := rules.DecideRoster(u, cands, in.Today)
		item := store.Item{
			HRMOSUserID: in.HRMOSUserID, Outcome: string(d.Outcome), ReasonCode: d.ReasonCode, Reason: d.Reason,
			ChangedFields: d.ChangedFields, NeedsAttention: d.NeedsAttention,
		}
		if d.Employee != nil {
			item.EmployeeID = &d.Employee.ID
		}
		if in.DryRun {
			return item, nil
		}
		switch d.Outcome {
		case codes.Created:
			id, err := q.CreateEmployee(ctx, in.TenantID, in.HRMOSUserID, d.Fields)
			if err != nil {
				return store.Item{}, err
			}
			item.EmployeeID = &id
		case codes.Updated:
			if err := q.UpdateEmployee(ctx, in.TenantID, d.Employee.ID, in.HRMOSUserID, d.Fields); err != nil {
				return store.Item{}, err
			}
		}
		return item, nil
	})
}

// syncRecordOnce runs one record's sync and records its outcome in one
// transaction. A retry after a crash either finds the outcome recorded (and
// returns it) or redoes everything, so nothing is written twice.
func (a *Activities) syncRecordOnce(ctx context.Context, run store.RunRef, hrmosUserID int64,
	sync func(q *store.Queries) (store.Item, error)) (EmployeeResult, error) {
	var res EmployeeResult
	err := a.Store.InTx(ctx, func(q *store.Queries) error {
		it, err := q.Item(ctx, run, hrmosUserID)
		if err == nil {
			res = EmployeeResult{Outcome: codes.Outcome(it.Outcome), ReasonCode: it.ReasonCode}
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if it, err = sync(q); err != nil {
			return err
		}
		res = EmployeeResult{Outcome: codes.Outcome(it.Outcome), ReasonCode: it.ReasonCode}
		return q.RecordItem(ctx, run, it)
	})
	if err != nil {
		return EmployeeResult{}, safe(err)
	}
	activity.GetLogger(ctx).Debug("record synced", "tenant", run.TenantID, "run", run.RunID,
		"hrmos_user_id", hrmosUserID, "outcome", res.Outcome, "reason_code", res.ReasonCode)
	return res, nil
}

// RecordEmployeeFailureInput reports an employee whose activity failed
// after all its retries.
type RecordEmployeeFailureInput struct {
	TenantID    string
	RunID       string
	HRMOSUserID int64
	// Cause is the last attempt's error, already free of personal data.
	Cause string
}

// RecordEmployeeFailure records the employee as an error of the run, so one
// employee's failure is reported alone and the others still sync.
func (a *Activities) RecordEmployeeFailure(ctx context.Context, in RecordEmployeeFailureInput) error {
	return safe(a.Store.RecordItem(ctx, ref(in.TenantID, in.RunID), store.Item{
		HRMOSUserID: in.HRMOSUserID, Outcome: string(codes.Error), ReasonCode: codes.ReasonSyncFailed,
		Reason: fmt.Sprintf("HRMOS user %d: the sync failed after all retries (%s); see the workflow history", in.HRMOSUserID, in.Cause),
	}))
}
