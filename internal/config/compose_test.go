package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Docker is not available where the engine is built, so docker-compose.yml
// cannot be run in CI; what can be checked without it is checked here: it
// parses, every variable it gives the engine's services is one the engine
// reads (a typo would be ignored silently), the worker and the starter
// connect as the least-privilege role and only migrate as the owner, and
// every image names its version.
func TestComposeFileGivesTheEngineWhatItReads(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	read := envNames(reflect.TypeFor[Config]())
	read["HRMOS_API_KEY"] = true // starter connect's own
	for _, name := range []string{"migrate", "worker", "starter"} {
		svc, ok := compose.Services[name]
		if !ok || svc.Build == nil {
			t.Fatalf("service %s missing or not built from this repository", name)
		}
		for k := range svc.Environment {
			if !read[k] {
				t.Errorf("service %s sets %s, which the engine does not read", name, k)
			}
		}
		user := strings.SplitN(strings.TrimPrefix(svc.Environment["DATABASE_URL"], "postgres://"), ":", 2)[0]
		if want := map[bool]string{true: "postgres", false: "hrmos_sync"}[name == "migrate"]; user != want {
			t.Errorf("service %s connects to PostgreSQL as %q, want %q", name, user, want)
		}
	}
	for name, svc := range compose.Services {
		if svc.Image != "" && (!strings.Contains(svc.Image, ":") || strings.HasSuffix(svc.Image, ":latest")) {
			t.Errorf("service %s runs image %q without a version", name, svc.Image)
		}
	}
}

// envNames lists the variables a configuration struct reads, nested
// structs included.
func envNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			for n := range envNames(f.Type) {
				names[n] = true
			}
			continue
		}
		if tag := f.Tag.Get("env"); tag != "" {
			names[strings.TrimSpace(strings.SplitN(tag, ",", 2)[0])] = true
		}
	}
	return names
}
