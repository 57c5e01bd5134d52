package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/workflows"
)

// A rehired employee has two HRMOS accounts: the retiree's old one (社員番号
// A, 退職日 in the past) and the new one (社員番号 B, active), with the same
// 氏名 and メールアドレス. Matching by 氏名+メール must not tie them together:
// the new account is an employee of its own.
func TestRehiredEmployeeSyncs(t *testing.T) {
	e := newEnv(t)
	const oldID, newID = 101, 202
	retired := time.Now().AddDate(-2, 0, 0).Format(time.DateOnly)
	rehired := time.Now().AddDate(0, -1, 0).Format(time.DateOnly)
	oldAccount := func(c *hrmossim.Company) hrmossim.User {
		return withStartDate(hrmosUser(c, oldID, "R0001", "鈴木", "一郎", "ichiro.suzuki@example.co.jp"), "2015-04-01")
	}
	newAccount := func(c *hrmossim.Company) hrmossim.User {
		return withStartDate(hrmosUser(c, newID, "R0099", "鈴木", "一郎", "ichiro.suzuki@example.co.jp"), rehired)
	}
	employees := func(tenant string) map[int64]employeeRow {
		t.Helper()
		rows, err := e.store.Pool().Query(context.Background(), `SELECT id FROM employees WHERE tenant_id = $1`, tenant)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		byUser := map[int64]employeeRow{}
		for _, id := range ids {
			r := e.employee(tenant, id)
			if r.HRMOSUserID == nil {
				t.Fatalf("employee %d of %s is linked to no HRMOS user: %+v", id, tenant, r)
			}
			byUser[*r.HRMOSUserID] = r
		}
		return byUser
	}
	expect := func(items map[int64]store.Item, id int64, outcome codes.Outcome, code string) {
		t.Helper()
		if it := items[id]; codes.Outcome(it.Outcome) != outcome || it.ReasonCode != code {
			t.Errorf("HRMOS user %d: %s/%s (%s), want %s/%s", id, it.Outcome, it.ReasonCode, it.Reason, outcome, code)
		}
	}

	t.Run("on an empty tenant the new account is created and the old one skipped", func(t *testing.T) {
		c := e.companyWith(hrmossim.GenerateSpec{CompanyID: "rehire-new", Seed: 23}, func(c *hrmossim.Company) {
			c.Users = append(c.Users, withEndDate(oldAccount(c), retired), newAccount(c))
		})
		e.mustConnect("rehire-new", "rehire-new", c.APIKey)
		run := e.mustRoster(workflows.RosterSyncInput{TenantID: "rehire-new"})
		items := e.items(run)
		expect(items, newID, codes.Created, codes.ReasonNewEmployee)
		expect(items, oldID, codes.Skipped, codes.ReasonRetiredNotInMediment)
		got := employees("rehire-new")
		if len(got) != 1 || got[newID].Number == nil || *got[newID].Number != "R0099" || got[newID].Retirement != nil {
			t.Fatalf("employees by HRMOS user = %+v, want only the new account's", got)
		}
	})

	t.Run("with the old account in mediment the new one is created too", func(t *testing.T) {
		// Synced while the first employment lasted: linked to the old account.
		c := e.companyWith(hrmossim.GenerateSpec{CompanyID: "rehire-old", Seed: 29}, func(c *hrmossim.Company) {
			c.Users = append(c.Users, oldAccount(c))
		})
		e.mustConnect("rehire-old", "rehire-old", c.APIKey)
		e.mustRoster(workflows.RosterSyncInput{TenantID: "rehire-old"})
		before := employees("rehire-old")[oldID]

		// Retired, then rehired under a new account.
		for _, u := range []hrmossim.User{withEndDate(oldAccount(c), retired), newAccount(c)} {
			if err := e.sim.PutUser("rehire-old", u); err != nil {
				t.Fatal(err)
			}
		}
		run := e.mustRoster(workflows.RosterSyncInput{TenantID: "rehire-old"})
		items := e.items(run)
		expect(items, newID, codes.Created, codes.ReasonNewEmployee)
		expect(items, oldID, codes.Updated, codes.ReasonMatchedByNumber)
		if !slices.Contains(items[oldID].NeedsAttention, "retirement_date") {
			t.Errorf("the old account's item %+v does not ask to delete the retiree by hand", items[oldID])
		}
		got := employees("rehire-old")
		old, rehire := got[oldID], got[newID]
		if len(got) != 2 || old.ID != before.ID || old.Retirement == nil || *old.Retirement != retired ||
			rehire.Number == nil || *rehire.Number != "R0099" || rehire.Retirement != nil {
			t.Fatalf("employees by HRMOS user = %+v, want the retiree (employee %d, retired %s) and the new account", got, before.ID, retired)
		}
	})
}
