package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/hrmossim"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/syncapi"
	"github.com/mediment/hrmos-sync/internal/testenv"
	"github.com/mediment/hrmos-sync/workflows"
)

// mediment's web app starts syncs through Temporal's HTTP API: the README's
// curl commands, run as they are written (only the server's address, the
// namespace and the month replaced by the test's), start the roster and the
// attendance sync, each recorded with trigger ui; a second start while one
// runs is answered 409 naming the running one.
func TestTheWebAppStartsSyncsThroughTheHTTPAPI(t *testing.T) {
	// The guard holds the last roster run so that "while one runs" is a
	// state, not a race; lowered for this small tenant. The task queue is
	// the production one the README names.
	te := testenv.New(t, testenv.Options{Configure: func(c *config.Config) {
		c.TaskQueue, c.GuardMinEmployees = "hrmos-sync", 1
	}})
	e := &env{t: t, store: te.Store, temporal: te.Client, sim: te.Sim, cfg: te.Config, logs: te.Logs, worker: te.Worker, namespace: te.Namespace}
	month := lastMonth()
	c := e.company(hrmossim.GenerateSpec{CompanyID: "acme", Users: 10, Seed: 17, Months: []string{month}})
	e.mustConnect("acme", "acme", c.APIKey)
	ctx := context.Background()

	cmds := readmeWebAppCommands(t, strings.NewReplacer(
		"http://localhost:7243", "http://"+te.HTTPAddress,
		"/namespaces/default/", "/namespaces/"+te.Namespace+"/",
		"2026-10", month))
	if len(cmds) != 3 {
		t.Fatalf("the README's web-app example has %d commands, want 3 (roster, attendance, where a run is):\n%s", len(cmds), strings.Join(cmds, "\n"))
	}
	rosterCmd, attendanceCmd, describeCmd := cmds[0], cmds[1], cmds[2]
	rosterID, attendanceID := workflows.RosterWorkflowID("acme"), workflows.AttendanceWorkflowID("acme", month)

	// finished waits for the run a start answered and checks its history row.
	finished := func(workflowID, runID, kind string) store.Run {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		var res syncapi.RunResult
		if err := e.temporal.GetWorkflow(wctx, workflowID, runID).Get(wctx, &res); err != nil {
			t.Fatalf("%s run %s: %v", workflowID, runID, err)
		}
		row, err := e.store.Run(ctx, store.RunRef{TenantID: "acme", RunID: runID})
		if err != nil || res.RunID != runID || row.Kind != kind || row.WorkflowID != workflowID ||
			row.Status != codes.RunCompleted || row.Trigger != codes.TriggerUI {
			t.Fatalf("%s run %s: result %+v, row %+v, %v; want it completed, recorded under the runId the start answered, trigger ui",
				workflowID, runID, res, row, err)
		}
		return row
	}

	roster := started(t, curl(t, rosterCmd, nil))
	if row := finished(rosterID, roster, codes.KindRoster); row.Created == 0 {
		t.Errorf("the first roster created nobody: %+v", row)
	}
	var described struct {
		WorkflowExecutionInfo struct {
			Status string `json:"status"`
		} `json:"workflowExecutionInfo"`
	}
	if out := curl(t, describeCmd, map[string]string{"RUN_ID": roster}); json.Unmarshal(out, &described) != nil ||
		described.WorkflowExecutionInfo.Status != "WORKFLOW_EXECUTION_STATUS_COMPLETED" {
		t.Errorf("where the roster run is: %s; want workflowExecutionInfo.status WORKFLOW_EXECUTION_STATUS_COMPLETED", out)
	}

	attendance := started(t, curl(t, attendanceCmd, nil))
	if row := finished(attendanceID, attendance, codes.KindAttendance); row.Month != month || row.Created == 0 {
		t.Errorf("the attendance run: %+v; want month %s with rows created", row, month)
	}

	// The same button again, now that the first run has ended, starts a new
	// run; while that one is held, a third press is answered 409.
	if n, err := e.sim.MutateUsers("acme", 50, 1); err != nil || n == 0 {
		t.Fatalf("mutate: %d, %v", n, err)
	}
	held := started(t, curl(t, rosterCmd, nil))
	if held == roster {
		t.Fatal("the second start answered the first run")
	}
	testenv.Eventually(t, time.Minute, "the second roster run is held by the guard", func() bool {
		row, err := e.store.Run(ctx, store.RunRef{TenantID: "acme", RunID: held})
		return err == nil && row.AwaitingApprovalSince != nil
	})
	out := curl(t, rosterCmd, nil)
	var conflict struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type  string `json:"@type"`
			RunID string `json:"runId"`
		} `json:"details"`
	}
	if err := json.Unmarshal(out, &conflict); err != nil || conflict.Code != 6 ||
		!strings.Contains(conflict.Message, "already running") || !strings.Contains(conflict.Message, rosterID) ||
		len(conflict.Details) != 1 || conflict.Details[0].RunID != held ||
		!strings.HasSuffix(conflict.Details[0].Type, "WorkflowExecutionAlreadyStartedFailure") {
		t.Fatalf("a start while run %s is held answered %s; want code 6, \"already running\" and details[0].runId = the held run", held, out)
	}
	if err := e.temporal.SignalWorkflow(ctx, rosterID, held, workflows.ApproveSignal, workflows.Approval{By: "ops"}); err != nil {
		t.Fatal(err)
	}
	if row := finished(rosterID, held, codes.KindRoster); row.ApprovedBy != "ops" || row.Updated == 0 {
		t.Errorf("the held run, approved: %+v", row)
	}
}

