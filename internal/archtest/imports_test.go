// Package archtest holds the import rule of the engine's layers (see
// docs/architecture.md): a change that makes a layer reach into one it must
// not fails here, not in a review.
//
// The rule, as TestLayersReachOnlyWhatTheyMay checks it on every package
// `go list ./...` names (non-test files):
//
//   - A guarded layer (workflows and every package below it; internal/rules,
//     internal/codes, internal/jst, internal/syncapi and theirs) reaches only
//     its allow list: the packages of ours it names, the standard packages it
//     names, and the other modules' packages it names. Reaching is
//     transitive through our own packages: a package of ours the layer may
//     use must itself reach nothing outside the layer's list. A standard
//     package or another module's is a leaf (what it imports is its own
//     business; the SDK's determinism is workflowcheck's to check).
//   - The workflows import the activities package and do not walk into it:
//     instead their code, type-checked, may use of it only the type
//     Activities and the methods declared on it (the typed nil `a` and
//     method values `a.X`), never a field, a promoted method or anything else
//     of the package; and every method of Activities takes and returns only
//     internal/syncapi's types (with what they hold: internal/codes' types,
//     time, built-in types) besides context.Context and error. So all the
//     workflow code reaches through activities is those method values and the
//     contract, which is itself a guarded layer.
//   - The activities never import the workflows, through any package.
//   - internal/hrmos, internal/hrmossim and internal/store reach only the
//     packages of ours and modules they name; internal/review's own files
//     import only what it names, and none of the standard packages it must
//     not.
//   - Every other package is an adapter, listed by name: a new package has a
//     rule or is listed, or the test fails.
//
// TestTheRuleFailsWhenALayerIsBroken runs the same check on a module of
// testdata built to break each part of it, and expects each break found.
package archtest

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rule says what a layer may reach.
type rule struct {
	// dir is the layer's package, by its path within the module; with tree,
	// every package below it too.
	dir  string
	tree bool
	// ours lists the packages of ours it may use; the walk goes on into
	// them, so what they reach counts as the layer's.
	ours []string
	// opaque lists packages of ours it may import without the walk going
	// into them: their use is checked apart (the workflows' activities).
	opaque []string
	// direct checks the package's own imports only: what it reaches through
	// the packages of ours it uses is theirs.
	direct bool
	// std, when set, is the allow list of standard packages; otherwise any
	// but those of denyStd.
	std     []string
	denyStd []string
	// modules lists the other modules' packages it may reach: exact paths,
	// or prefixes ending in "/".
	modules []string
}

var layers = []rule{
	// Workflows are deterministic and free of I/O: they schedule activities
	// through the typed nil (checked apart), pass the contract's types,
	// share the vocabulary, and use the SDK's workflow API. No Temporal
	// client: the start options are internal/startopts'.
	{dir: "workflows", tree: true,
		ours: []string{"internal/codes", "internal/jst", "internal/syncapi"}, opaque: []string{"activities"},
		std: []string{"context", "encoding/json", "errors", "fmt", "math", "regexp", "slices", "sort", "strings", "time"},
		modules: []string{"go.temporal.io/sdk/workflow", "go.temporal.io/sdk/temporal", "go.temporal.io/sdk/log",
			"go.temporal.io/sdk/converter", "go.temporal.io/sdk/worker", "go.temporal.io/api/enums/v1"}},
	// The sync rules are pure functions of SPEC §2 and §3. Unicode
	// normalization (NFKC) is the one outside package: the rules check what
	// the database's NFKC-normalized keys can index.
	{dir: "internal/rules", tree: true, ours: []string{"internal/codes", "internal/jst"},
		std:     []string{"errors", "fmt", "math", "regexp", "slices", "strconv", "strings", "time", "unicode", "unicode/utf8"},
		modules: []string{"golang.org/x/text/unicode/norm"}},
	// The vocabulary imports nothing of ours.
	{dir: "internal/codes", tree: true, std: []string{"math", "time"}},
	{dir: "internal/jst", tree: true, std: []string{"regexp", "time"}},
	// The contract between workflows and activities: data, the vocabulary.
	{dir: "internal/syncapi", tree: true, ours: []string{"internal/codes"}, std: []string{"encoding/json", "math", "time"}},
	// The HRMOS client and the simulator know nothing of the engine; the
	// simulator follows the API's description, not our client.
	{dir: "internal/hrmos", modules: []string{"golang.org/x/time/rate"}},
	{dir: "internal/hrmossim"},
	// The ops notifications word a message from references, codes and
	// counts and post it: of ours only the vocabulary (the codes, Japan's
	// dates, the contract's error types), no Temporal, no store, no
	// environment (the worker passes the URL in).
	{dir: "internal/notify", ours: []string{"internal/codes", "internal/jst", "internal/syncapi"}, denyStd: []string{"os", "os/exec", "database/sql"}},
	// The store knows the rules' record shapes and the contract's ranges and
	// figures, not the client or Temporal.
	{dir: "internal/store", ours: []string{"internal/codes", "internal/jst", "internal/rules", "internal/syncapi"},
		modules: []string{"github.com/jackc/", "golang.org/x/text/unicode/norm"}},
	// The run review reads the store and words what it finds (the workflows'
	// Progress and signal name, the activities' key notice). Its own files
	// import no cobra (the starter parses the flags), no Temporal client (the
	// starter asks for progress), no environment and no SQL: workflows and
	// activities still bring the SDK along, so this is not a claim about
	// what it links.
	{dir: "internal/review", direct: true, ours: []string{"activities", "internal/codes", "internal/rules", "internal/store", "workflows"},
		modules: []string{"github.com/google/uuid", "go.temporal.io/api/serviceerror"},
		denyStd: []string{"os", "os/exec", "net", "net/http", "database/sql"}},
}

