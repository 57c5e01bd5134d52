package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/rules"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// RosterRecord is one staged HRMOS user of a run with the mediment employees
// its keys find: everything rules.DecideRoster needs.
type RosterRecord struct {
	User       rules.HRMOSUser
	Candidates rules.Candidates
	// Planned is the diff the run's plan recorded (read for a write only).
	Planned []rules.Change
	// CandidatesVersion is the version of every employee the user's keys
	// found (rosterVersion), read before the candidates themselves: a
	// planned write holds while it is unchanged.
	CandidatesVersion string
	// Versions are the candidates' row versions by employee id.
	Versions map[int64]string
}

// employeeColumns are what a rules.Employee is read from, by name, built
// from the rules' column tables so that a new synced or mediment-only
// field is read without touching this file. Every synced column is read as
// text (a date as "YYYY-MM-DD"), the form SyncedFields holds.
func employeeColumns(alias string) string {
	cols := []namedExpr{
		{"id", alias + "id"}, {"hrmos_user_id", alias + "hrmos_user_id"}, {"hrmos_company_id", alias + "hrmos_company_id"},
	}
	for _, c := range rules.SyncedColumns {
		cols = append(cols, namedExpr{c.Name, alias + c.Name + "::text"})
	}
	for _, f := range rules.MedimentOnly {
		cols = append(cols, namedExpr{f.Column, alias + f.Column})
	}
	return selectList(cols)
}

// employeeTargets are where employeeColumns go.
func employeeTargets(e *rules.Employee) targets {
	t := targets{"id": &e.ID, "hrmos_user_id": &e.HRMOSUserID, "hrmos_company_id": &e.HRMOSCompanyID}
	for _, c := range rules.SyncedColumns {
		t[c.Name] = c.Field(&e.Synced)
	}
	for _, f := range rules.MedimentOnly {
		t[f.Column] = f.Field(&e.MedimentOnly)
	}
	return t
}

// stagedUserColumns are what a rules.HRMOSUser is read from, by name: the
// staged text of each field of rules.UserFields, what the fetch staged by
// hand, and whether another user of the run shares its keys. NumberShared
// and NameEmailShared are each one index probe of the run's staging by
// (run, key) (dn and dm in stagedUsersInRange): a fence (LIMIT) keeps the
// planner from turning them into a join over the whole run.
var stagedUserColumns = func() string {
	cols := []namedExpr{
		{"hrmos_user_id", "s.hrmos_user_id"},
		{"department_id", "s.department_id"}, {"department_name", "s.department_name"},
		{"lodgment_id", "s.lodgment_id"}, {"lodgment_name", "s.lodgment_name"},
		{"has_gender", "s.has_gender"}, {"gender", "coalesce(s.gender, '')"},
		{"invalid_fields", "s.invalid_fields"}, {"unstorable_fields", "s.unstorable_fields"},
		{"number_shared", "dn.shared IS NOT NULL"}, {"name_email_shared", "dm.shared IS NOT NULL"},
		{"candidates_version", rosterVersion(stagedUser{run: "s.sync_run_id", tenant: "s.tenant_id", user: "s.hrmos_user_id",
			column: func(name string) string { return "s." + name }})},
	}
	for _, f := range rules.UserFields {
		if f.Raw != nil {
			cols = append(cols, namedExpr{f.Staged, "coalesce(s." + f.Staged + ", '')"})
		}
	}
	return selectList(cols)
}()

// stagedUserTargets are where stagedUserColumns go.
func stagedUserTargets(u *rules.HRMOSUser) targets {
	t := targets{
		"hrmos_user_id": &u.ID,
		"department_id": &u.DepartmentID, "department_name": &u.DepartmentName,
		"lodgment_id": &u.LodgmentID, "lodgment_name": &u.LodgmentName,
		"has_gender": &u.HasGender, "gender": &u.Gender,
		"invalid_fields": &u.InvalidFields, "unstorable_fields": &u.Unstorable,
		"number_shared": &u.NumberShared, "name_email_shared": &u.NameEmailShared,
	}
	for _, f := range rules.UserFields {
		if f.Raw != nil {
			t[f.Staged] = f.Raw(u)
		}
	}
	return t
}

// stagedUsersInRange reads the staged users of a run ($1, tenant $2) whose
// HRMOS user IDs are $3 to $4.
var stagedUsersInRange = `
	SELECT ` + stagedUserColumns + `
	FROM roster_staging s
	LEFT JOIN LATERAL (SELECT true AS shared FROM roster_staging d
		WHERE d.sync_run_id = s.sync_run_id AND d.norm_number = s.norm_number AND d.hrmos_user_id <> s.hrmos_user_id LIMIT 1) dn ON true
	LEFT JOIN LATERAL (SELECT true AS shared FROM roster_staging d
		WHERE d.sync_run_id = s.sync_run_id AND d.norm_name = s.norm_name AND d.norm_email = s.norm_email
		  AND d.hrmos_user_id <> s.hrmos_user_id LIMIT 1) dm ON true
	WHERE s.sync_run_id = $1 AND s.tenant_id = $2 AND s.hrmos_user_id BETWEEN $3 AND $4
	ORDER BY s.hrmos_user_id`

