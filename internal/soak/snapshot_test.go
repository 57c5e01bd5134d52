package soak

import (
	"slices"
	"testing"
)

func TestCompareFindsLostExtraAndChangedRows(t *testing.T) {
	want := Snapshot{
		Employees: map[string]Row{"hrmos:1": {"email": "a@x"}, "hrmos:2": {"email": "b@x"}},
		Items:     map[string]Row{"roster/1": {"outcome": "created"}},
	}
	got := Snapshot{
		Employees: map[string]Row{"hrmos:1": {"email": "A@x"}, "hrmos:3": {"email": "c@x"}},
		Items:     map[string]Row{"roster/1": {"outcome": "created"}},
	}
	diffs := Compare(want, got)
	if len(diffs) != 1 || diffs[0].Table != "employees" {
		t.Fatalf("want one difference in employees, got %v", diffs)
	}
	d := diffs[0]
	if !slices.Equal(d.Missing, []string{"hrmos:2"}) || !slices.Equal(d.Extra, []string{"hrmos:3"}) || !slices.Equal(d.Changed, []string{"hrmos:1"}) {
		t.Errorf("missing %v, extra %v, changed %v", d.Missing, d.Extra, d.Changed)
	}
	if len(Compare(want, want)) != 0 {
		t.Error("a snapshot differs from itself")
	}
}

func TestEmployeeKeyFallsBackToTheNumber(t *testing.T) {
	if k := employeeKey(float64(7), "E1"); k != "hrmos:7" {
		t.Errorf("linked employee keyed %q", k)
	}
	if k := employeeKey(nil, "E1"); k != "number:E1" {
		t.Errorf("unlinked employee keyed %q", k)
	}
}
