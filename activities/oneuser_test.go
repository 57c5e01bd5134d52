package activities

import (
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

// companyWith generates a clean HRMOS company of n users, lets edit change
// it, and only then adds it to the simulator.
func (w *world) companyWith(id string, n int, edit func(c *hrmossim.Company)) *hrmossim.Company {
	w.t.Helper()
	c, err := hrmossim.Generate(hrmossim.GenerateSpec{CompanyID: id, Users: n, Seed: 11, Now: time.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
	edit(c)
	if err := w.sim.AddCompany(c); err != nil {
		w.t.Fatal(err)
	}
	return c
}

// employedWithNumber is the index in c.Users of the n-th user (from 0) still
// employed and with a 社員番号 and an email: a new hire's shape.
func employedWithNumber(t *testing.T, c *hrmossim.Company, n int) int {
	t.Helper()
	for i, u := range c.Users {
		if u.EndDate.Value == "" && u.Number.Value != "" && u.Email.Value != "" && u.LastName.Value != "" {
			if n == 0 {
				return i
			}
			n--
		}
	}
	t.Fatal("the generated company has too few employed users with a 社員番号 and an email")
	return 0
}

// planOneUser takes a run limited to one HRMOS user through the steps
// RosterSync runs before it writes: StartRun, the fetch of the whole list,
// ChunkRanges for that user, the plan of its range, its pending records.
func (w *world) planOneUser(tenant string, user int64) plannedRun {
	w.t.Helper()
	p := plannedRun{in: runInput(tenant, codes.KindRoster, "")}
	p.in.OnlyHRMOSUserID = user
	p.started = must[syncapi.StartRunResult](w, w.acts.StartRun, p.in)
	p.fetched = must[syncapi.FetchResult](w, w.acts.FetchRoster, syncapi.FetchRosterInput{TenantID: tenant, RunID: p.in.RunID})
	p.chunks = must[syncapi.ChunkRangesResult](w, w.acts.ChunkRanges, syncapi.ChunkRangesInput{
		Kind: codes.KindRoster, TenantID: tenant, RunID: p.in.RunID, Size: 100, OnlyUser: user})
	for _, rg := range p.chunks.Ranges {
		p.planned = append(p.planned, must[syncapi.PlanResult](w, w.acts.PlanRosterChunk, p.chunkInput(rg)))
		p.pending = append(p.pending, must[[]int64](w, w.acts.PendingRecords, syncapi.PendingInput{
			Kind: codes.KindRoster, TenantID: tenant, RunID: p.in.RunID, Range: rg})...)
	}
	return p
}

// A one-user run decides that user alone against everything the whole
// roster says: the checks that need every HRMOS user (a 社員番号 or
// 氏名+メール shared with another user, a 社員番号 another user holds) see
// the users the run staged but does not sync. Each case is its own tenant
// and HRMOS company; x is the user synced.
func TestOneUserRunDecidesThatUserWithTheWholeRoster(t *testing.T) {
	w := newWorld(t, worldOptions{})
	cases := []struct {
		name string
		// edit changes the company before it is served; x and y are two
		// employed users with a 社員番号 and an email, x the one synced.
		edit func(c *hrmossim.Company, x, y *hrmossim.User)
		// mediment adds employees to the tenant before the run.
		mediment        func(tenant string, x, y hrmossim.User)
		outcome, reason string
	}{
		{
			name:    "a new hire is created",
			outcome: string(codes.Created), reason: codes.ReasonNewEmployee,
		},
		{
			name: "its 社員番号 shared with another HRMOS user",
			edit: func(_ *hrmossim.Company, x, y *hrmossim.User) { y.Number = x.Number },
			// The other user is in no range of the run: only the staging of
			// the whole list can tell.
			outcome: string(codes.Error), reason: codes.ReasonDuplicateInHRMOS,
		},
		{
			name: "its 氏名+メール shared with another HRMOS user, and no 社員番号",
			edit: func(_ *hrmossim.Company, x, y *hrmossim.User) {
				x.Number = hrmossim.OptString{}
				y.LastName, y.FirstName, y.Email = x.LastName, x.FirstName, x.Email
			},
			outcome: string(codes.Error), reason: codes.ReasonDuplicateInHRMOS,
		},
		{
			name: "mediment's employee of its 氏名+メール holds another HRMOS user's 社員番号",
			// The retiree's old account of a rehire: the other HRMOS user's
			// 社員番号 marks it as that user's, so x is not matched to it.
			mediment: func(tenant string, x, y hrmossim.User) {
				testdb.Exec(w.t, w.store, `INSERT INTO employees (tenant_id, employee_number, last_name, first_name, email)
					VALUES ($1, $2, $3, $4, $5)`, tenant, y.Number.Value, x.LastName.Value, x.FirstName.Value, x.Email.Value)
			},
			outcome: string(codes.Created), reason: codes.ReasonNewEmployee,
		},
		{
			name: "mediment has it by 社員番号",
			mediment: func(tenant string, x, _ hrmossim.User) {
				testdb.Exec(w.t, w.store, `INSERT INTO employees (tenant_id, employee_number) VALUES ($1, $2)`, tenant, x.Number.Value)
			},
			outcome: string(codes.Updated), reason: codes.ReasonMatchedByNumber,
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tenant := "one" + string(rune('a'+i))
			var x, y hrmossim.User
			c := w.companyWith(tenant+"-co", 30, func(c *hrmossim.Company) {
				// x in the middle, y far from it: were the run to read only
				// a neighbourhood of x, it would miss y.
				xi, yi := employedWithNumber(t, c, 12), employedWithNumber(t, c, 0)
				if tc.edit != nil {
					tc.edit(c, &c.Users[xi], &c.Users[yi])
				}
				x, y = c.Users[xi], c.Users[yi]
			})
			w.connect(tenant, c)
			if tc.mediment != nil {
				tc.mediment(tenant, x, y)
			}
			before := w.count(`SELECT count(*) FROM employees WHERE tenant_id = $1`, tenant)

			p := w.planOneUser(tenant, x.ID)
			if len(p.chunks.Ranges) != 1 || p.chunks.Ranges[0] != (syncapi.Range{First: x.ID, Last: x.ID}) || p.chunks.Staged != len(c.Users) {
				t.Fatalf("chunks = %+v, want the one range of user %d among %d staged", p.chunks, x.ID, len(c.Users))
			}
			if len(p.planned) != 1 || p.planned[0].Records != 1 {
				t.Fatalf("planned = %+v, want one record", p.planned)
			}
			if tc.outcome == string(codes.Created) || tc.outcome == string(codes.Updated) {
				// The plan left its decision for the write (store's planned
				// writes), so the write is one statement.
				if n := w.count(`SELECT count(*) FROM sync_run_writes WHERE sync_run_id = $1`, p.in.RunID); n != 1 {
					t.Errorf("%d planned writes, want the one of user %d", n, x.ID)
				}
			}
			for _, id := range p.pending {
				must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
			}
			res := must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: tenant, RunID: p.in.RunID,
				Status: codes.RunCompleted, Fetched: p.fetched.Fetched, Staged: 1})
			if res.Status != codes.RunCompleted || res.Fetched != len(c.Users) {
				t.Errorf("run = %+v, want completed with %d fetched", res, len(c.Users))
			}
			items, err := w.store.Items(t.Context(), store.RunRef{TenantID: tenant, RunID: p.in.RunID})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].HRMOSUserID != x.ID || items[0].Outcome != tc.outcome || items[0].ReasonCode != tc.reason {
				t.Fatalf("items = %+v, want one for user %d: %s (%s)", items, x.ID, tc.outcome, tc.reason)
			}
			after := w.count(`SELECT count(*) FROM employees WHERE tenant_id = $1`, tenant)
			if want := before + map[bool]int{true: 1}[tc.outcome == string(codes.Created)]; after != want {
				t.Errorf("%d employees after the run, want %d", after, want)
			}
			if n := w.count(`SELECT count(*) FROM employees WHERE tenant_id = $1 AND hrmos_user_id IS NOT NULL AND hrmos_user_id <> $2`, tenant, x.ID); n != 0 {
				t.Errorf("%d employees linked to another HRMOS user, want none", n)
			}
		})
	}
}

