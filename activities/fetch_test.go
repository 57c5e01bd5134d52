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

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

// While HRMOS does not answer, the fetch keeps heartbeating on its ticker,
// so Temporal never takes a slow HRMOS for a dead worker; the attempt ends
// with the client's own "HRMOS did not answer…", which is retryable.
//
// The hang lasts the client's 4 attempts of RequestTimeout (3 s): longer
// than HeartbeatEvery whatever the machine's load, so the ticker fires
// during it. The SDK batches heartbeats (the first is sent at once, later
// ones at the end of a throttle window or when a failed attempt closes), so
// the ticker's heartbeat reaches the environment's listener when the
// attempt fails: two heartbeats at least, each with the resume point.
func TestFetchHeartbeatsWhileHRMOSHangs(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out HRMOS timeouts longer than activities.HeartbeatEvery (about 12 s)")
	}
	const requestTimeout = 3 * time.Second
	if 4*requestTimeout <= HeartbeatEvery {
		t.Fatalf("the hang (%s) must outlast HeartbeatEvery (%s)", 4*requestTimeout, HeartbeatEvery)
	}
	w := newWorld(t, worldOptions{requestTimeout: requestTimeout})
	w.connect("acme", w.company("acme-co", 3))
	in := runInput("acme", codes.KindRoster, "")
	must[StartRunResult](w, w.acts.StartRun, in)
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

	_, err := w.run(w.acts.FetchRoster, FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != ErrTypeHRMOSUnavailable || appErr.NonRetryable() || !strings.HasPrefix(appErr.Message(), "HRMOS did not answer") {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a retryable %s starting \"HRMOS did not answer\"",
			appErr.Message(), appErr.Type(), appErr.NonRetryable(), ErrTypeHRMOSUnavailable)
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
	must[StartRunResult](w, w.acts.StartRun, in)
	// The first attempt staged pages 1 and 2, heartbeated, then died. The
	// marker shows whether a page is fetched again.
	full := must[FetchResult](w, w.acts.FetchRoster, FetchRosterInput{TenantID: "acme", RunID: in.RunID})
	exec := func(sql string) {
		t.Helper()
		if _, err := w.store.Pool().Exec(context.Background(), sql, in.RunID); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM roster_staging WHERE sync_run_id = $1 AND page = 3`)
	exec(`UPDATE roster_staging SET email = 'staged-by-the-first-attempt' WHERE sync_run_id = $1`)
	w.env.SetHeartbeatDetails(fetchProgress{NextPage: 3, Fetched: 200, Total: 250})

	res := must[FetchResult](w, w.acts.FetchRoster, FetchRosterInput{TenantID: "acme", RunID: in.RunID})

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
// the fetch starts over once and stages every user HRMOS lists now.
func TestFetchReadsAListThatChangedOnceAgain(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 250)
	w.connect("acme", c)
	in := runInput("acme", codes.KindRoster, "")
	must[StartRunResult](w, w.acts.StartRun, in)
	w.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1})

	res := must[FetchResult](w, w.acts.FetchRoster, FetchRosterInput{TenantID: "acme", RunID: in.RunID})

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
	if !res.Refetched || res.Fetched != len(want) || res.Staged != len(want) {
		t.Errorf("result = %+v, want it refetched with all %d users fetched and staged", res, len(want))
	}
	rows, err := w.store.Pool().Query(context.Background(), `SELECT hrmos_user_id FROM roster_staging WHERE sync_run_id = $1 ORDER BY 1`, in.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var staged []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		staged = append(staged, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(staged, want) {
		t.Errorf("staged %d users, want exactly the %d HRMOS lists (first differences: %v)", len(staged), len(want), firstDiff(staged, want))
	}
}

// A list that changes on every reading is not synced: the fetch fails,
// non-retryably, naming what HRMOS said and what was read.
func TestFetchFailsWhenTheListKeepsChanging(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.connect("acme", w.company("acme-co", 250))
	in := runInput("acme", codes.KindRoster, "")
	must[StartRunResult](w, w.acts.StartRun, in)
	w.sim.SetFaults(hrmossim.Faults{ShiftRowsBetweenPages: 1000})

	_, err := w.run(w.acts.FetchRoster, FetchRosterInput{TenantID: "acme", RunID: in.RunID})

	appErr := appError(t, err)
	if appErr.Type() != ErrTypeHRMOSListChanged || !appErr.NonRetryable() {
		t.Fatalf("error = %q (type %s, non-retryable %v), want a non-retryable %s", appErr.Message(), appErr.Type(), appErr.NonRetryable(), ErrTypeHRMOSListChanged)
	}
	m := regexp.MustCompile(`it said (\d+) records, (\d+) were read`).FindStringSubmatch(appErr.Message())
	if m == nil {
		t.Fatalf("message %q does not name both counts", appErr.Message())
	}
	said, _ := strconv.Atoi(m[1])
	read, _ := strconv.Atoi(m[2])
	// The second reading began after the first had lost 2 users (at pages 2
	// and 3), and lost 2 more on its way.
	if said != 248 || read != 246 {
		t.Errorf("counts said %d, read %d; want 248 and 246", said, read)
	}
	if !strings.Contains(appErr.Message(), "twice") || !strings.Contains(appErr.Message(), "start the sync again") {
		t.Errorf("message %q does not say it happened twice and what to do", appErr.Message())
	}
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
