package hrmossim

import (
	"math"
	"time"
)

// Presence says how an optional field is rendered. HRMOS sends "no value" in
// three shapes (an empty string, null, or no key at all), so every optional
// field of the model carries one of these next to its value.
type Presence uint8

const (
	// Present renders the value itself (for OptString an empty Value renders "").
	Present Presence = iota
	// EmptyString renders "" whatever the value's type.
	EmptyString
	// Null renders JSON null.
	Null
	// Absent leaves the key out of the object.
	Absent
)

// String names the presence for test messages.
func (p Presence) String() string {
	switch p {
	case Present:
		return "present"
	case EmptyString:
		return "empty-string"
	case Null:
		return "null"
	case Absent:
		return "absent"
	}
	return "unknown"
}

// OptString is a string field that may also be "", null or absent.
type OptString struct {
	Value    string
	Presence Presence
}

// Str returns a present string.
func Str(s string) OptString { return OptString{Value: s} }

// As returns v rendered with presence p.
func (v OptString) As(p Presence) OptString { v.Presence = p; return v }

// OptInt is an integer field (an ID, cutoff_date) that may also be "", null or absent.
type OptInt struct {
	Value    int64
	Presence Presence
}

// Int returns a present integer.
func Int(v int64) OptInt { return OptInt{Value: v} }

// As returns v rendered with presence p.
func (v OptInt) As(p Presence) OptInt { v.Presence = p; return v }

// Duration is an HRMOS duration, rendered "H:MM" with unpadded, unbounded
// hours ("0:00", "176:30") and a leading minus when negative ("-1:30").
// int32 minutes keep a 100k-row month small.
type Duration struct {
	Minutes  int32
	Presence Presence
}

// Minutes returns a present duration of m minutes.
func Minutes(m int) Duration { return Duration{Minutes: int32(m)} }

// HM returns a present duration of h hours and m minutes.
func HM(h, m int) Duration { return Duration{Minutes: int32(h*60 + m)} }

// As returns v rendered with presence p.
func (v Duration) As(p Presence) Duration { v.Presence = p; return v }

// DayCount is a day count rendered as a string with one decimal ("20.0", "0.5").
type DayCount struct {
	Tenths   int32
	Presence Presence
}

// Days returns a present day count, rounded to tenths.
func Days(d float64) DayCount { return DayCount{Tenths: int32(math.Round(d * 10))} }

// As returns v rendered with presence p.
func (v DayCount) As(p Presence) DayCount { v.Presence = p; return v }

// Decimal is a leave figure rendered as a JSON number with one decimal (0.5, 4.0).
type Decimal struct {
	Tenths   int32
	Presence Presence
}

// Dec returns a present decimal, rounded to tenths.
func Dec(d float64) Decimal { return Decimal{Tenths: int32(math.Round(d * 10))} }

// As returns v rendered with presence p.
func (v Decimal) As(p Presence) Decimal { v.Presence = p; return v }

// Approver is an entry of a user's group{1..4}_approvers.
type Approver struct {
	ID           int64
	LastName     OptString
	FirstName    OptString
	LodgmentID   OptInt
	DepartmentID OptInt
}

// UserOriginalCalendar is an entry of a user's user_original_calendars.
type UserOriginalCalendar struct {
	ID                 int64
	UserID             int64
	OriginalCalendarID int64
	SegmentID          int64
}

// User is one element of GET /users, rendered in the schema's key order.
// There is deliberately no gender field: HRMOS has none.
type User struct {
	ID            int64
	Number        OptString // 社員番号
	LastName      OptString // family name, kanji
	FirstName     OptString // given name, kanji
	LastNameKana  OptString // セイ
	FirstNameKana OptString // メイ
	StartDate     OptString // 入社日 "YYYY-MM-DD"; a string so messy data can be malformed
	EndDate       OptString // 退社日; null while employed
	Comment       OptString
	CutoffDate    OptInt // 締め日; 31 = end of month
	NfcTagPC      OptString
	Email         OptString
	LodgmentID    OptInt
	Agreement36ID OptInt
	DepartmentID  OptInt
	EmploymentID  OptInt
	Segment       OptString // allowed 勤務区分 IDs, comma-separated
	// DefaultSegmentID is the 出退勤 初期表示 勤務区分.
	DefaultSegmentID      OptInt
	DefaultHolidayIDs     [3]OptInt // default_holiday_{1..3}_id
	DefaultCalendarIDs    [8]OptInt // default_calendar_{1..8}_id
	CreatedAt             time.Time
	UpdatedAt             time.Time
	GroupApprovers        [4][]Approver // group{1..4}_approvers; nil renders []
	UserOriginalCalendars []UserOriginalCalendar
}

// Department is one element of GET /departments. UpdatedAt is not rendered
// (the schema has no timestamps) but from/to filter on it, as a Rails
// updated_at column would.
type Department struct {
	ID        int64
	Name      string
	Sequence  int
	UpdatedAt time.Time
}

// Employment is one element of GET /employments; UpdatedAt as for Department.
type Employment struct {
	ID        int64
	Name      string
	Sequence  int
	UpdatedAt time.Time
}

// Lodgment (拠点, office) is one element of GET /lodgments.
type Lodgment struct {
	ID            int64
	Name          string
	Sequence      int
	Segments      []int
	IPAddresses   []string
	Address       string
	PrefecturalID int
	CreatedAt     time.Time
	UpdatedAt     time.Time
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
	ConsideredsTime                         Duration
	ExcessOfStatutoryWorkingHoursInHolidays Duration
	WorkingHoursInStatutoryHolidays         Duration
	DiscretionTime                          Duration
}

