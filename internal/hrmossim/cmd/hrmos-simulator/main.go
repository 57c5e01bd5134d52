// Command hrmos-simulator serves a generated HRMOS勤怠 company over HTTP, so
// the sync engine can be run and demonstrated without a real tenant.
//
//	go run ./internal/hrmossim/cmd/hrmos-simulator -users 500 -rate-limit 120
//
// Point the engine's HRMOS_BASE_URL at the printed base URL and connect with
// the printed company ID and API key. Faults can be switched on while it
// runs, e.g.
//
//	curl -X POST localhost:8089/_sim/faults -d '{"fail_next_n":3,"fail_status":503}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mediment/hrmos-sync/internal/hrmossim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hrmos-simulator:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr      = flag.String("addr", "127.0.0.1:8089", "listen address")
		company   = flag.String("company", "demo", "company ID (case-sensitive)")
		users     = flag.Int("users", 200, "number of employees to generate")
		seed      = flag.Uint64("seed", 1, "generation seed; the same seed gives the same company")
		messy     = flag.Bool("messy", true, "generate the dirty data real tenants have (see hrmossim.MessyAll)")
		months    = flag.String("months", "", "comma-separated YYYY-MM months with monthly reports (default: the 3 months before this one, JST)")
		rateLimit = flag.Int("rate-limit", 0, "requests per company per sliding minute; 0 = unlimited")
		key       = flag.String("key", "", "API key (default: derived from -seed)")
		verbose   = flag.Bool("v", false, "log every request")
	)
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

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
	spec := hrmossim.GenerateSpec{
		CompanyID: *company, APIKey: *key, Users: *users, Seed: *seed,
		Months: monthList, Now: now,
	}
	if *messy {
		spec.Messy = hrmossim.MessyAll()
	}
	generated, err := hrmossim.Generate(spec)
	if err != nil {
		return err
	}

	sim := hrmossim.New(hrmossim.Options{RateLimitPerMinute: *rateLimit, Logger: logger})
	if err := sim.AddCompany(generated); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}

	fmt.Printf("HRMOS simulator ready\n")
	fmt.Printf("  base URL:   http://%s/api\n", ln.Addr())
	fmt.Printf("  company ID: %s\n", generated.ID)
	fmt.Printf("  API key:    %s\n", generated.APIKey)
	fmt.Printf("  employees:  %d, monthly reports: %s\n", len(generated.Users), strings.Join(generated.Months(), ", "))
	fmt.Printf("  faults:     GET/POST http://%s/_sim/faults\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
