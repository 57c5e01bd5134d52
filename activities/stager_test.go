package activities

import (
	"errors"
	"slices"
	"testing"

	"github.com/mediment/hrmos-sync/internal/hrmos"
)

// Pages are staged in the order they were read, all of them before wait
// returns; a staging error stops the listing at its next page and is the
// error wait returns, even when the listing also failed.
func TestStagerStagesInOrderAndStopsTheListingOnItsError(t *testing.T) {
	var staged []int
	s := stageBeside(func(p hrmos.Page[int]) error { staged = append(staged, p.Number); return nil })
	for n := 1; n <= 50; n++ {
		if err := s.add(hrmos.Page[int]{Number: n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.wait(nil); err != nil || len(staged) != 50 || !slices.IsSorted(staged) {
		t.Fatalf("wait = %v, staged %v", err, staged)
	}

	refused := errors.New("refused")
	s = stageBeside(func(p hrmos.Page[int]) error {
		if p.Number == 3 {
			return refused
		}
		return nil
	})
	stoppedAt := 0
	for n := 1; n <= 1000; n++ {
		if err := s.add(hrmos.Page[int]{Number: n}); err != nil {
			if !errors.Is(err, refused) {
				t.Fatalf("add = %v", err)
			}
			stoppedAt = n
			break
		}
	}
	if stoppedAt == 0 {
		t.Error("the listing went on to the end after staging failed")
	}
	if err := s.wait(errors.New("the listing's own")); !errors.Is(err, refused) {
		t.Errorf("wait = %v, want the staging error", err)
	}
}
