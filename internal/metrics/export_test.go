package metrics

// The state collector's queries, for the plan test (state_test.go).
var StateQueries = map[string]string{
	"connections":   connectionsQuery,
	"held runs":     heldRunsQuery,
	"last attempts": lastAttemptsQuery,
}
