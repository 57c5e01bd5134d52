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
	start, end civilDate
	weekdays   int
	days       int
}

// monthGen holds what generating one month's rows needs.
type monthGen struct {
	g       *generator
	month   string // "YYYY-MM"
	label   string // "YYYYMM"
	year    int
	mon     time.Month
	rng     *rand.Rand
	mess    *messer
	periods map[int]periodFacts // by closing day
}

// monthlyRows generates the 月次レポート of one month: a row for every user
// employed at some point of their closing period, minus UsersWithoutRows,
// plus RowsForUnknownUsers.
func (g *generator) monthlyRows(month string) []MonthlyRow {
	y, mo, _ := parseMonth(month)
	stream := uint64(y*12 + int(mo))
	mg := &monthGen{
		g: g, month: month, label: month[:4] + month[5:], year: y, mon: mo,
		rng:     rand.New(rand.NewPCG(g.spec.Seed, streamMonthBase|stream)),
		mess:    &messer{opts: g.spec.Messy, rng: rand.New(rand.NewPCG(g.spec.Seed, streamMonthMess|stream))},
		periods: make(map[int]periodFacts, 3),
	}
	users := g.c.Users
	active := func(i int) bool {
		f := &g.facts[i]
		p := mg.period(f.cutoff)
		return f.start <= p.end && (!f.hasEnd || f.end >= p.start)
	}
	skip := make([]bool, len(users))
	mg.mess.pickDistinct(mg.mess.opts.UsersWithoutRows, len(users), skip, active)

	rows := make([]MonthlyRow, 0, len(users)+mg.mess.opts.RowsForUnknownUsers)
	for i := range users {
		if skip[i] || !active(i) {
			continue
		}
		rows = append(rows, mg.row(users[i].ID, users[i].Number, &g.facts[i]))
	}
	for j, id := range mg.unknownUserIDs() {
		f := userFacts{start: g.today - 2000, cutoff: 31}
		number := Str("A" + strconv.Itoa(90000+len(users)+j))
		rows = append(rows, mg.row(id, number, &f))
	}
	slices.SortFunc(rows, func(a, b MonthlyRow) int { return cmp.Compare(a.UserID, b.UserID) })
	return rows
}

// unknownUserIDs picks IDs of deleted employees: the gaps in the ID sequence
// first, then IDs past the last user.
func (mg *monthGen) unknownUserIDs() []int64 {
	k := mg.mess.opts.RowsForUnknownUsers
	if k <= 0 {
		return nil
	}
	gaps := mg.g.gapIDs
	taken := make([]bool, len(gaps))
	var ids []int64
	for _, i := range mg.mess.pickDistinct(k, len(gaps), taken, func(int) bool { return true }) {
		ids = append(ids, gaps[i])
	}
	next := mg.g.c.maxUserID() + 1000
	for len(ids) < k {
		ids = append(ids, next)
		next++
	}
	return ids
}

func (mg *monthGen) period(cutoff int) periodFacts {
	if p, ok := mg.periods[cutoff]; ok {
		return p
	}
	start, end := closingPeriod(mg.year, mg.mon, cutoff)
	p := periodFacts{start: start, end: end, weekdays: weekdaysBetween(start, end), days: int(end-start) + 1}
	mg.periods[cutoff] = p
	return p
}

