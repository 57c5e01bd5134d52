package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/mediment/hrmos-sync/internal/harness"
)

// PrintSize prints one size's table.
func PrintSize(w io.Writer, sr *SizeReport) {
	fmt.Fprintf(w, "\n%d employees (%s; took %s)\n", sr.Employees, sr.Simulator, sr.Took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tstatus\twall time\temployees/s\tworker peak RSS\tlargest history\tstatements/employee\tdirect loop\tratio\t")
	for _, r := range sr.Phases {
		c := r.cells()
		fmt.Fprintln(tw, strings.Join(c, "\t")+"\t")
	}
	tw.Flush()
	for _, r := range sr.Phases {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.Label, r.Note)
		}
	}
	for _, r := range sr.Phases {
		if len(r.Shares) > 0 {
			fmt.Fprintf(w, "  %s, wall time: %s\n", r.Label, formatShares(r.Shares))
		}
		for _, st := range r.TopStatements {
			fmt.Fprintf(w, "    %8.0f ms %7d calls %7.2f ms/call  %s\n", st.TotalMillis, st.Calls, st.MeanMillis, shortQuery(st.Query, 100))
		}
	}
}

// shortQuery is a statement on one line, cut to n bytes at a rune boundary.
func shortQuery(q string, n int) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) <= n {
		return q
	}
	for n > 0 && !utf8.RuneStart(q[n]) {
		n--
	}
	return q[:n] + "…"
}

func (r PhaseResult) cells() []string {
	stmts := "—"
	if r.StatementsPerRecord >= 0 {
		stmts = fmt.Sprintf("%.1f", r.StatementsPerRecord)
	}
	direct, ratio := "—", "—"
	if r.DirectStatus == "completed" {
		direct = dur(r.DirectWall)
		ratio = fmt.Sprintf("%.2f", r.Ratio)
	} else if r.DirectStatus != "" {
		direct = r.DirectStatus
	}
	perSec, hist := "—", "—"
	if r.PerSecond > 0 {
		perSec = fmt.Sprintf("%.0f", r.PerSecond)
	}
	if r.LargestHistory > 0 {
		hist = fmt.Sprintf("%d events (%d workflows)", r.LargestHistory, r.Workflows)
	}
	return []string{r.Label, r.Status, dur(r.Wall), perSec, mb(r.PeakRSS), hist, stmts, direct, ratio}
}

