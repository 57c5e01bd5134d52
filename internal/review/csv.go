package review

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/mediment/hrmos-sync/internal/rules"
)

// The run review as CSV, for people who open it in a spreadsheet
// (`starter runs show … --csv`, `--csv --needs-action`):
//
//   - UTF-8 with a byte-order mark: Excel reads a CSV file without one in
//     the machine's code page (Shift_JIS on a Japanese Windows), which turns
//     every Japanese label and reason into mojibake; with it, Excel, Numbers,
//     LibreOffice and Google Sheets all read UTF-8;
//   - CRLF line ends and quoting as RFC 4180 has them (encoding/csv);
//   - a list inside one cell (changed fields, needs attention) joined with
//     ListSeparator;
//   - a header row of stable snake_case names (sync_run_items' own names where
//     there is one), so a sheet's filters, and a script, keep working;
//   - no value of any employee column: IDs, outcomes, codes, column names,
//     labels and reasons only, the same as sync_run_items holds. The old and
//     new values `runs show` prints stay in the database and in the text
//     review: a spreadsheet gets mailed around.

// BOM is the UTF-8 byte-order mark every CSV of the review starts with.
const BOM = "\ufeff"

// ListSeparator joins a list in one cell. Not a comma (the field
// separator), nor a semicolon (the field separator of Excel in locales
// whose decimal mark is a comma), nor a line break (a cell of several
// lines shows only its first until its row is widened): " / " reads as a
// list in any spreadsheet, and no column name or label contains it.
const ListSeparator = " / "

// ItemsCSVHeader names the columns of WriteItemsCSV, one row per record of
// the run: an HRMOS employee (roster) or report row (attendance).
var ItemsCSVHeader = []string{
	"hrmos_user_id", "employee_id", "outcome", "reason_code", "reason", "field",
	"changed_fields", "needs_attention", "needs_attention_labels", "planned",
}

// WriteItemsCSV writes the records a report lists (its query's outcomes,
// reason and limit), as `starter runs show --csv` prints them. planned is
// true for a record whose change the plan decided and that was not written
// (a held run, one still writing, or one that failed first), as in JSON.
func WriteItemsCSV(w io.Writer, rep Report) error {
	rows := make([][]string, 0, len(rep.Items))
	for _, it := range rep.Items {
		rows = append(rows, []string{
			strconv.FormatInt(it.HRMOSUserID, 10), employeeID(it.EmployeeID), it.Outcome, it.ReasonCode, it.Reason, it.Field,
			strings.Join(it.ChangedFields, ListSeparator), strings.Join(it.NeedsAttention, ListSeparator),
			strings.Join(attentionLabels(it.NeedsAttention), ListSeparator), strconv.FormatBool(it.Planned),
		})
	}
	return writeCSV(w, ItemsCSVHeader, rows)
}

// NeedsActionCSVHeader names the columns of WriteNeedsActionCSV: one row
// per thing an admin must act on. list is the JSON's name of the 要対応 list
// (needsAction.retiredStillHere …); item is a column name (lists a, b), a
// reason code (c, d, other errors) or a notice's code (e), whose text is in
// reason.
var NeedsActionCSVHeader = []string{
	"list", "employee_id", "hrmos_user_id", "item", "label", "what_to_do", "reason", "hrmos_field",
}

// The what_to_do of the lists whose rows have no reason of their own.
const (
	doRetired   = "retired in HRMOS but still an account in mediment: delete it by hand"
	doAmbiguous = "nothing was written for this employee: resolve the match (see the reason)"
	doBad       = "correct the field in HRMOS and sync again"
	doOther     = "see the run's workflow history"
)

// RetiredLabel is the label of needs_attention's retirement_date: the
// employee has retired in HRMOS and keeps an account in mediment.
const RetiredLabel = "退職日（HRMOSで退職済み・手動で削除）"

// WriteNeedsActionCSV writes the 要対応 report alone, always complete, as
// `starter runs show --csv --needs-action` prints it: (a) retired but still
// here, (b) each missing mediment-only field of each employee with its
// Japanese label and why it matters, (c) ambiguous matches, (d) bad records
// with the HRMOS field to fix, the other errors, then (e) the key's expiry
// and the run's notices (rows without an employee).
func WriteNeedsActionCSV(w io.Writer, rep Report) error {
	na := rep.NeedsAction
	var rows [][]string
	for _, e := range na.RetiredStillHere {
		rows = append(rows, []string{"retiredStillHere", employeeID(e.EmployeeID), strconv.FormatInt(e.HRMOSUserID, 10),
			rules.NeedsAttentionRetired, RetiredLabel, doRetired, "", ""})
	}
	for _, f := range na.MissingMedimentOnly {
		for _, e := range f.Employees {
			rows = append(rows, []string{"missingMedimentOnly", employeeID(e.EmployeeID), strconv.FormatInt(e.HRMOSUserID, 10),
				f.Column, f.Label, "fill it in mediment (HRMOS cannot supply it): " + f.Why, "", ""})
		}
	}
	for _, l := range []struct {
		name, do string
		ps       []Problem
	}{{"ambiguousMatches", doAmbiguous, na.AmbiguousMatches}, {"badRecords", doBad, na.BadRecords}, {"otherErrors", doOther, na.OtherErrors}} {
		for _, p := range l.ps {
			rows = append(rows, []string{l.name, employeeID(p.EmployeeID), strconv.FormatInt(p.HRMOSUserID, 10),
				p.ReasonCode, "", l.do, p.Reason, p.Field})
		}
	}
	if k := na.KeyExpiry; k != nil {
		rows = append(rows, []string{"keyExpiry", "", "", k.Code, "", "", k.Text, ""}) // the text says what to do
	}
	for _, n := range na.Notices {
		rows = append(rows, []string{"notices", "", "", n.Code, "", "", n.Text, ""})
	}
	return writeCSV(w, NeedsActionCSVHeader, rows)
}

// attentionLabels are needs_attention's entries as people read them: the
// Japanese label of each mediment-only column (rules.MedimentOnly), and of
// retirement_date; a column this review does not know keeps its name.
func attentionLabels(columns []string) []string {
	labels := make([]string, 0, len(columns))
	for _, c := range columns {
		switch f, ok := rules.MedimentOnlyByColumn(c); {
		case c == rules.NeedsAttentionRetired:
			labels = append(labels, RetiredLabel)
		case ok:
			labels = append(labels, f.Label)
		default:
			labels = append(labels, c)
		}
	}
	return labels
}

func employeeID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func writeCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = inert(r[i])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// inert keeps a cell text: a spreadsheet runs a cell that starts with =, +,
// -, @ (or a tab or carriage return before one) as a formula, so such a
// cell gets a leading apostrophe, which Excel shows as text and hides. The
// cells are the engine's own IDs, codes and texts, none of which starts so
// today: this keeps a reason worded "-…" some day from running in someone's
// spreadsheet.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