// The candidates of a staged user are the employees of its tenant that each
// of its keys finds (SPEC §2 rule 2): one indexed equality per key, never
// one OR over the tenant, which the planner may answer by walking every
// employee. candidateLookup is the one text of a key's lookup; the plan
// reads a whole range through it (candidatesInRange), a record's write one
// user under row locks (lockedCandidates).

// candidateKeys are the keys, each with its condition on employees (alias
// e) given how to read a column of the staged user. held is computed for a
// name+email candidate: its 社員番号 is another staged user's.
var candidateKeys = []struct {
	via   string
	held  bool
	match func(staged func(column string) string) string
}{
	{via: "number", match: func(staged func(string) string) string { return "e.match_number = " + staged("norm_number") }},
	{via: "name_email", held: true, match: func(staged func(string) string) string {
		return "e.match_name = " + staged("norm_name") + " AND e.match_email = " + staged("norm_email")
	}},
	{via: "link", match: func(staged func(string) string) string { return "e.hrmos_user_id = " + staged("hrmos_user_id") }},
}

// stagedUser says where a lookup finds the staged user: its run, tenant and
// HRMOS user ID, and how to read one of its staging columns.
type stagedUser struct {
	run, tenant, user string
	column            func(name string) string
}

// candidateLookup finds the employees one key of the staged user finds, as
// rows named as addCandidates reads them; a single-table read of employees,
// so the planner has no join to turn into a walk of the tenant's employees.
// tail fences it (OFFSET 0: a per-user probe inside the plan's lateral
// join) or locks what it finds (FOR UPDATE: a write).
func candidateLookup(via string, held bool, match string, s stagedUser, tail string) string {
	heldBy := "false"
	if held {
		heldBy = `EXISTS (SELECT 1 FROM roster_staging o
			WHERE o.sync_run_id = ` + s.run + ` AND o.norm_number = e.match_number AND o.hrmos_user_id <> ` + s.user + `)`
	}
	return `SELECT ` + s.user + ` AS staged_user_id, '` + via + `' AS via, ` + heldBy + ` AS held, e.xmin::text AS version, ` + employeeColumns("e.") + `
		FROM employees e WHERE e.tenant_id = ` + s.tenant + ` AND ` + match + ` ` + tail
}

// candidatesInRange finds the candidates of every staged user of a range
// ($1 run, $2 tenant, HRMOS user IDs $3 to $4): each key's lookup a fenced
// branch of one lateral join.
var candidatesInRange = func() string {
	s := stagedUser{run: "s.sync_run_id", tenant: "s.tenant_id", user: "s.hrmos_user_id",
		column: func(name string) string { return "s." + name }}
	branches := make([]string, len(candidateKeys))
	for i, k := range candidateKeys {
		branches[i] = "(" + candidateLookup(k.via, k.held, k.match(s.column), s, "OFFSET 0") + ")"
	}
	return `
	SELECT k.* FROM roster_staging s
	CROSS JOIN LATERAL (` + strings.Join(branches, "\n\t\tUNION ALL\n\t\t") + `) k
	WHERE s.sync_run_id = $1 AND s.tenant_id = $2 AND s.hrmos_user_id BETWEEN $3 AND $4`
}()

// lockedCandidates are the lookups of one staged user ($1 run, $2 tenant,
// $3 HRMOS user) for its write, one statement per key: each locks what it
// finds until the transaction ends, by the one index of its key (the staged
// user's normalized key comes from a one-row subquery).
var lockedCandidates = func() []string {
	s := stagedUser{run: "$1", tenant: "$2", user: "$3::bigint", column: func(name string) string {
		return `(SELECT ` + name + ` FROM roster_staging WHERE sync_run_id = $1 AND tenant_id = $2 AND hrmos_user_id = $3)`
	}}
	out := make([]string, len(candidateKeys))
	for i, k := range candidateKeys {
		out[i] = candidateLookup(k.via, k.held, k.match(s.column), s, "FOR UPDATE")
	}
	return out
}()

// rosterVersion is the version of what a staged user's keys find: "id:xmin"
// of each employee any key finds, by id. The plan reads it with the staged
// user, before the candidates (so a change between the two reads makes a
// write's check fail, never pass), and the planned write compares it with
// the same expression evaluated at the write: any employee changed, added
// to or gone from a key since the plan makes the write decide again.
func rosterVersion(s stagedUser) string {
	branches := make([]string, len(candidateKeys))
	for i, k := range candidateKeys {
		branches[i] = `SELECT e.id, e.xmin::text AS v FROM employees e WHERE e.tenant_id = ` + s.tenant + ` AND ` + k.match(s.column)
	}
	return versionOf(branches)
}

