// Command hrmos-simulator serves generated HRMOS勤怠 companies over HTTP, so
// the sync engine can be run, demonstrated and benchmarked without a real
// tenant.
//
//	go run ./internal/hrmossim/cmd/hrmos-simulator -users 500 -rate-limit 120
//
// Point the engine's HRMOS_BASE_URL at the printed base URL and connect with
// the printed company ID and API key. For a benchmark, serve many companies
// and write their keys to a file:
//
//	go run ./internal/hrmossim/cmd/hrmos-simulator -companies 200 -users 1000 -keys-out keys.json
//
// serves "demo-001" … "demo-200" and writes {"demo-001": "<key>", …}.
// Faults can be switched on while it runs (see hrmossim's registerAdmin), e.g.
//
//	curl -X POST localhost:8089/_sim/faults -d '{"fail_next_n":3,"fail_status":503}'
//	curl -X POST localhost:8089/_sim/companies/demo-001/mutate -d '{"percent":5,"seed":1}'
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hrmos-simulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hrmos-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8089", "listen address")
		company   = fs.String("company", "demo", "company ID (case-sensitive); with -companies, the prefix of each ID")
		companies = fs.Int("companies", 0, "serve this many companies, <company>-001 … (0: just <company>)")
		users     = fs.Int("users", 200, "number of employees to generate per company")
		seed      = fs.Uint64("seed", 1, "generation seed; the same seed gives the same company (company i uses seed+i-1)")
		messy     = fs.Bool("messy", true, "generate the dirty data real tenants have (see hrmossim.MessyAll)")
		months    = fs.String("months", "", "comma-separated YYYY-MM months with monthly reports (default: the 3 months before this one, JST)")
		rateLimit = fs.Int("rate-limit", 0, "requests per company per sliding minute; 0 = unlimited")
		key       = fs.String("key", "", "API key (default: derived from -seed); not with -companies")
		keysOut   = fs.String("keys-out", "", "write a JSON object {company ID: API key} to this file")
		verbose   = fs.Bool("v", false, "log every request")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *companies < 0 || (*companies > 0 && *key != "") {
		return errors.New("-companies must be positive and cannot be combined with -key")
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	now := time.Now()
	monthList := defaultMonths(now)
	if *months != "" {
		monthList = nil
		for m := range strings.SplitSeq(*months, ",") {
			if m = strings.TrimSpace(m); m != "" {
				monthList = append(monthList, m)
			}
		}
	}
	specs := []hrmossim.GenerateSpec{{CompanyID: *company, APIKey: *key, Users: *users, Seed: *seed, Months: monthList, Now: now}}
	if *companies > 0 {
		specs = specs[:0]
		width := max(3, len(fmt.Sprint(*companies)))
		for i := range *companies {
			specs = append(specs, hrmossim.GenerateSpec{
				CompanyID: fmt.Sprintf("%s-%0*d", *company, width, i+1),
				Users:     *users, Seed: *seed + uint64(i), Months: monthList, Now: now,
			})
		}
	}
	for i := range specs {
		if *messy {
			specs[i].Messy = hrmossim.MessyAll()
		}
	}
	generated, err := generate(specs)
	if err != nil {
		return err
	}

	sim := hrmossim.New(hrmossim.Options{RateLimitPerMinute: *rateLimit, Logger: logger})
	keys := make(map[string]string, len(generated))
	for _, c := range generated {
		keys[c.ID] = c.APIKey
		if err := sim.AddCompany(c); err != nil {
			return err
		}
	}
	if *keysOut != "" {
		b, err := json.MarshalIndent(keys, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*keysOut, append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("write keys: %w", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}

	first := generated[0]
	fmt.Fprintf(stdout, "HRMOS simulator ready\n")
	fmt.Fprintf(stdout, "  base URL:   http://%s/api\n", ln.Addr())
	if len(generated) == 1 {
		fmt.Fprintf(stdout, "  company ID: %s\n", first.ID)
		fmt.Fprintf(stdout, "  API key:    %s\n", first.APIKey)
		fmt.Fprintf(stdout, "  employees:  %d, monthly reports: %s\n", len(first.Users), strings.Join(first.Months(), ", "))
	} else {
		fmt.Fprintf(stdout, "  companies:  %d, %s … %s\n", len(generated), first.ID, generated[len(generated)-1].ID)
		fmt.Fprintf(stdout, "  employees:  %d each, monthly reports: %s\n", *users, strings.Join(first.Months(), ", "))
	}
	if *keysOut != "" {
		fmt.Fprintf(stdout, "  API keys:   %s\n", *keysOut)
	}
	fmt.Fprintf(stdout, "  faults:     GET/POST http://%s/_sim/faults\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// generate builds the companies on every core (200 companies of 1,000
// employees: about 15 s and 500 MB on two busy cores).
func generate(specs []hrmossim.GenerateSpec) ([]*hrmossim.Company, error) {
	out := make([]*hrmossim.Company, len(specs))
	errs := make([]error, len(specs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = hrmossim.Generate(specs[i])
			}
		})
	}
	for i := range specs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// defaultMonths are the three calendar months before now's month, in Japan.
func defaultMonths(now time.Time) []string {
	jst := time.FixedZone("JST", 9*60*60)
	y, m, _ := now.In(jst).Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, jst)
	out := make([]string, 0, 3)
	for i := 3; i >= 1; i-- {
		out = append(out, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	return out
}