// adapters are the packages at the edges, which may import what they wire
// (the activities too: "never the workflows" is checked apart). Listed one
// by one, subpackages included, so a new package is a decision.
var adapters = []string{
	"activities", "worker", "starter", "internal/app", "internal/config", "internal/connect", "internal/credentials",
	"internal/schedules", "internal/sweeper", "internal/metrics", "internal/testdb", "internal/e2e", "internal/archtest",
	// How every client starts a sync (the Temporal client's options).
	"internal/startopts",
	// Mains and test helpers of packages with a rule.
	"internal/hrmossim/cmd/hrmos-simulator", "internal/review/reviewtest",
	// Tooling: the benchmark, the crash soak, their process harness and the
	// integration tests' harness.
	"internal/bench", "internal/bench/cmd/hrmos-bench", "internal/soak", "internal/harness", "internal/testenv",
}

func TestLayersReachOnlyWhatTheyMay(t *testing.T) {
	vs, err := violations(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

// Every rule and adapter names a package that exists: a rule left behind by
// a move would check nothing.
func TestEveryRuleNamesAPackage(t *testing.T) {
	g, err := load(filepath.Join("..", ".."), false, "./...")
	if err != nil {
		t.Fatal(err)
	}
	ours := g.ours()
	for _, r := range layers {
		if !slices.Contains(ours, r.dir) {
			t.Errorf("the rule of %s names no package", r.dir)
		}
	}
	for _, a := range adapters {
		if !slices.Contains(ours, a) {
			t.Errorf("the adapter %s names no package", a)
		}
	}
}

// The check cannot pass while a layer is broken: testdata/broken is a
// module (of the same path) in which each part of the rule is broken once,
// and each must be found.
func TestTheRuleFailsWhenALayerIsBroken(t *testing.T) {
	vs, err := violations(filepath.Join("testdata", "broken"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ what, says string }{
		{"a subpackage of the workflows imports the store",
			"workflows/x reaches internal/store (workflows/x → internal/store): this layer may not use that package of ours"},
		{"the workflows reach the store through a subpackage of theirs",
			"workflows reaches internal/store (workflows → workflows/x → internal/store)"},
		{"the workflows reach I/O through a vocabulary package",
			"workflows reaches net/http (workflows → internal/jst → net/http): a standard package outside this layer's list"},
		{"the vocabulary does I/O itself",
			"internal/jst reaches net/http (internal/jst → net/http)"},
		{"the workflow code uses the activities package beyond its type and methods",
			"workflows/workflows.go:13: the workflow code uses activities.HeartbeatEvery"},
		{"the workflow code reaches a field of Activities",
			"workflows/workflows.go:14: the workflow code reaches Store of activities.Activities"},
		{"a method of Activities returns a type of the store",
			"activities.(*Activities).Rows takes or returns []github.com/mediment/hrmos-sync/internal/store.Row, which holds github.com/mediment/hrmos-sync/internal/store.Row"},
		{"a method of Activities takes a func",
			"activities.(*Activities).Each takes or returns func(int64), which holds func(int64) (neither data nor a type of the contract)"},
		{"the activities import the workflows through a package",
			"activities imports workflows/x: the activities never import the workflows"},
		{"a package has no rule",
			"package internal/newlayer has no import rule"},
	} {
		if !slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, want.says) }) {
			t.Errorf("%s: not found (want a violation containing %q)", want.what, want.says)
		}
	}
	if t.Failed() {
		t.Logf("found:\n%s", strings.Join(vs, "\n"))
	}
	// What is not broken passes: the contract's own method, the type and
	// the methods used as the workflows may.
	for _, v := range vs {
		if strings.Contains(v, "(*Activities).Fetch ") || strings.Contains(v, "uses activities.Activities") || strings.Contains(v, "uses activities.Fetch") {
			t.Errorf("a use the rule allows was reported: %s", v)
		}
	}
}
