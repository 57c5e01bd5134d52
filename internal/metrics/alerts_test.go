package metrics_test

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/template"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/mediment/hrmos-sync/internal/metrics"
)

// rulesFile is the alerting rules the README tells ops to load.
var rulesFile = filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml")

// firing is one alert expected to fire: its labels, and how long after the
// clock started (t0) it fires, `for` included.
type firing struct {
	labels map[string]string
	after  time.Duration
}

// The alerts, each with whom it must fire for and when; it must fire for
// nobody else (the healthy tenant above all). Every alert of the file must
// be here, and every one here in the file.
var expectedAlerts = map[string][]firing{
	// Held since t0-30m: over an hour from t0+31m (the first minute past
	// 3600 s), then 5m of `for`.
	"HrmosSyncRunHeldForApproval": {{labels: map[string]string{"tenant": tHeld, "kind": "roster"}, after: 36 * time.Minute}},
	"HrmosSyncScheduledRunFailed": {{labels: map[string]string{"tenant": tFailing, "kind": "roster"}, after: 5 * time.Minute}},
	"HrmosSyncApiKeyExpiresSoon":  {{labels: map[string]string{"tenant": tExpiring}, after: 15 * time.Minute}},
	// The rejected tenant's key has expired too: it gets the rejection, not both.
	"HrmosSyncApiKeyExpired":   {{labels: map[string]string{"tenant": tExpired}, after: 5 * time.Minute}},
	"HrmosSyncApiKeyRejected":  {{labels: map[string]string{"tenant": tRejected}, after: 5 * time.Minute}},
	"HrmosSyncSchedulePaused":  {{labels: map[string]string{"tenant": tPaused}, after: time.Hour}},
	"HrmosSyncScheduleMissing": {{labels: map[string]string{"tenant": tUnscheduled}, after: 30 * time.Minute}},
	"HrmosSyncStateUnreadable": nil, // both sources readable here; see TestAlertWhenTheStateIsUnreadable
}

const (
	scrapeInterval = time.Minute
	evalWindow     = 2 * time.Hour
)

// Each alert of deploy/prometheus/alerts.yml, parsed by Prometheus' rule
// parser and evaluated by its PromQL engine every minute for two hours
// over what two workers' /metrics said, scraped every minute from the real
// collector on a real database and Temporal: it fires for its tenant
// (and kind) exactly when its expression and `for` say, for nobody else,
// once however many workers report, and its summary and description name
// the tenant and say what to do.
func TestAlertRulesFireForTheRightTenants(t *testing.T) {
	groups := parseRules(t)
	w := newStateWorld(t)
	clk := newClock(w.t0)
	m, _ := newMetrics(t)
	var logs bytes.Buffer
	m.Registry().MustRegister(metrics.NewStateCollector(metrics.StateOptions{
		DB: w.pool, Schedules: w.sc, RosterSchedule: true, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}))
	db := &memStorage{}
	for at := w.t0; !at.After(w.t0.Add(evalWindow)); at = at.Add(scrapeInterval) {
		clk.set(at)
		// Both workers serve the same state: two targets, one alert.
		db.scrape(t, m.Registry(), at, "worker-1:9464", "worker-2:9464")
	}

	if logs.Len() > 0 {
		t.Fatalf("the collector could not read everything:\n%s", logs.String())
	}

	got := evaluate(t, groups, db, w.t0, evalWindow)
	checkAlerts(t, expectedAlerts, got, w.t0)
}

// With the database and Temporal unreadable, the state's alert fires for
// each source and each worker, and no other alert does.
func TestAlertWhenTheStateIsUnreadable(t *testing.T) {
	groups := parseRules(t)
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := newClock(t0)
	m, _ := newMetrics(t)
	sc := &flakySchedules{}
	sc.fail.Store(true)
	m.Registry().MustRegister(metrics.NewStateCollector(metrics.StateOptions{
		DB: hungDB{}, Schedules: sc, Timeout: 10 * time.Millisecond, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	}))
	db := &memStorage{}
	for at := t0; !at.After(t0.Add(30 * time.Minute)); at = at.Add(scrapeInterval) {
		clk.set(at)
		db.scrape(t, m.Registry(), at, "worker-1:9464")
	}
	got := evaluate(t, groups, db, t0, 30*time.Minute)
	want := map[string][]firing{}
	for name := range expectedAlerts {
		want[name] = nil
	}
	for _, source := range []string{metrics.SourceDatabase, metrics.SourceTemporal} {
		want["HrmosSyncStateUnreadable"] = append(want["HrmosSyncStateUnreadable"], firing{
			labels: map[string]string{"source": source, "instance": "worker-1:9464", "job": "hrmos-sync-worker"},
			after:  10 * time.Minute,
		})
	}
	checkAlerts(t, want, got, t0)
}

