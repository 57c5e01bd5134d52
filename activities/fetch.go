package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

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

// FetchAttendanceInput names the run and month whose report to fetch.
type FetchAttendanceInput struct {
	TenantID string
	RunID    string
	Month    string
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
	// Refetched is true when HRMOS's list changed while it was read and the
	// fetch started over.
	Refetched bool
}

// fetchProgress is the heartbeat: a retried attempt resumes after the last
// page that was staged instead of starting over.
type fetchProgress struct {
	NextPage       int
	Fetched        int
	WithoutID      int
	GenderProvided bool
	// Total is HRMOS's X-Total-Count as the listing's first page gave it
	// (-1: not sent); Shifted is set when a later page gave another.
	Total     int
	Shifted   bool
	Refetched bool
}

// HeartbeatEvery is how often an activity that calls HRMOS heartbeats while
// it works, whatever HRMOS does (answers, stalls, makes the client back
// off): far inside the workflows' heartbeat timeout, so a slow HRMOS ends as
// the client's own "HRMOS did not answer…" and never as a lost worker.
const HeartbeatEvery = 10 * time.Second

// heartbeat keeps recording the progress it holds until stopped.
type heartbeat struct {
	mu       sync.Mutex
	progress fetchProgress
	stop     chan struct{}
	done     chan struct{}
}

func startHeartbeat(ctx context.Context, p fetchProgress) *heartbeat {
	h := &heartbeat{progress: p, stop: make(chan struct{}), done: make(chan struct{})}
	activity.RecordHeartbeat(ctx, p)
	go func() {
		defer close(h.done)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, h.get())
			}
		}
	}()
	return h
}

func (h *heartbeat) get() fetchProgress {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.progress
}

// set records a new checkpoint at once, so a crash right after resumes there.
func (h *heartbeat) set(ctx context.Context, p fetchProgress) {
	h.mu.Lock()
	h.progress = p
	h.mu.Unlock()
	activity.RecordHeartbeat(ctx, p)
}

func (h *heartbeat) close() {
	close(h.stop)
	<-h.done
}

// resumeProgress is where a retried fetch resumes: after the last page its
// previous attempt staged and heartbeated.
func resumeProgress(ctx context.Context) fetchProgress {
	progress := fetchProgress{NextPage: 1, Total: -1}
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &progress); err != nil || progress.NextPage < 1 {
			progress = fetchProgress{NextPage: 1, Total: -1}
		}
	}
	return progress
}

// FetchRoster reads every page of HRMOS's users, resolves department and
// office names from HRMOS's masters, and stages the users in the database
// for the run. Memory stays at one page whatever the company's size.
func (a *Activities) FetchRoster(ctx context.Context, in FetchRosterInput) (FetchResult, error) {
	hb := startHeartbeat(ctx, resumeProgress(ctx))
	defer hb.close()
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
	ref := ref(in.TenantID, in.RunID)
	res, err := fetchAll(ctx, a, hb, codes.KindRoster, ref, "users", func(start int, stagePage func(hrmos.Page[rules.HRMOSUser]) error) error {
		return client.Users(ctx, start, func(page hrmos.Page[hrmos.User]) error {
			users := make([]rules.HRMOSUser, len(page.Items))
			for i, u := range page.Items {
				users[i] = stagedUser(u, deptNames, officeNames)
			}
			return stagePage(hrmos.Page[rules.HRMOSUser]{Number: page.Number, Items: users, TotalCount: page.TotalCount, TotalPages: page.TotalPages})
		})
	}, func(users []rules.HRMOSUser, page int) error {
		return a.Store.StageUsers(ctx, ref, page, users)
	}, func(u rules.HRMOSUser) int64 { return u.ID })
	if err != nil {
		return FetchResult{}, err
	}
	activity.GetLogger(ctx).Info("roster fetched", "tenant", in.TenantID, "run", in.RunID,
		"fetched", res.Fetched, "without_id", res.WithoutID, "refetched", res.Refetched)
	return res, nil
}

