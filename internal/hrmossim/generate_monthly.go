package hrmossim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// periodFacts are the dates and calendar counts of one closing period.
type periodFacts struct {
	start, end     civilDate
	weekdays, days int
}

// monthGen holds what generating one month's rows needs.
type monthGen struct {
	g     *generator
	label string // "YYYYMM"
	year  int
	mon   time.Month
	rng   *rand.Rand
	mess  *messer
}

// monthlyRows generates the 月次レポート of one month: a row for every user
// employed at some point of their closing period, minus UsersWithoutRows,
// plus RowsForUnknownUsers (deleted employees: the gaps in the ID sequence
// first, then IDs past the last user).
func (g *generator) monthlyRows(month string) []MonthlyRow {
	y, mo, _ := parseMonth(month)
	stream := uint64(y*12 + int(mo))
	mg := &monthGen{g: g, label: month[:4] + month[5:], year: y, mon: mo,
		rng:  rand.New(rand.NewPCG(g.spec.Seed, streamMonthBase|stream)),
		mess: &messer{opts: g.spec.Messy, rng: rand.New(rand.NewPCG(g.spec.Seed, streamMonthMess|stream))}}
	users, o := g.c.Users, &mg.mess.opts
	active := func(i int) bool {
		f := &g.facts[i]
		p := mg.period(f.cutoff)
		return f.start <= p.end && (!f.hasEnd || f.end >= p.start)
	}
	skip := make([]bool, len(users))
	mg.mess.pickDistinct(o.UsersWithoutRows, len(users), skip, active)
	rows := make([]MonthlyRow, 0, len(users)+o.RowsForUnknownUsers)
	for i := range users {
		if !skip[i] && active(i) {
			rows = mg.appendRow(rows, users[i].ID, users[i].Number, &g.facts[i])
		}
	}
	var unknown []int64
	for _, i := range mg.mess.pickDistinct(o.RowsForUnknownUsers, len(g.gapIDs), make([]bool, len(g.gapIDs)), func(int) bool { return true }) {
		unknown = append(unknown, g.gapIDs[i])
	}
	for next := g.c.maxUserID() + 1000; len(unknown) < o.RowsForUnknownUsers; next++ {
		unknown = append(unknown, next)
	}
	for j, id := range unknown {
		rows = mg.appendRow(rows, id, Str("A"+strconv.Itoa(90000+len(users)+j)), &userFacts{start: g.today - 2000, cutoff: 31})
	}
	slices.SortFunc(rows, func(a, b MonthlyRow) int { return cmp.Compare(a.UserID, b.UserID) })
	return rows
}

// period is the closing period of the month for a closing day.
func (mg *monthGen) period(cutoff int) (p periodFacts) {
	p.start, p.end = closingPeriod(mg.year, mg.mon, cutoff)
	p.weekdays, p.days = weekdaysBetween(p.start, p.end), int(p.end-p.start)+1
	return p
}

// work is one employee's closing period as the generator decides it: the
// days and minutes a row renders. The figures hang together: worked time is
// the sum of its parts, day counts add up to the period, overtime buckets split
// the overtime. Weekends are the only days off (no public holidays).
type work struct {
	dailyMin, prescribedDays                              int
	workDays, holidayDays, statHolidayDays, absence, paid int // paid in half days
	tardyDays, lateMin, earlyDays, earlyMin               int
	prescribedIn, inStatutoryOT, excess, holidayExcess    int // minutes
	statHoliday, lateNight                                int // minutes
	remainPaid                                            int // half days
}

// appendRow generates one employee's month.
func (mg *monthGen) appendRow(rows []MonthlyRow, userID int64, number OptString, f *userFacts) []MonthlyRow {
	p := mg.period(f.cutoff)
	w := work{dailyMin: 480, prescribedDays: p.weekdays}
	if f.partTime {
		w.dailyMin, w.prescribedDays = 360, p.weekdays*3/4
	}
	w.days(mg.rng, mg.availableDays(p, f))
	w.hours(mg.rng, f.partTime)
	r := w.render(userID, number, mg.label, p)
	if mg.rng.IntN(20) == 0 {
		hours := 1 + mg.rng.IntN(4)
		r.TimePaidHoliday, r.TimePaidHolidayZansu = Dec(float64(hours)), Dec(float64(40-hours))
	}
	if mg.rng.IntN(10) == 0 {
		r.Expense = Str(strconv.Itoa(100 * (3 + mg.rng.IntN(150))))
	}
	if f.flex {
		r.Flex = w.flex(&r, p)
	}
	mg.stamp(&r, p)
	rows = append(rows, r)
	mg.messRow(&rows[len(rows)-1]) // in place: a row is large
	return rows
}

