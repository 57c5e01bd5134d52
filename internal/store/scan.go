package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Rows are read by column name, never by position: a query and the code
// that reads it cannot pair a value with the wrong field, whatever order
// either lists them in. Rows of the store's own types are read with pgx's
// RowToStructByName (db tags); rows of the rules' records, which know
// nothing of SQL, through targets built from the rules' column tables.

// targets are where each column of a row goes, by the column's name.
type targets map[string]any

// forEachByName scans each row into its targets by column name and calls
// fn after each. A column of the result without a target, or a target the
// result does not have, is an error.
func forEachByName(rows pgx.Rows, into targets, fn func() error) error {
	defer rows.Close()
	var scans []any
	for rows.Next() {
		if scans == nil {
			var err error
			if scans, err = into.order(rows.FieldDescriptions()); err != nil {
				return err
			}
		}
		if err := rows.Scan(scans...); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// order lists the targets in the result's column order.
func (t targets) order(columns []pgconn.FieldDescription) ([]any, error) {
	scans := make([]any, len(columns))
	seen := make(map[string]bool, len(columns))
	for i, c := range columns {
		target, ok := t[c.Name]
		if !ok || seen[c.Name] {
			return nil, fmt.Errorf("read a row by name: column %q has no target, or comes twice", c.Name)
		}
		seen[c.Name] = true
		scans[i] = target
	}
	if len(seen) != len(t) {
		var missing []string
		for name := range t {
			if !seen[name] {
				missing = append(missing, name)
			}
		}
		slices.Sort(missing)
		return nil, fmt.Errorf("read a row by name: the query returns no %s", strings.Join(missing, ", "))
	}
	return scans, nil
}

// selectList renders named SQL expressions as a select list, "expr AS
// name", in the order given.
func selectList(columns []namedExpr) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.expr + " AS " + c.name
	}
	return strings.Join(out, ", ")
}

// namedExpr is one column of a select list: what it computes and its name.
type namedExpr struct {
	name string
	expr string
}
