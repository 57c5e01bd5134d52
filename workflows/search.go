package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Custom search attributes: every sync sets them (and keeps HrmosStatus
// current), so ops filter the Temporal UI's workflow list with one query,
// e.g. all failed attendance runs of October:
//
//	HrmosKind = "attendance" AND HrmosMonth = "2026-10" AND HrmosStatus = "failed"
//
// HrmosStatus is set on the one workflow of each run (and on scheduled
// actions), not on its chunks, so a status filter lists runs, not parts.
// `starter setup` registers them; the worker checks they are there.
var (
	SearchTenant  = temporal.NewSearchAttributeKeyKeyword("HrmosTenant")
	SearchKind    = temporal.NewSearchAttributeKeyKeyword("HrmosKind")
	SearchMonth   = temporal.NewSearchAttributeKeyKeyword("HrmosMonth")
	SearchTrigger = temporal.NewSearchAttributeKeyKeyword("HrmosTrigger")
	SearchStatus  = temporal.NewSearchAttributeKeyKeyword("HrmosStatus")
	SearchDryRun  = temporal.NewSearchAttributeKeyBool("HrmosDryRun")
)

// SearchAttributes are the custom search attributes to register, by name.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchTenant.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchKind.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchMonth.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchTrigger.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchStatus.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchDryRun.GetName():  enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}

// Values of HrmosStatus beyond the run statuses of codes.
const (
	StatusAwaitingApproval = "awaiting_approval"
)

// Values of HrmosKind beyond the sync kinds of codes.
const (
	KindScheduled = "scheduled"
)

// SearchFor is what a run of a tenant is found by, from its start on (the
// starter's start options, a launcher's child) and as it goes. An empty
// tenant (a refused input names none), month or status is left out.
func SearchFor(tenantID, kind, month, trigger, status string, dryRun bool) temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{SearchKind.ValueSet(kind), SearchTrigger.ValueSet(trigger), SearchDryRun.ValueSet(dryRun)}
	if tenantID != "" {
		updates = append(updates, SearchTenant.ValueSet(tenantID))
	}
	if month != "" {
		updates = append(updates, SearchMonth.ValueSet(month))
	}
	if status != "" {
		updates = append(updates, SearchStatus.ValueSet(status))
	}
	return temporal.NewSearchAttributes(updates...)
}

// upsertSearch sets a workflow's search attributes. Temporal refuses
// attributes that are not registered by failing the workflow task (retried
// until they are), which is why the worker checks them before it starts.
func upsertSearch(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Error("could not set search attributes", "error", err)
	}
}
