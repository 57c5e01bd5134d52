package hrmos

import (
	"strings"
	"time"
)

// The record types keep only what the sync maps, as raw text where HRMOS
// sends formatted strings (dates, "H:MM" durations, "20.0" day counts): the
// sync validates each value per employee with ParseDate, ParseDuration and
// ParseDayCount, so one malformed value becomes one employee's error rather
// than a failed page.
//
// Every UnmarshalJSON here accepts null, "" and missing keys alike, numbers
// where strings are expected and numeric strings where numbers are, and
// records the key of any value it cannot use in Invalid instead of failing.
// A list item that is not an object at all is kept with only its ID key in
// Invalid, so the caller can count and report it.

// User is one entry of GET /users.
type User struct {
	ID                                                              int64 // required; 0 with "id" in Invalid when missing or unusable
	Number, LastName, FirstName, LastNameKana, FirstNameKana, Email string
	StartDate, EndDate                                              string // as sent, "" when null/missing
	DepartmentID, LodgmentID, EmploymentID                          *int64
	CutoffDate                                                      *int
	// Gender is not in HRMOS's user schema (docs/hrmos-api.md §5). HasGender is
	// true only when a "gender" key carries a non-empty value, so that the
	// sync never clears mediment's value for lack of data.
	Gender    string
	HasGender bool
	// CreatedAt and UpdatedAt are HRMOS's timestamps as sent
	// ("2022-03-22T09:46:48.000+09:00"), "" when null/missing; read them
	// with ParseTimestamp.
	CreatedAt, UpdatedAt string
	Invalid              []string // JSON keys whose value had an unusable type
}

// UnmarshalJSON implements json.Unmarshaler tolerantly (see the file comment).
func (u *User) UnmarshalJSON(data []byte) error {
	*u = User{}
	o := readObject(data)
	if o == nil {
		u.Invalid = []string{"id"}
		return nil
	}
	u.ID = o.id("id")
	o.texts(u.texts())
	u.DepartmentID = o.optInt64("department_id")
	u.LodgmentID = o.optInt64("lodgment_id")
	u.EmploymentID = o.optInt64("employment_id")
	u.CutoffDate = o.optInt("cutoff_date")
	if o.has("gender") {
		u.Gender = o.str("gender")
		u.HasGender = u.Gender != ""
	}
	u.CreatedAt = o.str("created_at")
	u.UpdatedAt = o.str("updated_at")
	u.Invalid = o.invalid
	return nil
}

// texts are the user's text fields by JSON key, in the order they are
// decoded (the order of Invalid): UnmarshalJSON decodes them and Text finds
// them through this one list, so that a field the sync stages by its key
// (rules.UserFields) needs only its struct field and its line here.
func (u *User) texts() []textField {
	return []textField{
		{key: "number", value: &u.Number}, {key: "last_name", value: &u.LastName}, {key: "first_name", value: &u.FirstName},
		{key: "last_name_kana", value: &u.LastNameKana}, {key: "first_name_kana", value: &u.FirstNameKana},
		{key: "email", value: &u.Email}, {key: "start_date", value: &u.StartDate}, {key: "end_date", value: &u.EndDate},
	}
}

// Text is the user's text field of a JSON key as decoded; ok is false for
// a key the client does not decode as text.
func (u User) Text(key string) (value string, ok bool) {
	return lookupText(u.texts(), key)
}

// Department is one entry of GET /departments (部門).
type Department struct {
	ID       int64
	Name     string
	Sequence int
	Invalid  []string
}

// UnmarshalJSON implements json.Unmarshaler tolerantly.
func (d *Department) UnmarshalJSON(data []byte) error {
	*d = Department{}
	o := readObject(data)
	if o == nil {
		d.Invalid = []string{"id"}
		return nil
	}
	d.ID, d.Name, d.Sequence = o.id("id"), o.str("name"), o.int("sequence")
	d.Invalid = o.invalid
	return nil
}

// Lodgment is one entry of GET /lodgments (拠点, the office).
type Lodgment struct {
	ID            int64
	Name          string
	Sequence      int
	PrefecturalID *int64
	Address       string
	Invalid       []string
}

// UnmarshalJSON implements json.Unmarshaler tolerantly.
func (l *Lodgment) UnmarshalJSON(data []byte) error {
	*l = Lodgment{}
	o := readObject(data)
	if o == nil {
		l.Invalid = []string{"id"}
		return nil
	}
	l.ID, l.Name, l.Sequence = o.id("id"), o.str("name"), o.int("sequence")
	l.PrefecturalID = o.optInt64("prefectural_id")
	l.Address = o.str("address")
	l.Invalid = o.invalid
	return nil
}

