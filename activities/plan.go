package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// A run syncs in two passes over its staged records. The plan reads a chunk
// of records with everything their decisions need in a few set-based
// queries, decides each with the rules, and records at once, in bulk, the
// outcomes that write nothing (unchanged, skipped) together with the diff
// of those that will: an unchanged company costs a few statements per
// chunk, not per employee. Only the records that have something to do —
// created, updated, or in error — are then synced one by one, each its own
// local activity that support finds in the chunk's history by HRMOS user ID,
// deciding again under locks on what it overwrites. A dry run records every
// outcome in the plan and writes nothing else.

// ChunkRanges splits a run's staged records into chunks of at most Size; a
// run limited to one user gets that user's range alone.
func (a *Activities) ChunkRanges(ctx context.Context, in syncapi.ChunkRangesInput) (syncapi.ChunkRangesResult, error) {
	if err := a.adopt(ctx, ref(in.TenantID, in.RunID)); err != nil {
		return syncapi.ChunkRangesResult{}, err
	}
	var ranges []syncapi.Range
	var n int
	var err error
	if in.OnlyUser != 0 {
		ranges, n, err = a.Store.OneRecordRange(ctx, in.Kind, ref(in.TenantID, in.RunID), in.OnlyUser)
	} else {
		ranges, n, err = a.Store.ChunkRanges(ctx, in.Kind, ref(in.TenantID, in.RunID), in.Size)
	}
	if err != nil {
		return syncapi.ChunkRangesResult{}, safe(err)
	}
	return syncapi.ChunkRangesResult{Staged: n, Ranges: ranges}, nil
}

// settled reports whether a decision is final in the plan: it writes nothing
// (unchanged, skipped), or the run is a dry run.
func settled(o codes.Outcome, dryRun bool) bool {
	return dryRun || o == codes.Unchanged || o == codes.Skipped
}

// PlanRosterChunk decides every employee of a chunk of a roster run.
func (a *Activities) PlanRosterChunk(ctx context.Context, in syncapi.PlanChunkInput) (syncapi.PlanResult, error) {
	run := ref(in.TenantID, in.RunID)
	if err := a.adopt(ctx, run); err != nil {
		return syncapi.PlanResult{}, err
	}
	recs, err := a.Store.RosterRecords(ctx, run, in.Range)
	if err != nil {
		return syncapi.PlanResult{}, safe(err)
	}
	res := syncapi.PlanResult{Records: len(recs)}
	var items []store.Item
	var changes []store.Change
	var writes []store.PlannedWrite
	for _, r := range recs {
		d := rules.DecideRoster(r.User, r.Candidates, in.Today)
		res.Add(d.Outcome)
		if d.NewlyRetired() {
			res.NewlyRetired++
		}
		if d.Employee != nil && (d.Outcome == codes.Updated || d.Outcome == codes.Unchanged) {
			res.Matched++
		}
		changes = append(changes, storeChanges(r.User.ID, employeeOf(d), d.Changes(r.User.ID))...)
		switch {
		case settled(d.Outcome, in.DryRun):
			items = append(items, rosterItem(r.User.ID, d, employeeOf(d)))
		case d.TakesOverLink:
			res.Pending++ // archives another company's link first: decided again at its write
		default:
			res.Pending++
			writes = append(writes, store.PlannedEmployeeWrite(rosterItem(r.User.ID, d, employeeOf(d)), r.CandidatesVersion, r.Versions, d.Fields))
		}
	}
	if err := a.recordPlan(ctx, run, in.Range, items, changes, writes); err != nil {
		return syncapi.PlanResult{}, err
	}
	a.countRecords(codes.KindRoster, items)
	activity.GetLogger(ctx).Debug("roster chunk planned", "tenant", in.TenantID, "run", in.RunID,
		"first", in.Range.First, "records", res.Records, "pending", res.Pending)
	return res, nil
}

