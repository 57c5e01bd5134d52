// Package rules holds the sync rules of SPEC §2 (roster) as pure functions:
// how an HRMOS employee is validated, mapped, matched to a mediment employee,
// and what the sync then does with it. No I/O happens here: the activities
// load the inputs from the database, call these functions, and write back
// what they decide. Start reading at DecideRoster.
package rules
