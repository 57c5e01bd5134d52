// Package workflows uses the activities package beyond its type and methods.
package workflows

import (
	"github.com/mediment/hrmos-sync/activities"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/workflows/x"
)

var a *activities.Activities

var (
	_ = activities.HeartbeatEvery
	_ = a.Store
	_ = a.Fetch
	_ = jst.Client
	_ = x.Name
)
