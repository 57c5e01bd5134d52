package hrmossim

import (
	"cmp"
	"encoding/json"
	"iter"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Presence says how an optional field is rendered. HRMOS sends "no value" in
// three shapes (an empty string, null, or no key at all), so every optional
// field of the model carries one of these next to its value. Rendering goes
// through encoding/json: the model's tags name the keys in the schema's order,
// and omitzero asks IsZero, which is true only for Absent.
type Presence uint8

const (
	Present     Presence = iota // the value itself (for OptString an empty Value renders "")
	EmptyString                 // "" whatever the value's type
	Null                        // JSON null
	Absent                      // no key at all
)

// render renders the shapes of "no value", else the value.
func render(p Presence, value []byte) ([]byte, error) {
	switch p {
	case Null:
		return []byte("null"), nil
	case EmptyString:
		return []byte(`""`), nil
	}
	return value, nil
}

func quoted(b []byte) []byte { return append(b, '"') }

// The optional values below carry a Presence beside the value: As returns a
// copy with another presence, IsZero is true for Absent (so that omitzero
// leaves the key out), and MarshalJSON renders the value or its empty shape.
// Str, Int, Minutes, HM, Days and Dec return present values.

// OptString is a string field that may also be "", null or absent.
type OptString struct {
	Value    string
	Presence Presence
}

// OptInt is an integer field (an ID, cutoff_date) that may also be "", null or absent.
type OptInt struct {
	Value    int64
	Presence Presence
}

// Duration is an HRMOS duration, rendered "H:MM" with unpadded, unbounded
// hours ("0:00", "176:30") and a leading minus when negative ("-1:30").
// int32 minutes keep a 100k-row month small.
type Duration struct {
	Minutes  int32
	Presence Presence
}

// DayCount is a day count rendered as a string with one decimal ("20.0", "0.5").
type DayCount struct {
	Tenths   int32
	Presence Presence
}

// Decimal is a leave figure in tenths as DayCount, rendered as a JSON number
// with one decimal (0.5, 4.0).
type Decimal DayCount

func Str(s string) OptString  { return OptString{Value: s} }
func Int(v int64) OptInt      { return OptInt{Value: v} }
func Minutes(m int) Duration  { return Duration{Minutes: int32(m)} }
func HM(h, m int) Duration    { return Minutes(h*60 + m) }
func Days(d float64) DayCount { return DayCount{Tenths: int32(math.Round(d * 10))} }
func Dec(d float64) Decimal   { return Decimal{Tenths: int32(math.Round(d * 10))} }

func (v OptString) As(p Presence) OptString { v.Presence = p; return v }
func (v OptInt) As(p Presence) OptInt       { v.Presence = p; return v }
func (v Duration) As(p Presence) Duration   { v.Presence = p; return v }
func (v DayCount) As(p Presence) DayCount   { v.Presence = p; return v }
func (v Decimal) As(p Presence) Decimal     { v.Presence = p; return v }

func (v OptString) IsZero() bool { return v.Presence == Absent }
func (v OptInt) IsZero() bool    { return v.Presence == Absent }
func (v Duration) IsZero() bool  { return v.Presence == Absent }
func (v DayCount) IsZero() bool  { return v.Presence == Absent }
func (v Decimal) IsZero() bool   { return v.Presence == Absent }

func (v OptString) MarshalJSON() ([]byte, error) { return render(v.Presence, mustJSON(v.Value)) }
func (v OptInt) MarshalJSON() ([]byte, error) {
	return render(v.Presence, strconv.AppendInt(nil, v.Value, 10))
}
func (v Duration) MarshalJSON() ([]byte, error) {
	return render(v.Presence, quoted(appendDuration([]byte{'"'}, v.Minutes)))
}
func (v DayCount) MarshalJSON() ([]byte, error) {
	return render(v.Presence, quoted(appendTenths([]byte{'"'}, v.Tenths)))
}
func (v Decimal) MarshalJSON() ([]byte, error) {
	return render(v.Presence, appendTenths(nil, v.Tenths))
}

// appendDuration renders minutes as H:MM ("-1:30" when negative), appendTenths
// tenths with exactly one decimal ("20.0", "0.5", "-1.0").
func appendDuration(b []byte, minutes int32) []byte {
	return appendFixed(b, int64(minutes), 60, ':', 2)
}
func appendTenths(b []byte, tenths int32) []byte { return appendFixed(b, int64(tenths), 10, '.', 1) }

// appendFixed renders n as n/unit, sep and n%unit padded to digits.
func appendFixed(b []byte, n, unit int64, sep byte, digits int) []byte {
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	b = append(strconv.AppendInt(b, n/unit, 10), sep)
	return appendPadded(b, int(n%unit), digits)
}

// Approver is an entry of a user's group{1..4}_approvers.
type Approver struct {
	ID           int64     `json:"id"`
	LastName     OptString `json:"last_name,omitzero"`
	FirstName    OptString `json:"first_name,omitzero"`
	LodgmentID   OptInt    `json:"lodgment_id,omitzero"`
	DepartmentID OptInt    `json:"department_id,omitzero"`
}

// UserOriginalCalendar is an entry of a user's user_original_calendars.
type UserOriginalCalendar struct {
	ID                 int64 `json:"id"`
	UserID             int64 `json:"user_id"`
	OriginalCalendarID int64 `json:"original_calendar_id"`
	SegmentID          int64 `json:"segment_id"`
}

// User is one element of GET /users. The tags are the schema's keys in its
// order; MarshalJSON adds the timestamps and the arrays that follow them.
// There is deliberately no gender field: HRMOS has none.
type User struct {
	ID            int64     `json:"id"`
	Number        OptString `json:"number,omitzero"`          // 社員番号
	LastName      OptString `json:"last_name,omitzero"`       // family name, kanji
	FirstName     OptString `json:"first_name,omitzero"`      // given name, kanji
	LastNameKana  OptString `json:"last_name_kana,omitzero"`  // セイ
	FirstNameKana OptString `json:"first_name_kana,omitzero"` // メイ
	StartDate     OptString `json:"start_date,omitzero"`      // 入社日 "YYYY-MM-DD"; a string so messy data can be malformed
	EndDate       OptString `json:"end_date,omitzero"`        // 退社日; null while employed
	Comment       OptString `json:"comment,omitzero"`
	CutoffDate    OptInt    `json:"cutoff_date,omitzero"` // 締め日; 31 = end of month
	NfcTagPC      OptString `json:"nfc_tag_pc,omitzero"`
	Email         OptString `json:"email,omitzero"`
	LodgmentID    OptInt    `json:"lodgment_id,omitzero"`
	Agreement36ID OptInt    `json:"agreement36_id,omitzero"`
	DepartmentID  OptInt    `json:"department_id,omitzero"`
	EmploymentID  OptInt    `json:"employment_id,omitzero"`
	Segment       OptString `json:"segment,omitzero"` // allowed 勤務区分 IDs, comma-separated
	// DefaultSegmentID is the 出退勤 初期表示 勤務区分.
	DefaultSegmentID   OptInt `json:"default_segment_id,omitzero"`
	DefaultHoliday1ID  OptInt `json:"default_holiday_1_id,omitzero"`
	DefaultHoliday2ID  OptInt `json:"default_holiday_2_id,omitzero"`
	DefaultHoliday3ID  OptInt `json:"default_holiday_3_id,omitzero"`
	DefaultCalendar1ID OptInt `json:"default_calendar_1_id,omitzero"`
	DefaultCalendar2ID OptInt `json:"default_calendar_2_id,omitzero"`
	DefaultCalendar3ID OptInt `json:"default_calendar_3_id,omitzero"`
	DefaultCalendar4ID OptInt `json:"default_calendar_4_id,omitzero"`
	DefaultCalendar5ID OptInt `json:"default_calendar_5_id,omitzero"`
	DefaultCalendar6ID OptInt `json:"default_calendar_6_id,omitzero"`
	DefaultCalendar7ID OptInt `json:"default_calendar_7_id,omitzero"`
	DefaultCalendar8ID OptInt `json:"default_calendar_8_id,omitzero"`
	// The rest follows in this order (see MarshalJSON).
	CreatedAt             time.Time              `json:"-"`
	UpdatedAt             time.Time              `json:"-"`
	GroupApprovers        [4][]Approver          `json:"-"` // group{1..4}_approvers; nil renders []
	UserOriginalCalendars []UserOriginalCalendar `json:"-"` // nil renders []
}

// calendarIDs are the user's default_calendar_{1..8}_id.
func (u *User) calendarIDs() [8]*OptInt {
	return [8]*OptInt{&u.DefaultCalendar1ID, &u.DefaultCalendar2ID, &u.DefaultCalendar3ID, &u.DefaultCalendar4ID,
		&u.DefaultCalendar5ID, &u.DefaultCalendar6ID, &u.DefaultCalendar7ID, &u.DefaultCalendar8ID}
}

// Department is one element of GET /departments. UpdatedAt is not rendered
// but from/to filter on it (doc.go: from/to).
type Department struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Sequence  int       `json:"sequence"`
	UpdatedAt time.Time `json:"-"`
}

