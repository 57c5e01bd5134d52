package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// AttendanceRecord is one staged report row with what the database knows of
// its employee: everything rules.DecideAttendance needs.
type AttendanceRecord struct {
	Row   rules.AttendanceRow
	Match rules.AttendanceMatch
	// Existing is what an earlier sync wrote for the resolved employee and
	// month; nil when nothing (or no employee).
	Existing *rules.AttendanceFields
	// Planned is the diff the run's plan recorded (read for a write only).
	Planned []rules.Change
	// CandidatesVersion is the version of the employees its match read
	// (attendanceVersion), read in the same statement as the match.
	CandidatesVersion string
	// MonthVersion is the row version of Existing, "" when none.
	MonthVersion string
}

// Employee is the employee the row resolves to, nil when none.
func (r AttendanceRecord) Employee() *int64 {
	id, _ := rules.ResolveAttendance(r.Row, r.Match)
	return id
}

// stagedRowsInRange reads a range of staged report rows with, per row, the
// employee linked to its HRMOS user, the employees its 社員番号 key finds
// (and whom they are linked to) and the other rows of the run with the
// same key: each an index probe behind a fence (LIMIT / aggregate), so the
// query stays linear in the range whatever the statistics.
var stagedRowsInRange = func() string {
	cols := []namedExpr{
		{"hrmos_user_id", "s.hrmos_user_id"}, {"number", "coalesce(s.number, '')"},
		{"invalid_fields", "s.invalid_fields"}, {"unstorable_fields", "s.unstorable_fields"},
		{"link", "link.id"}, {"number_ids", "coalesce(num.ids, '{}')"}, {"number_links", "coalesce(num.links, '{}')"},
		{"rivals", "coalesce(riv.ids, '{}')"},
		{"candidates_version", attendanceVersion("s.sync_run_id", "s.tenant_id", "s.hrmos_user_id", "s.norm_number")},
	}
	for _, c := range rules.AttendanceColumns {
		if c.Raw != nil {
			cols = append(cols, namedExpr{c.Staged, "coalesce(s." + c.Staged + ", '')"})
		}
	}
	return `
	SELECT ` + selectList(cols) + `
	FROM attendance_staging s
	LEFT JOIN LATERAL (SELECT hrmos_company_id AS company FROM sync_runs WHERE id = $1 AND tenant_id = $2) rc ON true
	LEFT JOIN LATERAL (SELECT e.id FROM employees e
		WHERE e.tenant_id = s.tenant_id AND e.hrmos_user_id = s.hrmos_user_id AND ` + linkCounts + ` LIMIT 1) link ON true
	LEFT JOIN LATERAL (SELECT array_agg(e.id ORDER BY e.id) AS ids,
			array_agg(CASE WHEN ` + linkCounts + ` THEN coalesce(e.hrmos_user_id, 0) ELSE 0 END ORDER BY e.id) AS links
		FROM employees e WHERE e.tenant_id = s.tenant_id AND e.match_number = s.norm_number) num ON true
	LEFT JOIN LATERAL (SELECT array_agg(o.hrmos_user_id) AS ids FROM attendance_staging o
		WHERE o.sync_run_id = s.sync_run_id AND o.norm_number = s.norm_number AND o.hrmos_user_id <> s.hrmos_user_id) riv ON true
	WHERE s.sync_run_id = $1 AND s.tenant_id = $2 AND s.hrmos_user_id BETWEEN $3 AND $4
	ORDER BY s.hrmos_user_id`
}()

// stagedRowTargets are where a staged row's own columns go, by name.
func stagedRowTargets(r *rules.AttendanceRow) targets {
	t := targets{
		"hrmos_user_id": &r.HRMOSUserID, "number": &r.Number,
		"invalid_fields": &r.InvalidFields, "unstorable_fields": &r.Unstorable,
	}
	for _, c := range rules.AttendanceColumns {
		if c.Raw != nil {
			t[c.Staged] = c.Raw(r)
		}
	}
	return t
}

