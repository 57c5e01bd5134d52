// Package review is the run review ops read in `starter runs` and
// `starter runs show`: it reads a run from the database (never from
// Temporal: personal values live only in sync_run_changes), classifies its
// outcomes into the 要対応 (needs action) lists, and words it as text or
// JSON. The starter only parses flags, opens the connections and prints what
// this package builds.
//
// Every text and JSON name here is what ops, scripts and mediment's support
// tools read: change the wording only on purpose, never the JSON names.
package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/store"
)

// Listing every record of a 10,000-employee run helps nobody at a
// terminal: by default the per-employee list leaves out unchanged records
// and shows the first DefaultLimit of each outcome, and says how to see
// more. The counts and the 要対応 lists are always complete, and JSON lists
// every record unless told otherwise.
const DefaultLimit = 50

// Query selects what a report lists employee by employee; the 要対応 lists
// are always complete.
type Query struct {
	// Outcomes are listed in this order.
	Outcomes []string
	// Reason, when set, keeps only records with this reason code.
	Reason string
	// Limit caps the records listed per outcome; 0 lists all.
	Limit int
}

// Filters are what ops asked to see, as the starter's flags give them.
type Filters struct {
	// Outcome is --outcome: outcomes, comma-separated, or "all"; empty for
	// the default.
	Outcome string
	// Reason is --reason: one reason code.
	Reason string
	// Limit is --limit, and LimitSet whether it was given at all.
	Limit    int
	LimitSet bool
	// JSON is --json: a script gets every record unless told otherwise.
	JSON bool
	// CSV is --csv: a spreadsheet gets every record unless told otherwise,
	// as a script does.
	CSV bool
}

// Query turns the filters into what to list: by default everything but
// unchanged records, the first DefaultLimit of each outcome; JSON or CSV, or
// a reason code, lists every outcome; JSON and CSV list every record.
func (f Filters) Query() (Query, error) {
	q := Query{Reason: f.Reason, Limit: f.Limit}
	whole := f.JSON || f.CSV
	if !f.LimitSet {
		q.Limit = DefaultLimit
		if whole {
			q.Limit = 0
		}
	}
	if q.Limit < 0 {
		return Query{}, fmt.Errorf("--limit must be 0 (all) or more, not %d", q.Limit)
	}
	switch f.Outcome {
	case "":
		q.Outcomes = defaultOutcomes()
		if whole || f.Reason != "" {
			q.Outcomes = allOutcomes()
		}
	case "all":
		q.Outcomes = allOutcomes()
	default:
		for _, o := range strings.Split(f.Outcome, ",") {
			o = strings.TrimSpace(o)
			if !slices.Contains(allOutcomes(), o) {
				return Query{}, fmt.Errorf("--outcome takes created, updated, unchanged, skipped, error or all, not %q", o)
			}
			if !slices.Contains(q.Outcomes, o) {
				q.Outcomes = append(q.Outcomes, o)
			}
		}
	}
	return q, nil
}

// defaultOutcomes: every outcome but unchanged, the bulk of a run.
func defaultOutcomes() []string {
	return []string{string(codes.Created), string(codes.Updated), string(codes.Skipped), string(codes.Error)}
}

func allOutcomes() []string {
	out := make([]string, len(codes.Outcomes))
	for i, o := range codes.Outcomes {
		out[i] = string(o)
	}
	return out
}

// ValidRunID says whether s can name a run: a run ID that is not a UUID
// names none (and PostgreSQL would refuse it with a less helpful error).
func ValidRunID(s string) bool {
	// Only the plain form: Validate also takes the urn: and braced forms.
	return len(s) == 36 && uuid.Validate(s) == nil
}

// NoRunError is the one sentence for a run the tenant does not have.
func NoRunError(ref store.RunRef) error {
	return fmt.Errorf("tenant %s has no run %s; `starter runs --tenant %s` lists its runs", ref.TenantID, ref.RunID, ref.TenantID)
}

// FindRun reads a run's history row; a run the tenant does not have is
// NoRunError.
func FindRun(ctx context.Context, st *store.Store, ref store.RunRef) (store.Run, error) {
	if !ValidRunID(ref.RunID) {
		return store.Run{}, NoRunError(ref)
	}
	r, err := st.Run(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.Run{}, NoRunError(ref)
	}
	return r, err
}

// State is the run's status as ops read it: "running",
// "awaiting_approval", "completed" or "failed".
func State(r store.Run) string {
	if AwaitingApproval(r) {
		return "awaiting_approval"
	}
	return r.Status
}

// AwaitingApproval says whether the mass-change guard holds the run now.
func AwaitingApproval(r store.Run) bool {
	return r.Status == codes.RunRunning && r.AwaitingApprovalSince != nil && r.ApprovedAt == nil
}

// Approvable refuses, in one sentence, a run that is not waiting for
// approval.
func Approvable(r store.Run) error { return decidable(r, "approve") }

// Rejectable refuses, in one sentence, a run that is not waiting for
// approval, and so cannot be rejected.
func Rejectable(r store.Run) error { return decidable(r, "reject") }

// decidable is what the database knows of whether the run waits for a
// decision; the run's workflow has the last word (its Update's validator).
func decidable(r store.Run, verb string) error {
	what := fmt.Sprintf("run %s of tenant %s", r.ID, r.TenantID)
	switch {
	case r.Status != codes.RunRunning:
		return fmt.Errorf("%s is not awaiting approval: it has already finished (%s); nothing to %s", what, r.Status, verb)
	case r.AwaitingApprovalSince == nil:
		return fmt.Errorf("%s is not awaiting approval: it is running and the mass-change guard has not held it; nothing to %s", what, verb)
	case r.ApprovedAt != nil:
		return fmt.Errorf("%s was already approved by %s at %s; it is writing its changes", what, r.ApprovedBy, r.ApprovedAt.Local().Format("2006-01-02 15:04:05"))
	}
	return nil
}
