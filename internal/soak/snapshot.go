// Package soak is the crash soak: a roster sync and an attendance month run
// while the real worker binary is killed with SIGKILL at random moments
// and restarted, then the database is compared with what one clean run
// writes. See soak_test.go; `make soak` runs the long version.
package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Row is one database row as column → value (JSON types), without the
// columns that legitimately differ between two databases (identity IDs,
// timestamps, run UUIDs): those are compared through what they point at.
type Row map[string]any

// Snapshot is what a tenant's syncs wrote, keyed so that two databases
// can be compared row by row.
type Snapshot struct {
	// Employees by "hrmos:<id>" (else "number:<n>").
	Employees map[string]Row
	// Attendance by employee key + "/" + month.
	Attendance map[string]Row
	// Items by run key ("roster", "attendance 2026-03") + "/" + HRMOS user ID.
	Items map[string]Row
	// Runs by run key; a second run of the same key gets "#2".
	Runs map[string]Row
	// Duplicates lists keys seen more than once (must stay empty).
	Duplicates []string
	// Staging counts the rows left in roster_staging and attendance_staging.
	Staging map[string]int
}

// Rows is how many rows the snapshot holds.
func (s Snapshot) Rows() int {
	return len(s.Employees) + len(s.Attendance) + len(s.Items) + len(s.Runs)
}

// Take reads a tenant's rows.
func Take(ctx context.Context, db *pgxpool.Pool, tenant string) (Snapshot, error) {
	s := Snapshot{Staging: map[string]int{}}
	var err error
	add := func(m map[string]Row, key string, r Row) {
		if _, dup := m[key]; dup {
			s.Duplicates = append(s.Duplicates, key)
			for i := 2; ; i++ {
				if _, taken := m[key+"#"+strconv.Itoa(i)]; !taken {
					key += "#" + strconv.Itoa(i)
					break
				}
			}
		}
		m[key] = r
	}

	s.Employees = map[string]Row{}
	err = each(ctx, db, `
		SELECT to_jsonb(e) - 'id' - 'created_at' - 'updated_at' FROM employees e WHERE tenant_id = $1`, tenant,
		func(r Row) { add(s.Employees, employeeKey(r["hrmos_user_id"], r["employee_number"]), r) })
	if err != nil {
		return s, fmt.Errorf("read employees: %w", err)
	}

	s.Attendance = map[string]Row{}
	err = each(ctx, db, `
		SELECT to_jsonb(a) - 'employee_id' - 'synced_at' - 'sync_run_id'
			|| jsonb_build_object('employee', jsonb_build_object('hrmos_user_id', e.hrmos_user_id, 'employee_number', e.employee_number),
			                      'written_by', r.kind || coalesce(' ' || r.month, ''))
		FROM monthly_attendance a
		JOIN employees e ON e.tenant_id = a.tenant_id AND e.id = a.employee_id
		JOIN sync_runs r ON r.tenant_id = a.tenant_id AND r.id = a.sync_run_id
		WHERE a.tenant_id = $1`, tenant,
		func(r Row) {
			emp, _ := r["employee"].(map[string]any)
			add(s.Attendance, employeeKey(emp["hrmos_user_id"], emp["employee_number"])+"/"+fmt.Sprint(r["month"]), r)
		})
	if err != nil {
		return s, fmt.Errorf("read monthly_attendance: %w", err)
	}

	s.Items = map[string]Row{}
	err = each(ctx, db, `
		SELECT jsonb_build_object('run', r.kind || coalesce(' ' || r.month, ''), 'hrmos_user_id', i.hrmos_user_id,
			'outcome', i.outcome, 'reason_code', i.reason_code, 'reason', i.reason,
			'changed_fields', i.changed_fields, 'needs_attention', i.needs_attention,
			'employee', CASE WHEN i.employee_id IS NULL THEN NULL
			                 ELSE jsonb_build_object('hrmos_user_id', e.hrmos_user_id, 'employee_number', e.employee_number) END)
		FROM sync_run_items i
		JOIN sync_runs r ON r.tenant_id = i.tenant_id AND r.id = i.sync_run_id
		LEFT JOIN employees e ON e.tenant_id = i.tenant_id AND e.id = i.employee_id
		WHERE i.tenant_id = $1`, tenant,
		func(r Row) { add(s.Items, fmt.Sprintf("%v/%v", r["run"], r["hrmos_user_id"]), r) })
	if err != nil {
		return s, fmt.Errorf("read sync_run_items: %w", err)
	}

	s.Runs = map[string]Row{}
	err = each(ctx, db, `
		SELECT to_jsonb(r) - 'id' - 'tenant_id' - 'workflow_run_id' - 'started_at' - 'finished_at'
		FROM sync_runs r WHERE tenant_id = $1 ORDER BY started_at`, tenant,
		func(r Row) { add(s.Runs, fmt.Sprintf("%v%s", r["kind"], monthSuffix(r["month"])), r) })
	if err != nil {
		return s, fmt.Errorf("read sync_runs: %w", err)
	}

	for _, table := range []string{"roster_staging", "attendance_staging"} {
		var exists bool
		if err := db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || !exists {
			continue // a schema without this staging table has nothing left in it
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			return s, fmt.Errorf("count %s: %w", table, err)
		}
		s.Staging[table] = n
	}
	sort.Strings(s.Duplicates)
	return s, nil
}

func each(ctx context.Context, db *pgxpool.Pool, sql, tenant string, fn func(Row)) error {
	rows, err := db.Query(ctx, sql, tenant)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		var r Row
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		fn(r)
	}
	return rows.Err()
}

func employeeKey(hrmosUserID, number any) string {
	if hrmosUserID != nil {
		return fmt.Sprintf("hrmos:%v", hrmosUserID)
	}
	return fmt.Sprintf("number:%v", number)
}

func monthSuffix(m any) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf(" %v", m)
}

// Difference is how a snapshot differs from the reference, per table.
type Difference struct {
	Table   string
	Missing []string // in the reference, not here (lost)
	Extra   []string // here, not in the reference (duplicated or invented)
	Changed []string // in both with other values
}

// Compare lists what got differs from want, table by table.
func Compare(want, got Snapshot) []Difference {
	var out []Difference
	for _, t := range []struct {
		name      string
		want, got map[string]Row
	}{
		{"employees", want.Employees, got.Employees},
		{"monthly_attendance", want.Attendance, got.Attendance},
		{"sync_run_items", want.Items, got.Items},
		{"sync_runs", want.Runs, got.Runs},
	} {
		d := Difference{Table: t.name}
		for k, w := range t.want {
			g, ok := t.got[k]
			switch {
			case !ok:
				d.Missing = append(d.Missing, k)
			case !equalJSON(w, g):
				d.Changed = append(d.Changed, k)
			}
		}
		for k := range t.got {
			if _, ok := t.want[k]; !ok {
				d.Extra = append(d.Extra, k)
			}
		}
		if len(d.Missing)+len(d.Extra)+len(d.Changed) > 0 {
			sort.Strings(d.Missing)
			sort.Strings(d.Extra)
			sort.Strings(d.Changed)
			out = append(out, d)
		}
	}
	return out
}

func equalJSON(a, b Row) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// String words a difference in one line.
func (d Difference) String() string {
	var parts []string
	for _, p := range []struct {
		what string
		keys []string
	}{{"missing", d.Missing}, {"extra", d.Extra}, {"changed", d.Changed}} {
		if len(p.keys) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (e.g. %s)", len(p.keys), p.what, strings.Join(p.keys[:min(3, len(p.keys))], ", ")))
		}
	}
	return d.Table + ": " + strings.Join(parts, "; ")
}
