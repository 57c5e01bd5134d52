package archtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// The check reads the module as the go command builds it: `go list -deps
// -json` names every package, its directory, files and imports, so a
// subpackage, an import through another package of ours and a package
// without a rule are all seen; `go list -export` gives the compiled types
// the workflow code is checked against. No dependency beyond the standard
// library and the go command.

// goPackage is what `go list -json` says of a package.
type goPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	DepOnly    bool
	GoFiles    []string
	Imports    []string
	Deps       []string
	Export     string
	Module     *struct {
		Path string
		Main bool
	}
}

// graph is a module's packages and everything they import.
type graph struct {
	module string
	pkgs   map[string]*goPackage
}

// load lists the packages patterns name, from the module at root, with
// their dependencies (and, with export, their compiled export data).
func load(root string, export bool, patterns ...string) (*graph, error) {
	args := []string{"list", "-deps", "-json"}
	if export {
		args = append(args, "-export")
	}
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), root, err, stderr.String())
	}
	g := &graph{pkgs: map[string]*goPackage{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		p := &goPackage{}
		if err := dec.Decode(p); err != nil {
			return nil, err
		}
		g.pkgs[p.ImportPath] = p
		if p.Module != nil && p.Module.Main {
			g.module = p.Module.Path
		}
	}
	if g.module == "" {
		return nil, fmt.Errorf("go list in %s named no package of the main module", root)
	}
	return g, nil
}

// rel is a package's path within the module, "" for a package not ours.
func (g *graph) rel(path string) string {
	if rest, ok := strings.CutPrefix(path, g.module+"/"); ok {
		return rest
	}
	return ""
}

// ours lists the module's own packages (not its dependencies), by path
// within the module.
func (g *graph) ours() []string {
	var out []string
	for path, p := range g.pkgs {
		if rel := g.rel(path); rel != "" && !p.DepOnly {
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out
}

// within reports whether the package rel is dir or, for a tree, below it.
func within(rel, dir string, tree bool) bool {
	return rel == dir || tree && strings.HasPrefix(rel, dir+"/")
}

// listed reports whether path is one of the entries: an exact path, or
// below an entry that ends in "/".
func listed(path string, entries []string) bool {
	for _, e := range entries {
		if path == e || strings.HasSuffix(e, "/") && strings.HasPrefix(path, e) {
			return true
		}
	}
	return false
}

// violations are everything that breaks the rules in the module at root,
// one sentence each, sorted. The real tree must have none; the broken
// fixture (testdata/broken) must show each kind.
func violations(root string) ([]string, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	g, err := load(root, false, "./...")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rel := range g.ours() {
		covered := slices.Contains(adapters, rel)
		for _, r := range layers {
			if within(rel, r.dir, r.tree) {
				covered = true
				out = append(out, r.check(g, rel)...)
			}
		}
		if !covered {
			out = append(out, fmt.Sprintf("package %s has no import rule: add one to archtest's layers (or list it as an adapter)", rel))
		}
		if within(rel, "activities", true) {
			out = append(out, neverImportsWorkflows(g, rel)...)
		}
	}
	uses, err := workflowUsesOfActivities(root, g)
	if err != nil {
		return nil, err
	}
	out = append(out, uses...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// check walks what the package rel of the rule's layer reaches: every
// package it imports, and what those import in turn while they are ours
// (other than opaque ones, and for a direct rule none). A standard package
// or another module's is a leaf: what it imports is its own business.
func (r rule) check(g *graph, rel string) []string {
	var out []string
	start := g.module + "/" + rel
	via := map[string]string{start: ""} // how each reached package was reached
	queue := []string{start}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		for _, imp := range g.pkgs[from].Imports {
			if _, seen := via[imp]; seen || imp == "C" {
				continue
			}
			via[imp] = from
			chain := func() string {
				steps := []string{imp}
				for p := from; p != ""; p = via[p] {
					steps = append(steps, p)
				}
				slices.Reverse(steps)
				for i, s := range steps {
					if rs := g.rel(s); rs != "" {
						steps[i] = rs
					}
				}
				return strings.Join(steps, " → ")
			}
			if problem, follow := r.allows(g, imp); problem != "" {
				out = append(out, fmt.Sprintf("%s reaches %s (%s): %s", rel, g.pkgOrRel(imp), chain(), problem))
			} else if follow {
				queue = append(queue, imp)
			}
		}
	}
	return out
}

func (g *graph) pkgOrRel(path string) string {
	if rel := g.rel(path); rel != "" {
		return rel
	}
	return path
}

// allows says what is wrong with the layer reaching path ("" when nothing),
// and whether the walk goes on into it.
func (r rule) allows(g *graph, path string) (problem string, follow bool) {
	if rel := g.rel(path); rel != "" {
		switch {
		case slices.Contains(r.opaque, rel):
			return "", false
		case within(rel, r.dir, r.tree) || slices.Contains(r.ours, rel):
			return "", !r.direct
		}
		return "this layer may not use that package of ours (docs/architecture.md)", false
	}
	p := g.pkgs[path]
	if p != nil && p.Standard {
		if slices.Contains(r.denyStd, path) || r.std != nil && !slices.Contains(r.std, path) {
			return "a standard package outside this layer's list: the layer stays free of I/O and non-determinism", false
		}
		return "", false
	}
	if !listed(path, r.modules) {
		return "this layer may not depend on that module", false
	}
	return "", false
}

// neverImportsWorkflows: the activities run the workflows' steps and never
// reach back into them, through any package.
func neverImportsWorkflows(g *graph, rel string) []string {
	var out []string
	for _, dep := range g.pkgs[g.module+"/"+rel].Deps {
		if d := g.rel(dep); within(d, "workflows", true) {
			out = append(out, fmt.Sprintf("%s imports %s: the activities never import the workflows, directly or through another package", rel, d))
		}
	}
	return out
}

// workflowUsesOfActivities type-checks the workflow code (every package of
// the workflows tree, test files aside) against the compiled packages it
// imports, and reports each use of the activities package other than the
// type Activities and the methods declared on it, and each method of
// Activities whose inputs or results are not the contract's
// (internal/syncapi's types, context.Context, error, built-in types).
func workflowUsesOfActivities(root string, g *graph) ([]string, error) {
	actPath := g.module + "/activities"
	var tree []string
	for _, rel := range g.ours() {
		if within(rel, "workflows", true) {
			tree = append(tree, rel)
		}
	}
	if len(tree) == 0 {
		return []string{"no workflows package: the rule checks nothing"}, nil
	}
	e, err := load(root, true, "./workflows/...")
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		p := e.pkgs[path]
		if p == nil || p.Export == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(p.Export)
	})
	var out []string
	for _, rel := range tree {
		p := e.pkgs[g.module+"/"+rel]
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
		if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
			return nil, fmt.Errorf("type-check %s: %v", rel, err)
		}
		for id, obj := range info.Uses {
			if obj.Pkg() == nil || obj.Pkg().Path() != actPath || isActivitiesOrItsMethod(obj, actPath) {
				continue
			}
			if v, ok := obj.(*types.Var); ok && v.IsField() {
				continue // a field of Activities: the selections below name it
			}
			out = append(out, fmt.Sprintf("%s: the workflow code uses activities.%s: through the activities package it may use only the type Activities and its methods",
				position(fset, root, id.Pos()), obj.Name()))
		}
		for sel, s := range info.Selections {
			if !isActivities(s.Recv(), actPath) {
				continue
			}
			if s.Kind() == types.FieldVal || len(s.Index()) > 1 {
				out = append(out, fmt.Sprintf("%s: the workflow code reaches %s of activities.Activities, which is not one of its methods: it may use only the methods",
					position(fset, root, sel.Sel.Pos()), sel.Sel.Name))
			}
		}
	}
	act := e.pkgs[actPath]
	if act == nil {
		return append(out, "the workflows do not import the activities package: the rule on its methods checks nothing"), nil
	}
	actPkg, err := imp.Import(actPath)
	if err != nil {
		return nil, err
	}
	out = append(out, contractViolations(actPkg, map[string]bool{g.module + "/internal/syncapi": true, g.module + "/internal/codes": true})...)
	return out, nil
}