// versionOf renders the version of the employees some lookups find.
func versionOf(lookups []string) string {
	return `(SELECT coalesce(string_agg(c.id::text || ':' || c.v, ',' ORDER BY c.id), '') FROM (` +
		strings.Join(lookups, " UNION ") + `) c)`
}

// RosterRecords reads the staged users of a range with their candidates:
// two queries for a whole chunk, nothing locked (the plan of a run; each
// write decides again under locks).
func (q *Queries) RosterRecords(ctx context.Context, ref RunRef, r syncapi.Range) ([]RosterRecord, error) {
	rows, err := q.db.Query(ctx, stagedUsersInRange, ref.RunID, ref.TenantID, r.First, r.Last)
	if err != nil {
		return nil, fmt.Errorf("read the staged HRMOS users %d-%d of run %s: %w", r.First, r.Last, ref.RunID, err)
	}
	recs, err := collectStagedUsers(rows)
	if err != nil {
		return nil, fmt.Errorf("read the staged HRMOS users %d-%d of run %s: %w", r.First, r.Last, ref.RunID, err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	rows, err = q.db.Query(ctx, candidatesInRange, ref.RunID, ref.TenantID, r.First, r.Last)
	if err != nil {
		return nil, fmt.Errorf("find the mediment employees of HRMOS users %d-%d: %w", r.First, r.Last, err)
	}
	if err := addCandidates(rows, recs); err != nil {
		return nil, fmt.Errorf("find the mediment employees of HRMOS users %d-%d: %w", r.First, r.Last, err)
	}
	company, err := readRunCompany(q.db.QueryRow(ctx, runCompanyQuery, ref.RunID, ref.TenantID))
	if err != nil {
		return nil, err
	}
	for i := range recs {
		recs[i].Candidates.Company = company
	}
	return recs, nil
}

// runCompanyQuery reads the HRMOS company a run reads ($1 run, $2 tenant),
// fixed when the run started: its links are the only ones that count.
const runCompanyQuery = `SELECT coalesce(hrmos_company_id, '') FROM sync_runs WHERE id = $1 AND tenant_id = $2`

func readRunCompany(row pgx.Row) (string, error) {
	var company string
	if err := row.Scan(&company); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return "", ErrStagingGone
		}
		return "", fmt.Errorf("read the HRMOS company of a run: %w", err)
	}
	return company, nil
}

func collectStagedUsers(rows pgx.Rows) ([]RosterRecord, error) {
	var recs []RosterRecord
	var u rules.HRMOSUser
	var version string
	into := stagedUserTargets(&u)
	into["candidates_version"] = &version
	err := forEachByName(rows, into, func() error {
		recs = append(recs, RosterRecord{User: u, CandidatesVersion: version})
		u = rules.HRMOSUser{}
		return nil
	})
	return recs, err
}

// addCandidates files each candidate row under its staged user.
func addCandidates(rows pgx.Rows, recs []RosterRecord) error {
	index := make(map[int64]int, len(recs))
	for i, r := range recs {
		index[r.User.ID] = i
	}
	var hrmosUserID int64
	var via, version string
	var held bool
	var e rules.Employee
	into := employeeTargets(&e)
	into["staged_user_id"], into["via"], into["held"], into["version"] = &hrmosUserID, &via, &held, &version
	return forEachByName(rows, into, func() error {
		i, ok := index[hrmosUserID]
		if !ok {
			return nil
		}
		c := &recs[i].Candidates
		if recs[i].Versions == nil {
			recs[i].Versions = map[int64]string{}
		}
		recs[i].Versions[e.ID] = version
		found := e
		found.Synced.GenderProvided = true // the stored value takes part in the comparison
		switch via {
		case "number":
			c.ByNumber = append(c.ByNumber, found)
		case "name_email":
			c.ByNameEmail = append(c.ByNameEmail, found)
			if held {
				c.NumberHeldByOther = append(c.NumberHeldByOther, found.ID)
			}
		case "link":
			c.ByLink = &found
		}
		e = rules.Employee{}
		return nil
	})
}

// Employee reads one employee of a tenant; ErrNotFound when there is none.
func (q *Queries) Employee(ctx context.Context, tenantID string, id int64) (rules.Employee, error) {
	var e rules.Employee
	found := false
	rows, err := q.db.Query(ctx, `SELECT `+employeeColumns("")+` FROM employees WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err == nil {
		err = forEachByName(rows, employeeTargets(&e), func() error { found = true; return nil })
	}
	if err != nil {
		return rules.Employee{}, fmt.Errorf("read employee %d: %w", id, err)
	}
	if !found {
		return rules.Employee{}, ErrNotFound
	}
	e.Synced.GenderProvided = true
	return e, nil
}

// EmployeeCount is how many employees a tenant has in mediment.
func (q *Queries) EmployeeCount(ctx context.Context, tenantID string) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM employees WHERE tenant_id = $1`, tenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the employees of tenant %s: %w", tenantID, err)
	}
	return n, nil
}