// The file is what Prometheus loads: valid YAML of rule groups, every
// expression valid PromQL, every template valid, each alert with a
// severity, a summary and a description.
func parseRules(t *testing.T) []rulefmt.RuleGroup {
	t.Helper()
	rgs, errs := rulefmt.ParseFile(rulesFile, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	var names []string
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("rule %q of group %s is no alert: this file holds alerts only", r.Record, g.Name)
				continue
			}
			names = append(names, r.Alert)
			for _, key := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[key]) == "" {
					t.Errorf("%s has no %s", r.Alert, key)
				}
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, s)
			}
		}
	}
	slices.Sort(names)
	if want := slices.Sorted(maps.Keys(expectedAlerts)); !slices.Equal(names, want) {
		t.Fatalf("%s has the alerts %v; the test expects %v: test every alert, and only those in the file", rulesFile, names, want)
	}
	return rgs.Groups
}

// alertState is what one evaluation of the rules left: each alert's active
// instances, keyed by their labels.
type alertInstance struct {
	labels   labels.Labels
	activeAt time.Time
	firedAt  time.Time // zero while pending
	value    float64
}

// evaluated is every alert instance that fired during the window, as
// Prometheus' rule manager would have had them: pending from the first
// evaluation that returned them, firing once `for` has passed, gone at the
// first evaluation that did not return them.
type evaluated struct {
	rules map[string]rulefmt.Rule
	fired map[string][]alertInstance // by alert name; the instance as it was when it first fired
}

func evaluate(t *testing.T, groups []rulefmt.RuleGroup, db storage.Queryable, t0 time.Time, window time.Duration) evaluated {
	t.Helper()
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples: 1_000_000, Timeout: 10 * time.Second, LookbackDelta: 5 * time.Minute,
	})
	out := evaluated{rules: map[string]rulefmt.Rule{}, fired: map[string][]alertInstance{}}
	ctx := context.Background()
	for _, g := range groups {
		for _, r := range g.Rules {
			out.rules[r.Alert] = r
			active := map[string]*alertInstance{}
			for at := t0; !at.After(t0.Add(window)); at = at.Add(scrapeInterval) {
				q, err := engine.NewInstantQuery(ctx, db, nil, r.Expr, at)
				if err != nil {
					t.Fatalf("%s: %v", r.Alert, err)
				}
				res := q.Exec(ctx)
				if res.Err != nil {
					t.Fatalf("%s at %s: %v", r.Alert, at, res.Err)
				}
				vec, err := res.Vector()
				if err != nil {
					t.Fatalf("%s: %v", r.Alert, err)
				}
				seen := map[string]bool{}
				for _, s := range vec {
					b := labels.NewBuilder(s.Metric).Del(labels.MetricName)
					for k, v := range r.Labels {
						b.Set(k, v)
					}
					b.Set("alertname", r.Alert)
					lset := b.Labels()
					key := lset.String()
					if seen[key] {
						t.Errorf("%s returns %s twice at %s", r.Alert, key, at)
					}
					seen[key] = true
					a := active[key]
					if a == nil {
						a = &alertInstance{labels: lset, activeAt: at}
						active[key] = a
					}
					a.value = s.F
					if a.firedAt.IsZero() && at.Sub(a.activeAt) >= time.Duration(r.For) {
						a.firedAt = at
						out.fired[r.Alert] = append(out.fired[r.Alert], *a)
					}
				}
				for key := range active {
					if !seen[key] {
						delete(active, key)
					}
				}
			}
			res := out.fired[r.Alert]
			sort.Slice(res, func(i, j int) bool { return labels.Compare(res[i].labels, res[j].labels) < 0 })
		}
	}
	return out
}

func checkAlerts(t *testing.T, want map[string][]firing, got evaluated, t0 time.Time) {
	t.Helper()
	for name, wants := range want {
		fired := got.fired[name]
		matched := make([]bool, len(fired))
		for _, w := range wants {
			found := false
			for i, a := range fired {
				if matched[i] || !sameLabels(a.labels, w.labels, "alertname", "severity") {
					continue
				}
				matched[i], found = true, true
				if at := a.firedAt.Sub(t0); at != w.after {
					t.Errorf("%s%v fired %s after t0, want %s (its `for` is %s)", name, w.labels, at, w.after, time.Duration(got.rules[name].For))
				}
				checkAnnotations(t, got.rules[name], a)
			}
			if !found {
				t.Errorf("%s%v did not fire; it fired for %v", name, w.labels, labelSets(fired))
			}
		}
		for i, a := range fired {
			if !matched[i] {
				t.Errorf("%s fired for %s, which it must not", name, a.labels)
			}
		}
	}
}

