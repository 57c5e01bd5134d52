package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	// schollz/progressbar: one small, widely used pure-Go package (it brings
	// only x/term, already ours, mitchellh/colorstring and rivo/uniseg) that
	// redraws a single line in place, fits it to the terminal's width, keeps
	// a spinner while the total is unknown (fetching) and lets the total
	// and the description change as the run moves through its phases. The
	// alternatives either draw several bars at once (mpb, more than one run
	// needs) or belong to a full TUI framework (bubbletea), far more than
	// one line of progress needs.
	"github.com/schollz/progressbar/v3"
	"go.temporal.io/sdk/client"
	"golang.org/x/term"

	"github.com/mediment/hrmos-sync/internal/review"
	"github.com/mediment/hrmos-sync/workflows"
)

// How `starter … --wait` follows a run: it asks the workflow's "progress"
// query about once a second and draws a bar of Progress.Done over
// Progress.Total on stderr when stderr is a terminal, or prints a plain line
// when something changed (at most every plainEvery) otherwise, so a log of
// a scripted run stays short. The result still comes from the workflow and
// the history row, as before.
const (
	pollEvery  = time.Second
	plainEvery = 10 * time.Second
	// noAnswerAfter is how long without any answer before it says so.
	noAnswerAfter = 15 * time.Second
)

// progressView shows a run's progress as it goes.
type progressView interface {
	show(p workflows.Progress)
	// say prints a line of its own (the bar is redrawn below it).
	say(format string, args ...any)
	finish(completed bool)
}

// followRun waits for a run's result and shows its progress meanwhile.
func followRun(ctx context.Context, c client.Client, run client.WorkflowRun, result any, w io.Writer, tenant, taskQueue string) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, result) }()

	view := newProgressView(w)
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	started := time.Now()
	answered, warned, approvalShown := false, false, false
	for {
		p, err := queryProgress(ctx, c, run.GetID(), run.GetRunID())
		switch {
		case err != nil:
			if !answered && !warned && time.Since(started) > noAnswerAfter {
				view.say("No worker has answered yet: is a worker running on task queue %s? (still waiting)", taskQueue)
				warned = true
			}
		default:
			answered = true
			if p.AwaitingApproval && !approvalShown {
				view.say("The mass-change guard holds this run: %s.", p.ApprovalReason)
				view.say("It writes nothing until approved. Review what it would do:  starter runs show --tenant %s --run %s", tenant, run.GetRunID())
				view.say("Approve it:  starter approve --tenant %s --run %s   (or the Temporal UI: Signal %q, input {\"by\":\"your name\"})",
					tenant, run.GetRunID(), workflows.ApproveSignal)
				view.say("Or reject it, writing nothing:  starter reject --tenant %s --run %s --reason \"<why>\"   (or Signal %q, input {\"by\":\"your name\",\"reason\":\"why\"})",
					tenant, run.GetRunID(), workflows.RejectSignal)
			}
			approvalShown = p.AwaitingApproval
			view.show(p)
		}
		select {
		case err := <-done:
			view.finish(err == nil)
			return err
		case <-ticker.C:
		}
	}
}

func newProgressView(w io.Writer) progressView {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barView{w: w}
	}
	return &lineView{w: w}
}

// barView draws one line in place.
type barView struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
}

func (v *barView) show(p workflows.Progress) {
	total := p.Total
	if total <= 0 {
		total = -1 // a spinner until the total is known
	}
	if v.bar == nil {
		v.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(v.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionSetDescription(review.PhaseLabel(p)))
		v.total = total
	}
	if total != v.total {
		v.bar.ChangeMax(total)
		v.total = total
	}
	v.bar.Describe(review.PhaseLabel(p))
	_ = v.bar.Set(p.Done)
}

func (v *barView) say(format string, args ...any) {
	if v.bar != nil {
		_ = v.bar.Clear()
	}
	fmt.Fprintf(v.w, format+"\n", args...)
}

func (v *barView) finish(completed bool) {
	if v.bar == nil {
		return
	}
	if completed && v.total > 0 {
		_ = v.bar.Finish()
	} else {
		_ = v.bar.Exit()
	}
	fmt.Fprintln(v.w)
}

// lineView prints plain lines, for logs and pipes.
type lineView struct {
	w         io.Writer
	phase     string
	done      int
	lastPrint time.Time
}

func (v *lineView) show(p workflows.Progress) {
	changed := p.Phase != v.phase
	if !changed && (p.Done == v.done || time.Since(v.lastPrint) < plainEvery) {
		return
	}
	v.phase, v.done, v.lastPrint = p.Phase, p.Done, time.Now()
	fmt.Fprintln(v.w, review.FollowLine(v.lastPrint, p))
}

func (v *lineView) say(format string, args ...any) { fmt.Fprintf(v.w, format+"\n", args...) }

func (v *lineView) finish(bool) {}
