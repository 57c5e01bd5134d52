package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The column tables are the one place a synced field is described: the
// fetch, the staging, the staged reads, the mapping, the diff and the
// store's reads and writes all follow them. Each name in them is therefore
// one column of one table, and each accessor reaches a field of its own.
func TestUserFieldsDescribeEachFieldOnce(t *testing.T) {
	keys, staged, columns := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var u HRMOSUser
	var f SyncedFields
	raws, values := map[*string]string{}, map[**string]string{}
	for _, field := range UserFields {
		if field.Key == "" || field.Column == "" || field.Value == nil {
			t.Errorf("%+v: every field names its HRMOS key and employees column, and where its value lives", field)
		}
		for what, seen := range map[string]map[string]bool{field.Key: keys, field.Column: columns} {
			if seen[what] {
				t.Errorf("%s is in UserFields twice", what)
			}
			seen[what] = true
		}
		if v := field.Value(&f); values[v] != "" {
			t.Errorf("%s and %s hold their values in the same field of SyncedFields", values[v], field.Column)
		} else {
			values[v] = field.Column
		}
		// A field is staged as sent, or by hand (and then it has no Raw
		// and no staging column of its own in the table).
		if (field.Raw == nil) != (field.Staged == "") {
			t.Errorf("%s: a staging column without a staged value, or the other way round", field.Key)
		}
		if field.Raw == nil {
			continue
		}
		if staged[field.Staged] {
			t.Errorf("staging column %s is in UserFields twice", field.Staged)
		}
		staged[field.Staged] = true
		if r := field.Raw(&u); raws[r] != "" {
			t.Errorf("%s and %s are staged from the same field of HRMOSUser", raws[r], field.Key)
		} else {
			raws[r] = field.Key
		}
	}

	// SyncedColumns is the same table seen from employees, in its order.
	var names []string
	for _, c := range SyncedColumns {
		names = append(names, c.Name)
	}
	want := []string{"employee_number", "last_name", "first_name", "last_name_kana", "first_name_kana", "email",
		"office", "department1", "hire_date", "retirement_date", "gender"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("SyncedColumns (-want +got):\n%s", diff)
	}
}

// The same for the SPEC §3 table.
func TestAttendanceColumnsDescribeEachFieldOnce(t *testing.T) {
	seen := map[string]bool{}
	var r AttendanceRow
	var f AttendanceFields
	raws, values := map[*string]bool{}, map[**int]bool{}
	for _, c := range AttendanceColumns {
		for what, name := range map[string]string{"column": c.Name, "HRMOS key": c.Source, "staging column": c.Staged} {
			if name == "" {
				continue
			}
			if seen[what+" "+name] {
				t.Errorf("%s %s is in AttendanceColumns twice", what, name)
			}
			seen[what+" "+name] = true
		}
		if (c.Raw == nil) != (c.Source == "") || (c.Raw == nil) != (c.Staged == "") {
			t.Errorf("%s: an HRMOS key and a staging column go with a staged value, and only with one", c.Name)
		}
		if v := c.Field(&f); values[v] {
			t.Errorf("%s shares its field of AttendanceFields", c.Name)
		} else {
			values[v] = true
		}
		if c.Raw != nil {
			if v := c.Raw(&r); raws[v] {
				t.Errorf("%s shares its field of AttendanceRow", c.Name)
			} else {
				raws[v] = true
			}
		}
	}
}
