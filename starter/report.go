package main

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
)

// runReport is one run's review, as `starter runs show --json` prints it:
// its history row, its outcomes counted by reason, its records with what
// each changed (or would change), and what an admin must act on. Field
// names are stable: scripts and mediment's support tools read them.
type runReport struct {
	Run store.Run `json:"run"`
	// State is the run's status as ops read it: "running",
	// "awaiting_approval", "completed" or "failed".
	State          string              `json:"state"`
	CountsByReason []store.ReasonCount `json:"countsByReason"`
	// NotWrittenYet counts records the plan decided that have no recorded
	// outcome: created and updated ones whose diff is recorded, and the
	// undecided rest (a running run's records not planned yet, or its
	// planned errors, recorded when it writes).
	NotWrittenYet notWritten `json:"notWrittenYet"`
	// Items are the records listed, outcome by outcome, as the command's
	// --outcome, --reason and --limit select them; ItemsMatched counts the
	// records those filters match, --limit aside.
	Items        []reportItem `json:"items"`
	ItemsMatched int          `json:"itemsMatched"`
	// ItemsMatchedByOutcome counts the records each outcome listed has,
	// --limit aside.
	ItemsMatchedByOutcome map[string]int `json:"itemsMatchedByOutcome"`
	NeedsAction           needsAction    `json:"needsAction"`
}

type notWritten struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Undecided int `json:"undecided"`
}

// reportItem is one HRMOS employee (or report row) of the run. Planned is
// true for a record whose change the plan recorded but that was not
// written (yet): the run awaits approval, is still writing, or failed
// first. Changes are its columns' old and new values.
type reportItem struct {
	store.Item              // its fields are the JSON's top level, as sync_run_items names them
	Planned    bool         `json:"planned"`
	Changes    []changeView `json:"changes"`
}

type changeView struct {
	Column string  `json:"column"`
	Old    *string `json:"old"`
	New    *string `json:"new"`
}

// needsAction is the 要対応 report: complete lists, whatever the filters.
type needsAction struct {
	// RetiredStillHere: retired in HRMOS but still an account in mediment
	// (SPEC §2 rule 5): delete them by hand.
	RetiredStillHere []employeeRef `json:"retiredStillHere"`
	// MissingMedimentOnly: empty mediment-only columns (rule 7), by column.
	MissingMedimentOnly []missingField `json:"missingMedimentOnly"`
	// AmbiguousMatches: records no employee could be matched to safely.
	AmbiguousMatches []problem `json:"ambiguousMatches"`
	// BadRecords: records with unusable data, with the HRMOS field to fix.
	BadRecords []problem `json:"badRecords"`
	// OtherErrors: errors of no data cause (sync_failed: see the history).
	OtherErrors []problem `json:"otherErrors"`
	// KeyExpiry is the API key's notice (key_expires_soon, key_expired).
	KeyExpiry *notice `json:"keyExpiry,omitempty"`
	// Notices are the run's other notices.
	Notices []notice `json:"notices"`
}

type employeeRef struct {
	HRMOSUserID int64  `json:"hrmosUserId"`
	EmployeeID  *int64 `json:"employeeId,omitempty"`
}

type missingField struct {
	Column    string        `json:"column"`
	Label     string        `json:"label"`
	Why       string        `json:"why"`
	Count     int           `json:"count"`
	Employees []employeeRef `json:"employees"`
}

type problem struct {
	HRMOSUserID int64  `json:"hrmosUserId"`
	EmployeeID  *int64 `json:"employeeId,omitempty"`
	Outcome     string `json:"outcome"`
	ReasonCode  string `json:"reasonCode"`
	Reason      string `json:"reason,omitempty"`
	Field       string `json:"field,omitempty"`
}