// Employment is one element of GET /employments; UpdatedAt as for Department.
type Employment Department

// Lodgment (拠点, office) is one element of GET /lodgments, in the order of
// the spec's example with the id it forgot in front.
type Lodgment struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Sequence      int       `json:"sequence"`
	Segments      []int     `json:"segments"`
	IPAddresses   []string  `json:"ip_addresses"`
	Address       string    `json:"address"`
	PrefecturalID int       `json:"prefectural_id"`
	CreatedAt     Timestamp `json:"created_at"`
	UpdatedAt     Timestamp `json:"updated_at"`
}

// ClosingStatus is a monthly row's 月締状況. It is never rendered in the row;
// it only answers the status filter.
type ClosingStatus int

// The closing states of the status filter.
const (
	StatusNotApplied    ClosingStatus = 0  // 未申請
	StatusApplicable    ClosingStatus = 1  // 申請可能
	StatusApplying      ClosingStatus = 2  // 申請中
	StatusApproved      ClosingStatus = 3  // 承認
	StatusForceApproved ClosingStatus = 99 // 強制承認
)

// Discretion is the row's 裁量労働 object.
type Discretion struct {
	ConsideredsTime                         Duration `json:"considereds_time,omitzero"`
	ExcessOfStatutoryWorkingHoursInHolidays Duration `json:"excess_of_statutory_working_hours_in_holidays,omitzero"`
	WorkingHoursInStatutoryHolidays         Duration `json:"working_hours_in_statutory_holidays,omitzero"`
	DiscretionTime                          Duration `json:"discretion_time,omitzero"`
}

