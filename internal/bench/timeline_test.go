package bench

import (
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func at(s float64) *timestamppb.Timestamp {
	return timestamppb.New(t0.Add(time.Duration(s * float64(time.Second))))
}

func marker(id int64, s float64, activityType string) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: id, EventTime: at(s), Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{
		MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{MarkerName: "LocalActivity", Details: map[string]*commonpb.Payloads{
			"data": {Payloads: []*commonpb.Payload{{Data: []byte(`{"ActivityID":"1","ActivityType":"` + activityType + `"}`)}}},
		}},
	}}
}

func taskStarted(id int64, s float64) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: id, EventTime: at(s), Attributes: &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{
		WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{}}}
}

func taskCompleted(id int64, s float64) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: id, EventTime: at(s), Attributes: &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{
		WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{}}}
}

// TestSharesSplitWallTimeByPhase: a fetch activity of 4 s, a plan task of
// 1 s, two chunk children writing over overlapping 3 s, in a wall of 10 s:
// the overlap counts once, and what none of them covers is Temporal's.
func TestSharesSplitWallTimeByPhase(t *testing.T) {
	tl := timeline{}
	tl.add([]*historypb.HistoryEvent{
		taskStarted(1, 0), taskCompleted(2, 0.2), marker(3, 0.2, "StartRun"),
		{EventId: 4, EventTime: at(0.2), Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
			ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{ActivityType: &commonpb.ActivityType{Name: "FetchRoster"}}}},
		{EventId: 5, EventTime: at(0.5), Attributes: &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
			ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: 4}}},
		{EventId: 6, EventTime: at(4.5), Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
			ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{ScheduledEventId: 4}}},
		taskStarted(7, 4.6), taskCompleted(8, 5.6), marker(9, 5.6, "PlanRosterChunk"), marker(10, 5.6, "PlanRosterChunk"),
	})
	tl.add([]*historypb.HistoryEvent{taskStarted(1, 6), taskCompleted(2, 8), marker(3, 8, "SyncEmployee")})
	tl.add([]*historypb.HistoryEvent{taskStarted(1, 7), taskCompleted(2, 9), marker(3, 9, "SyncEmployee"), marker(4, 9, "RecordFailure"), versionMarker(5, 9)})

	got := tl.shares(10 * time.Second)
	want := map[string]float64{shareFetch: 0.4, sharePlan: 0.1, shareWrite: 0.3, shareRecord: 0.02, "Temporal": 0.18}
	for k, w := range want {
		if d := got[k] - w; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: got %.3f, want %.3f (all: %v)", k, got[k], w, got)
		}
	}
	if s := formatShares(got); s != "fetching 40%, planning 10%, writing 30%, recording the run 2%, Temporal 18%" {
		t.Errorf("formatShares = %q", s)
	}
}

func versionMarker(id int64, s float64) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: id, EventTime: at(s), Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{
		MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{MarkerName: "Version"},
	}}
}