// PlanAttendanceChunk decides every report row of a chunk of an attendance
// run.
func (a *Activities) PlanAttendanceChunk(ctx context.Context, in syncapi.PlanChunkInput) (syncapi.PlanResult, error) {
	run := ref(in.TenantID, in.RunID)
	if err := a.adopt(ctx, run); err != nil {
		return syncapi.PlanResult{}, err
	}
	recs, err := a.Store.AttendanceRecords(ctx, run, in.Month, in.Range)
	if err != nil {
		return syncapi.PlanResult{}, safe(err)
	}
	res := syncapi.PlanResult{Records: len(recs)}
	var items []store.Item
	var changes []store.Change
	var writes []store.PlannedWrite
	for _, r := range recs {
		d := rules.DecideAttendance(r.Row, r.Match, r.Existing)
		res.Add(d.Outcome)
		if d.Outcome != codes.Error && d.Outcome != codes.Skipped && d.Fields.ActualWorkMinutes != nil {
			res.WorkMinutes += int64(*d.Fields.ActualWorkMinutes)
		}
		changes = append(changes, storeChanges(r.Row.HRMOSUserID, d.EmployeeID, d.Changes())...)
		if settled(d.Outcome, in.DryRun) {
			items = append(items, attendanceItem(r.Row.HRMOSUserID, d))
		} else {
			res.Pending++
			writes = append(writes, store.PlannedAttendanceWrite(attendanceItem(r.Row.HRMOSUserID, d), r.CandidatesVersion, r.MonthVersion, d.Fields))
		}
	}
	if err := a.recordPlan(ctx, run, in.Range, items, changes, writes); err != nil {
		return syncapi.PlanResult{}, err
	}
	a.countRecords(codes.KindAttendance, items)
	return res, nil
}

// recordPlan records a chunk's settled outcomes, its diff and the writes it
// leaves to its records in one transaction: a retried plan records the
// same again, changing nothing.
func (a *Activities) recordPlan(ctx context.Context, run store.RunRef, rg syncapi.Range, items []store.Item, changes []store.Change, writes []store.PlannedWrite) error {
	return safe(a.Store.InTx(ctx, func(q *store.Queries) error {
		if err := q.RecordItems(ctx, run, items); err != nil {
			return err
		}
		if err := q.RecordChanges(ctx, run, changes); err != nil {
			return err
		}
		return q.RecordPlannedWrites(ctx, run, rg, writes)
	}))
}

func (a *Activities) countRecords(kind string, items []store.Item) {
	byOutcome := map[string]int{}
	for _, it := range items {
		byOutcome[it.Outcome]++
	}
	for o, n := range byOutcome {
		a.metrics().Records(kind, o, n)
	}
}

// PendingRecords lists the HRMOS user IDs of a chunk that have no recorded
// outcome yet: what the chunk still syncs one by one. A chunk resumed after
// a crash lists only what is left.
func (a *Activities) PendingRecords(ctx context.Context, in syncapi.PendingInput) ([]int64, error) {
	ids, err := a.Store.PendingIDs(ctx, in.Kind, ref(in.TenantID, in.RunID), in.Range)
	return ids, safe(err)
}

func employeeOf(d rules.Decision) *int64 {
	if d.Employee == nil {
		return nil
	}
	return &d.Employee.ID
}

func rosterItem(hrmosUserID int64, d rules.Decision, employeeID *int64) store.Item {
	return store.ItemFor(hrmosUserID, d.Outcome, d.ReasonCode, d.Reason, d.Field, employeeID, d.ChangedFields, d.NeedsAttention)
}

func attendanceItem(hrmosUserID int64, d rules.AttendanceDecision) store.Item {
	return store.ItemFor(hrmosUserID, d.Outcome, d.ReasonCode, d.Reason, d.Field, d.EmployeeID, d.ChangedFields, nil)
}

func storeChanges(hrmosUserID int64, employeeID *int64, changes []rules.Change) []store.Change {
	out := make([]store.Change, len(changes))
	for i, c := range changes {
		out[i] = store.Change{HRMOSUserID: hrmosUserID, EmployeeID: employeeID, Column: c.Column, Old: c.Old, New: c.New}
	}
	return out
}

// SyncEmployee matches, maps, upserts and applies the defaults for one HRMOS
// employee, and records its outcome and diff: the plan's decision in one
// statement while what it was decided from is unchanged, else decided again
// in one transaction of a few round trips. A retry after a crash finds the
// outcome recorded and returns it, so nothing is written twice.
func (a *Activities) SyncEmployee(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
	run := ref(in.TenantID, in.RunID)
	if res, ok, err := a.writePlannedOne(codes.KindRoster, in.HRMOSUserID, func() (map[int64]store.PlannedResult, error) {
		return a.Store.WritePlannedEmployees(ctx, run, []int64{in.HRMOSUserID})
	}); ok || err != nil {
		return res, err
	}
	return a.syncEmployeeAgain(ctx, in)
}