// attendanceColumns read, by name, the mapped columns of monthly_attendance
// (alias: "m." or "") as rules.AttendanceFields holds them: day counts as
// tenths.
func attendanceColumns(alias string) string {
	cols := make([]namedExpr, len(rules.AttendanceColumns))
	for i, c := range rules.AttendanceColumns {
		cols[i] = namedExpr{c.Name, alias + c.Name}
		if c.Unit == rules.Tenths {
			cols[i].expr = fmt.Sprintf("(%s%s * 10)::int", alias, c.Name)
		}
	}
	return selectList(cols)
}

// attendanceTargets are where attendanceColumns go.
func attendanceTargets(f *rules.AttendanceFields) targets {
	t := make(targets, len(rules.AttendanceColumns))
	for _, c := range rules.AttendanceColumns {
		t[c.Name] = c.Field(f)
	}
	return t
}

// AttendanceRecords reads a range of a run's staged report rows with their
// matches and what earlier syncs wrote for their employees' month: two
// queries for a whole chunk (three when a 社員番号 is shared), nothing
// locked (the plan of a run; each write decides again under locks).
func (q *Queries) AttendanceRecords(ctx context.Context, ref RunRef, month string, r syncapi.Range) ([]AttendanceRecord, error) {
	rows, err := q.db.Query(ctx, stagedRowsInRange, ref.RunID, ref.TenantID, r.First, r.Last)
	if err != nil {
		return nil, fmt.Errorf("read the staged report rows %d-%d of run %s: %w", r.First, r.Last, ref.RunID, err)
	}
	recs, err := collectStagedRows(rows)
	if err != nil {
		return nil, fmt.Errorf("read the staged report rows %d-%d of run %s: %w", r.First, r.Last, ref.RunID, err)
	}
	if err := q.completeAttendance(ctx, ref, month, recs, false); err != nil {
		return nil, err
	}
	return recs, nil
}

// AttendanceRecordForWrite reads what one report row's write needs: the
// outcome already recorded for it (a retried activity returns that and
// writes nothing), its staged row and match, and its employee's month,
// locked until the transaction ends.
func (q *Queries) AttendanceRecordForWrite(ctx context.Context, ref RunRef, month string, hrmosUserID int64) (AttendanceRecord, *Item, error) {
	b := &pgx.Batch{}
	b.Queue(itemQuery, ref.TenantID, ref.RunID, hrmosUserID)
	b.Queue(stagedRowsInRange, ref.RunID, ref.TenantID, hrmosUserID, hrmosUserID)
	b.Queue(plannedChangesQuery, ref.RunID, ref.TenantID, hrmosUserID)
	res := q.db.SendBatch(ctx, b)
	recorded, err := readItem(res)
	if err != nil || recorded != nil {
		_ = res.Close()
		return AttendanceRecord{}, recorded, err
	}
	rows, err := res.Query()
	if err != nil {
		_ = res.Close()
		return AttendanceRecord{}, nil, fmt.Errorf("read the staged report row of HRMOS user %d in run %s: %w", hrmosUserID, ref.RunID, err)
	}
	recs, err := collectStagedRows(rows)
	var planned []rules.Change
	if err == nil {
		_, planned, err = readPlanned(res)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return AttendanceRecord{}, nil, fmt.Errorf("read the staged report row of HRMOS user %d in run %s: %w", hrmosUserID, ref.RunID, err)
	}
	if len(recs) != 1 {
		return AttendanceRecord{}, nil, ErrStagingGone
	}
	if err := q.completeAttendance(ctx, ref, month, recs, true); err != nil {
		return AttendanceRecord{}, nil, err
	}
	recs[0].Planned = planned
	return recs[0], nil, nil
}