// row generates one employee's month. Figures hang together: worked time is
// the sum of its parts, day counts add up to the period, overtime buckets
// split the overtime. Weekends are the only days off (no public holidays).
func (mg *monthGen) row(userID int64, number OptString, f *userFacts) MonthlyRow {
	rng := mg.rng
	g := mg.g
	p := mg.period(f.cutoff)

	dailyMin := 480
	prescribedDays := p.weekdays
	if f.partTime {
		dailyMin = 360
		prescribedDays = p.weekdays * 3 / 4
	}
	// Days the employee could work: the part of the period they were
	// employed and that has already happened.
	from, to := p.start, p.end
	if f.start > from {
		from = f.start
	}
	if f.hasEnd && f.end < to {
		to = f.end
	}
	if g.today-1 < to {
		to = g.today - 1
	}
	available := 0
	if from <= to {
		if from == p.start && to == p.end {
			available = p.weekdays
		} else {
			available = weekdaysBetween(from, to)
		}
	}
	if f.partTime {
		available = available * 3 / 4
	}

	paidHalves := 0
	if available > 0 && rng.IntN(100) < 35 {
		paidHalves = min(1+rng.IntN(4), available*2)
	}
	absence := 0
	if available-paidHalves/2 > 1 && rng.IntN(100) < 5 {
		absence = 1 + rng.IntN(2)
	}
	workDays := max(available-absence-paidHalves/2, 0)
	holidayDays, statHolidayDays := 0, 0
	if workDays > 0 && rng.IntN(10) == 0 {
		holidayDays = 1 + rng.IntN(2)
	}
	if workDays > 0 && rng.IntN(50) == 0 {
		statHolidayDays = 1
	}
	tardyDays, lateMin := 0, 0
	if workDays > 2 && rng.IntN(100) < 15 {
		tardyDays = 1 + rng.IntN(3)
		for range tardyDays {
			lateMin += 5 + rng.IntN(86)
		}
	}
	earlyDays, earlyMin := 0, 0
	if workDays > 2 && rng.IntN(100) < 8 {
		earlyDays = 1 + rng.IntN(2)
		for range earlyDays {
			earlyMin += 15 + rng.IntN(166)
		}
	}
	halfDay := paidHalves % 2

	prescribedIn := max(workDays*dailyMin-lateMin-earlyMin-halfDay*dailyMin/2, 0)
	inStatutoryOT := 0 // up to the statutory 8 h, for shorter prescribed days
	excess := 0
	if workDays > 0 {
		if f.partTime {
			if rng.IntN(3) == 0 {
				inStatutoryOT = 15 * rng.IntN(4*workDays/2+1)
			}
		} else {
			switch r := rng.IntN(100); {
			case r < 40:
				excess = 15 * rng.IntN(41) // up to 10 h
			case r < 80:
				excess = 600 + 15*rng.IntN(81) // 10–30 h
			case r < 95:
				excess = 1800 + 15*rng.IntN(61) // 30–45 h
			default:
				excess = 2700 + 15*rng.IntN(141) // 45–80 h
			}
		}
	}
	holidayExcess := holidayDays * (240 + 15*rng.IntN(21))
	statHoliday := statHolidayDays * (240 + 15*rng.IntN(21))
	lateNight := 0
	if excess > 0 && rng.IntN(5) == 0 {
		lateNight = min(excess, 30+15*rng.IntN(39))
	}
	total := prescribedIn + inStatutoryOT + excess + holidayExcess + statHoliday
	overtime36 := excess + holidayExcess

	r := MonthlyRow{
		UserID: userID,
		Number: number,
		Month:  mg.label,

		PrescribedWorkingHours:                  Minutes(prescribedDays * dailyMin),
		HoursInPrescribedWorkingHours:           Minutes(prescribedIn),
		HoursInStatutoryWorkingHours:            Minutes(inStatutoryOT),
		ExcessOfStatutoryWorkingHours:           Minutes(excess),
		ExcessOfStatutoryWorkingHoursInHolidays: Minutes(holidayExcess),
		WorkingHoursInStatutoryHolidays:         Minutes(statHoliday),
		LateNightOvertimeWorkingHours:           Minutes(lateNight),
		TotalWorkingHours:                       Minutes(total),
		ActualWorkingHours:                      Minutes(total),
		TotalLateHours:                          Minutes(lateMin),
		TotalLeaveEarlyHours:                    Minutes(earlyMin),
		LackPrescribedWorkTime:                  Minutes(lateMin + earlyMin),
		OverWorkTime:                            Minutes(inStatutoryOT + overtime36),
		OverWorkTime36:                          Minutes(overtime36),

		PrescribedWorkingDays:             DayCount{Tenths: int32(prescribedDays * 10)},
		WorkingDays:                       DayCount{Tenths: int32((workDays + holidayDays + statHolidayDays) * 10)},
		WorkingDaysInNonStatutoryHolidays: DayCount{Tenths: int32(holidayDays * 10)},
		WorkingDaysInStatutoryHolidays:    DayCount{Tenths: int32(statHolidayDays * 10)},
		AbsenceDays:                       DayCount{Tenths: int32(absence * 10)},
		TardyDays:                         DayCount{Tenths: int32(tardyDays * 10)},
		LeaveEarlyDays:                    DayCount{Tenths: int32(earlyDays * 10)},
		PublicHolidays:                    DayCount{Tenths: int32(max(p.days-p.weekdays-holidayDays-statHolidayDays, 0) * 10)},
		PaidHolidays:                      DayCount{Tenths: int32(paidHalves * 5)},
		RemainPaidHolidays:                DayCount{Tenths: int32(rng.IntN(41) * 5)},

		PaidHolidayWithTimePaid:      Decimal{Tenths: int32(paidHalves * 5)},
		KangoRemain:                  Dec(5),
		KaigoRemain:                  Dec(5),
		TimePaidHolidayZansu:         Dec(40),
		KangoTimePaidHolidayZansu:    Dec(0),
		KaigoTimePaidHolidayZansu:    Dec(0),
		KangoPaidHolidayWithTimePaid: Dec(0),
		KaigoPaidHolidayWithTimePaid: Dec(0),

		Expense: Str("0"),

		DaytimePrescribedWorkTime:          Minutes(prescribedIn),
		DaytimeStatutoryWorkOvertime:       Minutes(inStatutoryOT),
		DaytimeOutStatutoryWorkTime:        Minutes(excess - lateNight),
		MidnightOutStatutoryWorkTime:       Minutes(lateNight),
		DaytimeOutStatutoryHolidayWorkTime: Minutes(holidayExcess),
		DaytimeStatutoryHolidayWorkTime:    Minutes(statHoliday),

		JikangaiUnder45: Minutes(min(overtime36, 45*60)),
		Jikangai45To60:  Minutes(min(max(overtime36-45*60, 0), 15*60)),
		JikangaiOver60:  Minutes(max(overtime36-60*60, 0)),
	}
	if rng.IntN(20) == 0 {
		hours := 1 + rng.IntN(4)
		r.TimePaidHoliday = Dec(float64(hours))
		r.TimePaidHolidayZansu = Dec(float64(40 - hours))
	}
	if rng.IntN(10) == 0 {
		r.Expense = Str(strconv.Itoa(100 * (3 + rng.IntN(150))))
	}
	if f.flex {
		statutory := p.days * 40 * 60 / 7
		r.Flex = &Flex{
			TotalWorkingHours:                      Minutes(total),
			PrescribedWorkingHours:                 Minutes(prescribedDays * dailyMin),
			StatutoryTime:                          Minutes(statutory),
			WorkingHoursInStatutoryHolidays:        Minutes(statHoliday),
			ToTodayTotalWorkTime:                   Minutes(total),
			ToTodayTotalWorkTime36:                 Minutes(total - statHoliday),
			ToTodayPrescribedTime:                  Minutes(prescribedDays * dailyMin),
			ToTodayStatutoryHolidayWorkTime:        Minutes(statHoliday),
			ToTodayOutStatutoryOvertime:            Minutes(max(total-statutory, 0)),
			ToTodayOvertime36:                      Minutes(overtime36),
			ToTodayJikangaiUnder45:                 r.JikangaiUnder45,
			ToTodayJikangai45To60:                  r.Jikangai45To60,
			ToTodayJikangaiOver60:                  r.JikangaiOver60,
			ToTodayOvertime:                        Minutes(max(total-prescribedDays*dailyMin, 0)),
			ToTodayLackPrescribedWorkTime:          Minutes(max(prescribedDays*dailyMin-total, 0)),
			ToTodayLackStatutoryWorkTime:           Minutes(max(statutory-total, 0)),
			SettlementPeriodOvertime:               Minutes(max(total-prescribedDays*dailyMin, 0)),
			SettlementPeriodLackPrescribedWorkTime: Minutes(max(prescribedDays*dailyMin-total, 0)),
			SettlementPeriodLackStatutoryWorkTime:  Minutes(max(statutory-total, 0)),
		}
	}
	mg.stamp(&r, p)
	mg.messRow(&r)
	return r
}

