package hrmossim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// MutateUsers changes one synced field of percent % of the company's active
// users (rounded; retirees are left alone), as a day of HR edits would: a
// new department, a corrected family-name kana, or an e-mail moved to the
// other company domain. Each changed user's updated_at becomes the clock's
// now. The choice of users and fields depends only on seed and the current
// data. It returns how many users changed; benchmarks use it to measure an
// incremental sync.
func (s *Server) MutateUsers(companyID string, percent float64, seed uint64) (int, error) {
	if math.IsNaN(percent) || percent < 0 || percent > 100 {
		return 0, fmt.Errorf("company %q: mutate %v%% of users: want 0 to 100", companyID, percent)
	}
	now := s.clock.Now().Truncate(time.Second)
	today := civilOf(now).String()
	changed := 0
	err := s.changeCompany(companyID, func(c *Company) error {
		var active []int
		for i, u := range c.Users {
			if u.EndDate.Presence != Present || u.EndDate.Value == "" || u.EndDate.Value >= today {
				active = append(active, i)
			}
		}
		rng := rand.New(rand.NewPCG(seed, streamMutate))
		n := int(math.Round(float64(len(active)) * percent / 100))
		for _, k := range rng.Perm(len(active))[:n] {
			u := c.Users[active[k]]
			mutateUser(&u, c, rng)
			u.UpdatedAt = now
			c.putUser(u) // keeps the old values for PersonalStrings
			changed++
		}
		return nil
	})
	if err == nil {
		s.log.Info("users mutated", "company", companyID, "changed", changed)
	}
	return changed, err
}

// mutateUser changes one synced field of u.
func mutateUser(u *User, c *Company, rng *rand.Rand) {
	switch rng.IntN(3) {
	case 0:
		if n := len(c.Departments); n > 1 {
			i := rng.IntN(n)
			if c.Departments[i].ID == u.DepartmentID.Value && u.DepartmentID.Presence == Present {
				i = (i + 1 + rng.IntN(n-1)) % n // any other
			}
			u.DepartmentID = Int(c.Departments[i].ID)
			return
		}
		fallthrough
	case 1:
		kana := familyNames[rng.IntN(len(familyNames))].kana
		if kana == u.LastNameKana.Value {
			kana += "ー"
		}
		u.LastNameKana = Str(kana)
	default:
		email := u.Email.Value
		switch {
		case u.Email.Presence != Present || email == "":
			email = "user" + strconv.FormatInt(u.ID, 10) + "@example.co.jp"
		case strings.HasSuffix(email, "@example.co.jp"):
			email = strings.TrimSuffix(email, ".co.jp") + ".jp"
		default:
			local, _, _ := strings.Cut(email, "@")
			email = local + "@example.co.jp"
		}
		u.Email = Str(email)
	}
}