// syncEmployeeAgain decides a roster record again from fresh reads under
// row locks and writes it in one transaction.
func (a *Activities) syncEmployeeAgain(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
	run := ref(in.TenantID, in.RunID)
	return a.writeOnce(ctx, codes.KindRoster, run, func(q *store.Queries) (*store.RecordWrite, *store.Item, error) {
		rec, recorded, err := q.RosterRecordForWrite(ctx, run, in.HRMOSUserID)
		if err != nil || recorded != nil {
			return nil, recorded, err
		}
		d := rules.DecideRoster(rec.User, rec.Candidates, in.Today)
		w := store.RecordWrite{Item: rosterItem(in.HRMOSUserID, d, employeeOf(d)), Changes: d.Changes(in.HRMOSUserID), Planned: rec.Planned}
		company := rec.Candidates.Company
		switch d.Outcome {
		case codes.Created:
			w = w.WithWrite(store.CreateEmployeeWrite(in.TenantID, in.HRMOSUserID, company, d.Fields))
		case codes.Updated:
			w = w.WithWrite(store.UpdateEmployeeWrite(in.TenantID, d.Employee.ID, in.HRMOSUserID, company, d.Fields))
		}
		if d.TakesOverLink {
			w = w.WithLinkTakeOver(in.TenantID, in.HRMOSUserID, company)
		}
		return &w, nil, nil
	})
}

// SyncAttendance matches one report row to its employee, maps it and
// upserts the employee's month, recording the outcome and diff in the same
// transaction.
func (a *Activities) SyncAttendance(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
	run := ref(in.TenantID, in.RunID)
	if res, ok, err := a.writePlannedOne(codes.KindAttendance, in.HRMOSUserID, func() (map[int64]store.PlannedResult, error) {
		return a.Store.WritePlannedAttendance(ctx, run, in.Month, []int64{in.HRMOSUserID})
	}); ok || err != nil {
		return res, err
	}
	return a.syncAttendanceAgain(ctx, in)
}

// syncAttendanceAgain decides a report row again from fresh reads under
// row locks and writes it in one transaction.
func (a *Activities) syncAttendanceAgain(ctx context.Context, in syncapi.RecordInput) (syncapi.RecordResult, error) {
	run := ref(in.TenantID, in.RunID)
	return a.writeOnce(ctx, codes.KindAttendance, run, func(q *store.Queries) (*store.RecordWrite, *store.Item, error) {
		rec, recorded, err := q.AttendanceRecordForWrite(ctx, run, in.Month, in.HRMOSUserID)
		if err != nil || recorded != nil {
			return nil, recorded, err
		}
		d := rules.DecideAttendance(rec.Row, rec.Match, rec.Existing)
		w := store.RecordWrite{Item: attendanceItem(in.HRMOSUserID, d), Changes: d.Changes(), Planned: rec.Planned}
		if d.Outcome == codes.Created || d.Outcome == codes.Updated || d.Outcome == codes.Unchanged {
			w = w.WithWrite(store.UpsertAttendanceWrite(in.TenantID, *d.EmployeeID, in.Month, in.RunID, d.Fields))
		}
		return &w, nil, nil
	})
}

// SyncEmployees writes a batch of a chunk's roster records as planned, in
// one statement. A record whose plan no longer holds is decided again and
// written on its own (SyncEmployee); one whose write then fails is
// returned as failed, for the workflow to retry it alone. A failed batch
// statement writes nothing, and its records go one by one.
func (a *Activities) SyncEmployees(ctx context.Context, in syncapi.BatchInput) (syncapi.BatchResult, error) {
	return a.writeBatch(ctx, codes.KindRoster, in, func(ids []int64) (map[int64]store.PlannedResult, error) {
		return a.Store.WritePlannedEmployees(ctx, ref(in.TenantID, in.RunID), ids)
	}, a.SyncEmployee, a.syncEmployeeAgain)
}

// SyncAttendances writes a batch of a chunk's report rows as SyncEmployees
// writes employees.
func (a *Activities) SyncAttendances(ctx context.Context, in syncapi.BatchInput) (syncapi.BatchResult, error) {
	return a.writeBatch(ctx, codes.KindAttendance, in, func(ids []int64) (map[int64]store.PlannedResult, error) {
		return a.Store.WritePlannedAttendance(ctx, ref(in.TenantID, in.RunID), in.Month, ids)
	}, a.SyncAttendance, a.syncAttendanceAgain)
}

