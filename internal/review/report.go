package review

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
)

// Report is one run's review, as `starter runs show --json` prints it: its
// history row, its outcomes counted by reason, its records with what each
// changed (or would change), and what an admin must act on. Field names are
// stable: scripts and mediment's support tools read them.
type Report struct {
	Run store.Run `json:"run"`
	// State is the run's status as ops read it (see State).
	State          string              `json:"state"`
	CountsByReason []store.ReasonCount `json:"countsByReason"`
	// NotWrittenYet counts records the plan decided that have no recorded
	// outcome: created and updated ones whose diff is recorded, and the
	// undecided rest (a running run's records not planned yet, or its
	// planned errors, recorded when it writes).
	NotWrittenYet NotWritten `json:"notWrittenYet"`
	// Items are the records listed, outcome by outcome, as the Query's
	// outcomes, reason and limit select them; ItemsMatched counts the
	// records those filters match, the limit aside.
	Items        []Item `json:"items"`
	ItemsMatched int    `json:"itemsMatched"`
	// ItemsMatchedByOutcome counts the records each outcome listed has,
	// the limit aside.
	ItemsMatchedByOutcome map[string]int `json:"itemsMatchedByOutcome"`
	NeedsAction           NeedsAction    `json:"needsAction"`
}

// NotWritten counts a run's planned records without an outcome.
type NotWritten struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Undecided int `json:"undecided"`
}

// Item is one HRMOS employee (or report row) of the run. Planned is true for
// a record whose change the plan recorded but that was not written (yet):
// the run awaits approval, is still writing, or failed first. Changes are
// its columns' old and new values.
type Item struct {
	store.Item          // its fields are the JSON's top level, as sync_run_items names them
	Planned    bool     `json:"planned"`
	Changes    []Change `json:"changes"`
}

// Change is one column's value before and after the run (nil: empty).
type Change struct {
	Column string  `json:"column"`
	Old    *string `json:"old"`
	New    *string `json:"new"`
}

// NeedsAction is the 要対応 report: complete lists, whatever the filters.
type NeedsAction struct {
	// RetiredStillHere: retired in HRMOS but still an account in mediment
	// (SPEC §2 rule 5): delete them by hand.
	RetiredStillHere []EmployeeRef `json:"retiredStillHere"`
	// MissingMedimentOnly: empty mediment-only columns (rule 7), by column.
	MissingMedimentOnly []MissingField `json:"missingMedimentOnly"`
	// AmbiguousMatches: records no employee could be matched to safely.
	AmbiguousMatches []Problem `json:"ambiguousMatches"`
	// BadRecords: records with unusable data, with the HRMOS field to fix.
	BadRecords []Problem `json:"badRecords"`
	// OtherErrors: errors of no data cause (sync_failed: see the history).
	OtherErrors []Problem `json:"otherErrors"`
	// KeyExpiry is the API key's notice (key_expires_soon, key_expired).
	KeyExpiry *Notice `json:"keyExpiry,omitempty"`
	// Notices are the run's other notices.
	Notices []Notice `json:"notices"`
}

// EmployeeRef names an employee of the run without personal data.
type EmployeeRef struct {
	HRMOSUserID int64  `json:"hrmosUserId"`
	EmployeeID  *int64 `json:"employeeId,omitempty"`
}

// MissingField is one mediment-only column and the employees it is empty for.
type MissingField struct {
	Column    string        `json:"column"`
	Label     string        `json:"label"`
	Why       string        `json:"why"`
	Count     int           `json:"count"`
	Employees []EmployeeRef `json:"employees"`
}

// Problem is a record of the lists (c), (d) and the other errors.
type Problem struct {
	HRMOSUserID int64  `json:"hrmosUserId"`
	EmployeeID  *int64 `json:"employeeId,omitempty"`
	Outcome     string `json:"outcome"`
	ReasonCode  string `json:"reasonCode"`
	Reason      string `json:"reason,omitempty"`
	Field       string `json:"field,omitempty"`
}

// Notice is a run's notice, split as recorded: "code: text".
type Notice struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Which 要対応 list a problem belongs to.
type problemList int

const (
	otherErrors problemList = iota
	ambiguousMatches
	badRecords
)

// Reason codes of the 要対応 lists (c) and (d); an error of any other code
// is one of the other errors.
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

// listOf classifies a problem's reason code.
func listOf(reasonCode string) problemList {
	switch {
	case slices.Contains(ambiguousCodes, reasonCode):
		return ambiguousMatches
	case slices.Contains(badRecordCodes, reasonCode):
		return badRecords
	}
	return otherErrors
}

