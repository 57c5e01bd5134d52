package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/rules"
)

// StageUsers stores one page of HRMOS users for a run. Re-staging a user
// (a retried page) overwrites it, so a retry never duplicates.
func (q *Queries) StageUsers(ctx context.Context, ref RunRef, page int, users []rules.HRMOSUser) error {
	tenantID, runID := ref.TenantID, ref.RunID
	if len(users) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, u := range users {
		invalid := u.InvalidFields
		if invalid == nil {
			invalid = []string{}
		}
		b.Queue(`
			INSERT INTO roster_staging (sync_run_id, tenant_id, hrmos_user_id, page, number, last_name, first_name,
				last_name_kana, first_name_kana, email, start_date, end_date, department_id, department_name,
				lodgment_id, lodgment_name, has_gender, gender, invalid_fields)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19
			WHERE `+runIsRunning+`
			ON CONFLICT (sync_run_id, hrmos_user_id) DO UPDATE SET
				page = excluded.page, number = excluded.number, last_name = excluded.last_name, first_name = excluded.first_name,
				last_name_kana = excluded.last_name_kana, first_name_kana = excluded.first_name_kana, email = excluded.email,
				start_date = excluded.start_date, end_date = excluded.end_date, department_id = excluded.department_id,
				department_name = excluded.department_name, lodgment_id = excluded.lodgment_id, lodgment_name = excluded.lodgment_name,
				has_gender = excluded.has_gender, gender = excluded.gender, invalid_fields = excluded.invalid_fields`,
			runID, tenantID, u.ID, page, u.Number, u.LastName, u.FirstName, u.LastNameKana, u.FirstNameKana, u.Email,
			u.StartDate, u.EndDate, u.DepartmentID, u.DepartmentName, u.LodgmentID, u.LodgmentName, u.HasGender, u.Gender, invalid)
	}
	return sendStagingBatch(ctx, q.db, b, fmt.Sprintf("stage page %d of run %s", page, runID))
}

// runIsRunning guards every staging insert ($1 run, $2 tenant): once a run
// is closed (finished, or abandoned by the sweeper) nothing more of it is
// staged, even by an activity that has not noticed yet.
const runIsRunning = `EXISTS (SELECT 1 FROM sync_runs WHERE id = $1 AND tenant_id = $2 AND status = 'running')`

// sendStagingBatch runs a batch of guarded staging inserts; when none of
// them inserted, the run was closed meanwhile.
func sendStagingBatch(ctx context.Context, db DBTX, b *pgx.Batch, what string) error {
	res := db.SendBatch(ctx, b)
	var inserted int64
	for range b.Len() {
		tag, err := res.Exec()
		if err != nil {
			_ = res.Close()
			return fmt.Errorf("%s: %w", what, err)
		}
		inserted += tag.RowsAffected()
	}
	if err := res.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if inserted == 0 {
		return ErrStagingGone
	}
	return nil
}

// FinishStaging numbers the staged users 1..n by HRMOS user ID, so the run
// can split them into chunks by number, and flags users that share a
// matching key with another HRMOS user of the run. It returns n.
func (q *Queries) FinishStaging(ctx context.Context, ref RunRef) (int, error) {
	runID := ref.RunID
	if err := q.numberStaged(ctx, codes.KindRoster, ref); err != nil {
		return 0, err
	}
	if _, err := q.db.Exec(ctx, `
		UPDATE roster_staging SET duplicate_key = 'employee_number'
		WHERE tenant_id = $2 AND sync_run_id = $1 AND sync_norm_number(number) IN (
			SELECT sync_norm_number(number) FROM roster_staging
			WHERE tenant_id = $2 AND sync_run_id = $1 AND sync_norm_number(number) IS NOT NULL
			GROUP BY 1 HAVING count(*) > 1)`, runID, ref.TenantID); err != nil {
		return 0, fmt.Errorf("flag duplicate employee numbers of run %s: %w", runID, err)
	}
	if _, err := q.db.Exec(ctx, `
		UPDATE roster_staging SET duplicate_key = 'name_and_email'
		WHERE tenant_id = $2 AND sync_run_id = $1 AND duplicate_key IS NULL
		  AND (sync_norm_name(last_name, first_name), sync_norm_email(email)) IN (
			SELECT sync_norm_name(last_name, first_name), sync_norm_email(email) FROM roster_staging
			WHERE tenant_id = $2 AND sync_run_id = $1 AND sync_norm_name(last_name, first_name) IS NOT NULL AND sync_norm_email(email) IS NOT NULL
			GROUP BY 1, 2 HAVING count(*) > 1)`, runID, ref.TenantID); err != nil {
		return 0, fmt.Errorf("flag duplicate names and emails of run %s: %w", runID, err)
	}
	return q.countStaged(ctx, codes.KindRoster, ref)
}

