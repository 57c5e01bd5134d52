package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmos"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// fetchProgress is the heartbeat: a retried attempt resumes after the last
// page that was staged, in the same pass, instead of starting over.
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
	// Pass is the reading of the list under way (1 = the first; 0, from a
	// heartbeat recorded before passes existed, means 1), PassStarted our
	// clock when it began (zero: unknown), and PrevConsistent whether the
	// pass before it read as many records as HRMOS said.
	Pass           int
	PassStarted    time.Time
	PrevConsistent bool
}

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
		t := time.NewTicker(syncapi.HeartbeatEvery)
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
func (a *Activities) FetchRoster(ctx context.Context, in syncapi.FetchRosterInput) (syncapi.FetchResult, error) {
	hb := startHeartbeat(ctx, resumeProgress(ctx))
	defer hb.close()
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return syncapi.FetchResult{}, err
	}
	client, err := a.clientFor(ctx, ref(in.TenantID, in.RunID))
	if err != nil {
		return syncapi.FetchResult{}, err
	}
	departments, err := client.Departments(ctx)
	if err != nil {
		return syncapi.FetchResult{}, a.hrmosError(ctx, in.TenantID, err)
	}
	lodgments, err := client.Lodgments(ctx)
	if err != nil {
		return syncapi.FetchResult{}, a.hrmosError(ctx, in.TenantID, err)
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
	res, err := fetchAll(ctx, a, hb, ref, listing[rules.HRMOSUser]{kind: codes.KindRoster, what: "users",
		list: func(start int, stagePage func(hrmos.Page[rules.HRMOSUser]) error) error {
			return client.Users(ctx, start, func(page hrmos.Page[hrmos.User]) error {
				users := make([]rules.HRMOSUser, len(page.Items))
				for i, u := range page.Items {
					users[i] = stagedUser(u, deptNames, officeNames)
				}
				return stagePage(hrmos.Page[rules.HRMOSUser]{Number: page.Number, Items: users, TotalCount: page.TotalCount, TotalPages: page.TotalPages})
			})
		},
		stage: func(users []rules.HRMOSUser, pass, page int) error {
			return a.Store.StageUsersInPass(ctx, ref, pass, page, users)
		},
		id: func(u rules.HRMOSUser) int64 { return u.ID },
		changedSince: func(since time.Time, fn func(hrmos.Page[changedRecord]) error) error {
			return client.UsersChangedSince(ctx, since, func(page hrmos.Page[hrmos.User]) error {
				return fn(changedPage(page, func(u hrmos.User) changedRecord { return changedRecord{u.ID, u.CreatedAt} }))
			})
		},
	})
	if err != nil {
		return syncapi.FetchResult{}, err
	}
	activity.GetLogger(ctx).Info("roster fetched", "tenant", in.TenantID, "run", in.RunID,
		"fetched", res.Fetched, "without_id", res.WithoutID, "passes", res.Passes)
	return res, nil
}

