package activities

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// While HRMOS does not answer, the fetch keeps heartbeating on its ticker,
// so Temporal never takes a slow HRMOS for a dead worker; the attempt ends
// with the client's own "HRMOS did not answer…", which is retryable.
//
// The hang lasts the client's 4 attempts of RequestTimeout (3 s): longer
// than syncapi.HeartbeatEvery whatever the machine's load, so the ticker fires
// during it. The SDK batches heartbeats (the first is sent at once, later
// ones at the end of a throttle window or when a failed attempt closes), so
// the ticker's heartbeat reaches the environment's listener when the
// attempt fails: two heartbeats at least, each with the resume point.
func TestFetchHeartbeatsWhileHRMOSHangs(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out HRMOS timeouts longer than activities.HeartbeatEvery (about 12 s)")
	}
	const requestTimeout = 3 * time.Second
	if 4*requestTimeout <= syncapi.HeartbeatEvery {
		t.Fatalf("the hang (%s) must outlast syncapi.HeartbeatEvery (%s)", 4*requestTimeout, syncapi.HeartbeatEvery)
	}
	w := newWorld(t, worldOptions{requestTimeout: requestTimeout})
	w.connect("acme", w.company("acme-co", 3))
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	// Departments and offices answer; the users listing hangs until the
	// client gives up on each attempt.
	w.sim.SetFaults(hrmossim.Faults{OnlyPath: "/users", Latency: time.Hour})
	var mu sync.Mutex
	var beats []fetchProgress
	w.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var p fetchProgress
		if err := details.Get(&p); err != nil {
			t.Errorf("heartbeat details: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		beats = append(beats, p)
	})

	_, err := w.run(w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeHRMOSUnavailable || appErr.NonRetryable() || !strings.HasPrefix(appErr.Message(), "HRMOS did not answer") {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a retryable %s starting \"HRMOS did not answer\"",
			appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeHRMOSUnavailable)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d heartbeats reached the listener: %+v", len(beats), beats)
	if len(beats) < 2 {
		t.Fatalf("%d heartbeats reached Temporal, want the first and the ticker's during the hang", len(beats))
	}
	for i, p := range beats {
		if p.NextPage != 1 || p.Fetched != 0 {
			t.Errorf("heartbeat %d = %+v, want the resume point before page 1", i+1, p)
		}
	}
}