// stamp sets the closing status and timestamps: rows are created when the
// period opens and last touched while it is closed; old months are mostly
// approved, the running one is not yet applied for.
func (mg *monthGen) stamp(r *MonthlyRow, p periodFacts) {
	rng := mg.rng
	now := mg.g.now
	created := p.start.at(rng.IntN(3600))
	if created.After(now) {
		created = now
	}
	r.CreatedAt = At(created)
	today := mg.g.today
	switch {
	case today <= p.end:
		r.Status = StatusNotApplied
		if rng.IntN(5) == 0 {
			r.Status = StatusApplicable
		}
		r.UpdatedAt = At(randomBetween(rng, maxTime(created, now.Add(-48*time.Hour)), now))
	case today <= p.end+10:
		r.Status = []ClosingStatus{StatusApplicable, StatusApplying, StatusApplying, StatusApproved}[rng.IntN(4)]
		r.UpdatedAt = At(randomBetween(rng, maxTime(created, (p.end+1).at(0)), now))
	default:
		switch x := rng.IntN(100); {
		case x < 88:
			r.Status = StatusApproved
		case x < 93:
			r.Status = StatusForceApproved
		case x < 97:
			r.Status = StatusApplying
		case x < 99:
			r.Status = StatusApplicable
		default:
			r.Status = StatusNotApplied
		}
		closed := (p.end + 1 + civilDate(rng.IntN(15))).at(9*3600 + rng.IntN(10*3600))
		if closed.After(now) {
			closed = now
		}
		r.UpdatedAt = At(maxTime(closed, created))
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// messRow applies NegativeDurations and the empty shapes of zero values.
func (mg *monthGen) messRow(r *MonthlyRow) {
	m := mg.mess
	if m.chance(m.opts.NegativeDurations) {
		neg := Minutes(-15 * (1 + m.rng.IntN(8)))
		switch m.rng.IntN(3) {
		case 0:
			r.ExcessOfStatutoryWorkingHours = neg
		case 1:
			r.OverWorkTime = neg
		default:
			r.LackPrescribedWorkTime = neg
		}
	}
	if !m.emptyEnabled() {
		return
	}
	for _, d := range rowDurations(r) {
		if d.Minutes == 0 {
			d.Presence = m.emptyShape(Present)
		}
	}
	for _, d := range rowDayCounts(r) {
		if d.Tenths == 0 {
			d.Presence = m.emptyShape(Present)
		}
	}
	for _, d := range rowDecimals(r) {
		if d.Tenths == 0 {
			d.Presence = m.emptyNonString(Present)
		}
	}
	if r.Expense.Value == "0" {
		r.Expense.Presence = m.emptyShape(Present)
	}
}

// rowDurations lists the top-level durations of a row.
func rowDurations(r *MonthlyRow) [27]*Duration {
	return [27]*Duration{
		&r.PrescribedWorkingHours, &r.HoursInPrescribedWorkingHours, &r.HoursInStatutoryWorkingHours,
		&r.ExcessOfStatutoryWorkingHours, &r.ExcessOfStatutoryWorkingHoursInHolidays,
		&r.WorkingHoursInStatutoryHolidays, &r.LateNightOvertimeWorkingHours, &r.TotalWorkingHours,
		&r.ActualWorkingHours, &r.TotalLateHours, &r.TotalLeaveEarlyHours, &r.LackPrescribedWorkTime,
		&r.OverWorkTime, &r.OverWorkTime36,
		&r.DaytimePrescribedWorkTime, &r.MidnightPrescribedWorkTime, &r.DaytimeStatutoryWorkOvertime,
		&r.MidnightStatutoryWorkOvertime, &r.DaytimeOutStatutoryWorkTime, &r.MidnightOutStatutoryWorkTime,
		&r.DaytimeOutStatutoryHolidayWorkTime, &r.MidnightOutStatutoryHolidayWorkTime,
		&r.DaytimeStatutoryHolidayWorkTime, &r.MidnightStatutoryHolidayWorkTime,
		&r.JikangaiUnder45, &r.Jikangai45To60, &r.JikangaiOver60,
	}
}

// rowDayCounts lists the day counts of a row.
func rowDayCounts(r *MonthlyRow) [10]*DayCount {
	return [10]*DayCount{
		&r.PrescribedWorkingDays, &r.WorkingDays, &r.WorkingDaysInNonStatutoryHolidays,
		&r.WorkingDaysInStatutoryHolidays, &r.AbsenceDays, &r.TardyDays, &r.LeaveEarlyDays,
		&r.PublicHolidays, &r.PaidHolidays, &r.RemainPaidHolidays,
	}
}

// rowDecimals lists the numeric leave figures of a row.
func rowDecimals(r *MonthlyRow) [13]*Decimal {
	return [13]*Decimal{
		&r.PaidHolidayWithTimePaid, &r.TimePaidHoliday, &r.TimePaidHolidayZansu,
		&r.KangoDays, &r.KangoRemain, &r.KangoTimePaidHoliday, &r.KangoTimePaidHolidayZansu,
		&r.KangoPaidHolidayWithTimePaid, &r.KaigoDays, &r.KaigoRemain, &r.KaigoTimePaidHoliday,
		&r.KaigoTimePaidHolidayZansu, &r.KaigoPaidHolidayWithTimePaid,
	}
}