// FetchAttendance reads every page of HRMOS's monthly report for the month
// and stages the rows for the run, resuming after the last staged page on
// a retry. One page is held in memory at a time.
func (a *Activities) FetchAttendance(ctx context.Context, in FetchAttendanceInput) (FetchResult, error) {
	hb := startHeartbeat(ctx, resumeProgress(ctx))
	defer hb.close()
	client, err := a.clientFor(ctx, in.TenantID)
	if err != nil {
		return FetchResult{}, err
	}
	ref := ref(in.TenantID, in.RunID)
	res, err := fetchAll(ctx, a, hb, codes.KindAttendance, ref, "monthly report rows", func(start int, stagePage func(hrmos.Page[rules.AttendanceRow]) error) error {
		return client.MonthlyReport(ctx, in.Month, start, func(page hrmos.Page[hrmos.MonthlyReportRow]) error {
			rows := make([]rules.AttendanceRow, len(page.Items))
			for i, r := range page.Items {
				rows[i] = attendanceRow(r)
			}
			return stagePage(hrmos.Page[rules.AttendanceRow]{Number: page.Number, Items: rows, TotalCount: page.TotalCount, TotalPages: page.TotalPages})
		})
	}, func(rows []rules.AttendanceRow, page int) error {
		return a.Store.StageAttendance(ctx, ref, page, rows)
	}, func(r rules.AttendanceRow) int64 { return r.HRMOSUserID })
	if err != nil {
		return FetchResult{}, err
	}
	activity.GetLogger(ctx).Info("monthly report fetched", "tenant", in.TenantID, "run", in.RunID, "month", in.Month,
		"fetched", res.Fetched, "without_id", res.WithoutID, "refetched", res.Refetched)
	return res, nil
}

// fetchAll walks a listing from the page the heartbeat says, stages each
// page and checkpoints it. It then compares what it read with HRMOS's
// X-Total-Count: when records were added or removed while it paged (page
// numbers then skip or repeat a record), it starts over once, and fails the
// second time rather than sync a list with someone silently missing.
func fetchAll[T any](ctx context.Context, a *Activities, hb *heartbeat, kind string, run store.RunRef, what string,
	list func(start int, stagePage func(hrmos.Page[T]) error) error, stage func([]T, int) error, id func(T) int64) (FetchResult, error) {
	for {
		p := hb.get()
		err := list(p.NextPage, func(page hrmos.Page[T]) error {
			p := hb.get()
			if page.TotalCount >= 0 {
				if p.Total < 0 {
					p.Total = page.TotalCount
				} else if page.TotalCount != p.Total {
					p.Shifted = true
				}
			}
			usable := make([]T, 0, len(page.Items))
			for _, item := range page.Items {
				p.Fetched++
				if id(item) <= 0 {
					p.WithoutID++
					continue
				}
				if g, ok := any(item).(rules.HRMOSUser); ok && g.HasGender {
					p.GenderProvided = true
				}
				usable = append(usable, item)
			}
			if err := stage(usable, page.Number); err != nil {
				return err
			}
			p.NextPage = page.Number + 1
			hb.set(ctx, p)
			return nil
		})
		if err != nil {
			return FetchResult{}, a.fetchError(ctx, run.TenantID, err)
		}
		p = hb.get()
		if !p.Shifted && (p.Total < 0 || p.Total == p.Fetched) {
			return FetchResult{Fetched: p.Fetched, Staged: p.Fetched - p.WithoutID, WithoutID: p.WithoutID,
				GenderProvided: p.GenderProvided, Refetched: p.Refetched}, nil
		}
		if p.Refetched {
			return FetchResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
				"HRMOS's list of %s changed while it was being read, twice (it said %d records, %d were read): "+
					"someone was added or removed in HRMOS during the sync; nothing was written, start the sync again", what, p.Total, p.Fetched),
				ErrTypeHRMOSListChanged, nil)
		}
		activity.GetLogger(ctx).Warn("HRMOS's list changed while it was read; reading it again", "tenant", run.TenantID, "run", run.RunID,
			"total", p.Total, "read", p.Fetched)
		if err := a.Store.ClearStaging(ctx, kind, run); err != nil {
			return FetchResult{}, safe(err)
		}
		hb.set(ctx, fetchProgress{NextPage: 1, Total: -1, Refetched: true})
	}
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

func attendanceRow(r hrmos.MonthlyReportRow) rules.AttendanceRow {
	return rules.AttendanceRow{
		HRMOSUserID: r.UserID, Number: r.Number,
		WorkingDays: r.WorkingDays, AbsenceDays: r.AbsenceDays, TardyDays: r.TardyDays, LeaveEarlyDays: r.LeaveEarlyDays,
		PaidHolidays: r.PaidHolidays, ActualWorkingHours: r.ActualWorkingHours, TotalLateHours: r.TotalLateHours,
		TotalLeaveEarlyHours: r.TotalLeaveEarlyHours, HoursInPrescribedWorkingHours: r.HoursInPrescribedWorkingHours,
		ExcessOfStatutoryWorkingHours: r.ExcessOfStatutoryWorkingHours, LateNightOvertimeWorkingHours: r.LateNightOvertimeWorkingHours,
		InvalidFields: r.Invalid,
	}
}
