package hrmossim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// handleMonthly is GET /work_output_months/monthly/{month}: the 月次レポート
// rows of a YYYY-MM month, filtered by number (社員番号) and status (月締状況).
func (s *Server) handleMonthly(w http.ResponseWriter, r *http.Request) {
	state, q, ok := s.listRequest(w, r)
	if !ok {
		return
	}
	month := r.PathValue("month")
	if !validMonth(month) {
		writeError(w, http.StatusBadRequest, "Invalid parameter: month must be YYYY-MM")
		return
	}
	numbers := listParam(r.URL.Query(), "number")
	var statuses []ClosingStatus
	for _, v := range listParam(r.URL.Query(), "status") {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid parameter: status must be comma-separated integers")
			return
		}
		statuses = append(statuses, ClosingStatus(n))
	}
	if q.page > 1 && s.takeFault(faultShiftRows, r.URL.Path) {
		s.shiftRows(state, month)
	}
	if q.page > 1 && s.takeFault(faultAddAndRemove, r.URL.Path) {
		s.addAndRemoveRow(state, month)
	}

	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	rows := state.c.MonthlyRows[month]
	match := q.updatedMatcher(func(i int) time.Time { return rows[i].UpdatedAt.Time })
	if len(numbers) > 0 {
		match = andMatch(match, func(i int) bool {
			n := rows[i].Number
			if n.Presence != Present {
				return false
			}
			for _, want := range numbers {
				if n.Value == want {
					return true
				}
			}
			return false
		})
	}
	if len(statuses) > 0 {
		match = andMatch(match, func(i int) bool {
			for _, st := range statuses {
				if rows[i].Status == st {
					return true
				}
			}
			return false
		})
	}
	writeList(s, w, r, q, rows, match)
}

// listParam collects a list parameter however a client serialises it:
// "a,b", repeated "x=a&x=b", or Rails' "x[]=a&x[]=b". Empty items are dropped.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range q[key] {
			for item := range strings.SplitSeq(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out = append(out, item)
				}
			}
		}
	}
	return out
}

// shiftRows is the ShiftRowsBetweenPages fault on a monthly report: the
// first row goes, and every later row moves up one place.
func (s *Server) shiftRows(state *companyState, month string) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if rows := state.c.MonthlyRows[month]; len(rows) > 0 {
		state.c.MonthlyRows[month] = rows[1:]
	}
}

// addAndRemoveRow is the AddAndRemoveBetweenPages fault on a monthly report:
// a row for a new user ID (the next free one, so listed last; created and
// updated now, with the last row's figures) joins the month, and the first
// row goes.
func (s *Server) addAndRemoveRow(state *companyState, month string) {
	now := At(s.clock.Now().Truncate(time.Second))
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	c := state.c
	rows := c.MonthlyRows[month]
	if len(rows) == 0 {
		return
	}
	row := rows[len(rows)-1]
	row.UserID = c.nextUserID()
	row.Number = Str(newHireNumber(row.UserID))
	row.CreatedAt, row.UpdatedAt = now, now
	c.putMonthlyRow(month, row)
	c.MonthlyRows[month] = c.MonthlyRows[month][1:]
}
