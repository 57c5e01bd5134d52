// Package rules holds the sync rules of SPEC §2 (roster) and §3 (monthly
// attendance) as pure functions: how HRMOS's values are read and validated,
// how an HRMOS employee or report row is mapped, matched to a mediment
// employee, and what the sync then does with it. No I/O happens here: the
// activities load the inputs from the database, call these functions, and
// write back what they decide. Start reading at DecideRoster, then
// DecideAttendance.
package rules