// A fetch resumes from its heartbeat: a retried attempt starts at the page
// after the last one its predecessor staged.
func TestFetchResumesAfterTheLastStagedPage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 250)
	w.connect("acme", c)
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	// The first attempt staged pages 1 and 2, heartbeated, then died. The
	// marker shows whether a page is fetched again.
	full := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})
	exec := func(sql string) {
		t.Helper()
		if _, err := w.store.Pool().Exec(context.Background(), sql, in.RunID); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM roster_staging WHERE sync_run_id = $1 AND page = 3`)
	exec(`UPDATE roster_staging SET email = 'staged-by-the-first-attempt' WHERE sync_run_id = $1`)
	w.env.SetHeartbeatDetails(fetchProgress{NextPage: 3, Fetched: 200, Total: 250, Pass: 1, PassStarted: time.Now()})

	res := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	if res != full {
		t.Errorf("resumed fetch = %+v, want what the whole fetch gave: %+v", res, full)
	}
	if n := w.count(`SELECT count(*) FROM roster_staging WHERE sync_run_id = $1`, in.RunID); n != 250 {
		t.Errorf("staged %d users after the resume, want 250", n)
	}
	if n := w.count(`SELECT count(*) FROM roster_staging WHERE sync_run_id = $1 AND email = 'staged-by-the-first-attempt'`, in.RunID); n != 200 {
		t.Errorf("%d users of pages 1 and 2 kept what the first attempt staged, want 200: the retry fetched them again", n)
	}
}

// HRMOS's list changed while it was read (a user deleted between pages):
// the fetch reads it once more and stages every user HRMOS lists now, and
// not the deleted one the first reading staged.
func TestFetchReadsAListThatChangedOnceAgain(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 250)
	w.connect("acme", c)
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	w.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1})

	res := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	if w.sim.Faults().ShiftRowsBetweenPages != 0 {
		t.Fatal("the list never shifted: the test proves nothing")
	}
	var want []int64
	for _, u := range w.sim.Company(c.ID).Users {
		want = append(want, u.ID)
	}
	if len(want) != 249 {
		t.Fatalf("HRMOS lists %d users after the shift, want 249", len(want))
	}
	if !res.Refetched || res.Passes != 2 || res.Fetched != len(want) || res.Staged != len(want) {
		t.Errorf("result = %+v, want it read twice with all %d users fetched and staged", res, len(want))
	}
	staged := w.stagedIDs("roster_staging", in.RunID)
	if !slices.Equal(staged, want) {
		t.Errorf("staged %d users, want exactly the %d HRMOS lists (first differences: %v)", len(staged), len(want), firstDiff(staged, want))
	}
}

// A list that changes on every reading is not synced: after three readings
// the fetch fails, non-retryably, naming what HRMOS said and what was read
// the last time.
func TestFetchFailsWhenTheListKeepsChanging(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 250))
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	w.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1000})

	_, err := w.run(w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeHRMOSListChanged || !appErr.NonRetryable() {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a non-retryable %s", appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeHRMOSListChanged)
	}
	m := regexp.MustCompile(`it said (\d+) records, (\d+) were read`).FindStringSubmatch(appErr.Message())
	if m == nil {
		t.Fatalf("message %q does not name both counts", appErr.Message())
	}
	said, _ := strconv.Atoi(m[1])
	read, _ := strconv.Atoi(m[2])
	// Each reading lost 2 users on its way (at pages 2 and 3): the third
	// began at 246 and read 244.
	if said != 246 || read != 244 {
		t.Errorf("counts said %d, read %d; want 246 and 244", said, read)
	}
	if !strings.Contains(appErr.Message(), "3 times in a row") || !strings.Contains(appErr.Message(), "start the sync again") {
		t.Errorf("message %q does not say it happened on every reading and what to do", appErr.Message())
	}
}

// One user added and another deleted while the list is read keeps
// X-Total-Count as it was, and the user who moved back across the page
// boundary is missed. The added user, found by `from` with a created_at
// inside the reading, makes the pass suspicious; the second reading differs
// from the first (the deleted user is gone, the missed one is there), the
// third agrees with the second, and that is what is staged: exactly what
// HRMOS lists at the end.
func TestFetchReadsAgainWhenSomeoneWasAddedAndSomeoneRemoved(t *testing.T) {
	for _, kind := range []string{codes.KindRoster, codes.KindAttendance} {
		t.Run(kind, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			c := w.company("acme-co", 250)
			w.connect("acme", c)
			month := ""
			if kind == codes.KindAttendance {
				month = reportMonth()
			}
			in := runInput("acme", kind, month)
			must[syncapi.StartRunResult](w, w.acts.StartRun, in)
			before := listedIDs(w, c.ID, kind)
			if len(before) <= 101 {
				t.Fatalf("%d records: the list needs a second page", len(before))
			}
			w.sim.SetFaults(hrmossim.Faults{AddAndRemoveBetweenPages: 1})

			res, table := w.fetch(kind, in)

			if left := w.sim.Faults().AddAndRemoveBetweenPages; left != 0 {
				t.Fatal("the list never changed: the test proves nothing")
			}
			after := listedIDs(w, c.ID, kind)
			if len(after) != len(before) || slices.Contains(after, before[0]) || !slices.Contains(after, before[100]) {
				t.Fatalf("HRMOS lists %d records after the change (before: %d)", len(after), len(before))
			}
			if res.Passes != 3 || !res.Refetched || res.Fetched != len(after) || res.Staged != len(after) {
				t.Errorf("result = %+v, want 3 readings and all %d records fetched and staged", res, len(after))
			}
			if staged := w.stagedIDs(table, in.RunID); !slices.Equal(staged, after) {
				t.Errorf("staged %d records, want exactly the %d HRMOS lists (only staged, only listed: %v)", len(staged), len(after), firstDiff(staged, after))
			}
			if n := w.count(`SELECT count(*) FROM `+table+` WHERE sync_run_id = $1 AND fetch_pass <> 3`, in.RunID); n != 0 {
				t.Errorf("%d staged records are not from the accepted reading", n)
			}
		})
	}
}

// Someone added and someone removed on every reading: the run fails with
// the reason after three readings, and says what to do. Against the second
// reading the third lost two users (the one deleted during it, and the one
// it missed at the page boundary) and gained two (the one the second
// missed, and the one added during it).
func TestFetchFailsWhenAddsAndRemovalsKeepHappening(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 150))
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	w.sim.SetFaults(hrmossim.Faults{AddAndRemoveBetweenPages: 1000})

	_, err := w.run(w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != syncapi.ErrTypeHRMOSListChanged || !appErr.NonRetryable() {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a non-retryable %s", appErr.Message(), appErr.Type(), appErr.NonRetryable(), syncapi.ErrTypeHRMOSListChanged)
	}
	for _, want := range []string{"HRMOS's list of users changed while it was being read, 3 times in a row",
		"a record was created while it was read", "2 were gone and 2 were new", "nothing was written, start the sync again"} {
		if !strings.Contains(appErr.Message(), want) {
			t.Errorf("message %q does not say %q", appErr.Message(), want)
		}
	}
	if used := 1000 - w.sim.Faults().AddAndRemoveBetweenPages; used != 3 {
		t.Errorf("the list changed %d times, want once per reading", used)
	}
}

// A user HRMOS created a minute before the sync is inside the clock-skew
// margin: the first reading cannot tell that apart from an add during the
// read, so it reads again; the second agrees and is accepted. The margin
// costs a reading, never the run.
func TestFetchOfAQuietListWithARecentHire(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 120)
	w.connect("acme", c)
	hire := w.sim.Company(c.ID).Users[7]
	hire.ID = 100000
	hire.Number = hrmossim.Str("Z00001")
	hire.Email = hrmossim.Str("recent.hire@example.co.jp")
	hire.CreatedAt = time.Now().Add(-time.Minute).Truncate(time.Second)
	hire.UpdatedAt = hire.CreatedAt
	if err := w.sim.PutUser(c.ID, hire); err != nil {
		t.Fatal(err)
	}
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)

	res := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	if res.Passes != 2 || res.Staged != 121 {
		t.Errorf("result = %+v, want 121 users staged after 2 readings", res)
	}
	// Without the recent hire one reading is enough.
	in2 := runInput("acme", codes.KindRoster, "")
	w.sim.SetFaults(hrmossim.Faults{})
	hire.CreatedAt = time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := w.sim.PutUser(c.ID, hire); err != nil {
		t.Fatal(err)
	}
	must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: "acme", RunID: in.RunID, Status: codes.RunCompleted, Fetched: res.Fetched})
	must[syncapi.StartRunResult](w, w.acts.StartRun, in2)
	if res := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in2.RunID}); res.Passes != 1 {
		t.Errorf("result = %+v, want one reading of a list with nobody created lately", res)
	}
}

// A retried attempt resumes in the pass its predecessor was in, after the
// page it staged last, and that pass is compared with the one before.
func TestFetchResumesInThePassItWasIn(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 250))
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	// Pass 1 read all 250 and was not accepted; pass 2 staged pages 1 and
	// 2, heartbeated, then its worker died.
	must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})
	for _, sql := range []string{
		`UPDATE roster_staging SET fetch_pass = 2, email = 'staged-by-pass-2' WHERE sync_run_id = $1 AND page < 3`,
		`UPDATE roster_staging SET email = 'staged-by-pass-1' WHERE sync_run_id = $1 AND page = 3`,
	} {
		if _, err := w.store.Pool().Exec(context.Background(), sql, in.RunID); err != nil {
			t.Fatal(err)
		}
	}
	w.env.SetHeartbeatDetails(fetchProgress{NextPage: 3, Fetched: 200, Total: 250, Refetched: true,
		Pass: 2, PassStarted: time.Now(), PrevConsistent: true})

	res := must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	if res.Passes != 2 || !res.Refetched || res.Staged != 250 {
		t.Errorf("resumed fetch = %+v, want pass 2 accepted with 250 users", res)
	}
	if n := w.count(`SELECT count(*) FROM roster_staging WHERE sync_run_id = $1 AND email = 'staged-by-pass-2' AND fetch_pass = 2`, in.RunID); n != 200 {
		t.Errorf("%d users of pages 1 and 2 kept what pass 2 staged, want 200", n)
	}
	if n := w.count(`SELECT count(*) FROM roster_staging WHERE sync_run_id = $1 AND email <> 'staged-by-pass-2' AND fetch_pass = 2`, in.RunID); n != 50 {
		t.Errorf("%d users of page 3 staged again by pass 2, want 50", n)
	}
}

// Passes are compared record by record: a record a pass did not list, or
// one it listed first, is a difference — including one listed by pass 1,
// missed by pass 2 and listed again by pass 3, which BeginPass makes count
// as new in pass 3. AcceptPass leaves only what the accepted pass listed.
func TestStagingComparesPasses(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 1))
	in := runInput("acme", codes.KindRoster, "")
	must[syncapi.StartRunResult](w, w.acts.StartRun, in)
	ctx := context.Background()
	ref := store.RunRef{TenantID: "acme", RunID: in.RunID}
	stagePass := func(pass int, ids ...int64) store.PassCheck {
		t.Helper()
		if err := w.store.BeginPass(ctx, codes.KindRoster, ref, pass); err != nil {
			t.Fatal(err)
		}
		users := make([]rules.HRMOSUser, len(ids))
		for i, id := range ids {
			users[i] = rules.HRMOSUser{ID: id}
		}
		if err := w.store.StageUsersInPass(ctx, ref, pass, 1, users); err != nil {
			t.Fatal(err)
		}
		c, err := w.store.ComparePasses(ctx, codes.KindRoster, ref, pass)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tt := range []struct {
		pass int
		ids  []int64
		want store.PassCheck
	}{
		{1, []int64{1, 2, 3}, store.PassCheck{Listed: 3, Added: 3}},
		{2, []int64{1, 2}, store.PassCheck{Listed: 2, Dropped: 1}},              // 3 is gone
		{3, []int64{1, 2, 3}, store.PassCheck{Listed: 3, Added: 1}},             // 3 is back: new to pass 2
		{4, []int64{1, 2, 3}, store.PassCheck{Listed: 3}},                       // agrees with pass 3
		{5, []int64{2, 3, 4}, store.PassCheck{Listed: 3, Dropped: 1, Added: 1}}, // one out, one in: the count holds
	} {
		if got := stagePass(tt.pass, tt.ids...); got != tt.want || got.Agrees() != (tt.want.Dropped+tt.want.Added == 0) {
			t.Errorf("pass %d listing %v: %+v, want %+v", tt.pass, tt.ids, got, tt.want)
		}
	}
	staged, err := w.store.StagedInPass(ctx, codes.KindRoster, ref, 5, []int64{1, 2, 4, 9})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(staged); !slices.Equal(staged, []int64{2, 4}) {
		t.Errorf("staged by pass 5 of 1, 2, 4, 9: %v, want 2 and 4", staged)
	}
	if err := w.store.AcceptPass(ctx, codes.KindRoster, ref, 5); err != nil {
		t.Fatal(err)
	}
	if got := w.stagedIDs("roster_staging", in.RunID); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Errorf("after accepting pass 5: %v, want what it listed", got)
	}
	if n := w.count(`SELECT count(*) FROM roster_staging WHERE sync_run_id = $1 AND hrmos_user_id = 2 AND first_pass = 1`, in.RunID); n != 1 {
		t.Error("re-staging a record changed the pass that first staged it")
	}
}

// fetch runs the fetch of a run of kind and names its staging table.
func (w *world) fetch(kind string, in syncapi.RunInput) (syncapi.FetchResult, string) {
	w.t.Helper()
	if kind == codes.KindRoster {
		return must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: in.TenantID, RunID: in.RunID}), "roster_staging"
	}
	return must[syncapi.FetchResult](w, w.acts.FetchAttendance, syncapi.FetchAttendanceInput{TenantID: in.TenantID, RunID: in.RunID, Month: in.Month}), "attendance_staging"
}

// listedIDs are the user IDs HRMOS lists now, in order: users for the
// roster, the report month's rows for attendance.
func listedIDs(w *world, company, kind string) []int64 {
	c := w.sim.Company(company)
	var ids []int64
	if kind == codes.KindRoster {
		for _, u := range c.Users {
			ids = append(ids, u.ID)
		}
		return ids
	}
	for _, r := range c.MonthlyRows[reportMonth()] {
		ids = append(ids, r.UserID)
	}
	return ids
}

// stagedIDs are the HRMOS user IDs staged for a run, in order.
func (w *world) stagedIDs(table, runID string) []int64 {
	w.t.Helper()
	rows, err := w.store.Pool().Query(context.Background(), `SELECT hrmos_user_id FROM `+table+` WHERE sync_run_id = $1 ORDER BY 1`, runID)
	if err != nil {
		w.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		w.t.Fatal(err)
	}
	return ids
}

func firstDiff(a, b []int64) [2][]int64 {
	var onlyA, onlyB []int64
	for _, x := range a {
		if !slices.Contains(b, x) && len(onlyA) < 5 {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) && len(onlyB) < 5 {
			onlyB = append(onlyB, x)
		}
	}
	return [2][]int64{onlyA, onlyB}
}
