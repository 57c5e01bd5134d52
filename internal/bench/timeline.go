package bench

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
)

// The phases of a run's wall time the benchmark prints, read from the
// histories of the run and its children, so the next bottleneck shows
// without a profiler.
const (
	shareFetch  = "fetching"
	sharePlan   = "planning"
	shareWrite  = "writing"
	shareRecord = "recording the run"
	// shareTemporal is the time none of ours ran.
	shareTemporal = "Temporal"
)

// shareOrder is the order of our phases; shareColumns adds shareTemporal,
// the order the shares are printed in.
var (
	shareOrder   = []string{shareFetch, sharePlan, shareWrite, shareRecord}
	shareColumns = append(slices.Clone(shareOrder), shareTemporal)
)

// activityShare says which phase an activity's time belongs to, by its
// registered name (the activities' method names).
func activityShare(activityType string) string {
	switch {
	case strings.HasPrefix(activityType, "Fetch"):
		return shareFetch
	case strings.HasPrefix(activityType, "Plan"):
		return sharePlan
	case strings.HasPrefix(activityType, "Sync"), activityType == "RecordFailure", activityType == "PendingRecords":
		return shareWrite
	default:
		return shareRecord
	}
}

type interval struct{ from, to time.Time }

// timeline collects, per phase, the intervals during which one of its
// activities ran, from any number of histories.
type timeline map[string][]interval

// add reads one workflow's history. A regular activity runs from its
// ActivityTaskStarted to its end. A local activity leaves only a marker,
// written when the workflow task that ran it completes; the task's own
// span (started → completed) is when it ran, so that span is counted for
// each phase of the markers it recorded. A task that holds markers of
// several phases counts for each: an approximation, since local
// activities of one task run side by side.
func (t timeline) add(events []*historypb.HistoryEvent) {
	scheduled := map[int64]string{} // activity scheduled event id → type
	started := map[int64]time.Time{}
	var taskStarted, taskCompleted time.Time
	for _, ev := range events {
		at := ev.GetEventTime().AsTime()
		switch {
		case ev.GetActivityTaskScheduledEventAttributes() != nil:
			scheduled[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case ev.GetActivityTaskStartedEventAttributes() != nil:
			started[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] = at
		case ev.GetActivityTaskCompletedEventAttributes() != nil:
			t.endActivity(scheduled, started, ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId(), at)
		case ev.GetActivityTaskFailedEventAttributes() != nil:
			t.endActivity(scheduled, started, ev.GetActivityTaskFailedEventAttributes().GetScheduledEventId(), at)
		case ev.GetActivityTaskTimedOutEventAttributes() != nil:
			t.endActivity(scheduled, started, ev.GetActivityTaskTimedOutEventAttributes().GetScheduledEventId(), at)
		case ev.GetWorkflowTaskStartedEventAttributes() != nil:
			taskStarted = at
		case ev.GetWorkflowTaskCompletedEventAttributes() != nil:
			taskCompleted = at
		case ev.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity":
			// (other markers, such as GetVersion's, run nothing)
			if !taskStarted.IsZero() && taskCompleted.After(taskStarted) {
				share := activityShare(localActivityType(ev))
				t[share] = append(t[share], interval{taskStarted, taskCompleted})
			}
		}
	}
}

func (t timeline) endActivity(scheduled map[int64]string, started map[int64]time.Time, id int64, at time.Time) {
	from, ok := started[id]
	if !ok || !at.After(from) {
		return
	}
	share := activityShare(scheduled[id])
	t[share] = append(t[share], interval{from, at})
}

// localActivityType reads the activity type the Go SDK writes into a
// local activity's marker (its "data" detail, JSON).
func localActivityType(ev *historypb.HistoryEvent) string {
	for _, p := range ev.GetMarkerRecordedEventAttributes().GetDetails()["data"].GetPayloads() {
		var data struct{ ActivityType string }
		if json.Unmarshal(p.GetData(), &data) == nil {
			return data.ActivityType
		}
	}
	return ""
}

// shares is each phase's part of wall, and what is left when none of them
// ran: waiting on Temporal (starting and scheduling workflows and tasks,
// delivering results). Overlapping phases (a chunk writing while the next
// range is planned) each count in full, so the parts can add up to more
// than 100%.
func (t timeline) shares(wall time.Duration) map[string]float64 {
	out := map[string]float64{}
	if wall <= 0 {
		return out
	}
	var all []interval
	for _, share := range shareOrder {
		out[share] = covered(t[share]).Seconds() / wall.Seconds()
		all = append(all, t[share]...)
	}
	out[shareTemporal] = max(0, 1-covered(all).Seconds()/wall.Seconds())
	return out
}

// covered is the length of the union of the intervals.
func covered(in []interval) time.Duration {
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b interval) int { return a.from.Compare(b.from) })
	var total time.Duration
	var end time.Time
	for _, iv := range s {
		if iv.from.After(end) {
			total += iv.to.Sub(iv.from)
			end = iv.to
		} else if iv.to.After(end) {
			total += iv.to.Sub(end)
			end = iv.to
		}
	}
	return total
}

// formatShares prints the shares in their order, "fetching 31%, …".
func formatShares(shares map[string]float64) string {
	if len(shares) == 0 {
		return ""
	}
	var parts []string
	for _, share := range shareColumns {
		parts = append(parts, share+" "+percent(shares[share]))
	}
	return strings.Join(parts, ", ")
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