func collectStagedRows(rows pgx.Rows) ([]AttendanceRecord, error) {
	var recs []AttendanceRecord
	var row rules.AttendanceRow
	var link *int64
	var numIDs, numLinks, rivals []int64
	var version string
	into := stagedRowTargets(&row)
	into["link"], into["number_ids"], into["number_links"], into["rivals"] = &link, &numIDs, &numLinks, &rivals
	into["candidates_version"] = &version
	err := forEachByName(rows, into, func() error {
		rec := AttendanceRecord{Row: row, Match: rules.AttendanceMatch{ByLink: link, Rivals: rivals}, CandidatesVersion: version}
		for i, id := range numIDs {
			m := rules.NumberMatch{EmployeeID: id}
			if numLinks[i] != 0 {
				m.LinkedTo = &numLinks[i]
			}
			rec.Match.ByNumber = append(rec.Match.ByNumber, m)
		}
		recs = append(recs, rec)
		row, link, numIDs, numLinks, rivals = rules.AttendanceRow{}, nil, nil, nil, nil
		return nil
	})
	return recs, err
}

// completeAttendance drops linked rivals, then reads (and with lock locks)
// the month already synced for each row's employee.
func (q *Queries) completeAttendance(ctx context.Context, ref RunRef, month string, recs []AttendanceRecord, lock bool) error {
	tenantID := ref.TenantID
	if err := q.dropLinkedRivals(ctx, ref, recs); err != nil {
		return err
	}
	var employees []int64
	for _, rec := range recs {
		if id := rec.Employee(); id != nil {
			employees = append(employees, *id)
		}
	}
	if len(employees) == 0 {
		return nil
	}
	var which any = employees
	if lock {
		which = employees[0] // a write locks its one record's month
	}
	rows, err := q.db.Query(ctx, existingMonthQuery(lock), tenantID, month, which)
	if err != nil {
		return fmt.Errorf("read the %s attendance already synced: %w", month, err)
	}
	existing := map[int64]*rules.AttendanceFields{}
	versions := map[int64]string{}
	var employeeID int64
	var version string
	var f rules.AttendanceFields
	into := attendanceTargets(&f)
	into["employee_id"], into["version"] = &employeeID, &version
	if err := forEachByName(rows, into, func() error {
		found := f
		existing[employeeID] = &found
		versions[employeeID] = version
		f = rules.AttendanceFields{}
		return nil
	}); err != nil {
		return fmt.Errorf("read the %s attendance already synced: %w", month, err)
	}
	for i := range recs {
		if id := recs[i].Employee(); id != nil {
			recs[i].Existing, recs[i].MonthVersion = existing[*id], versions[*id]
		}
	}
	return nil
}

// dropLinkedRivals keeps, of each row's rivals, those whose HRMOS user no
// employee is linked to: a linked rival resolves by its link, not by the
// shared 社員番号. Rivals are rare (a 社員番号 shared in HRMOS), so this is
// one small indexed query, often none.
func (q *Queries) dropLinkedRivals(ctx context.Context, ref RunRef, recs []AttendanceRecord) error {
	var all []int64
	for _, r := range recs {
		all = append(all, r.Match.Rivals...)
	}
	if len(all) == 0 {
		return nil
	}
	rows, err := q.db.Query(ctx, linkedRivalsQuery, ref.TenantID, all, ref.RunID)
	if err != nil {
		return fmt.Errorf("find which HRMOS users sharing a 社員番号 are linked: %w", err)
	}
	linked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("find which HRMOS users sharing a 社員番号 are linked: %w", err)
	}
	isLinked := map[int64]bool{}
	for _, id := range linked {
		isLinked[id] = true
	}
	for i := range recs {
		var keep []int64
		for _, id := range recs[i].Match.Rivals {
			if !isLinked[id] {
				keep = append(keep, id)
			}
		}
		recs[i].Match.Rivals = keep
	}
	return nil
}

