// Command hrmos-simulator serves generated HRMOS勤怠 companies over HTTP, so
// the sync engine can be run, demonstrated and benchmarked without a real
// tenant: point HRMOS_BASE_URL at the printed base URL and connect with the
// printed company ID and API key. With -companies 200 -keys-out keys.json it
// serves "demo-001" … "demo-200" and writes {"demo-001": "<key>", …}. Faults
// can be switched on while it runs (hrmossim's registerAdmin), e.g.
//
//	curl -X POST localhost:8089/_sim/faults -d '{"fail_next_n":3,"fail_status":503}'
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
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

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
	spec := hrmossim.GenerateSpec{CompanyID: *company, APIKey: *key, Users: *users, Seed: *seed, Now: now, Months: defaultMonths(now)}
	if *months != "" {
		spec.Months = strings.FieldsFunc(*months, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	}
	if *messy {
		spec.Messy = hrmossim.MessyAll()
	}
	specs := []hrmossim.GenerateSpec{spec}
	if *companies > 0 {
		specs = specs[:0]
		for i := range *companies {
			spec.CompanyID, spec.Seed = fmt.Sprintf("%s-%0*d", *company, max(3, len(fmt.Sprint(*companies))), i+1), *seed+uint64(i)
			specs = append(specs, spec)
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
		b, _ := json.MarshalIndent(keys, "", "  ")
		if err := os.WriteFile(*keysOut, append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("write keys: %w", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	first, last := generated[0], generated[len(generated)-1]
	fmt.Fprintf(stdout, "HRMOS simulator ready\n  base URL:   http://%s/api\n", ln.Addr())
	if len(generated) == 1 {
		fmt.Fprintf(stdout, "  company ID: %s\n  API key:    %s\n  employees:  %d, monthly reports: %s\n",
			first.ID, first.APIKey, len(first.Users), strings.Join(first.Months(), ", "))
	} else {
		fmt.Fprintf(stdout, "  companies:  %d, %s … %s\n  employees:  %d each, monthly reports: %s\n",
			len(generated), first.ID, last.ID, *users, strings.Join(first.Months(), ", "))
	}
	if *keysOut != "" {
		fmt.Fprintf(stdout, "  API keys:   %s\n", *keysOut)
	}
	fmt.Fprintf(stdout, "  faults:     GET/POST http://%s/_sim/faults\n", ln.Addr())

	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	shutdown := make(chan error, 1)
	context.AfterFunc(ctx, func() {
		logger.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shutdown <- srv.Shutdown(shutdownCtx)
	})
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := <-shutdown; err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// generate builds the companies on every core (200 companies of 1,000
// employees: about 15 s and 500 MB on two busy cores).
func generate(specs []hrmossim.GenerateSpec) ([]*hrmossim.Company, error) {
	out, errs := make([]*hrmossim.Company, len(specs)), make([]error, len(specs))
	var wg sync.WaitGroup
	for i := range specs {
		wg.Go(func() { out[i], errs[i] = hrmossim.Generate(specs[i]) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// defaultMonths are the three calendar months before now's month, in Japan.
func defaultMonths(now time.Time) []string {
	y, m, _ := now.In(time.FixedZone("JST", 9*60*60)).Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return []string{first.AddDate(0, -3, 0).Format("2006-01"), first.AddDate(0, -2, 0).Format("2006-01"), first.AddDate(0, -1, 0).Format("2006-01")}
}