type notice struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Reason codes of the 要対応 lists (c) and (d).
var (
	ambiguousCodes = []string{
		codes.ReasonAmbiguousNumber, codes.ReasonAmbiguousNameMail, codes.ReasonConflictingKeys,
		codes.ReasonLinkedToOtherHRMOSUser, codes.ReasonHRMOSUserLinkedToOther, codes.ReasonDuplicateInHRMOS,
		codes.ReasonNumberOfOtherHRMOSUser, codes.ReasonDuplicateAttendanceRow,
	}
	badRecordCodes = []string{
		codes.ReasonInvalidField, codes.ReasonInvalidDate, codes.ReasonInvalidValue, codes.ReasonMissingIdentity,
		codes.ReasonUnknownDepartment, codes.ReasonUnknownOffice,
		codes.ReasonInvalidCharacters, codes.ReasonValueTooLong, codes.ReasonValueOutOfRange,
	}
)

// reportQuery selects what a report lists employee by employee; the
// 要対応 lists are always complete.
type reportQuery struct {
	outcomes []string
	reason   string
	// limit caps the records listed per outcome; 0 lists all.
	limit int
}

// runState is the run's status as ops read it.
func runState(r store.Run) string {
	if awaitingApproval(r) {
		return "awaiting_approval"
	}
	return r.Status
}

// awaitingApproval: the mass-change guard holds the run now.
func awaitingApproval(r store.Run) bool {
	return r.Status == codes.RunRunning && r.AwaitingApprovalSince != nil && r.ApprovedAt == nil
}

// buildReport reads a run's review from the database: personal values come
// from sync_run_changes there, never through Temporal.
func buildReport(ctx context.Context, st *store.Store, ref store.RunRef, rq reportQuery, now time.Time) (runReport, error) {
	r, err := st.Run(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return runReport{}, errNoRun(ref)
	}
	if err != nil {
		return runReport{}, err
	}
	rep := runReport{Run: r, State: runState(r), Items: []reportItem{}, ItemsMatchedByOutcome: map[string]int{}}
	if rep.CountsByReason, err = st.ReasonCounts(ctx, ref); err != nil {
		return runReport{}, err
	}
	if rep.CountsByReason == nil {
		rep.CountsByReason = []store.ReasonCount{}
	}
	unwritten, err := st.UnwrittenRecords(ctx, ref, r.Kind, r.Month)
	if err != nil {
		return runReport{}, err
	}
	for _, u := range unwritten {
		if u.Outcome == string(codes.Created) {
			rep.NotWrittenYet.Created++
		} else {
			rep.NotWrittenYet.Updated++
		}
	}
	if r.Status == codes.RunRunning {
		if rep.NotWrittenYet.Undecided, err = st.UndecidedCount(ctx, ref, r.Kind); err != nil {
			return runReport{}, err
		}
	}

	// Employee by employee, outcome by outcome.
	for _, outcome := range rq.outcomes {
		items, matched, err := st.ItemsWithOutcome(ctx, ref, store.ItemFilter{Outcome: outcome, ReasonCode: rq.reason, Limit: rq.limit})
		if err != nil {
			return runReport{}, err
		}
		listed := make([]reportItem, 0, len(items))
		for _, it := range items {
			listed = append(listed, itemView(it))
		}
		if rq.reason == "" {
			for _, u := range unwritten {
				if u.Outcome == outcome {
					matched++
					listed = append(listed, reportItem{Item: store.Item{HRMOSUserID: u.HRMOSUserID, EmployeeID: u.EmployeeID, Outcome: u.Outcome,
						ChangedFields: []string{}, NeedsAttention: []string{}}, Planned: true})
				}
			}
			slices.SortFunc(listed, func(a, b reportItem) int { return cmp.Compare(a.HRMOSUserID, b.HRMOSUserID) })
		}
		if rq.limit > 0 && len(listed) > rq.limit {
			listed = listed[:rq.limit]
		}
		rep.Items = append(rep.Items, listed...)
		rep.ItemsMatched += matched
		rep.ItemsMatchedByOutcome[outcome] = matched
	}
	ids := make([]int64, len(rep.Items))
	for i, it := range rep.Items {
		ids[i] = it.HRMOSUserID
	}
	changes, err := st.ChangesOf(ctx, ref, ids)
	if err != nil {
		return runReport{}, err
	}
	byUser := map[int64][]changeView{}
	for _, c := range changes {
		byUser[c.HRMOSUserID] = append(byUser[c.HRMOSUserID], changeView{Column: c.Column, Old: c.Old, New: c.New})
	}
	for i := range rep.Items {
		it := &rep.Items[i]
		it.Changes = byUser[it.HRMOSUserID]
		if it.Changes == nil {
			it.Changes = []changeView{}
		}
		if it.Planned {
			for _, c := range it.Changes {
				it.ChangedFields = append(it.ChangedFields, c.Column)
			}
		}
	}

	if rep.NeedsAction, err = buildNeedsAction(ctx, st, r, now); err != nil {
		return runReport{}, err
	}
	return rep, nil
}

