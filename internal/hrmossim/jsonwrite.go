package hrmossim

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The simulator renders JSON by hand instead of through encoding/json: it
// needs a per-field choice between value, "", null and no key, fixed key
// order, and speed (a 100-row page of 80-key monthly rows is rendered per
// request, never cached, so that memory stays flat for 100k-employee
// companies).

// jst is HRMOS's offset; a fixed zone so the binary needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

// timestampLayout is how HRMOS renders date-times: milliseconds and +09:00.
const timestampLayout = "2006-01-02T15:04:05.000-07:00"

// objectWriter appends one JSON object (possibly with nested objects) to buf.
type objectWriter struct {
	buf   []byte
	comma bool
}

func (w *objectWriter) begin() {
	w.buf = append(w.buf, '{')
	w.comma = false
}

func (w *objectWriter) end() {
	w.buf = append(w.buf, '}')
	w.comma = true
}

func (w *objectWriter) key(k string) {
	if w.comma {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, k...)
	w.buf = append(w.buf, '"', ':')
	w.comma = true
}

// emptyShape writes the key and the non-value shapes; it reports whether it
// handled the field (so the caller writes the value only for Present).
func (w *objectWriter) emptyShape(k string, p Presence) bool {
	switch p {
	case Absent:
		return true
	case Null:
		w.key(k)
		w.buf = append(w.buf, "null"...)
		return true
	case EmptyString:
		w.key(k)
		w.buf = append(w.buf, `""`...)
		return true
	}
	return false
}

func (w *objectWriter) int(k string, v int64) {
	w.key(k)
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

func (w *objectWriter) string(k, v string) {
	w.key(k)
	w.buf = appendJSONString(w.buf, v)
}

func (w *objectWriter) optString(k string, v OptString) {
	if w.emptyShape(k, v.Presence) {
		return
	}
	w.string(k, v.Value)
}

func (w *objectWriter) optInt(k string, v OptInt) {
	if w.emptyShape(k, v.Presence) {
		return
	}
	w.int(k, v.Value)
}

func (w *objectWriter) duration(k string, v Duration) {
	if w.emptyShape(k, v.Presence) {
		return
	}
	w.key(k)
	w.buf = append(w.buf, '"')
	w.buf = appendDuration(w.buf, v.Minutes)
	w.buf = append(w.buf, '"')
}

func (w *objectWriter) dayCount(k string, v DayCount) {
	if w.emptyShape(k, v.Presence) {
		return
	}
	w.key(k)
	w.buf = append(w.buf, '"')
	w.buf = appendTenths(w.buf, v.Tenths)
	w.buf = append(w.buf, '"')
}

func (w *objectWriter) decimal(k string, v Decimal) {
	if w.emptyShape(k, v.Presence) {
		return
	}
	w.key(k)
	w.buf = appendTenths(w.buf, v.Tenths)
}

func (w *objectWriter) timestamp(k string, t time.Time) {
	w.key(k)
	w.buf = append(w.buf, '"')
	w.buf = appendTimestamp(w.buf, t)
	w.buf = append(w.buf, '"')
}

func (w *objectWriter) intSlice(k string, v []int) {
	w.key(k)
	w.buf = append(w.buf, '[')
	for i, n := range v {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	}
	w.buf = append(w.buf, ']')
}

func (w *objectWriter) stringSlice(k string, v []string) {
	w.key(k)
	w.buf = append(w.buf, '[')
	for i, s := range v {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, s)
	}
	w.buf = append(w.buf, ']')
}

// appendTimestamp renders t in JST with milliseconds.
func appendTimestamp(b []byte, t time.Time) []byte {
	return t.In(jst).AppendFormat(b, timestampLayout)
}

// formatTimestamp is appendTimestamp for a string.
func formatTimestamp(t time.Time) string {
	return string(appendTimestamp(nil, t))
}

// appendDuration renders minutes as "H:MM" ("-1:30" when negative).
func appendDuration(b []byte, minutes int32) []byte {
	m := int64(minutes)
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, m/60, 10)
	b = append(b, ':')
	if m%60 < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, m%60, 10)
}

// appendTenths renders tenths with exactly one decimal ("20.0", "0.5", "-1.0").
func appendTenths(b []byte, tenths int32) []byte {
	t := int64(tenths)
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t/10, 10)
	b = append(b, '.')
	return strconv.AppendInt(b, t%10, 10)
}

