package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// jsonFields decodes a JSON object leniently: ops type it by hand into the
// Temporal UI, and a decoding error would otherwise fail the workflow task
// again and again instead of failing the run with a message. Problems are
// kept and reported by validate, naming the field.
type jsonFields struct {
	problems []string
}

func (j *jsonFields) decode(data []byte, fields map[string]any) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		j.problems = append(j.problems, "the input must be a JSON object such as {\"tenantId\":\"acme\"}")
		return
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target, ok := fields[name]
		if !ok {
			known := make([]string, 0, len(fields))
			for k := range fields {
				known = append(known, k)
			}
			sort.Strings(known)
			j.problems = append(j.problems, fmt.Sprintf("unknown field %q (the fields are %s)", name, strings.Join(known, ", ")))
			continue
		}
		if string(raw[name]) == "null" {
			continue
		}
		if err := json.Unmarshal(raw[name], target); err != nil {
			j.problems = append(j.problems, fmt.Sprintf("field %q has the wrong type (want %s)", name, typeName(target)))
		}
	}
}

func typeName(target any) string {
	switch target.(type) {
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *int:
		return "a whole number"
	case *int64:
		return "an HRMOS user ID (a whole number)"
	}
	return "another type"
}

func (j *jsonFields) err(workflow string, more ...string) error {
	all := append(slices.Clone(j.problems), more...)
	if len(all) == 0 {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("invalid %s input: %s", workflow, strings.Join(all, "; ")), syncapi.ErrTypeInvalidInput, nil)
}

// RosterSyncInput starts a roster sync. From the Temporal UI:
// {"tenantId":"acme"} or {"tenantId":"acme","dryRun":true}.
type RosterSyncInput struct {
	TenantID string `json:"tenantId"`
	// DryRun computes and records every outcome but writes no employee.
	DryRun bool `json:"dryRun,omitempty"`
	// Trigger is read only from the parent of a run started as a child (the
	// UI launcher, a scheduled action); a run started on its own knows how
	// it was started (trigger.go) and ignores it. Still accepted, so older
	// clients that send it keep working.
	Trigger string `json:"trigger,omitempty"`
	// ChunkSize is how many employees one plan step decides (default 500)
	// and at most how many records one chunk child writes (default 2,000:
	// writeGroupSize); a tuning knob, normally left out.
	ChunkSize int `json:"chunkSize,omitempty"`
	// UserID limits the run to one HRMOS user, by HRMOS's user ID (a new
	// hire who needs mediment today, not at the next monthly run):
	// {"tenantId":"acme","userId":1234}. The whole list is still read (the
	// checks that need the whole roster read every user), that user alone
	// is decided and written. 0: the whole roster.
	UserID int64 `json:"userId,omitempty"`

	jsonFields
}

// UnmarshalJSON never fails, so bad input from the UI fails the run with a
// message instead of stalling the workflow task.
func (in *RosterSyncInput) UnmarshalJSON(data []byte) error {
	*in = RosterSyncInput{}
	in.decode(data, map[string]any{
		"tenantId": &in.TenantID, "dryRun": &in.DryRun, "trigger": &in.Trigger, "chunkSize": &in.ChunkSize, "userId": &in.UserID,
	})
	return nil
}

func (in *RosterSyncInput) validate() error {
	var more []string
	if strings.TrimSpace(in.TenantID) == "" && !in.hasProblem("tenantId") {
		more = append(more, `field "tenantId" is required, e.g. {"tenantId":"acme"}`)
	}
	more = append(more, validTrigger(in.Trigger)...)
	if in.ChunkSize < 0 || in.ChunkSize > maxChunkSize {
		more = append(more, fmt.Sprintf(`field "chunkSize" must be between 1 and %d`, maxChunkSize))
	}
	if in.UserID < 0 {
		more = append(more, `field "userId" must be an HRMOS user ID (a positive whole number), or left out to sync the whole roster`)
	}
	return in.err(RosterSyncName, more...)
}

// AttendanceSyncInput starts a monthly attendance sync. From the Temporal
// UI: {"tenantId":"acme","month":"2026-10"}.
type AttendanceSyncInput struct {
	TenantID string `json:"tenantId"`
	// Month is HRMOS's month "YYYY-MM" (its own closing-day rules apply).
	Month     string `json:"month"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Trigger   string `json:"trigger,omitempty"`
	ChunkSize int    `json:"chunkSize,omitempty"`

	jsonFields
}

// UnmarshalJSON never fails; see RosterSyncInput.UnmarshalJSON.
func (in *AttendanceSyncInput) UnmarshalJSON(data []byte) error {
	*in = AttendanceSyncInput{}
	in.decode(data, map[string]any{
		"tenantId": &in.TenantID, "month": &in.Month, "dryRun": &in.DryRun, "trigger": &in.Trigger, "chunkSize": &in.ChunkSize,
	})
	return nil
}

// validate checks the input; thisMonth is the current month in Japan, so a
// month in the future is refused before anything starts.
func (in *AttendanceSyncInput) validate(thisMonth string) error {
	var more []string
	if strings.TrimSpace(in.TenantID) == "" && !in.hasProblem("tenantId") {
		more = append(more, `field "tenantId" is required, e.g. {"tenantId":"acme","month":"2026-10"}`)
	}
	switch {
	case in.hasProblem("month"):
	case in.Month == "":
		more = append(more, `field "month" is required, as "YYYY-MM" (e.g. "2026-10")`)
	case !jst.ValidMonth(in.Month):
		more = append(more, `field "month" must be a month as "YYYY-MM" (e.g. "2026-10")`)
	case in.Month > thisMonth:
		more = append(more, fmt.Sprintf(`field "month" is in the future (it is %s in Japan)`, thisMonth))
	}
	more = append(more, validTrigger(in.Trigger)...)
	if in.ChunkSize < 0 || in.ChunkSize > maxChunkSize {
		more = append(more, fmt.Sprintf(`field "chunkSize" must be between 1 and %d`, maxChunkSize))
	}
	return in.err(AttendanceSyncName, more...)
}

func (j *jsonFields) hasProblem(field string) bool {
	return slices.ContainsFunc(j.problems, func(p string) bool { return strings.Contains(p, `"`+field+`"`) })
}

func validTrigger(t string) []string {
	if t == "" || codes.ValidTrigger(t) {
		return nil
	}
	return []string{fmt.Sprintf(`field "trigger" must be %q, %q or %q (leave it out when starting from the UI)`, codes.TriggerCLI, codes.TriggerUI, codes.TriggerSchedule)}
}

func triggerOrUI(t string) string {
	if t == "" {
		return codes.TriggerUI
	}
	return t
}