// checkAnnotations expands the alert's summary and description as
// Prometheus does and checks that they name the tenant (or source) and say
// what to do.
func checkAnnotations(t *testing.T, r rulefmt.Rule, a alertInstance) {
	t.Helper()
	lmap := a.labels.Map()
	data := template.AlertTemplateData(lmap, nil, "", promql.Sample{Metric: a.labels, F: a.value})
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	expanded := map[string]string{}
	for _, key := range []string{"summary", "description"} {
		e := template.NewTemplateExpander(context.Background(), defs+r.Annotations[key], "__alert_"+r.Alert, data,
			model.Time(timestamp.FromTime(a.firedAt)), nil, nil, nil)
		text, err := e.Expand()
		if err != nil {
			t.Errorf("%s %s: %v", r.Alert, key, err)
			continue
		}
		if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") || strings.Contains(text, "NaN") {
			t.Errorf("%s %s expands badly: %s", r.Alert, key, text)
		}
		expanded[key] = text
	}
	subject := lmap["tenant"]
	if subject == "" {
		subject = lmap["source"]
	}
	if !strings.Contains(expanded["summary"], subject) {
		t.Errorf("%s: the summary does not name %q: %s", r.Alert, subject, expanded["summary"])
	}
	if d := expanded["description"]; !strings.Contains(d, "`starter ") && !strings.Contains(d, "`temporal ") && !strings.Contains(d, "check") {
		t.Errorf("%s: the description says no command or step: %s", r.Alert, d)
	}
	t.Logf("%s %s:\n  %s\n  %s", r.Alert, a.labels, expanded["summary"], expanded["description"])
}

func sameLabels(got labels.Labels, want map[string]string, ignore ...string) bool {
	n := 0
	ok := true
	got.Range(func(l labels.Label) {
		if slices.Contains(ignore, l.Name) {
			return
		}
		n++
		if want[l.Name] != l.Value {
			ok = false
		}
	})
	return ok && n == len(want)
}

func labelSets(as []alertInstance) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.labels.String()
	}
	return out
}

// memStorage is the series Prometheus would have stored from its scrapes:
// what Gather returned, with the target's job and instance labels, each
// sample stamped with its scrape's time. Gauges, counters and untyped
// values are kept; the rules read nothing else.
type memStorage struct {
	series map[string]*memSeries
}

type memSeries struct {
	lset    labels.Labels
	samples []chunks.Sample
}

func (s *memStorage) scrape(t *testing.T, g prometheus.Gatherer, at time.Time, instances ...string) {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("scrape at %s: %v", at, err)
	}
	if s.series == nil {
		s.series = map[string]*memSeries{}
	}
	ts := timestamp.FromTime(at)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var v float64
			switch f.GetType() {
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_UNTYPED:
				v = m.GetUntyped().GetValue()
			default:
				continue
			}
			for _, instance := range instances {
				b := labels.NewScratchBuilder(len(m.GetLabel()) + 3)
				b.Add(labels.MetricName, f.GetName())
				b.Add("job", "hrmos-sync-worker")
				b.Add("instance", instance)
				for _, l := range m.GetLabel() {
					b.Add(l.GetName(), l.GetValue())
				}
				b.Sort()
				lset := b.Labels()
				key := lset.String()
				se := s.series[key]
				if se == nil {
					se = &memSeries{lset: lset}
					s.series[key] = se
				}
				se.samples = append(se.samples, fSample{t: ts, f: v})
			}
		}
	}
}

func (s *memStorage) Querier(int64, int64) (storage.Querier, error) { return s, nil }

func (s *memStorage) Select(_ context.Context, sortSeries bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	var out []storage.Series
	for _, se := range s.series {
		match := true
		for _, m := range ms {
			if !m.Matches(se.lset.Get(m.Name)) {
				match = false
				break
			}
		}
		if match {
			out = append(out, storage.NewListSeries(se.lset, se.samples))
		}
	}
	if sortSeries {
		sort.Slice(out, func(i, j int) bool { return labels.Compare(out[i].Labels(), out[j].Labels()) < 0 })
	}
	return &seriesSet{series: out, i: -1}
}

func (s *memStorage) LabelValues(context.Context, string, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (s *memStorage) LabelNames(context.Context, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (s *memStorage) Close() error { return nil }

type seriesSet struct {
	series []storage.Series
	i      int
}

func (s *seriesSet) Next() bool                        { s.i++; return s.i < len(s.series) }
func (s *seriesSet) At() storage.Series                { return s.series[s.i] }
func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

// fSample is one float sample.
type fSample struct {
	t int64
	f float64
}

func (s fSample) T() int64                      { return s.t }
func (s fSample) ST() int64                     { return 0 }
func (s fSample) F() float64                    { return s.f }
func (s fSample) H() *histogram.Histogram       { return nil }
func (s fSample) FH() *histogram.FloatHistogram { return nil }
func (s fSample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s fSample) Copy() chunks.Sample           { return s }