func dur(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// PrintWave prints the wave's figures.
func PrintWave(w io.Writer, wr *WaveReport) {
	fmt.Fprintf(w, "\nwave: %d tenants × %d employees%s started at once (%s; simulator limit %d requests/min per company)\n",
		wr.Tenants, wr.Employees, bigNote(wr.Big), wr.Simulator, wr.RateLimit)
	fmt.Fprintf(w, "  wall time %s; small tenants: fastest %s, median %s, 90th percentile %s, slowest %s\n",
		dur(wr.Wall), dur(wr.Fastest), dur(wr.Median), dur(wr.P90), dur(wr.Slowest))
	if wr.Big > 0 {
		fmt.Fprintf(w, "  the big tenant (%d employees): %s\n", wr.Big, dur(wr.BigTook))
	}
	throttled := "unknown (the simulator binary does not report statuses)"
	if wr.Throttled >= 0 {
		throttled = fmt.Sprint(wr.Throttled)
	}
	fmt.Fprintf(w, "  completed %d, failed %d; HRMOS 429 answers: %s; worker peak RSS %s", wr.Completed, len(wr.Failed), throttled, mb(wr.PeakRSS))
	if wr.StatementsPerRecord >= 0 {
		fmt.Fprintf(w, "; %.1f statements/record", wr.StatementsPerRecord)
	}
	fmt.Fprintln(w)
	for _, f := range wr.Failed[:min(10, len(wr.Failed))] {
		fmt.Fprintf(w, "  failed: %s\n", f)
	}
}

// Markdown writes the report as Markdown tables for docs/benchmarks.md.
func Markdown(w io.Writer, r *Report) {
	m := r.Machine
	fmt.Fprintf(w, "Measured %s on %d CPUs, %d MB, %s, PostgreSQL %s, Temporal CLI %s, Linux %s; took %s.\n\n",
		r.Started.Format("2006-01-02"), m.CPUs, m.MemoryMB, m.Go, m.PostgreSQL, m.TemporalCLI, m.Kernel, r.Took.Round(time.Second))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(r.Sizes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| employees | phase | status | wall time | employees/s | worker peak RSS | largest history (workflows) | statements/employee | direct loop | ratio |")
		fmt.Fprintln(w, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, s := range r.Sizes {
			for _, p := range s.Phases {
				c := p.cells()
				fmt.Fprintf(w, "| %d | %s |\n", s.Employees, strings.Join(c, " | "))
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Where each phase's wall time went (from the histories: the spans in which a fetch, plan, write or run-recording activity ran; Temporal is the rest):")
		fmt.Fprintln(w)
		fmt.Fprintf(w, "| employees | phase | %s |\n", strings.Join(shareColumns, " | "))
		fmt.Fprintf(w, "|---:|---|%s\n", strings.Repeat("---:|", len(shareColumns)))
		for _, s := range r.Sizes {
			for _, p := range s.Phases {
				if len(p.Shares) == 0 {
					continue
				}
				cells := []string{fmt.Sprint(s.Employees), p.Label}
				for _, share := range shareColumns {
					cells = append(cells, percent(p.Shares[share]))
				}
				fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
			}
		}
		for _, s := range r.Sizes {
			for _, p := range s.Phases {
				if len(p.TopStatements) == 0 {
					continue
				}
				fmt.Fprintf(w, "\nTop statements, %d employees, %s:\n\n", s.Employees, p.Label)
				statementTable(w, p.TopStatements)
			}
		}
		for _, s := range r.Sizes {
			for _, p := range s.Phases {
				if p.Note != "" {
					fmt.Fprintf(w, "\n%d employees, %s: %s\n", s.Employees, p.Label, p.Note)
				}
			}
		}
		fmt.Fprintln(w)
		for _, s := range r.Sizes {
			fmt.Fprintf(w, "%d employees: %s.\n", s.Employees, s.Simulator)
		}
	}
	if wr := r.Wave; wr != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Wave: %d tenants × %d employees%s, each tenant's `ScheduledSync` (roster, then last month's attendance) started at once; %s; simulator limit %d requests/min per company.\n\n",
			wr.Tenants, wr.Employees, bigNote(wr.Big), wr.Simulator, wr.RateLimit)
		fmt.Fprintln(w, "| wave wall time | fastest tenant | median | 90th percentile | slowest tenant | big tenant | completed / failed | HRMOS 429s | worker peak RSS | statements/record |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		big, thr, st := "—", "unknown", "—"
		if wr.Big > 0 {
			big = dur(wr.BigTook)
		}
		if wr.Throttled >= 0 {
			thr = fmt.Sprint(wr.Throttled)
		}
		if wr.StatementsPerRecord >= 0 {
			st = fmt.Sprintf("%.1f", wr.StatementsPerRecord)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d / %d | %s | %s | %s |\n",
			dur(wr.Wall), dur(wr.Fastest), dur(wr.Median), dur(wr.P90), dur(wr.Slowest), big, wr.Completed, len(wr.Failed), thr, mb(wr.PeakRSS), st)
	}
	for _, s := range r.Sizes {
		if len(s.Statements) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nThe worker's statements at %d employees by total time (pg_stat_statements, all phases):\n\n", s.Employees)
		statementTable(w, s.Statements)
	}
}

// statementTable writes statements as a Markdown table, each query cut
// to one line.
func statementTable(w io.Writer, statements []harness.Statement) {
	fmt.Fprintln(w, "| calls | total ms | mean ms | rows | statement |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---|")
	for _, st := range statements {
		fmt.Fprintf(w, "| %d | %.0f | %.2f | %d | `%s` |\n", st.Calls, st.TotalMillis, st.MeanMillis, st.Rows, strings.ReplaceAll(shortQuery(st.Query, 160), "|", "\\|"))
	}
}