// appendJSONString appends s as a JSON string. UTF-8 is written as is (as a
// Rails API does); quotes, backslashes and control characters are escaped and
// invalid UTF-8 becomes U+FFFD, so the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendUser renders one user in the order of the OpenAPI User schema.
func appendUser(b []byte, u *User) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("id", u.ID)
	w.optString("number", u.Number)
	w.optString("last_name", u.LastName)
	w.optString("first_name", u.FirstName)
	w.optString("last_name_kana", u.LastNameKana)
	w.optString("first_name_kana", u.FirstNameKana)
	w.optString("start_date", u.StartDate)
	w.optString("end_date", u.EndDate)
	w.optString("comment", u.Comment)
	w.optInt("cutoff_date", u.CutoffDate)
	w.optString("nfc_tag_pc", u.NfcTagPC)
	w.optString("email", u.Email)
	w.optInt("lodgment_id", u.LodgmentID)
	w.optInt("agreement36_id", u.Agreement36ID)
	w.optInt("department_id", u.DepartmentID)
	w.optInt("employment_id", u.EmploymentID)
	w.optString("segment", u.Segment)
	w.optInt("default_segment_id", u.DefaultSegmentID)
	for i, v := range u.DefaultHolidayIDs {
		w.optInt(defaultHolidayKeys[i], v)
	}
	for i, v := range u.DefaultCalendarIDs {
		w.optInt(defaultCalendarKeys[i], v)
	}
	w.timestamp("created_at", u.CreatedAt)
	w.timestamp("updated_at", u.UpdatedAt)
	for i, group := range u.GroupApprovers {
		w.key(groupApproverKeys[i])
		w.buf = append(w.buf, '[')
		for j := range group {
			if j > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = appendApprover(w.buf, &group[j])
		}
		w.buf = append(w.buf, ']')
	}
	w.key("user_original_calendars")
	w.buf = append(w.buf, '[')
	for j, c := range u.UserOriginalCalendars {
		if j > 0 {
			w.buf = append(w.buf, ',')
		}
		cw := objectWriter{buf: w.buf}
		cw.begin()
		cw.int("id", c.ID)
		cw.int("user_id", c.UserID)
		cw.int("original_calendar_id", c.OriginalCalendarID)
		cw.int("segment_id", c.SegmentID)
		cw.end()
		w.buf = cw.buf
	}
	w.buf = append(w.buf, ']')
	w.end()
	return w.buf
}

var (
	defaultHolidayKeys  = [3]string{"default_holiday_1_id", "default_holiday_2_id", "default_holiday_3_id"}
	defaultCalendarKeys = [8]string{
		"default_calendar_1_id", "default_calendar_2_id", "default_calendar_3_id", "default_calendar_4_id",
		"default_calendar_5_id", "default_calendar_6_id", "default_calendar_7_id", "default_calendar_8_id",
	}
	groupApproverKeys = [4]string{"group1_approvers", "group2_approvers", "group3_approvers", "group4_approvers"}
)

func appendApprover(b []byte, a *Approver) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("id", a.ID)
	w.optString("last_name", a.LastName)
	w.optString("first_name", a.FirstName)
	w.optInt("lodgment_id", a.LodgmentID)
	w.optInt("department_id", a.DepartmentID)
	w.end()
	return w.buf
}

func appendDepartment(b []byte, d *Department) []byte {
	return appendMaster(b, d.ID, d.Name, d.Sequence)
}

func appendEmployment(b []byte, e *Employment) []byte {
	return appendMaster(b, e.ID, e.Name, e.Sequence)
}

// appendMaster writes a 部門 or a 雇用形態: both are {id, name, sequence}.
func appendMaster(b []byte, id int64, name string, sequence int) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("id", id)
	w.string("name", name)
	w.int("sequence", int64(sequence))
	w.end()
	return w.buf
}

// appendLodgment follows the spec example's order, with the id the example
// forgot in front.
func appendLodgment(b []byte, l *Lodgment) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("id", l.ID)
	w.string("name", l.Name)
	w.int("sequence", int64(l.Sequence))
	w.intSlice("segments", l.Segments)
	w.stringSlice("ip_addresses", l.IPAddresses)
	w.string("address", l.Address)
	w.int("prefectural_id", int64(l.PrefecturalID))
	w.timestamp("created_at", l.CreatedAt)
	w.timestamp("updated_at", l.UpdatedAt)
	w.end()
	return w.buf
}