// Build reads a run's review from the database: personal values come from
// sync_run_changes there, never through Temporal. now dates a running run's
// key expiry notice.
func Build(ctx context.Context, st *store.Store, ref store.RunRef, q Query, now time.Time) (Report, error) {
	r, err := FindRun(ctx, st, ref)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Run: r, State: State(r), Items: []Item{}, ItemsMatchedByOutcome: map[string]int{}}
	if rep.CountsByReason, err = st.ReasonCounts(ctx, ref); err != nil {
		return Report{}, err
	}
	if rep.CountsByReason == nil {
		rep.CountsByReason = []store.ReasonCount{}
	}
	unwritten, err := st.UnwrittenRecords(ctx, ref, r.Kind, r.Month)
	if err != nil {
		return Report{}, err
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
			return Report{}, err
		}
	}

	// Employee by employee, outcome by outcome.
	for _, outcome := range q.Outcomes {
		items, matched, err := st.ItemsWithOutcome(ctx, ref, store.ItemFilter{Outcome: outcome, ReasonCode: q.Reason, Limit: q.Limit})
		if err != nil {
			return Report{}, err
		}
		listed := make([]Item, 0, len(items))
		for _, it := range items {
			listed = append(listed, itemOf(it))
		}
		if q.Reason == "" {
			for _, u := range unwritten {
				if u.Outcome == outcome {
					matched++
					listed = append(listed, Item{Item: store.Item{HRMOSUserID: u.HRMOSUserID, EmployeeID: u.EmployeeID, Outcome: u.Outcome,
						ChangedFields: []string{}, NeedsAttention: []string{}}, Planned: true})
				}
			}
			slices.SortFunc(listed, func(a, b Item) int { return cmp.Compare(a.HRMOSUserID, b.HRMOSUserID) })
		}
		if q.Limit > 0 && len(listed) > q.Limit {
			listed = listed[:q.Limit]
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
		return Report{}, err
	}
	byUser := map[int64][]Change{}
	for _, c := range changes {
		byUser[c.HRMOSUserID] = append(byUser[c.HRMOSUserID], Change{Column: c.Column, Old: c.Old, New: c.New})
	}
	for i := range rep.Items {
		it := &rep.Items[i]
		it.Changes = byUser[it.HRMOSUserID]
		if it.Changes == nil {
			it.Changes = []Change{}
		}
		if it.Planned {
			for _, c := range it.Changes {
				it.ChangedFields = append(it.ChangedFields, c.Column)
			}
		}
	}

	if rep.NeedsAction, err = buildNeedsAction(ctx, st, r, now); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// itemOf lists a recorded outcome, its lists never null in JSON.
func itemOf(it store.Item) Item {
	v := Item{Item: it}
	if v.ChangedFields == nil {
		v.ChangedFields = []string{}
	}
	if v.NeedsAttention == nil {
		v.NeedsAttention = []string{}
	}
	return v
}

func buildNeedsAction(ctx context.Context, st *store.Store, r store.Run, now time.Time) (NeedsAction, error) {
	ref := store.RunRef{TenantID: r.TenantID, RunID: r.ID}
	attention, err := st.AttentionItems(ctx, ref)
	if err != nil {
		return NeedsAction{}, err
	}
	problems, err := st.ProblemItems(ctx, ref, append(slices.Clone(ambiguousCodes), badRecordCodes...))
	if err != nil {
		return NeedsAction{}, err
	}
	na := needsActionOf(attention, problems, r.Notices)
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

// needsActionOf sorts what the run recorded into the 要対応 lists: the
// records naming something to act on (needs_attention), the records in
// error or of a list's reason code, and the run's notices.
func needsActionOf(attention, problems []store.Item, notices []string) NeedsAction {
	na := NeedsAction{RetiredStillHere: []EmployeeRef{}, MissingMedimentOnly: []MissingField{}, AmbiguousMatches: []Problem{},
		BadRecords: []Problem{}, OtherErrors: []Problem{}, Notices: []Notice{}}

	missing := map[string][]EmployeeRef{}
	for _, it := range attention {
		who := EmployeeRef{HRMOSUserID: it.HRMOSUserID, EmployeeID: it.EmployeeID}
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
			na.MissingMedimentOnly = append(na.MissingMedimentOnly, MissingField{Column: f.Column, Label: f.Label, Why: f.Why, Count: len(who), Employees: who})
			delete(missing, f.Column)
		}
	}
	// A column this review does not know yet is still reported, by name.
	unknown := make([]string, 0, len(missing))
	for col := range missing {
		unknown = append(unknown, col)
	}
	slices.Sort(unknown)
	for _, col := range unknown {
		na.MissingMedimentOnly = append(na.MissingMedimentOnly, MissingField{Column: col, Label: col, Count: len(missing[col]), Employees: missing[col]})
	}

	for _, it := range problems {
		p := Problem{HRMOSUserID: it.HRMOSUserID, EmployeeID: it.EmployeeID, Outcome: it.Outcome, ReasonCode: it.ReasonCode, Reason: it.Reason, Field: it.Field}
		switch listOf(it.ReasonCode) {
		case ambiguousMatches:
			na.AmbiguousMatches = append(na.AmbiguousMatches, p)
		case badRecords:
			na.BadRecords = append(na.BadRecords, p)
		default:
			na.OtherErrors = append(na.OtherErrors, p)
		}
	}

	for _, n := range notices {
		nv := noticeOf(n)
		if nv.Code == codes.NoticeKeyExpiresSoon || nv.Code == codes.NoticeKeyExpired {
			na.KeyExpiry = &nv
			continue
		}
		na.Notices = append(na.Notices, nv)
	}
	return na
}

// noticeOf splits a recorded notice, "code: text".
func noticeOf(n string) Notice {
	code, text, _ := strings.Cut(n, ": ")
	return Notice{Code: code, Text: text}
}