// numberStaged numbers a run's staged rows 1..n by HRMOS user ID.
func (q *Queries) numberStaged(ctx context.Context, kind string, ref RunRef) error {
	table := stagingTables[kind]
	if _, err := q.db.Exec(ctx, `
		UPDATE `+table+` s SET seq = r.n
		FROM (SELECT hrmos_user_id, row_number() OVER (ORDER BY hrmos_user_id) AS n FROM `+table+`
		      WHERE tenant_id = $2 AND sync_run_id = $1) r
		WHERE s.tenant_id = $2 AND s.sync_run_id = $1 AND s.hrmos_user_id = r.hrmos_user_id`, ref.RunID, ref.TenantID); err != nil {
		return fmt.Errorf("number the staged rows of run %s: %w", ref.RunID, err)
	}
	return nil
}

func (q *Queries) countStaged(ctx context.Context, kind string, ref RunRef) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+stagingTables[kind]+` WHERE tenant_id = $1 AND sync_run_id = $2`,
		ref.TenantID, ref.RunID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the staged rows of run %s: %w", ref.RunID, err)
	}
	return n, nil
}

// StagedUserIDs lists the HRMOS user IDs numbered first..last in a run of
// the given kind.
func (q *Queries) StagedUserIDs(ctx context.Context, kind string, ref RunRef, first, last int) ([]int64, error) {
	runID := ref.RunID
	table, ok := stagingTables[kind]
	if !ok {
		return nil, fmt.Errorf("no staging for sync kind %q", kind)
	}
	rows, err := q.db.Query(ctx, `
		SELECT hrmos_user_id FROM `+table+` WHERE tenant_id = $4 AND sync_run_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
		runID, first, last, ref.TenantID)
	if err != nil {
		return nil, fmt.Errorf("list staged users %d-%d of run %s: %w", first, last, runID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list staged users %d-%d of run %s: %w", first, last, runID, err)
	}
	return ids, nil
}

// ErrStagingGone means a run's staged data disappeared, e.g. a newer run of
// the tenant closed this one as abandoned.
var ErrStagingGone = errors.New("the staged HRMOS data of this run is gone (the run was closed or restarted); start the sync again")

// StagedUser reads one staged HRMOS user of a run.
func (q *Queries) StagedUser(ctx context.Context, ref RunRef, hrmosUserID int64) (rules.HRMOSUser, error) {
	runID := ref.RunID
	var u rules.HRMOSUser
	var dup *string
	err := q.db.QueryRow(ctx, `
		SELECT hrmos_user_id, coalesce(number, ''), coalesce(last_name, ''), coalesce(first_name, ''),
			coalesce(last_name_kana, ''), coalesce(first_name_kana, ''), coalesce(email, ''),
			coalesce(start_date, ''), coalesce(end_date, ''), department_id, department_name, lodgment_id, lodgment_name,
			has_gender, coalesce(gender, ''), invalid_fields, duplicate_key
		FROM roster_staging WHERE tenant_id = $3 AND sync_run_id = $1 AND hrmos_user_id = $2`, runID, hrmosUserID, ref.TenantID).
		Scan(&u.ID, &u.Number, &u.LastName, &u.FirstName, &u.LastNameKana, &u.FirstNameKana, &u.Email,
			&u.StartDate, &u.EndDate, &u.DepartmentID, &u.DepartmentName, &u.LodgmentID, &u.LodgmentName,
			&u.HasGender, &u.Gender, &u.InvalidFields, &dup)
	if errors.Is(err, pgx.ErrNoRows) {
		return rules.HRMOSUser{}, ErrStagingGone
	}
	if err != nil {
		return rules.HRMOSUser{}, fmt.Errorf("read staged HRMOS user %d of run %s: %w", hrmosUserID, runID, err)
	}
	if dup != nil {
		u.DuplicateKey = *dup
	}
	return u, nil
}

const employeeColumns = `id, hrmos_user_id, employee_number, last_name, first_name, last_name_kana, first_name_kana, email,
	office, department1, hire_date::text, retirement_date::text, gender,
	insurance_name_kana, employment_category, insurance_card_number, nationality, job_title, employment_period`

func employeeScanTargets(e *rules.Employee) []any {
	s, m := &e.Synced, &e.MedimentOnly
	return []any{&e.ID, &e.HRMOSUserID, &s.EmployeeNumber, &s.LastName, &s.FirstName, &s.LastNameKana, &s.FirstNameKana, &s.Email,
		&s.Office, &s.Department1, &s.HireDate, &s.RetirementDate, &s.Gender,
		&m.InsuranceNameKana, &m.EmploymentCategory, &m.InsuranceCardNumber, &m.Nationality, &m.JobTitle, &m.EmploymentPeriod}
}

// Candidates finds, and locks until the transaction ends, the tenant's
// employees that an HRMOS user's keys point at. Normalization happens in the
// database (sync_norm_*), the same functions that fill the match_* columns.
func (q *Queries) Candidates(ctx context.Context, tenantID string, u rules.HRMOSUser) (rules.Candidates, error) {
	rows, err := q.db.Query(ctx, `
		WITH k AS (SELECT sync_norm_number($2) AS number, sync_norm_name($3, $4) AS name, sync_norm_email($5) AS email)
		SELECT coalesce(e.match_number = k.number, false),
		       coalesce(e.match_name = k.name AND e.match_email = k.email, false),
		       coalesce(e.hrmos_user_id = $6, false), `+prefixed("e.", employeeColumns)+`
		FROM employees e, k
		WHERE e.tenant_id = $1
		  AND (e.match_number = k.number OR (e.match_name = k.name AND e.match_email = k.email) OR e.hrmos_user_id = $6)
		ORDER BY e.id
		FOR UPDATE OF e`,
		tenantID, u.Number, u.LastName, u.FirstName, u.Email, u.ID)
	if err != nil {
		return rules.Candidates{}, fmt.Errorf("find the mediment employees of HRMOS user %d: %w", u.ID, err)
	}
	defer rows.Close()
	var c rules.Candidates
	for rows.Next() {
		var byNumber, byNameEmail, byLink bool
		var e rules.Employee
		if err := rows.Scan(append([]any{&byNumber, &byNameEmail, &byLink}, employeeScanTargets(&e)...)...); err != nil {
			return rules.Candidates{}, fmt.Errorf("read a mediment employee of HRMOS user %d: %w", u.ID, err)
		}
		e.Synced.GenderProvided = true // the stored value takes part in the comparison
		if byNumber {
			c.ByNumber = append(c.ByNumber, e)
		}
		if byNameEmail {
			c.ByNameEmail = append(c.ByNameEmail, e)
		}
		if byLink {
			link := e
			c.ByLink = &link
		}
	}
	if err := rows.Err(); err != nil {
		return rules.Candidates{}, fmt.Errorf("find the mediment employees of HRMOS user %d: %w", u.ID, err)
	}
	return c, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// CreateEmployee inserts a new employee with HRMOS's values and the
// defaults of SPEC §2 rule 6, linked to its HRMOS user.
func (q *Queries) CreateEmployee(ctx context.Context, tenantID string, hrmosUserID int64, f rules.SyncedFields) (int64, error) {
	cols := f.Columns()
	names := []string{"tenant_id", "hrmos_user_id"}
	args := []any{tenantID, hrmosUserID}
	for _, c := range cols {
		names = append(names, c.Name)
		args = append(args, c.Value)
	}
	placeholders := make([]string, len(args))
	for i := range args {
		placeholders[i] = fmt.Sprintf("$%d", i+1)
	}
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO employees (`+strings.Join(names, ", ")+`, `+strings.Join(rules.Defaults, ", ")+`)
		VALUES (`+strings.Join(placeholders, ", ")+`, true, true, true) RETURNING id`, args...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create the employee of HRMOS user %d: %w", hrmosUserID, err)
	}
	return id, nil
}

// UpdateEmployee overwrites the synced columns of a matched employee and
// links it to its HRMOS user. Defaults and mediment-only columns are not
// touched (rules 6 and 7).
func (q *Queries) UpdateEmployee(ctx context.Context, tenantID string, employeeID, hrmosUserID int64, f rules.SyncedFields) error {
	sets := []string{"hrmos_user_id = $3", "updated_at = now()"}
	args := []any{tenantID, employeeID, hrmosUserID}
	for _, c := range f.Columns() {
		args = append(args, c.Value)
		sets = append(sets, fmt.Sprintf("%s = $%d", c.Name, len(args)))
	}
	tag, err := q.db.Exec(ctx, `UPDATE employees SET `+strings.Join(sets, ", ")+` WHERE tenant_id = $1 AND id = $2`, args...)
	if err != nil {
		return fmt.Errorf("update employee %d from HRMOS user %d: %w", employeeID, hrmosUserID, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("update employee %d from HRMOS user %d: %w", employeeID, hrmosUserID, ErrNotFound)
	}
	return nil
}
