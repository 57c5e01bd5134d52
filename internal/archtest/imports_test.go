// Package archtest holds the import rule of the engine's layers (see
// docs/architecture.md): a change that makes a layer reach into one it must
// not fails here, not in a review.
package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mediment/hrmos-sync/"

// rule says what a package may import directly: which packages of ours,
// and whether anything outside the standard library and Temporal's SDK.
type rule struct {
	dir string
	// ours lists the packages of this module it may import.
	ours []string
	// thirdParty lists import path prefixes allowed beyond the standard
	// library.
	thirdParty []string
	// forbiddenStd lists standard packages it must not import.
	forbiddenStd []string
}

var rules = []rule{
	// Workflows are deterministic and free of I/O: they name activities
	// through the activities package's types, and share only the
	// vocabulary packages.
	{dir: "workflows", ours: []string{"activities", "internal/codes", "internal/jst"},
		thirdParty:   []string{"go.temporal.io/sdk/", "go.temporal.io/api/enums/"},
		forbiddenStd: []string{"net", "net/http", "os", "os/exec", "database/sql", "math/rand", "math/rand/v2", "crypto/rand", "time/tzdata"}},
	// The sync rules are pure functions of SPEC §2 and §3.
	// Unicode normalization (NFKC) is the one outside package: the rules
	// check what the database's NFKC-normalized keys can index.
	{dir: "internal/rules", ours: []string{"internal/codes", "internal/jst"},
		thirdParty:   []string{"golang.org/x/text/unicode/norm"},
		forbiddenStd: []string{"net", "net/http", "os", "database/sql", "context"}},
	// The vocabulary imports nothing of ours.
	{dir: "internal/codes"},
	{dir: "internal/jst"},
	// The HRMOS client and the simulator know nothing of the engine; the
	// simulator follows the API's description, not our client.
	{dir: "internal/hrmos", thirdParty: []string{"golang.org/x/time/rate"}},
	{dir: "internal/hrmossim"},
	// The store knows the rules' record shapes, not the client or Temporal.
	{dir: "internal/store", ours: []string{"internal/codes", "internal/jst", "internal/rules"},
		thirdParty: []string{"github.com/jackc/"}},
	// The run review reads the store and words what it finds (the workflows'
	// Progress and signal name, the activities' key notice). Its own files
	// import no cobra (the starter parses the flags), no Temporal client (the
	// starter asks for progress), no environment and no SQL: workflows and
	// activities still bring the SDK along, so this is not a claim about
	// what it links.
	{dir: "internal/review", ours: []string{"activities", "internal/codes", "internal/rules", "internal/store", "workflows"},
		thirdParty:   []string{"github.com/google/uuid", "go.temporal.io/api/serviceerror"},
		forbiddenStd: []string{"os", "os/exec", "net", "net/http", "database/sql"}},
}

func TestLayersImportOnlyWhatTheyMay(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, r := range rules {
		files, err := filepath.Glob(filepath.Join(root, r.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", r.dir, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if problem := r.check(path); problem != "" {
					t.Errorf("%s imports %s: %s", file, path, problem)
				}
			}
		}
	}
}

func (r rule) check(path string) string {
	if rest, ok := strings.CutPrefix(path, module); ok {
		for _, p := range r.ours {
			if rest == p {
				return ""
			}
		}
		return "this layer may not use that package of ours (docs/architecture.md)"
	}
	if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
		for _, p := range r.forbiddenStd {
			if path == p {
				return "this layer must stay free of I/O and non-determinism"
			}
		}
		return ""
	}
	for _, p := range r.thirdParty {
		if strings.HasPrefix(path, p) || path == strings.TrimSuffix(p, "/") {
			return ""
		}
	}
	return "this layer may not depend on that module"
}

// The rule list must cover the layers that exist: a new top-level layer
// gets a rule of its own.
func TestEveryLayerHasARuleOrIsAnAdapter(t *testing.T) {
	adapters := map[string]bool{
		// Wiring and I/O at the edges may import what they need.
		"activities": true, "worker": true, "starter": true, "internal/app": true, "internal/config": true,
		"internal/connect": true, "internal/credentials": true, "internal/schedules": true, "internal/sweeper": true,
		"internal/metrics": true, "internal/testdb": true, "internal/e2e": true, "internal/archtest": true,
		// Tooling: the benchmark, the crash soak, their process harness and
		// the integration tests' harness.
		"internal/bench": true, "internal/soak": true, "internal/harness": true, "internal/testenv": true,
	}
	covered := map[string]bool{}
	for _, r := range rules {
		covered[r.dir] = true
	}
	root := filepath.Join("..", "..")
	for _, top := range []string{".", "internal"} {
		entries, err := os.ReadDir(filepath.Join(root, top))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			dir := filepath.ToSlash(filepath.Join(top, e.Name()))
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || dir == "internal" || !hasGo(filepath.Join(root, dir)) {
				continue
			}
			if !covered[dir] && !adapters[dir] {
				t.Errorf("package %s has no import rule: add one to archtest (or list it as an adapter)", dir)
			}
		}
	}
}

func hasGo(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(files) > 0
}