// MonthlyReportRow is one row of GET /work_output_months/monthly/{month}.
// Durations ("H:MM") and day counts ("20.0") are kept as sent, "" when
// null/missing; numbers are converted to their text.
type MonthlyReportRow struct {
	UserID int64  // required; 0 with "user_id" in Invalid when missing or unusable
	Number string // 社員番号
	Month  string // as sent, "YYYYMM"; "" when absent (the caller knows the month it asked for)

	WorkingDays    string // 出勤日数
	AbsenceDays    string // 欠勤日数
	TardyDays      string // 遅刻日数
	LeaveEarlyDays string // 早退日数, JSON key "learve_early_days" (sic)
	PaidHolidays   string // 有給休暇日数

	ActualWorkingHours            string // 実働時間
	TotalLateHours                string // 遅刻時間
	TotalLeaveEarlyHours          string // 早退時間
	HoursInPrescribedWorkingHours string // 所定内労働時間
	ExcessOfStatutoryWorkingHours string // 法定時間外労働時間
	LateNightOvertimeWorkingHours string // 深夜労働時間
	PrescribedWorkingHours        string // 所定時間
	TotalWorkingHours             string // 総労働時間

	PaidHolidayWithTimePaid *float64 // also labelled 有給休暇日数; a JSON number
	// CreatedAt and UpdatedAt as for User.
	CreatedAt, UpdatedAt string
	Invalid              []string
}

// UnmarshalJSON implements json.Unmarshaler tolerantly.
func (r *MonthlyReportRow) UnmarshalJSON(data []byte) error {
	*r = MonthlyReportRow{}
	o := readObject(data)
	if o == nil {
		r.Invalid = []string{"user_id"}
		return nil
	}
	r.UserID = o.id("user_id")
	o.texts(r.texts())
	r.PaidHolidayWithTimePaid = o.optFloat("paid_holiday_with_time_paid")
	r.CreatedAt = o.str("created_at")
	r.UpdatedAt = o.str("updated_at")
	r.Invalid = o.invalid
	return nil
}

// texts are the row's text fields by JSON key, as User's are.
func (r *MonthlyReportRow) texts() []textField {
	return []textField{
		{key: "number", value: &r.Number}, {key: "month", value: &r.Month},
		{key: "working_days", value: &r.WorkingDays}, {key: "absence_days", value: &r.AbsenceDays}, {key: "tardy_days", value: &r.TardyDays},
		// Should HRMOS ever fix the spelling, the value keeps flowing.
		{key: "learve_early_days", value: &r.LeaveEarlyDays, alias: "leave_early_days"},
		{key: "paid_holidays", value: &r.PaidHolidays}, {key: "actual_working_hours", value: &r.ActualWorkingHours},
		{key: "total_late_hours", value: &r.TotalLateHours}, {key: "total_leave_early_hours", value: &r.TotalLeaveEarlyHours},
		{key: "hours_in_prescribed_working_hours", value: &r.HoursInPrescribedWorkingHours},
		{key: "excess_of_statutory_working_hours", value: &r.ExcessOfStatutoryWorkingHours},
		{key: "late_night_overtime_working_hours", value: &r.LateNightOvertimeWorkingHours},
		{key: "prescribed_working_hours", value: &r.PrescribedWorkingHours}, {key: "total_working_hours", value: &r.TotalWorkingHours},
	}
}

// Text is the row's text field of a JSON key as decoded; ok is false for a
// key the client does not decode as text.
func (r MonthlyReportRow) Text(key string) (value string, ok bool) {
	return lookupText(r.texts(), key)
}

// textField is one text field of a record: its JSON key, and where its
// value lives. alias is a key read instead when key is absent.
type textField struct {
	key   string
	value *string
	alias string
}

// texts decodes the text fields of a record, in order.
func (o *object) texts(fields []textField) {
	for _, f := range fields {
		*f.value = o.str(f.key)
		if f.alias != "" && !o.has(f.key) && o.has(f.alias) {
			*f.value = o.str(f.alias)
		}
	}
}

func lookupText(fields []textField, key string) (string, bool) {
	for _, f := range fields {
		if f.key == key {
			return *f.value, true
		}
	}
	return "", false
}

// ParseTimestamp reads one of HRMOS's date-times: RFC 3339 with an offset,
// with or without fractional seconds ("2020-09-18T12:57:16.000+09:00", the
// only shape the spec and live data show). ok is false for anything else,
// a date-time without an offset included: the caller decides what an
// unreadable timestamp means (the fetch takes it as "maybe just created").
func ParseTimestamp(s string) (t time.Time, ok bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	return t, err == nil
}