// availableDays are the weekdays the employee could work: the part of the
// period they were employed and that has already happened.
func (mg *monthGen) availableDays(p periodFacts, f *userFacts) int {
	from, to := max(p.start, f.start), min(p.end, mg.g.today-1)
	if f.hasEnd {
		to = min(to, f.end)
	}
	n := weekdaysBetween(from, to) // 0 when from > to
	if f.partTime {
		return n * 3 / 4
	}
	return n
}

// days decides paid leave, absences, holiday work, late arrivals and early
// departures.
func (w *work) days(rng *rand.Rand, available int) {
	if available > 0 && rng.IntN(100) < 35 {
		w.paid = min(1+rng.IntN(4), available*2)
	}
	if available-w.paid/2 > 1 && rng.IntN(100) < 5 {
		w.absence = 1 + rng.IntN(2)
	}
	w.workDays = max(available-w.absence-w.paid/2, 0)
	if w.workDays > 0 && rng.IntN(10) == 0 {
		w.holidayDays = 1 + rng.IntN(2)
	}
	if w.workDays > 0 && rng.IntN(50) == 0 {
		w.statHolidayDays = 1
	}
	if w.workDays > 2 && rng.IntN(100) < 15 {
		w.tardyDays = 1 + rng.IntN(3)
		for range w.tardyDays {
			w.lateMin += 5 + rng.IntN(86)
		}
	}
	if w.workDays > 2 && rng.IntN(100) < 8 {
		w.earlyDays = 1 + rng.IntN(2)
		for range w.earlyDays {
			w.earlyMin += 15 + rng.IntN(166)
		}
	}
}

// hours decides the time worked within and beyond the prescribed hours.
func (w *work) hours(rng *rand.Rand, partTime bool) {
	w.prescribedIn = max(w.workDays*w.dailyMin-w.lateMin-w.earlyMin-w.paid%2*w.dailyMin/2, 0)
	if w.workDays > 0 && partTime {
		if rng.IntN(3) == 0 { // up to the statutory 8 h, for shorter prescribed days
			w.inStatutoryOT = 15 * rng.IntN(4*w.workDays/2+1)
		}
	} else if w.workDays > 0 {
		switch r := rng.IntN(100); {
		case r < 40:
			w.excess = 15 * rng.IntN(41) // up to 10 h
		case r < 80:
			w.excess = 600 + 15*rng.IntN(81) // 10–30 h
		case r < 95:
			w.excess = 1800 + 15*rng.IntN(61) // 30–45 h
		default:
			w.excess = 2700 + 15*rng.IntN(141) // 45–80 h
		}
	}
	w.holidayExcess = w.holidayDays * (240 + 15*rng.IntN(21))
	w.statHoliday = w.statHolidayDays * (240 + 15*rng.IntN(21))
	if w.excess > 0 && rng.IntN(5) == 0 {
		w.lateNight = min(w.excess, 30+15*rng.IntN(39))
	}
	w.remainPaid = rng.IntN(41)
}

// render renders the figures as a row.
func (w *work) render(userID int64, number OptString, label string, p periodFacts) MonthlyRow {
	total := w.prescribedIn + w.inStatutoryOT + w.excess + w.holidayExcess + w.statHoliday
	overtime36 := w.excess + w.holidayExcess
	days := func(n int) DayCount { return DayCount{Tenths: int32(n * 10)} }
	return MonthlyRow{
		UserID: userID, Number: number, Month: label,

		PrescribedWorkingHours:                  Minutes(w.prescribedDays * w.dailyMin),
		HoursInPrescribedWorkingHours:           Minutes(w.prescribedIn),
		HoursInStatutoryWorkingHours:            Minutes(w.inStatutoryOT),
		ExcessOfStatutoryWorkingHours:           Minutes(w.excess),
		ExcessOfStatutoryWorkingHoursInHolidays: Minutes(w.holidayExcess),
		WorkingHoursInStatutoryHolidays:         Minutes(w.statHoliday),
		LateNightOvertimeWorkingHours:           Minutes(w.lateNight),
		TotalWorkingHours:                       Minutes(total),
		ActualWorkingHours:                      Minutes(total),
		TotalLateHours:                          Minutes(w.lateMin),
		TotalLeaveEarlyHours:                    Minutes(w.earlyMin),
		LackPrescribedWorkTime:                  Minutes(w.lateMin + w.earlyMin),
		OverWorkTime:                            Minutes(w.inStatutoryOT + overtime36),
		OverWorkTime36:                          Minutes(overtime36),

		PrescribedWorkingDays:             days(w.prescribedDays),
		WorkingDays:                       days(w.workDays + w.holidayDays + w.statHolidayDays),
		WorkingDaysInNonStatutoryHolidays: days(w.holidayDays),
		WorkingDaysInStatutoryHolidays:    days(w.statHolidayDays),
		AbsenceDays:                       days(w.absence),
		TardyDays:                         days(w.tardyDays),
		LeaveEarlyDays:                    days(w.earlyDays),
		PublicHolidays:                    days(max(p.days-p.weekdays-w.holidayDays-w.statHolidayDays, 0)),
		PaidHolidays:                      DayCount{Tenths: int32(w.paid * 5)},
		RemainPaidHolidays:                DayCount{Tenths: int32(w.remainPaid * 5)},

		PaidHolidayWithTimePaid: Decimal{Tenths: int32(w.paid * 5)},
		KangoRemain:             Dec(5), KaigoRemain: Dec(5), TimePaidHolidayZansu: Dec(40),
		Expense: Str("0"),

		DaytimePrescribedWorkTime:          Minutes(w.prescribedIn),
		DaytimeStatutoryWorkOvertime:       Minutes(w.inStatutoryOT),
		DaytimeOutStatutoryWorkTime:        Minutes(w.excess - w.lateNight),
		MidnightOutStatutoryWorkTime:       Minutes(w.lateNight),
		DaytimeOutStatutoryHolidayWorkTime: Minutes(w.holidayExcess),
		DaytimeStatutoryHolidayWorkTime:    Minutes(w.statHoliday),

		JikangaiUnder45: Minutes(min(overtime36, 45*60)),
		Jikangai45To60:  Minutes(min(max(overtime36-45*60, 0), 15*60)),
		JikangaiOver60:  Minutes(max(overtime36-60*60, 0)),
	}
}