// Flex is the row's フレックス object.
type Flex struct {
	TotalWorkingHours                      Duration
	PrescribedWorkingHours                 Duration
	StatutoryTime                          Duration
	WorkingHoursInStatutoryHolidays        Duration
	ToTodayTotalWorkTime                   Duration
	ToTodayTotalWorkTime36                 Duration
	ToTodayPrescribedTime                  Duration
	ToTodayStatutoryHolidayWorkTime        Duration
	ToTodayStatutoryOvertime               Duration
	ToTodayOutStatutoryOvertime            Duration
	ToTodayOvertime36                      Duration
	ToTodayJikangaiUnder45                 Duration
	ToTodayJikangai45To60                  Duration
	ToTodayJikangaiOver60                  Duration
	ToTodayOvertime                        Duration
	ToTodayLackPrescribedWorkTime          Duration
	ToTodayLackStatutoryWorkTime           Duration
	SettlementPeriodOvertime               Duration
	SettlementPeriodLackPrescribedWorkTime Duration
	SettlementPeriodLackStatutoryWorkTime  Duration
}

// Variable is the row's 変形労働 object.
type Variable struct {
	TotalWorkingHours                             Duration
	InStatutoryWorkTime                           Duration
	StatutoryTime                                 Duration
	PrescribedTime                                Duration
	WorkingHoursInStatutoryHolidays               Duration
	OverPrescribedWorkTime                        Duration
	OverStatutoryWorkTime                         Duration
	VariableJikangaiUnder45                       Duration
	VariableJikangai45To60                        Duration
	VariableJikangaiOver60                        Duration
	VariablePeriodTotalWorkingHours               Duration
	VariablePeriodInStatutoryWorkTime             Duration
	VariablePeriodStatutoryWorkTime               Duration
	VariablePeriodPrescribedTime                  Duration
	VariablePeriodWorkingHoursInStatutoryHolidays Duration
	VariablePeriodOverPrescribedWorkTime          Duration
	VariablePeriodOverStatutoryWorkTime           Duration
}

// MonthlyRow is one element of GET /work_output_months/monthly/{month}
// (月次レポート), rendered in the schema's key order. It names the user only by
// UserID and Number: no name, no status.
type MonthlyRow struct {
	UserID int64
	Number OptString
	// Month is rendered "YYYYMM". When empty, the month the row is stored
	// under is rendered.
	Month string
	// Status answers the status filter; it is not rendered.
	Status ClosingStatus

	PrescribedWorkingHours                  Duration // 所定時間
	HoursInPrescribedWorkingHours           Duration // 所定内労働時間
	HoursInStatutoryWorkingHours            Duration // 法定内時間外労働時間
	ExcessOfStatutoryWorkingHours           Duration // 法定時間外労働時間
	ExcessOfStatutoryWorkingHoursInHolidays Duration // 法定外休日労働時間
	WorkingHoursInStatutoryHolidays         Duration // 法定休日労働時間
	LateNightOvertimeWorkingHours           Duration // 深夜労働時間
	TotalWorkingHours                       Duration // 総労働時間
	ActualWorkingHours                      Duration // 実働時間
	TotalLateHours                          Duration // 遅刻時間
	TotalLeaveEarlyHours                    Duration // 早退時間
	LackPrescribedWorkTime                  Duration // 所定不足時間
	OverWorkTime                            Duration // 残業時間
	OverWorkTime36                          Duration // 残業時間36

	PrescribedWorkingDays             DayCount // 所定日数
	WorkingDays                       DayCount // 出勤日数
	WorkingDaysInNonStatutoryHolidays DayCount // 法定外休日出勤日数
	WorkingDaysInStatutoryHolidays    DayCount // 法定休日出勤日数
	AbsenceDays                       DayCount // 欠勤日数
	TardyDays                         DayCount // 遅刻日数
	LeaveEarlyDays                    DayCount // 早退日数, rendered under the API's misspelt key "learve_early_days"
	PublicHolidays                    DayCount // 公休日数
	PaidHolidays                      DayCount // 有給休暇日数
	RemainPaidHolidays                DayCount // 有給休暇残数

	PaidHolidayWithTimePaid      Decimal
	TimePaidHoliday              Decimal
	TimePaidHolidayZansu         Decimal
	KangoDays                    Decimal
	KangoRemain                  Decimal
	KangoTimePaidHoliday         Decimal
	KangoTimePaidHolidayZansu    Decimal
	KangoPaidHolidayWithTimePaid Decimal
	KaigoDays                    Decimal
	KaigoRemain                  Decimal
	KaigoTimePaidHoliday         Decimal
	KaigoTimePaidHolidayZansu    Decimal
	KaigoPaidHolidayWithTimePaid Decimal

	Expense OptString // 経費, a string such as "0"

	CreatedAt time.Time
	UpdatedAt time.Time

	DaytimePrescribedWorkTime           Duration
	MidnightPrescribedWorkTime          Duration
	DaytimeStatutoryWorkOvertime        Duration
	MidnightStatutoryWorkOvertime       Duration
	DaytimeOutStatutoryWorkTime         Duration
	MidnightOutStatutoryWorkTime        Duration
	DaytimeOutStatutoryHolidayWorkTime  Duration
	MidnightOutStatutoryHolidayWorkTime Duration
	DaytimeStatutoryHolidayWorkTime     Duration
	MidnightStatutoryHolidayWorkTime    Duration

	JikangaiUnder45 Duration
	Jikangai45To60  Duration
	JikangaiOver60  Duration

	// Nested objects; nil renders the object with every duration "0:00"
	// (most employees work neither discretion, flex nor variable hours).
	Discretion *Discretion
	Flex       *Flex
	Variable   *Variable
}
