package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Personal values of the kind a run handles (名前, カナ, メール, 社員番号),
// fed where a careless caller might pass them: none may reach a message.
var personal = []string{"山田 太郎", "ヤマダ タロウ", "taro.yamada@example.co.jp", "Taro.Yamada@Example.CO.JP", "E-004711"}

func TestMessages(t *testing.T) {
	heldUntil := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC) // 2026-12-07 06:00 JST
	expires := time.Date(2026, 12, 13, 3, 0, 0, 0, time.UTC)
	base := Message{TenantID: "acme", Kind: "roster", RunID: "0193a1b2-run", Trigger: "schedule", Namespace: "prod",
		WorkflowID: "hrmos-roster-acme", WorkflowRunID: "0193a1b2-wfrun"}
	with := func(f func(*Message)) Message { m := base; f(&m); return m }
	link := "https://temporal.example.com/namespaces/prod/workflows/hrmos-roster-acme/0193a1b2-wfrun/history"
	tests := []struct {
		name string
		m    Message
		// want: each appears in the text fallback; wantMD in the blocks.
		want, wantMD []string
		not          []string
	}{
		{
			name: "held roster: why, link, review, approve, reject and the UI's signal",
			m: with(func(m *Message) {
				m.Event, m.Code, m.HeldUntil = Held, "mass_change", heldUntil
				m.Why = "it would create 120 and change 3 employees (0 of them newly retired) of the tenant's 200: 62%, more than the 20% the mass-change guard allows"
			}),
			want: []string{"HRMOS sync held for approval: roster sync of tenant acme",
				"Why: mass_change: it would create 120 and change 3 employees", "fails at 2026-12-07 06:00 JST",
				"Workflow: " + link,
				"Review: starter runs show --tenant acme --run 0193a1b2-run",
				"Approve: starter approve --tenant acme --run 0193a1b2-run --by NAME",
				`Reject: starter reject --tenant acme --run 0193a1b2-run --reason "…" --by NAME`,
				`More Actions → Update, name "approve" with input {"by":"your name"}, or "reject" with input {"by":"your name","reason":"why"}`,
				"started from: schedule · run 0193a1b2-run"},
			wantMD: []string{"<" + link + "|hrmos-roster-acme>", "`starter approve --tenant acme --run 0193a1b2-run --by NAME`"},
		},
		{
			name: "held attendance month, dry run wording absent",
			m: with(func(m *Message) {
				m.Event, m.Kind, m.Month, m.WorkflowID = Held, "attendance", "2026-11", "hrmos-attendance-acme-2026-11"
				m.Why = "2026-11 has 10 employees' rows with 1600 working hours in all, against 100 rows and 16000 hours in 2026-10"
			}),
			want: []string{"attendance sync 2026-11 of tenant acme", "until someone approves or rejects it",
				"/workflows/hrmos-attendance-acme-2026-11/0193a1b2-wfrun/history"},
			not: []string{"dry run"},
		},
		{
			name: "failed on a rejected key: reconnect with the company, then run it again",
			m: with(func(m *Message) {
				m.Event, m.Code, m.CompanyID = Failed, "HRMOSKeyRejected", "acme-hrmos"
				m.Why = "HRMOS rejected the API key of tenant acme: generate a key in HRMOS システム設定 and run `starter connect`"
			}),
			want: []string{"HRMOS sync failed: roster sync of tenant acme", "Why: HRMOSKeyRejected: HRMOS rejected the API key",
				"Reconnect: starter connect --tenant acme --company acme-hrmos (the key on stdin)",
				"Then run it again: starter roster --tenant acme --wait", "Review: starter runs show --tenant acme --run 0193a1b2-run", link},
		},
		{
			name: "failed attendance, HRMOS down: run that month again",
			m: with(func(m *Message) {
				m.Event, m.Code, m.Kind, m.Month = Failed, "HRMOSUnavailable", "attendance", "2026-11"
				m.Why = "gave up after retries: HRMOS answered 503 for 5 minutes"
			}),
			want: []string{"attendance sync 2026-11", "Run it again: starter attendance --tenant acme --month 2026-11 --wait"},
			not:  []string{"Reconnect"},
		},
		{
			name: "a failed dry run is run again as a dry run",
			m: with(func(m *Message) {
				m.Event, m.Code, m.DryRun, m.Why = Failed, "HRMOSUnavailable", true, "gave up after retries"
			}),
			want: []string{"HRMOS sync failed: dry run of the roster sync of tenant acme", "Run it again: starter roster --tenant acme --wait --dry-run"},
		},
		{
			name: "a failed one-user run is run again for that user",
			m: with(func(m *Message) {
				m.Event, m.Code, m.OnlyUser, m.Why = Failed, "HRMOSUnavailable", 1234, "gave up after retries"
			}),
			want: []string{"Run it again: starter roster --tenant acme --user 1234 --wait"},
		},
		{
			name: "a reason with Slack's markup characters is escaped in the blocks",
			m: with(func(m *Message) {
				m.Event, m.Code = Failed, "SyncFailed"
				m.Why = "approve it with `starter approve --tenant acme --run <its run ID>` & retry"
			}),
			want:   []string{"--run <its run ID>` & retry", "Once fixed, run it again: starter roster --tenant acme --wait"},
			wantMD: []string{"--run &lt;its run ID&gt;` &amp; retry"},
		},
		{
			name: "a reason that (by a bug upstream) holds an e-mail address: masked",
			m: with(func(m *Message) {
				m.Event, m.Code = Failed, "Database"
				m.Why = "duplicate key for taro.yamada@example.co.jp and Taro.Yamada@Example.CO.JP"
			}),
			want: []string{"duplicate key for [e-mail address removed] and [e-mail address removed]"},
		},
		{
			name: "key expires soon: the steps, the exact connect command, once a day",
			m: with(func(m *Message) {
				m.Event, m.KeyExpiresAt, m.DaysLeft, m.CompanyID = KeyExpiresSoon, expires, 9, "acme-hrmos"
			}),
			want: []string{"HRMOS API key of tenant acme expires in 9 days (2026-12-13)", "key_expires_soon: HRMOS keys last 3 months",
				"システム設定 → API KEY", "Step 2: starter connect --tenant acme --company acme-hrmos (the key on stdin)",
				"Check: starter connections", "found by the roster sync run 0193a1b2-run", "at most once a day per tenant", link},
		},
		{
			name: "key expired, company unknown: a placeholder, not a guess",
			m:    with(func(m *Message) { m.Event, m.KeyExpiresAt, m.DaysLeft = KeyExpired, expires, -2 }),
			want: []string{"HRMOS API key of tenant acme has expired (2026-12-13)", "--company <company ID>"},
		},
		{
			name: "no workflow known: the tenant's runs instead",
			m:    with(func(m *Message) { m.Event, m.WorkflowID, m.Why = Failed, "", "x" }),
			want: []string{"Runs of the tenant: https://temporal.example.com/namespaces/prod/workflows?query=HrmosTenant%3D%22acme%22"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.m, "https://temporal.example.com/")
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			md := blocksText(p)
			for _, w := range tt.want {
				if !strings.Contains(p.Text, w) {
					t.Errorf("text does not say %q:\n%s", w, p.Text)
				}
			}
			for _, w := range tt.wantMD {
				if !strings.Contains(md, w) {
					t.Errorf("blocks do not say %q:\n%s", w, md)
				}
			}
			for _, w := range append(tt.not, personal...) {
				if strings.Contains(string(b), w) || strings.Contains(strings.ToLower(string(b)), strings.ToLower(w)) {
					t.Errorf("the payload holds %q:\n%s", w, b)
				}
			}
			if len(p.Blocks) == 0 || p.Blocks[0].Type != "section" || p.Blocks[0].Text.Type != "mrkdwn" {
				t.Errorf("blocks %+v: want a mrkdwn section first", p.Blocks)
			}
			if n := len(p.Blocks[0].Text.Text); n > 3000 {
				t.Errorf("the section holds %d characters, more than Slack's 3,000", n)
			}
		})
	}
}