// FetchAttendance reads every page of HRMOS's monthly report for the month
// and stages the rows for the run, resuming after the last staged page on
// a retry. One page is held in memory at a time.
func (a *Activities) FetchAttendance(ctx context.Context, in syncapi.FetchAttendanceInput) (syncapi.FetchResult, error) {
	hb := startHeartbeat(ctx, resumeProgress(ctx))
	defer hb.close()
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return syncapi.FetchResult{}, err
	}
	client, err := a.clientFor(ctx, ref(in.TenantID, in.RunID))
	if err != nil {
		return syncapi.FetchResult{}, err
	}
	ref := ref(in.TenantID, in.RunID)
	res, err := fetchAll(ctx, a, hb, ref, listing[rules.AttendanceRow]{kind: codes.KindAttendance, what: "monthly report rows",
		list: func(start int, stagePage func(hrmos.Page[rules.AttendanceRow]) error) error {
			return client.MonthlyReport(ctx, in.Month, start, func(page hrmos.Page[hrmos.MonthlyReportRow]) error {
				rows := make([]rules.AttendanceRow, len(page.Items))
				for i, r := range page.Items {
					rows[i] = attendanceRow(r)
				}
				return stagePage(hrmos.Page[rules.AttendanceRow]{Number: page.Number, Items: rows, TotalCount: page.TotalCount, TotalPages: page.TotalPages})
			})
		},
		stage: func(rows []rules.AttendanceRow, pass, page int) error {
			return a.Store.StageAttendanceInPass(ctx, ref, pass, page, rows)
		},
		id: func(r rules.AttendanceRow) int64 { return r.HRMOSUserID },
		changedSince: func(since time.Time, fn func(hrmos.Page[changedRecord]) error) error {
			return client.MonthlyReportChangedSince(ctx, in.Month, since, func(page hrmos.Page[hrmos.MonthlyReportRow]) error {
				return fn(changedPage(page, func(r hrmos.MonthlyReportRow) changedRecord { return changedRecord{r.UserID, r.CreatedAt} }))
			})
		},
	})
	if err != nil {
		return syncapi.FetchResult{}, err
	}
	activity.GetLogger(ctx).Info("monthly report fetched", "tenant", in.TenantID, "run", in.RunID, "month", in.Month,
		"fetched", res.Fetched, "without_id", res.WithoutID, "passes", res.Passes)
	return res, nil
}

// A list that changes while it is paged can lose someone without a trace:
// HRMOS pages by page number, so a record deleted on a page already read
// moves every later one up a place, and the one that crosses the page
// boundary is never seen. A deletion alone shows in the count (fewer read
// than the first page's X-Total-Count), and so does an addition alone; one
// user added and another deleted while the list is read do not. What gives
// them away is the added record: HRMOS's `from` filter lists the records
// updated since a moment, and a record created while the list was read is
// among them with a created_at inside the reading.
//
// So each reading of the list (a pass) is checked twice: its count, then
// the records changed since it began. A pass is suspicious when that
// listing holds a record it did not stage, a record created at or after
// its start (or whose created_at HRMOS does not send readably), or when it
// staged a different number of records than it read (a record read twice
// moved across a page boundary). Updates alone are not suspicious. A
// suspicious pass, or one whose count is off, is read again, and the two
// readings are compared record by record in staging (store.ComparePasses).
// A pass is accepted when its count is right and either it is not
// suspicious or it lists exactly what the consistent pass before it listed:
// the change, if any, ended before both. One user added and another deleted
// during pass 1 is the expected shape: pass 2 differs from pass 1, pass 3
// agrees with pass 2.

// maxFetchPasses bounds the readings of one list: a list that is still
// changing on the third reading fails the run with the reason, and nothing
// is written; the next sync will most likely read a quiet list.
const maxFetchPasses = 3

// clockSkewMargin moves the start of a pass back before it is used as
// `from`: the records HRMOS updated since are stamped by HRMOS's clock, not
// ours, and a record saved by a request that began before our pass may
// carry an updated_at a little earlier than the moment it became visible.
// Five minutes is far beyond what NTP-synced servers drift and what one
// HRMOS request takes; the evidence is thin (HRMOS publishes nothing about
// its clock or when updated_at is set), and a wider margin only costs an
// occasional extra reading when someone was added just before a sync.
const clockSkewMargin = 5 * time.Minute

// listing is one HRMOS list as fetchAll reads it.
type listing[T any] struct {
	kind string // codes.KindRoster or codes.KindAttendance: the staging table
	what string // the records, for messages ("users")
	// list pages the whole list from page start, handing each page on.
	list func(start int, stagePage func(hrmos.Page[T]) error) error
	// stage stores one page's usable records for a pass.
	stage func(recs []T, pass, page int) error
	id    func(T) int64
	// changedSince pages the records HRMOS updated at or after since.
	changedSince func(since time.Time, fn func(hrmos.Page[changedRecord]) error) error
}