// flex is the フレックス object of an employee on flextime.
func (w *work) flex(r *MonthlyRow, p periodFacts) *Flex {
	total, prescribed := int(r.TotalWorkingHours.Minutes), w.prescribedDays*w.dailyMin
	statutory := p.days * 40 * 60 / 7
	return &Flex{
		TotalWorkingHours:                      Minutes(total),
		PrescribedWorkingHours:                 Minutes(prescribed),
		StatutoryTime:                          Minutes(statutory),
		WorkingHoursInStatutoryHolidays:        Minutes(w.statHoliday),
		ToTodayTotalWorkTime:                   Minutes(total),
		ToTodayTotalWorkTime36:                 Minutes(total - w.statHoliday),
		ToTodayPrescribedTime:                  Minutes(prescribed),
		ToTodayStatutoryHolidayWorkTime:        Minutes(w.statHoliday),
		ToTodayOutStatutoryOvertime:            Minutes(max(total-statutory, 0)),
		ToTodayOvertime36:                      r.OverWorkTime36,
		ToTodayJikangaiUnder45:                 r.JikangaiUnder45,
		ToTodayJikangai45To60:                  r.Jikangai45To60,
		ToTodayJikangaiOver60:                  r.JikangaiOver60,
		ToTodayOvertime:                        Minutes(max(total-prescribed, 0)),
		ToTodayLackPrescribedWorkTime:          Minutes(max(prescribed-total, 0)),
		ToTodayLackStatutoryWorkTime:           Minutes(max(statutory-total, 0)),
		SettlementPeriodOvertime:               Minutes(max(total-prescribed, 0)),
		SettlementPeriodLackPrescribedWorkTime: Minutes(max(prescribed-total, 0)),
		SettlementPeriodLackStatutoryWorkTime:  Minutes(max(statutory-total, 0)),
	}
}

// stamp sets the closing status and timestamps: rows are created when the
// period opens and last touched while it is closed; old months are mostly
// approved, the running one is not yet applied for.
func (mg *monthGen) stamp(r *MonthlyRow, p periodFacts) {
	rng := mg.rng
	now := mg.g.now
	created := earlier(p.start.at(rng.IntN(3600)), now)
	r.CreatedAt = At(created)
	today := mg.g.today
	switch {
	case today <= p.end:
		r.Status = StatusNotApplied
		if rng.IntN(5) == 0 {
			r.Status = StatusApplicable
		}
		r.UpdatedAt = At(randomBetween(rng, later(now.Add(-48*time.Hour), created), now))
	case today <= p.end+10:
		r.Status = []ClosingStatus{StatusApplicable, StatusApplying, StatusApplying, StatusApproved}[rng.IntN(4)]
		r.UpdatedAt = At(randomBetween(rng, later((p.end+1).at(0), created), now))
	default:
		r.Status = [...]ClosingStatus{StatusApproved, StatusForceApproved, StatusApplying, StatusApplicable, StatusNotApplied}[weighted(rng.IntN(100), 88, 93, 97, 99)]
		closed := earlier((p.end + 1 + civilDate(rng.IntN(15))).at(9*3600+rng.IntN(10*3600)), now)
		r.UpdatedAt = At(later(created, closed))
	}
}