// Flex is the row's フレックス object.
type Flex struct {
	TotalWorkingHours                      Duration `json:"total_working_hours,omitzero"`
	PrescribedWorkingHours                 Duration `json:"prescribed_working_hours,omitzero"`
	StatutoryTime                          Duration `json:"statutory_time,omitzero"`
	WorkingHoursInStatutoryHolidays        Duration `json:"working_hours_in_statutory_holidays,omitzero"`
	ToTodayTotalWorkTime                   Duration `json:"to_today_total_work_time,omitzero"`
	ToTodayTotalWorkTime36                 Duration `json:"to_today_total_work_time_36,omitzero"`
	ToTodayPrescribedTime                  Duration `json:"to_today_prescribed_time,omitzero"`
	ToTodayStatutoryHolidayWorkTime        Duration `json:"to_today_statutory_holiday_work_time,omitzero"`
	ToTodayStatutoryOvertime               Duration `json:"to_today_statutory_overtime,omitzero"`
	ToTodayOutStatutoryOvertime            Duration `json:"to_today_out_statutory_overtime,omitzero"`
	ToTodayOvertime36                      Duration `json:"to_today_overtime_36,omitzero"`
	ToTodayJikangaiUnder45                 Duration `json:"to_today_jikangai_under_45,omitzero"`
	ToTodayJikangai45To60                  Duration `json:"to_today_jikangai_45_to_60,omitzero"`
	ToTodayJikangaiOver60                  Duration `json:"to_today_jikangai_over_60,omitzero"`
	ToTodayOvertime                        Duration `json:"to_today_overtime,omitzero"`
	ToTodayLackPrescribedWorkTime          Duration `json:"to_today_lack_prescribed_work_time,omitzero"`
	ToTodayLackStatutoryWorkTime           Duration `json:"to_today_lack_statutory_work_time,omitzero"`
	SettlementPeriodOvertime               Duration `json:"settlement_period_overtime,omitzero"`
	SettlementPeriodLackPrescribedWorkTime Duration `json:"settlement_period_lack_prescribed_work_time,omitzero"`
	SettlementPeriodLackStatutoryWorkTime  Duration `json:"settlement_period_lack_statutory_work_time,omitzero"`
}