// changedRecord is what the changed-since listing tells of a record.
type changedRecord struct {
	ID        int64
	CreatedAt string // as HRMOS sent it
}

func changedPage[R any](page hrmos.Page[R], rec func(R) changedRecord) hrmos.Page[changedRecord] {
	recs := make([]changedRecord, len(page.Items))
	for i, r := range page.Items {
		recs[i] = rec(r)
	}
	return hrmos.Page[changedRecord]{Number: page.Number, Items: recs, TotalCount: page.TotalCount, TotalPages: page.TotalPages}
}

// passVerdict is what fetchAll concluded about one pass.
type passVerdict struct {
	consistent bool   // as many records read as HRMOS said, and it never said otherwise
	suspicion  string // why the pass may have missed a record; "" when nothing suggests it
	check      store.PassCheck
}

// accepted reports whether the pass can be synced; prevConsistent is
// whether the pass before it (if any) was consistent.
func (v passVerdict) accepted(pass int, prevConsistent bool) bool {
	return v.consistent && (v.suspicion == "" || (pass > 1 && prevConsistent && v.check.Agrees()))
}

// reason words why the pass was not accepted, with counts only.
func (v passVerdict) reason(p fetchProgress) string {
	switch {
	case !v.consistent:
		return fmt.Sprintf("it said %d records, %d were read", p.Total, p.Fetched)
	case p.Pass > 1 && p.PrevConsistent:
		return fmt.Sprintf("the last reading had every record HRMOS counted, but %s, and compared with the reading before it %d were gone and %d were new",
			v.suspicion, v.check.Dropped, v.check.Added)
	default:
		return fmt.Sprintf("the last reading had every record HRMOS counted, but %s, and no complete reading before it confirms it", v.suspicion)
	}
}

// fetchAll reads a list into the run's staging, a pass at a time (see
// above), resuming from the pass and page the heartbeat says. Staging keeps
// the passes' records side by side until a pass is accepted; then only what
// that pass listed is left.
func fetchAll[T any](ctx context.Context, a *Activities, hb *heartbeat, run store.RunRef, l listing[T]) (syncapi.FetchResult, error) {
	for {
		p := hb.get()
		if p.Pass < 1 {
			p.Pass = 1
		}
		if p.NextPage <= 1 && p.PassStarted.IsZero() {
			p.PassStarted = a.now()
		}
		hb.set(ctx, p)
		if err := a.Store.BeginPass(ctx, l.kind, run, p.Pass); err != nil {
			return syncapi.FetchResult{}, safe(err)
		}
		stager := stageBeside(func(page hrmos.Page[T]) error {
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
				if l.id(item) <= 0 {
					p.WithoutID++
					continue
				}
				if g, ok := any(item).(rules.HRMOSUser); ok && g.HasGender {
					p.GenderProvided = true
				}
				usable = append(usable, item)
			}
			if err := l.stage(usable, p.Pass, page.Number); err != nil {
				return err
			}
			p.NextPage = page.Number + 1
			hb.set(ctx, p)
			return nil
		})
		if err := stager.wait(l.list(p.NextPage, stager.add)); err != nil {
			return syncapi.FetchResult{}, a.fetchError(ctx, run.TenantID, err)
		}
		p = hb.get()
		v, err := judgePass(ctx, a, run, l, p)
		if err != nil {
			return syncapi.FetchResult{}, err
		}
		if v.accepted(p.Pass, p.PrevConsistent) {
			if err := a.Store.AcceptPass(ctx, l.kind, run, p.Pass); err != nil {
				return syncapi.FetchResult{}, safe(err)
			}
			return syncapi.FetchResult{Fetched: p.Fetched, Staged: p.Fetched - p.WithoutID, WithoutID: p.WithoutID,
				GenderProvided: p.GenderProvided, Refetched: p.Pass > 1, Passes: p.Pass}, nil
		}
		if p.Pass >= maxFetchPasses {
			return syncapi.FetchResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
				"HRMOS's list of %s changed while it was being read, %d times in a row (%s): "+
					"someone was added or removed in HRMOS during the sync; nothing was written, start the sync again",
				l.what, p.Pass, v.reason(p)),
				syncapi.ErrTypeHRMOSListChanged, nil)
		}
		log := activity.GetLogger(ctx)
		if !v.consistent {
			log.Warn("HRMOS's list changed while it was read; reading it again", "tenant", run.TenantID, "run", run.RunID,
				"pass", p.Pass, "total", p.Total, "read", p.Fetched)
		} else {
			log.Warn("HRMOS's list may have changed while it was read; reading it again to compare", "tenant", run.TenantID, "run", run.RunID,
				"pass", p.Pass, "why", v.suspicion, "gone_since_last_pass", v.check.Dropped, "new_since_last_pass", v.check.Added)
		}
		hb.set(ctx, fetchProgress{NextPage: 1, Total: -1, Refetched: true, Pass: p.Pass + 1, PassStarted: a.now(), PrevConsistent: v.consistent})
	}
}