func position(fset *token.FileSet, root string, pos token.Pos) string {
	p := fset.Position(pos)
	if rel, err := filepath.Rel(root, p.Filename); err == nil {
		p.Filename = filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d", p.Filename, p.Line)
}

// isActivities reports whether t is activities.Activities or a pointer to it.
func isActivities(t types.Type, actPath string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == actPath && n.Obj().Name() == "Activities"
}

func isActivitiesOrItsMethod(obj types.Object, actPath string) bool {
	switch o := obj.(type) {
	case *types.TypeName:
		return o.Name() == "Activities"
	case *types.Func:
		recv := o.Signature().Recv()
		return recv != nil && isActivities(recv.Type(), actPath)
	}
	return false
}

// contractViolations checks every method of activities.Activities (each is
// registered as an activity, so a workflow may schedule any): its inputs
// and results, and everything they hold, are the contract's types.
func contractViolations(actPkg *types.Package, contract map[string]bool) []string {
	obj, ok := actPkg.Scope().Lookup("Activities").(*types.TypeName)
	if !ok {
		return []string{"activities.Activities is not a type"}
	}
	var out []string
	ms := types.NewMethodSet(types.NewPointer(obj.Type()))
	for i := range ms.Len() {
		m, ok := ms.At(i).Obj().(*types.Func)
		if !ok || !m.Exported() {
			continue
		}
		sig := m.Signature()
		for _, tuple := range []*types.Tuple{sig.Params(), sig.Results()} {
			for v := range tuple.Variables() {
				if bad := outsideContract(v.Type(), contract, map[types.Type]bool{}); bad != "" {
					out = append(out, fmt.Sprintf("activities.(*Activities).%s takes or returns %s, which holds %s: a method's inputs and results are internal/syncapi's types "+
						"(with context.Context, error, time and built-in types), so that the workflow code reaches nothing else through it",
						m.Name(), types.TypeString(v.Type(), nil), bad))
				}
			}
		}
	}
	return out
}

// outsideContract names the first type within t that the contract does not
// allow, "" when there is none: the named types of the contract's packages
// (and what they hold), context.Context, error, time's and built-in types.
func outsideContract(t types.Type, contract map[string]bool, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return ""
	case *types.Pointer:
		return outsideContract(t.Elem(), contract, seen)
	case *types.Slice:
		return outsideContract(t.Elem(), contract, seen)
	case *types.Array:
		return outsideContract(t.Elem(), contract, seen)
	case *types.Map:
		if bad := outsideContract(t.Key(), contract, seen); bad != "" {
			return bad
		}
		return outsideContract(t.Elem(), contract, seen)
	case *types.Named:
		pkg := t.Obj().Pkg()
		switch {
		case pkg == nil: // error
			return ""
		case pkg.Path() == "context" && t.Obj().Name() == "Context", pkg.Path() == "time":
			return ""
		case contract[pkg.Path()]:
			return outsideContract(t.Underlying(), contract, seen)
		}
		return types.TypeString(t, nil)
	case *types.Struct:
		for f := range t.Fields() {
			if bad := outsideContract(f.Type(), contract, seen); bad != "" {
				return bad
			}
		}
		return ""
	}
	return types.TypeString(t, nil) + " (neither data nor a type of the contract)"
}