// Variable is the row's 変形労働 object.
type Variable struct {
	TotalWorkingHours                             Duration `json:"total_working_hours,omitzero"`
	InStatutoryWorkTime                           Duration `json:"in_statutory_work_time,omitzero"`
	StatutoryTime                                 Duration `json:"statutory_time,omitzero"`
	PrescribedTime                                Duration `json:"prescribed_time,omitzero"`
	WorkingHoursInStatutoryHolidays               Duration `json:"working_hours_in_statutory_holidays,omitzero"`
	OverPrescribedWorkTime                        Duration `json:"over_prescribed_work_time,omitzero"`
	OverStatutoryWorkTime                         Duration `json:"over_statutory_work_time,omitzero"`
	VariableJikangaiUnder45                       Duration `json:"variable_jikangai_under_45,omitzero"`
	VariableJikangai45To60                        Duration `json:"variable_jikangai_45_to_60,omitzero"`
	VariableJikangaiOver60                        Duration `json:"variable_jikangai_over_60,omitzero"`
	VariablePeriodTotalWorkingHours               Duration `json:"variable_period_total_working_hours,omitzero"`
	VariablePeriodInStatutoryWorkTime             Duration `json:"variable_period_in_statutory_work_time,omitzero"`
	VariablePeriodStatutoryWorkTime               Duration `json:"variable_period_statutory_work_time,omitzero"`
	VariablePeriodPrescribedTime                  Duration `json:"variable_period_prescribed_time,omitzero"`
	VariablePeriodWorkingHoursInStatutoryHolidays Duration `json:"variable_period_working_hours_in_statutory_holidays,omitzero"`
	VariablePeriodOverPrescribedWorkTime          Duration `json:"variable_period_over_prescribed_work_time,omitzero"`
	VariablePeriodOverStatutoryWorkTime           Duration `json:"variable_period_over_statutory_work_time,omitzero"`
}