// readmeWebAppCommands returns the commands of the README's web-app example
// (between its web-app-start markers), each on one line, after replace.
func readmeWebAppCommands(t *testing.T, replace *strings.Replacer) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- web-app-start: begin")
	block, _, ok2 := strings.Cut(rest, "<!-- web-app-start: end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no web-app example between <!-- web-app-start: begin … --> and <!-- web-app-start: end -->")
	}
	var cmds []string
	var cur strings.Builder
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if cur.Len() == 0 && !strings.HasPrefix(line, "curl ") {
			continue // a comment, a blank line, the fence
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont)
			continue
		}
		cur.WriteString(line)
		cmds = append(cmds, replace.Replace(cur.String()))
		cur.Reset()
	}
	return cmds
}

// started reads the runId of a start's answer, failing on anything else.
func started(t *testing.T, answer []byte) string {
	t.Helper()
	var res struct {
		RunID   string `json:"runId"`
		Started bool   `json:"started"`
	}
	if err := json.Unmarshal(answer, &res); err != nil || res.RunID == "" || !res.Started {
		t.Fatalf("the start answered %s; want {\"runId\":…,\"started\":true}", answer)
	}
	return res.RunID
}

// curl runs one command of the README as the shell would split it, with
// vars for its $NAME: with curl itself when it is installed, else with Go's
// HTTP client sending the same method, headers and body. It returns the
// answer's body.
func curl(t *testing.T, cmd string, vars map[string]string) []byte {
	t.Helper()
	words, err := shellWords(cmd, vars)
	if err != nil || len(words) < 2 || words[0] != "curl" {
		t.Fatalf("cannot read the command %q: %v", cmd, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if path, err := exec.LookPath("curl"); err == nil {
		out, err := exec.CommandContext(ctx, path, words[1:]...).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return out
	}
	req, err := curlRequest(ctx, words[1:])
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return out
}

// curlRequest is the request curl makes of the few options the README
// uses: -sS, -X METHOD, -H 'Name: value', -d BODY and the URL.
func curlRequest(ctx context.Context, args []string) (*http.Request, error) {
	method, url := "", ""
	var body *string
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-sS" || a == "-s" || a == "-S":
		case (a == "-X" || a == "-H" || a == "-d") && i+1 < len(args):
			i++
			switch a {
			case "-X":
				method = args[i]
			case "-H":
				name, value, ok := strings.Cut(args[i], ":")
				if !ok {
					return nil, fmt.Errorf("header %q", args[i])
				}
				header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			case "-d":
				body = &args[i]
			}
		case strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://"):
			url = a
		default:
			return nil, fmt.Errorf("option %q is not one this test knows curl for", a)
		}
	}
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewBufferString(*body)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d sends it
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header = header
	return req, nil
}

// shellWords splits a command line as a POSIX shell does for the forms the
// README uses: words separated by blanks, 'single quotes' taken literally,
// "double quotes" and bare words with $NAME replaced from vars.
func shellWords(line string, vars map[string]string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	expand := func(s string) string { return os.Expand(s, func(name string) string { return vars[name] }) }
	for i := 0; i < len(line); {
		switch ch := line[i]; {
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			i++
		case ch == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord, i = true, i+end+2
		case ch == '"':
			end := strings.IndexByte(line[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unclosed \" in %q", line)
			}
			cur.WriteString(expand(line[i+1 : i+1+end]))
			inWord, i = true, i+end+2
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t'\"", rune(line[j])) {
				j++
			}
			cur.WriteString(expand(line[i:j]))
			inWord, i = true, j
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
