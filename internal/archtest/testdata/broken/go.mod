// A module of the engine's path in which each part of the import rule is
// broken once (TestTheRuleFailsWhenALayerIsBroken): it compiles, and must
// not pass the check.
module github.com/mediment/hrmos-sync

go 1.26