// MonthlyRow is one element of GET /work_output_months/monthly/{month}
// (月次レポート); the tags are the OpenAPI WorkOutputMonth schema's keys in its
// order. It names the user only by UserID and Number: no name, no status.
type MonthlyRow struct {
	UserID int64     `json:"user_id"`
	Number OptString `json:"number,omitzero"`
	// Month is rendered "YYYYMM"; the server fills an empty one with the
	// month the row is stored under.
	Month string `json:"month"`
	// Status answers the status filter; it is not rendered.
	Status ClosingStatus `json:"-"`

	PrescribedWorkingHours                  Duration `json:"prescribed_working_hours,omitzero"`                      // 所定時間
	HoursInPrescribedWorkingHours           Duration `json:"hours_in_prescribed_working_hours,omitzero"`             // 所定内労働時間
	HoursInStatutoryWorkingHours            Duration `json:"hours_in_statutory_working_hours,omitzero"`              // 法定内時間外労働時間
	ExcessOfStatutoryWorkingHours           Duration `json:"excess_of_statutory_working_hours,omitzero"`             // 法定時間外労働時間
	ExcessOfStatutoryWorkingHoursInHolidays Duration `json:"excess_of_statutory_working_hours_in_holidays,omitzero"` // 法定外休日労働時間
	WorkingHoursInStatutoryHolidays         Duration `json:"working_hours_in_statutory_holidays,omitzero"`           // 法定休日労働時間
	LateNightOvertimeWorkingHours           Duration `json:"late_night_overtime_working_hours,omitzero"`             // 深夜労働時間
	TotalWorkingHours                       Duration `json:"total_working_hours,omitzero"`                           // 総労働時間
	ActualWorkingHours                      Duration `json:"actual_working_hours,omitzero"`                          // 実働時間
	TotalLateHours                          Duration `json:"total_late_hours,omitzero"`                              // 遅刻時間
	TotalLeaveEarlyHours                    Duration `json:"total_leave_early_hours,omitzero"`                       // 早退時間
	LackPrescribedWorkTime                  Duration `json:"lack_prescribed_work_time,omitzero"`                     // 所定不足時間
	OverWorkTime                            Duration `json:"over_work_time,omitzero"`                                // 残業時間
	OverWorkTime36                          Duration `json:"over_work_time_36,omitzero"`                             // 残業時間36

	PrescribedWorkingDays             DayCount `json:"prescribed_working_days,omitzero"`                // 所定日数
	WorkingDays                       DayCount `json:"working_days,omitzero"`                           // 出勤日数
	WorkingDaysInNonStatutoryHolidays DayCount `json:"working_days_in_non_statutory_holidays,omitzero"` // 法定外休日出勤日数
	WorkingDaysInStatutoryHolidays    DayCount `json:"working_days_in_statutory_holidays,omitzero"`     // 法定休日出勤日数
	AbsenceDays                       DayCount `json:"absence_days,omitzero"`                           // 欠勤日数
	TardyDays                         DayCount `json:"tardy_days,omitzero"`                             // 遅刻日数
	LeaveEarlyDays                    DayCount `json:"learve_early_days,omitzero"`                      // 早退日数, under the API's misspelt key
	PublicHolidays                    DayCount `json:"public_holidays,omitzero"`                        // 公休日数
	PaidHolidays                      DayCount `json:"paid_holidays,omitzero"`                          // 有給休暇日数
	RemainPaidHolidays                DayCount `json:"remain_paid_holidays,omitzero"`                   // 有給休暇残数

	PaidHolidayWithTimePaid      Decimal `json:"paid_holiday_with_time_paid,omitzero"`
	TimePaidHoliday              Decimal `json:"time_paid_holiday,omitzero"`
	TimePaidHolidayZansu         Decimal `json:"time_paid_holiday_zansu,omitzero"`
	KangoDays                    Decimal `json:"kango_days,omitzero"`
	KangoRemain                  Decimal `json:"kango_remain,omitzero"`
	KangoTimePaidHoliday         Decimal `json:"kango_time_paid_holiday,omitzero"`
	KangoTimePaidHolidayZansu    Decimal `json:"kango_time_paid_holiday_zansu,omitzero"`
	KangoPaidHolidayWithTimePaid Decimal `json:"kango_paid_holiday_with_time_paid,omitzero"`
	KaigoDays                    Decimal `json:"kaigo_days,omitzero"`
	KaigoRemain                  Decimal `json:"kaigo_remain,omitzero"`
	KaigoTimePaidHoliday         Decimal `json:"kaigo_time_paid_holiday,omitzero"`
	KaigoTimePaidHolidayZansu    Decimal `json:"kaigo_time_paid_holiday_zansu,omitzero"`
	KaigoPaidHolidayWithTimePaid Decimal `json:"kaigo_paid_holiday_with_time_paid,omitzero"`

	Expense OptString `json:"expense,omitzero"` // 経費, a string such as "0"

	CreatedAt Timestamp `json:"created_at"`
	UpdatedAt Timestamp `json:"updated_at"`

	DaytimePrescribedWorkTime           Duration `json:"daytime_prescribed_work_time,omitzero"`
	MidnightPrescribedWorkTime          Duration `json:"midnight_prescribed_work_time,omitzero"`
	DaytimeStatutoryWorkOvertime        Duration `json:"daytime_statutory_work_overtime,omitzero"`
	MidnightStatutoryWorkOvertime       Duration `json:"midnight_statutory_work_overtime,omitzero"`
	DaytimeOutStatutoryWorkTime         Duration `json:"daytime_out_statutory_work_time,omitzero"`
	MidnightOutStatutoryWorkTime        Duration `json:"midnight_out_statutory_work_time,omitzero"`
	DaytimeOutStatutoryHolidayWorkTime  Duration `json:"daytime_out_statutory_holiday_work_time,omitzero"`
	MidnightOutStatutoryHolidayWorkTime Duration `json:"midnight_out_statutory_holiday_work_time,omitzero"`
	DaytimeStatutoryHolidayWorkTime     Duration `json:"daytime_statutory_holiday_work_time,omitzero"`
	MidnightStatutoryHolidayWorkTime    Duration `json:"midnight_statutory_holiday_work_time,omitzero"`

	JikangaiUnder45 Duration `json:"jikangai_under_45,omitzero"`
	Jikangai45To60  Duration `json:"jikangai_45_to_60,omitzero"`
	JikangaiOver60  Duration `json:"jikangai_over_60,omitzero"`

	// Nested objects; nil renders the object with every duration "0:00"
	// (most employees work neither discretion, flex nor variable hours).
	Discretion *Discretion `json:"discretion"`
	Flex       *Flex       `json:"flex"`
	Variable   *Variable   `json:"variable"`
}