func (a *Activities) writeBatch(ctx context.Context, kind string, in syncapi.BatchInput,
	planned func([]int64) (map[int64]store.PlannedResult, error),
	one, again func(context.Context, syncapi.RecordInput) (syncapi.RecordResult, error)) (syncapi.BatchResult, error) {
	// A failed statement (one record's value or a trigger refused it, a
	// link taken meanwhile) wrote nothing: each record then goes alone, so
	// only its own write fails, with its own error.
	written, err := planned(in.HRMOSUserIDs)
	var res syncapi.BatchResult
	counts := map[string]int{}
	for _, id := range in.HRMOSUserIDs {
		if w, ok := written[id]; ok {
			res.Written = append(res.Written, syncapi.RecordResult{Outcome: codes.Outcome(w.Outcome), ReasonCode: w.ReasonCode})
			counts[w.Outcome]++
			continue
		}
		write := one
		if err == nil {
			// The statement ran and left the record: its plan no longer holds.
			a.metrics().PlanStale(kind)
			write = again
		}
		r, oneErr := write(ctx, in.Record(id))
		if isType(oneErr, syncapi.ErrTypeStagingGone) {
			return syncapi.BatchResult{}, oneErr // the whole run is gone, not this record
		}
		if oneErr != nil {
			res.Failed = append(res.Failed, id)
			continue
		}
		res.Written = append(res.Written, r)
	}
	for outcome, n := range counts {
		a.metrics().Records(kind, outcome, n)
	}
	return res, nil
}

// writePlannedOne applies one record's planned write; ok is false when it
// no longer holds and the record must be decided again. The unique key of
// a link (another employee linked to the HRMOS user since the plan) makes
// the statement fail: that too is a plan that no longer holds.
func (a *Activities) writePlannedOne(kind string, hrmosUserID int64, write func() (map[int64]store.PlannedResult, error)) (res syncapi.RecordResult, ok bool, err error) {
	written, err := write()
	if store.IsUniqueViolation(err) {
		a.metrics().PlanStale(kind)
		return syncapi.RecordResult{}, false, nil
	}
	if err != nil {
		return syncapi.RecordResult{}, false, safe(err)
	}
	planned, ok := written[hrmosUserID]
	if !ok {
		a.metrics().PlanStale(kind)
		return syncapi.RecordResult{}, false, nil
	}
	a.metrics().Records(kind, planned.Outcome, 1)
	return syncapi.RecordResult{Outcome: codes.Outcome(planned.Outcome), ReasonCode: planned.ReasonCode}, true, nil
}

// writeOnce is the transaction both record activities share: decide reads
// the record (or finds its outcome already recorded by an earlier attempt,
// which it returns instead of a write), and the write and its item commit
// together. Only a record written here counts in the metrics, so a retry
// after a crash counts nothing twice.
func (a *Activities) writeOnce(ctx context.Context, kind string, run store.RunRef, decide func(*store.Queries) (*store.RecordWrite, *store.Item, error)) (syncapi.RecordResult, error) {
	var res syncapi.RecordResult
	var written bool
	err := a.Store.InTx(ctx, func(q *store.Queries) error {
		w, recorded, err := decide(q)
		if err != nil || w == nil {
			res = resultOf(recorded)
			return err
		}
		if _, err := q.WriteRecord(ctx, run, *w); err != nil {
			return err
		}
		written = true
		res = syncapi.RecordResult{Outcome: codes.Outcome(w.Item.Outcome), ReasonCode: w.Item.ReasonCode}
		return nil
	})
	if err != nil {
		return syncapi.RecordResult{}, safe(err)
	}
	if written {
		a.metrics().Records(kind, string(res.Outcome), 1)
	}
	return res, nil
}

func resultOf(it *store.Item) syncapi.RecordResult {
	if it == nil {
		return syncapi.RecordResult{}
	}
	return syncapi.RecordResult{Outcome: codes.Outcome(it.Outcome), ReasonCode: it.ReasonCode}
}

// RecordFailure records the record as an error of the run, so one record's
// failure is reported alone and the others still sync.
func (a *Activities) RecordFailure(ctx context.Context, in syncapi.RecordFailureInput) error {
	return safe(a.Store.RecordItems(ctx, ref(in.TenantID, in.RunID), []store.Item{{
		HRMOSUserID: in.HRMOSUserID, Outcome: string(codes.Error), ReasonCode: codes.ReasonSyncFailed,
		Reason: fmt.Sprintf("HRMOS user %d: the sync failed after all retries (%s); see the workflow history", in.HRMOSUserID, in.Cause),
	}}))
}