func itemView(it store.Item) reportItem {
	v := reportItem{Item: it}
	if v.ChangedFields == nil {
		v.ChangedFields = []string{}
	}
	if v.NeedsAttention == nil {
		v.NeedsAttention = []string{}
	}
	return v
}

func buildNeedsAction(ctx context.Context, st *store.Store, r store.Run, now time.Time) (needsAction, error) {
	ref := store.RunRef{TenantID: r.TenantID, RunID: r.ID}
	na := needsAction{RetiredStillHere: []employeeRef{}, MissingMedimentOnly: []missingField{}, AmbiguousMatches: []problem{},
		BadRecords: []problem{}, OtherErrors: []problem{}, Notices: []notice{}}

	attention, err := st.AttentionItems(ctx, ref)
	if err != nil {
		return needsAction{}, err
	}
	missing := map[string][]employeeRef{}
	for _, it := range attention {
		who := employeeRef{HRMOSUserID: it.HRMOSUserID, EmployeeID: it.EmployeeID}
		for _, col := range it.NeedsAttention {
			if col == rules.NeedsAttentionRetired {
				na.RetiredStillHere = append(na.RetiredStillHere, who)
				continue
			}
			missing[col] = append(missing[col], who)
		}
	}
	for _, f := range rules.MedimentOnly {
		if who := missing[f.Column]; len(who) > 0 {
			na.MissingMedimentOnly = append(na.MissingMedimentOnly, missingField{Column: f.Column, Label: f.Label, Why: f.Why, Count: len(who), Employees: who})
			delete(missing, f.Column)
		}
	}
	// A column this starter does not know yet is still reported, by name.
	unknown := make([]string, 0, len(missing))
	for col := range missing {
		unknown = append(unknown, col)
	}
	slices.Sort(unknown)
	for _, col := range unknown {
		na.MissingMedimentOnly = append(na.MissingMedimentOnly, missingField{Column: col, Label: col, Count: len(missing[col]), Employees: missing[col]})
	}

	problems, err := st.ProblemItems(ctx, ref, append(slices.Clone(ambiguousCodes), badRecordCodes...))
	if err != nil {
		return needsAction{}, err
	}
	for _, it := range problems {
		p := problem{HRMOSUserID: it.HRMOSUserID, EmployeeID: it.EmployeeID, Outcome: it.Outcome, ReasonCode: it.ReasonCode, Reason: it.Reason, Field: it.Field}
		switch {
		case slices.Contains(ambiguousCodes, it.ReasonCode):
			na.AmbiguousMatches = append(na.AmbiguousMatches, p)
		case slices.Contains(badRecordCodes, it.ReasonCode):
			na.BadRecords = append(na.BadRecords, p)
		default:
			na.OtherErrors = append(na.OtherErrors, p)
		}
	}

	for _, n := range r.Notices {
		nv := noticeOf(n)
		if nv.Code == codes.NoticeKeyExpiresSoon || nv.Code == codes.NoticeKeyExpired {
			na.KeyExpiry = &nv
			continue
		}
		na.Notices = append(na.Notices, nv)
	}
	// A running run records its notices when it ends: say where the key
	// stands now.
	if r.Status == codes.RunRunning && na.KeyExpiry == nil {
		if conn, err := st.Connection(ctx, r.TenantID); err == nil {
			if n := activities.KeyExpiryNotice(conn.KeyExpiresAt, now); n != "" {
				nv := noticeOf(n)
				na.KeyExpiry = &nv
			}
		}
	}
	return na, nil
}

// noticeOf splits a recorded notice, "code: text".
func noticeOf(n string) notice {
	code, text, _ := strings.Cut(n, ": ")
	return notice{Code: code, Text: text}
}
