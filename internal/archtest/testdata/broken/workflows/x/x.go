// Package x is a subpackage of the workflows that imports the store.
package x

import "github.com/mediment/hrmos-sync/internal/store"

// Name is used by the activities, which thereby import the workflows.
var Name = "x"

var _ store.Row
