package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/internal/harness"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

// simulator is the HRMOS simulator a size or the wave runs against.
type simulator interface {
	BaseURL() string
	// Keys maps each company ID to its API key.
	Keys() map[string]string
	// Mutate changes a synced field of percent % of a company's users.
	Mutate(ctx context.Context, company string, percent int, seed uint64) error
	// Throttled counts requests answered 429 so far (-1: unknown).
	Throttled() int
	Stop()
}

type simSpec struct {
	company   string
	users     int
	companies int // > 0: "<company>-001".."<company>-<N>", each with users
	extra     map[string]int
	rateLimit int
	seed      uint64
	months    []string
	dir       string
}

// startSimulator runs the simulator binary when it has what the run needs
// (several companies need -companies and -keys-out, a 5% change needs
// POST /_sim/companies/{c}/mutate, which comes with them), else serves the
// same generated companies in this process with internal/hrmossim and says
// so in note.
func startSimulator(ctx context.Context, mode, bin string, s simSpec, needMutate bool) (sim simulator, note string, err error) {
	flags := harness.SimulatorFlags(ctx, bin)
	binaryCan := flags["companies"] && flags["keys-out"] && len(s.extra) == 0
	if s.companies == 0 && !needMutate {
		binaryCan = true
	}
	switch {
	case mode == "binary" || (mode == "auto" && binaryCan):
		hs, err := harness.StartSimulator(ctx, harness.SimulatorSpec{
			Bin: bin, Company: s.company, Users: s.users, Seed: s.seed, Companies: s.companies,
			RateLimit: s.rateLimit, Months: strings.Join(s.months, ","), Dir: s.dir,
		})
		if err != nil {
			return nil, "", err
		}
		return &binarySim{hs}, "simulator: the hrmos-simulator binary", nil
	default:
		why := "in this process (-sim inprocess)"
		if mode == "auto" {
			why = "in this process: the binary serves companies of one size only, and this run adds a bigger one"
			if !flags["companies"] || !flags["keys-out"] {
				why = "in this process: this simulator binary has no -companies/-keys-out flags"
			}
		}
		ls, err := startLibSim(s)
		if err != nil {
			return nil, "", err
		}
		return ls, "simulator: internal/hrmossim " + why, nil
	}
}

type binarySim struct{ s *harness.Simulator }

func (b *binarySim) BaseURL() string         { return b.s.BaseURL }
func (b *binarySim) Keys() map[string]string { return b.s.Keys }
func (b *binarySim) Mutate(ctx context.Context, company string, percent int, seed uint64) error {
	return b.s.Mutate(ctx, company, percent, seed)
}
func (b *binarySim) Throttled() int { return -1 }
func (b *binarySim) Stop()          { b.s.Stop() }

// libSim serves generated companies from this process.
type libSim struct {
	sim  *hrmossim.Server
	srv  *http.Server
	url  string
	keys map[string]string
}

func startLibSim(s simSpec) (*libSim, error) {
	sim := hrmossim.New(hrmossim.Options{RateLimitPerMinute: s.rateLimit})
	ls := &libSim{sim: sim, keys: map[string]string{}}
	add := func(id string, users int, seed uint64) error {
		c, err := hrmossim.Generate(hrmossim.GenerateSpec{
			CompanyID: id, Users: users, Seed: seed, Messy: hrmossim.MessyAll(), Months: s.months, Now: time.Now(),
		})
		if err != nil {
			return err
		}
		ls.keys[id] = c.APIKey
		return sim.AddCompany(c)
	}
	if s.companies == 0 {
		if err := add(s.company, s.users, s.seed); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= s.companies; i++ {
		if err := add(fmt.Sprintf("%s-%03d", s.company, i), s.users, s.seed+uint64(i)); err != nil {
			return nil, err
		}
	}
	for id, users := range s.extra {
		if err := add(id, users, s.seed+10_000); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ls.url = "http://" + ln.Addr().String() + "/api"
	ls.srv = &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ls.srv.Serve(ln) }()
	return ls, nil
}

func (l *libSim) BaseURL() string         { return l.url }
func (l *libSim) Keys() map[string]string { return l.keys }
func (l *libSim) Stop()                   { _ = l.srv.Close() }

// Mutate changes a synced field of percent % of the company's users
// (chosen by seed), as the binary's mutate endpoint does.
func (l *libSim) Mutate(_ context.Context, company string, percent int, seed uint64) error {
	_, err := l.sim.MutateUsers(company, float64(percent), seed)
	return err
}

// Throttled counts the requests the simulator's rate limit refused.
func (l *libSim) Throttled() int { return int(l.sim.Throttled()) }