// A user ID HRMOS does not list gives no range: the workflow fails the run
// naming it. The run still counts what it staged, so a staging that went
// missing is told apart from a user that is not there.
func TestOneUserRunOfAUserHRMOSDoesNotList(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 10)
	w.connect("acme", c)
	p := w.planOneUser("acme", 999_999)
	if len(p.chunks.Ranges) != 0 || p.chunks.Staged != 10 {
		t.Fatalf("chunks = %+v, want no range and 10 staged", p.chunks)
	}
}

// A one-user run that wrote is no "run of this kind that wrote" for the
// mass-change guard: the tenant's first full sync is still a first sync,
// held if it matches few of mediment's employees. A full run that wrote
// ends the first sync, as before.
func TestOneUserRunLeavesTheTenantsFirstSyncFirst(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.company("acme-co", 10)
	w.connect("acme", c)
	x := c.Users[employedWithNumber(t, c, 0)]

	p := w.planOneUser("acme", x.ID)
	if !p.started.FirstSync {
		t.Fatal("the tenant's first run is not a first sync")
	}
	for _, id := range p.pending {
		must[syncapi.RecordResult](w, w.acts.SyncEmployee, p.record(id))
	}
	res := must[syncapi.RunResult](w, w.acts.FinishRun, syncapi.FinishRunInput{TenantID: "acme", RunID: p.in.RunID,
		Status: codes.RunCompleted, Fetched: p.fetched.Fetched, Staged: 1})
	if res.Created != 1 {
		t.Fatalf("one-user run = %+v, want 1 created", res)
	}
	row, err := w.store.Run(t.Context(), store.RunRef{TenantID: "acme", RunID: p.in.RunID})
	if err != nil {
		t.Fatal(err)
	}
	if row.OnlyHRMOSUserID == nil || *row.OnlyHRMOSUserID != x.ID {
		t.Errorf("the run's row names user %v, want %d", row.OnlyHRMOSUserID, x.ID)
	}

	full := w.syncRoster("acme")
	if !full.started.FirstSync {
		t.Fatal("after a one-user run, the first full sync is not a first sync")
	}
	again := w.planRun("acme", codes.KindRoster, "")
	if again.started.FirstSync {
		t.Error("after a full sync that wrote, the next run is still a first sync")
	}
}