// MarshalJSON renders the user: the tagged fields, then the keys the schema
// puts after them.
func (u User) MarshalJSON() ([]byte, error) {
	type tagged User // the same fields without this method
	g := u.GroupApprovers
	return json.Marshal(struct {
		tagged
		CreatedAt Timestamp              `json:"created_at"`
		UpdatedAt Timestamp              `json:"updated_at"`
		Group1    []Approver             `json:"group1_approvers"`
		Group2    []Approver             `json:"group2_approvers"`
		Group3    []Approver             `json:"group3_approvers"`
		Group4    []Approver             `json:"group4_approvers"`
		Calendars []UserOriginalCalendar `json:"user_original_calendars"`
	}{tagged(u), At(u.CreatedAt), At(u.UpdatedAt), orEmpty(g[0]), orEmpty(g[1]), orEmpty(g[2]), orEmpty(g[3]), orEmpty(u.UserOriginalCalendars)})
}

// orEmpty renders a nil list as [].
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MarshalJSON renders the row; nil nested objects render with every
// duration "0:00".
func (r MonthlyRow) MarshalJSON() ([]byte, error) {
	type tagged MonthlyRow // the same fields without this method
	r.Discretion, r.Flex, r.Variable = cmp.Or(r.Discretion, &Discretion{}), cmp.Or(r.Flex, &Flex{}), cmp.Or(r.Variable, &Variable{})
	return json.Marshal(tagged(r))
}

// fieldsOf yields pointers to the fields of *s whose type is T, in
// declaration (the schema's) order: e.g. every duration of a row.
func fieldsOf[T, S any](s *S) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		v := reflect.ValueOf(s).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); f.Type() == reflect.TypeFor[T]() && !yield(f.Addr().Interface().(*T)) {
				return
			}
		}
	}
}