// A reason of any length stays within Slack's section limit.
func TestALongReasonIsCut(t *testing.T) {
	p, err := Build(Message{Event: Failed, TenantID: "acme", Kind: "roster", Why: strings.Repeat("HRMOS user 12345 has no 社員番号. ", 200)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if md := p.Blocks[0].Text.Text; len(md) > 3000 || !strings.Contains(md, "(the rest in the workflow history)") {
		t.Errorf("section of %d bytes: %s", len(md), md)
	}
	if !strings.Contains(p.Text, DefaultUIURL+"/namespaces/default/workflows?query=") {
		t.Errorf("without a UI URL or namespace the links lead to the dev server's default namespace: %s", p.Text)
	}
}

func TestBuildRefusesWhatItCannotWord(t *testing.T) {
	if _, err := Build(Message{Event: "other", TenantID: "acme"}, ""); err == nil {
		t.Error("an unknown event was worded")
	}
	if _, err := Build(Message{Event: Held}, ""); err == nil {
		t.Error("a message without its tenant was worded")
	}
}

func blocksText(p Payload) string {
	var s []string
	for _, b := range p.Blocks {
		if b.Text != nil {
			s = append(s, b.Text.Text)
		}
		for _, e := range b.Elements {
			s = append(s, e.Text)
		}
	}
	return strings.Join(s, "\n")
}