// appendMonthlyRow renders one 月次レポート row in the order of the OpenAPI
// WorkOutputMonth schema. month is the "YYYYMM" used when the row has none.
func appendMonthlyRow(b []byte, r *MonthlyRow, month string) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("user_id", r.UserID)
	w.optString("number", r.Number)
	if r.Month != "" {
		month = r.Month
	}
	w.string("month", month)
	w.duration("prescribed_working_hours", r.PrescribedWorkingHours)
	w.duration("hours_in_prescribed_working_hours", r.HoursInPrescribedWorkingHours)
	w.duration("hours_in_statutory_working_hours", r.HoursInStatutoryWorkingHours)
	w.duration("excess_of_statutory_working_hours", r.ExcessOfStatutoryWorkingHours)
	w.duration("excess_of_statutory_working_hours_in_holidays", r.ExcessOfStatutoryWorkingHoursInHolidays)
	w.duration("working_hours_in_statutory_holidays", r.WorkingHoursInStatutoryHolidays)
	w.duration("late_night_overtime_working_hours", r.LateNightOvertimeWorkingHours)
	w.duration("total_working_hours", r.TotalWorkingHours)
	w.duration("actual_working_hours", r.ActualWorkingHours)
	w.duration("total_late_hours", r.TotalLateHours)
	w.duration("total_leave_early_hours", r.TotalLeaveEarlyHours)
	w.duration("lack_prescribed_work_time", r.LackPrescribedWorkTime)
	w.duration("over_work_time", r.OverWorkTime)
	w.duration("over_work_time_36", r.OverWorkTime36)
	w.dayCount("prescribed_working_days", r.PrescribedWorkingDays)
	w.dayCount("working_days", r.WorkingDays)
	w.dayCount("working_days_in_non_statutory_holidays", r.WorkingDaysInNonStatutoryHolidays)
	w.dayCount("working_days_in_statutory_holidays", r.WorkingDaysInStatutoryHolidays)
	w.dayCount("absence_days", r.AbsenceDays)
	w.dayCount("tardy_days", r.TardyDays)
	w.dayCount("learve_early_days", r.LeaveEarlyDays)
	w.dayCount("public_holidays", r.PublicHolidays)
	w.dayCount("paid_holidays", r.PaidHolidays)
	w.dayCount("remain_paid_holidays", r.RemainPaidHolidays)
	w.decimal("paid_holiday_with_time_paid", r.PaidHolidayWithTimePaid)
	w.decimal("time_paid_holiday", r.TimePaidHoliday)
	w.decimal("time_paid_holiday_zansu", r.TimePaidHolidayZansu)
	w.decimal("kango_days", r.KangoDays)
	w.decimal("kango_remain", r.KangoRemain)
	w.decimal("kango_time_paid_holiday", r.KangoTimePaidHoliday)
	w.decimal("kango_time_paid_holiday_zansu", r.KangoTimePaidHolidayZansu)
	w.decimal("kango_paid_holiday_with_time_paid", r.KangoPaidHolidayWithTimePaid)
	w.decimal("kaigo_days", r.KaigoDays)
	w.decimal("kaigo_remain", r.KaigoRemain)
	w.decimal("kaigo_time_paid_holiday", r.KaigoTimePaidHoliday)
	w.decimal("kaigo_time_paid_holiday_zansu", r.KaigoTimePaidHolidayZansu)
	w.decimal("kaigo_paid_holiday_with_time_paid", r.KaigoPaidHolidayWithTimePaid)
	w.optString("expense", r.Expense)
	w.timestamp("created_at", r.CreatedAt)
	w.timestamp("updated_at", r.UpdatedAt)
	w.duration("daytime_prescribed_work_time", r.DaytimePrescribedWorkTime)
	w.duration("midnight_prescribed_work_time", r.MidnightPrescribedWorkTime)
	w.duration("daytime_statutory_work_overtime", r.DaytimeStatutoryWorkOvertime)
	w.duration("midnight_statutory_work_overtime", r.MidnightStatutoryWorkOvertime)
	w.duration("daytime_out_statutory_work_time", r.DaytimeOutStatutoryWorkTime)
	w.duration("midnight_out_statutory_work_time", r.MidnightOutStatutoryWorkTime)
	w.duration("daytime_out_statutory_holiday_work_time", r.DaytimeOutStatutoryHolidayWorkTime)
	w.duration("midnight_out_statutory_holiday_work_time", r.MidnightOutStatutoryHolidayWorkTime)
	w.duration("daytime_statutory_holiday_work_time", r.DaytimeStatutoryHolidayWorkTime)
	w.duration("midnight_statutory_holiday_work_time", r.MidnightStatutoryHolidayWorkTime)
	w.duration("jikangai_under_45", r.JikangaiUnder45)
	w.duration("jikangai_45_to_60", r.Jikangai45To60)
	w.duration("jikangai_over_60", r.JikangaiOver60)

	var zeroDiscretion Discretion
	d := r.Discretion
	if d == nil {
		d = &zeroDiscretion
	}
	w.key("discretion")
	w.begin()
	w.duration("considereds_time", d.ConsideredsTime)
	w.duration("excess_of_statutory_working_hours_in_holidays", d.ExcessOfStatutoryWorkingHoursInHolidays)
	w.duration("working_hours_in_statutory_holidays", d.WorkingHoursInStatutoryHolidays)
	w.duration("discretion_time", d.DiscretionTime)
	w.end()

	var zeroFlex Flex
	f := r.Flex
	if f == nil {
		f = &zeroFlex
	}
	w.key("flex")
	w.begin()
	w.duration("total_working_hours", f.TotalWorkingHours)
	w.duration("prescribed_working_hours", f.PrescribedWorkingHours)
	w.duration("statutory_time", f.StatutoryTime)
	w.duration("working_hours_in_statutory_holidays", f.WorkingHoursInStatutoryHolidays)
	w.duration("to_today_total_work_time", f.ToTodayTotalWorkTime)
	w.duration("to_today_total_work_time_36", f.ToTodayTotalWorkTime36)
	w.duration("to_today_prescribed_time", f.ToTodayPrescribedTime)
	w.duration("to_today_statutory_holiday_work_time", f.ToTodayStatutoryHolidayWorkTime)
	w.duration("to_today_statutory_overtime", f.ToTodayStatutoryOvertime)
	w.duration("to_today_out_statutory_overtime", f.ToTodayOutStatutoryOvertime)
	w.duration("to_today_overtime_36", f.ToTodayOvertime36)
	w.duration("to_today_jikangai_under_45", f.ToTodayJikangaiUnder45)
	w.duration("to_today_jikangai_45_to_60", f.ToTodayJikangai45To60)
	w.duration("to_today_jikangai_over_60", f.ToTodayJikangaiOver60)
	w.duration("to_today_overtime", f.ToTodayOvertime)
	w.duration("to_today_lack_prescribed_work_time", f.ToTodayLackPrescribedWorkTime)
	w.duration("to_today_lack_statutory_work_time", f.ToTodayLackStatutoryWorkTime)
	w.duration("settlement_period_overtime", f.SettlementPeriodOvertime)
	w.duration("settlement_period_lack_prescribed_work_time", f.SettlementPeriodLackPrescribedWorkTime)
	w.duration("settlement_period_lack_statutory_work_time", f.SettlementPeriodLackStatutoryWorkTime)
	w.end()

	var zeroVariable Variable
	v := r.Variable
	if v == nil {
		v = &zeroVariable
	}
	w.key("variable")
	w.begin()
	w.duration("total_working_hours", v.TotalWorkingHours)
	w.duration("in_statutory_work_time", v.InStatutoryWorkTime)
	w.duration("statutory_time", v.StatutoryTime)
	w.duration("prescribed_time", v.PrescribedTime)
	w.duration("working_hours_in_statutory_holidays", v.WorkingHoursInStatutoryHolidays)
	w.duration("over_prescribed_work_time", v.OverPrescribedWorkTime)
	w.duration("over_statutory_work_time", v.OverStatutoryWorkTime)
	w.duration("variable_jikangai_under_45", v.VariableJikangaiUnder45)
	w.duration("variable_jikangai_45_to_60", v.VariableJikangai45To60)
	w.duration("variable_jikangai_over_60", v.VariableJikangaiOver60)
	w.duration("variable_period_total_working_hours", v.VariablePeriodTotalWorkingHours)
	w.duration("variable_period_in_statutory_work_time", v.VariablePeriodInStatutoryWorkTime)
	w.duration("variable_period_statutory_work_time", v.VariablePeriodStatutoryWorkTime)
	w.duration("variable_period_prescribed_time", v.VariablePeriodPrescribedTime)
	w.duration("variable_period_working_hours_in_statutory_holidays", v.VariablePeriodWorkingHoursInStatutoryHolidays)
	w.duration("variable_period_over_prescribed_work_time", v.VariablePeriodOverPrescribedWorkTime)
	w.duration("variable_period_over_statutory_work_time", v.VariablePeriodOverStatutoryWorkTime)
	w.end()

	w.end()
	return w.buf
}

// appendToken renders the Token object of the authentication endpoints.
func appendToken(b []byte, token string, expiresAt time.Time) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.string("token", token)
	w.timestamp("expired_at", expiresAt)
	w.end()
	return w.buf
}

// appendError renders the API's Error object {"code", "message"}.
func appendError(b []byte, code int, message string) []byte {
	w := objectWriter{buf: b}
	w.begin()
	w.int("code", int64(code))
	w.string("message", message)
	w.end()
	return w.buf
}