// Attendance reads what a sync wrote for an employee and month; nil when
// nothing.
func (q *Queries) Attendance(ctx context.Context, tenantID string, employeeID int64, month string) (*rules.AttendanceFields, error) {
	var f rules.AttendanceFields
	found := false
	rows, err := q.db.Query(ctx, `SELECT `+attendanceColumns("")+` FROM monthly_attendance
		WHERE tenant_id = $1 AND employee_id = $2 AND month = $3`, tenantID, employeeID, month)
	if err == nil {
		err = forEachByName(rows, attendanceTargets(&f), func() error { found = true; return nil })
	}
	if err != nil {
		return nil, fmt.Errorf("read the %s attendance of employee %d: %w", month, employeeID, err)
	}
	if !found {
		return nil, nil
	}
	return &f, nil
}

// AttendanceMonthFigures sums a tenant's synced month, probing each of the
// tenant's employees by primary key: linear in the tenant, however many
// months it has synced. (An index on (tenant_id, month) would make this one
// range read, but the planner then prefers it to the primary key for the
// per-employee lookups of a run, reading a whole month per employee.)
func (q *Queries) AttendanceMonthFigures(ctx context.Context, tenantID, month string) (syncapi.MonthFigures, error) {
	var f syncapi.MonthFigures
	err := q.db.QueryRow(ctx, `SELECT count(m.employee_id), coalesce(sum(m.actual_work_minutes), 0)
		FROM employees e
		CROSS JOIN LATERAL (SELECT a.employee_id, a.actual_work_minutes FROM monthly_attendance a
			WHERE a.tenant_id = e.tenant_id AND a.employee_id = e.id AND a.month = $2 OFFSET 0) m
		WHERE e.tenant_id = $1`, tenantID, month).Scan(&f.Rows, &f.WorkMinutes)
	if err != nil {
		return syncapi.MonthFigures{}, fmt.Errorf("sum the %s attendance of tenant %s: %w", month, tenantID, err)
	}
	return f, nil
}

// existingMonthQuery reads the month already synced for employees ($3) of a
// tenant ($1) and month ($2): one primary-key probe per employee (the fence
// keeps the planner from scanning the tenant's month instead), or, to lock
// one employee's month ($3 one ID) for its write, a primary-key read.
func existingMonthQuery(lock bool) string {
	if lock {
		return `SELECT m.employee_id, m.xmin::text AS version, ` + attendanceColumns("m.") + ` FROM monthly_attendance m
			WHERE m.tenant_id = $1 AND m.employee_id = $3 AND m.month = $2 FOR UPDATE`
	}
	return `SELECT m.employee_id, m.version, ` + attendanceColumns("m.") + `
		FROM unnest($3::bigint[]) AS k(employee_id)
		CROSS JOIN LATERAL (SELECT a.*, a.xmin::text AS version FROM monthly_attendance a
			WHERE a.tenant_id = $1 AND a.employee_id = k.employee_id AND a.month = $2 OFFSET 0) m`
}

// linkCounts holds for an employee e whose link is of the run's HRMOS
// company rc.company: HRMOS numbers users per company, so another
// company's link names another person. A link made outside the engine
// (no company) and a run from before company-scoped links take any.
const linkCounts = `(e.hrmos_company_id IS NULL OR rc.company IS NULL OR e.hrmos_company_id = rc.company)`

// linkedRivalsQuery finds which of some HRMOS users ($2) an employee of
// the tenant ($1) is linked to within the run's ($3) company, one
// unique-index probe each.
const linkedRivalsQuery = `SELECT e.hrmos_user_id FROM unnest($2::bigint[]) AS k(id)
	LEFT JOIN LATERAL (SELECT hrmos_company_id AS company FROM sync_runs WHERE id = $3 AND tenant_id = $1) rc ON true
	CROSS JOIN LATERAL (SELECT hrmos_user_id, hrmos_company_id FROM employees WHERE tenant_id = $1 AND hrmos_user_id = k.id OFFSET 0) e
	WHERE ` + linkCounts