// stager stages a list's pages in order on a goroutine of its own, while
// the next page is read: reading a page from HRMOS and writing the one
// before into staging overlap instead of taking turns (at 100,000 users,
// 1,000 pages of a few milliseconds each). At most one page waits; the
// heartbeat still names only pages that are staged, so a retried fetch
// resumes after the last one written.
type stager[T any] struct {
	pages chan hrmos.Page[T]
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func stageBeside[T any](stage func(hrmos.Page[T]) error) *stager[T] {
	s := &stager[T]{pages: make(chan hrmos.Page[T], 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for page := range s.pages {
			if s.failed() != nil {
				continue // drain: the listing stops at its next page
			}
			if err := stage(page); err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
	}()
	return s
}

func (s *stager[T]) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// add hands a page on, or returns the error that stopped staging, which
// stops the listing.
func (s *stager[T]) add(page hrmos.Page[T]) error {
	if err := s.failed(); err != nil {
		return err
	}
	s.pages <- page
	return nil
}

// wait lets the pages handed on be staged and returns the first error:
// staging's, else the listing's.
func (s *stager[T]) wait(listErr error) error {
	close(s.pages)
	<-s.done
	if err := s.failed(); err != nil {
		return err
	}
	return listErr
}

// errSuspicious stops the changed-since listing at the first sign.
var errSuspicious = errors.New("suspicious")

// judgePass checks a pass that has read the whole list: its count, then
// (when the count is right) whether what it staged and what HRMOS changed
// since it began suggest a record it missed. The suspicions are fixed
// phrases: they reach the run's failure reason.
func judgePass[T any](ctx context.Context, a *Activities, run store.RunRef, l listing[T], p fetchProgress) (passVerdict, error) {
	v := passVerdict{consistent: !p.Shifted && (p.Total < 0 || p.Total == p.Fetched)}
	if !v.consistent {
		return v, nil
	}
	check, err := a.Store.ComparePasses(ctx, l.kind, run, p.Pass)
	if err != nil {
		return v, safe(err)
	}
	v.check = check
	switch {
	case check.Listed != p.Fetched-p.WithoutID:
		// Read twice: the record moved across a page boundary, and may
		// have pushed another one the other way. (More staged than read:
		// an attempt that died before its heartbeat staged a page the
		// next attempt read differently.)
		v.suspicion = "it staged another number of records than it read (a record moved between pages)"
		return v, nil
	case p.PassStarted.IsZero():
		v.suspicion = "when it began is not known"
		return v, nil
	}
	since := p.PassStarted.Add(-clockSkewMargin)
	total, listed := -1, 0
	err = l.changedSince(since, func(page hrmos.Page[changedRecord]) error {
		if page.TotalCount >= 0 {
			if total < 0 {
				total = page.TotalCount
			} else if page.TotalCount != total {
				v.suspicion = "the records changed since it began kept changing"
				return errSuspicious
			}
		}
		ids := make([]int64, 0, len(page.Items))
		for _, r := range page.Items {
			listed++
			if r.ID <= 0 {
				v.suspicion = "a record without a usable ID changed while it was read"
				return errSuspicious
			}
			created, ok := hrmos.ParseTimestamp(r.CreatedAt)
			if !ok {
				v.suspicion = "HRMOS did not say when a record that changed while it was read was created"
				return errSuspicious
			}
			if !created.Before(since) {
				v.suspicion = "a record was created while it was read"
				return errSuspicious
			}
			ids = append(ids, r.ID)
		}
		staged, err := a.Store.StagedInPass(ctx, l.kind, run, p.Pass, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(staged, id) {
				v.suspicion = "a record that changed while it was read is not in it"
				return errSuspicious
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errSuspicious):
		return v, nil
	case err != nil:
		return v, a.fetchError(ctx, run.TenantID, err)
	case total >= 0 && listed != total:
		v.suspicion = "the records changed since it began kept changing"
	}
	return v, nil
}

// now is the activities' clock.
func (a *Activities) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

// fetchError words a failed fetch for the workflow: HRMOS's errors by kind,
// the rest (the database) made safe for history.
func (a *Activities) fetchError(ctx context.Context, tenantID string, err error) error {
	if hrmos.KindOf(err) != hrmos.KindUnknown {
		return a.hrmosError(ctx, tenantID, err)
	}
	return safe(err)
}

// stagedUser is an HRMOS user as the run stages it: each field of
// rules.UserFields as the client decoded it under its key, and, by hand,
// the department and office names resolved from HRMOS's masters and the
// gender HRMOS may not send. A value the database cannot take (a NUL, a
// string too long to index) is staged empty and named in Unstorable: it
// becomes that user's error in the plan instead of failing the staging of
// its page.
func stagedUser(u hrmos.User, deptNames, officeNames map[int64]string) rules.HRMOSUser {
	s := rules.HRMOSUser{
		ID: u.ID, DepartmentID: u.DepartmentID, LodgmentID: u.LodgmentID,
		HasGender: u.HasGender, Gender: u.Gender, InvalidFields: u.Invalid,
	}
	for _, f := range rules.UserFields {
		if f.Raw != nil {
			*f.Raw(&s), _ = u.Text(f.Key) // init checked that it decodes every key
		}
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
	rules.SanitizeUser(&s)
	return s
}

// attendanceRow is a report row as the run stages it: its 社員番号 (the
// matching key, no monthly_attendance column) and each field of
// rules.AttendanceColumns with an HRMOS source as the client decoded it,
// unstorable values emptied and named as stagedUser does.
func attendanceRow(r hrmos.MonthlyReportRow) rules.AttendanceRow {
	row := rules.AttendanceRow{HRMOSUserID: r.UserID, Number: r.Number, InvalidFields: r.Invalid}
	for _, c := range rules.AttendanceColumns {
		if c.Raw != nil {
			*c.Raw(&row), _ = r.Text(c.Source)
		}
	}
	rules.SanitizeAttendanceRow(&row)
	return row
}

// The rules' tables name the HRMOS keys the fetch stages, and the client
// decodes them: a key it did not decode would stage every record's value
// empty. So a table line without its decode stops every program and test
// that links the activities, when it starts, instead of syncing nothing.
func init() {
	for _, f := range rules.UserFields {
		if _, ok := (hrmos.User{}).Text(f.Key); f.Raw != nil && !ok {
			panic(fmt.Sprintf("rules.UserFields stages HRMOS key %q, which hrmos.User does not decode: decode it in internal/hrmos/types.go", f.Key))
		}
	}
	for _, c := range rules.AttendanceColumns {
		if _, ok := (hrmos.MonthlyReportRow{}).Text(c.Source); c.Raw != nil && !ok {
			panic(fmt.Sprintf("rules.AttendanceColumns stages HRMOS key %q, which hrmos.MonthlyReportRow does not decode: decode it in internal/hrmos/types.go", c.Source))
		}
	}
}
