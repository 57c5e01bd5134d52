// Package notify words and posts the messages that tell ops a sync needs
// them: a run the mass-change guard holds, a run that failed, a tenant's
// HRMOS API key close to its expiry. A message says the tenant, the kind and
// month, why, the workflow's link in the Temporal UI and the exact command
// (or UI step) that acts on it, as Slack-compatible JSON ({"text": …} plus
// blocks) posted to one webhook URL.
//
// Building a message is pure (Build) and holds only what the run's own
// history holds: references (tenant, run, workflow), codes and counts, and
// the reason sentences the engine writes for the history, which by its rule
// carry no personal value. Message has no field that could carry a name, an
// e-mail address or a 社員番号, and Build masks anything e-mail shaped in
// the free text it is given, should an upstream bug ever put one there.
//
// The package knows nothing of Temporal, the store or the workflows: the
// activity that posts (activities' NotifyOps) fills a Message from its
// input and the connection it reads.
package notify

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mediment/hrmos-sync/internal/codes"
	"github.com/mediment/hrmos-sync/internal/jst"
	"github.com/mediment/hrmos-sync/internal/syncapi"
)

// Event is what a message is about.
type Event string

const (
	// Held: the mass-change guard holds a run until someone approves (or
	// rejects) it.
	Held Event = "held"
	// Failed: a run ended failed (cancelled runs included: ops may not be
	// the ones who cancelled it).
	Failed Event = "failed"
	// KeyExpiresSoon and KeyExpired: a run found the tenant's HRMOS API key
	// within 14 days of its 3 months, or past them. Named after the run
	// notices of the same meaning (internal/codes).
	KeyExpiresSoon Event = "key_expires_soon"
	KeyExpired     Event = "key_expired"
)

// Message is one notice to ops. Every field is a reference, a code, a count
// or a time: nothing personal can be put in it.
type Message struct {
	Event    Event
	TenantID string
	// Kind is "roster" or "attendance"; Month the attendance month (YYYY-MM).
	Kind  string
	Month string
	// RunID is the sync run (sync_runs.id), what the starter's --run takes.
	RunID   string
	Trigger string
	DryRun  bool
	// OnlyUser is the HRMOS user a one-user roster run synced (0: all).
	OnlyUser int64
	// Namespace, WorkflowID and WorkflowRunID locate the workflow in the
	// Temporal UI.
	Namespace     string
	WorkflowID    string
	WorkflowRunID string
	// Code is the reason's stable code: the failure's error type
	// (HRMOSKeyRejected, …), "cancelled", "timeout"; the guard's "mass_change".
	Code string
	// Why is the reason sentence the run recorded (the guard's, the
	// failure's): codes and counts, written for the history.
	Why string
	// HeldUntil is when a held run fails unless approved.
	HeldUntil time.Time
	// KeyExpiresAt and DaysLeft describe the API key (key events).
	KeyExpiresAt time.Time
	DaysLeft     int
	// CompanyID is the tenant's HRMOS company ID, for the exact reconnect
	// command (key events); empty when not known.
	CompanyID string
}

// Payload is the JSON a Slack incoming webhook (and the many receivers that
// speak its format: Mattermost, Rocket.Chat, Discord's /slack endpoint…)
// takes: text for the notification and clients without blocks, blocks for
// the formatted message.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is a Slack layout block: a section of mrkdwn text, or a context
// line of small print.
type Block struct {
	Type     string  `json:"type"`
	Text     *Text   `json:"text,omitempty"`
	Elements []*Text `json:"elements,omitempty"`
}

// Text is a Slack text object.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// DefaultUIURL is the Temporal dev server's Web UI (`make demo`), the
// default of TEMPORAL_UI_URL.
const DefaultUIURL = "http://localhost:8233"

// maxWhy bounds the reason in a message: Slack cuts a section's text at
// 3,000 characters, and a chat line is not where a long reason is read (the
// link leads to it).
const maxWhy = 1200

// Build words m as a Slack-compatible payload whose links lead into the
// Temporal UI at uiURL (DefaultUIURL when empty).
func Build(m Message, uiURL string) (Payload, error) {
	if m.TenantID == "" {
		return Payload{}, fmt.Errorf("a message needs its tenant")
	}
	l := links{base: strings.TrimRight(orDefault(uiURL, DefaultUIURL), "/"), ns: orDefault(m.Namespace, "default")}
	var p parts
	switch m.Event {
	case Held:
		p = held(m, l)
	case Failed:
		p = failed(m, l)
	case KeyExpiresSoon, KeyExpired:
		p = keyExpiry(m, l)
	default:
		return Payload{}, fmt.Errorf("unknown event %q", m.Event)
	}
	return p.payload(), nil
}

// parts are a message's lines, each given as plain text and as mrkdwn.
type parts struct {
	title string
	lines []line
	small []string
}

// line is one line of a message: a label and its mrkdwn body; plain is the
// body for the text fallback (without Slack's link and code markup).
type line struct {
	label, body, plain string
}

func (p parts) payload() Payload {
	var text, md strings.Builder
	text.WriteString(p.title)
	md.WriteString("*" + esc(p.title) + "*")
	for _, l := range p.lines {
		text.WriteString("\n" + l.label + ": " + l.plain)
		md.WriteString("\n*" + esc(l.label) + "*: " + l.body)
	}
	pl := Payload{Text: text.String(), Blocks: []Block{{Type: "section", Text: &Text{Type: "mrkdwn", Text: md.String()}}}}
	if len(p.small) > 0 {
		ctx := Block{Type: "context"}
		for _, s := range p.small {
			ctx.Elements = append(ctx.Elements, &Text{Type: "mrkdwn", Text: esc(s)})
			pl.Text += "\n" + s
		}
		pl.Blocks = append(pl.Blocks, ctx)
	}
	return pl
}

func held(m Message, l links) parts {
	wait := "until someone approves or rejects it"
	if !m.HeldUntil.IsZero() {
		wait = fmt.Sprintf("until someone approves or rejects it; unapproved, it fails at %s", m.HeldUntil.In(jst.Zone).Format("2006-01-02 15:04 MST"))
	}
	return parts{
		title: fmt.Sprintf("HRMOS sync held for approval: %s of tenant %s", what(m), m.TenantID),
		lines: []line{
			whyLine(m),
			textLine("State", "it has written nothing and waits "+wait),
			l.workflowLine(m),
			reviewLine(m),
			cmdLine("Approve", fmt.Sprintf("starter approve --tenant %s --run %s --by NAME", m.TenantID, m.RunID)),
			cmdLine("Reject", fmt.Sprintf(`starter reject --tenant %s --run %s --reason "…" --by NAME`, m.TenantID, m.RunID)),
			textLine("In the UI", inTheUI),
		},
		small: trigger(m),
	}
}

// inTheUI is the UI step that approves or rejects a held run: the Update
// answers at once, as the starter's commands do.
const inTheUI = `the workflow's More Actions → Update, name "approve" with input {"by":"your name"}, ` +
	`or "reject" with input {"by":"your name","reason":"why"}`

func failed(m Message, l links) parts {
	lines := []line{whyLine(m), l.workflowLine(m), reviewLine(m)}
	lines = append(lines, next(m)...)
	return parts{title: fmt.Sprintf("HRMOS sync failed: %s of tenant %s", what(m), m.TenantID), lines: lines, small: trigger(m)}
}

// next is the step that acts on a failure, by its code: the failure's own
// sentence says what to fix; this is the command that does it.
func next(m Message) []line {
	again := "starter roster --tenant " + m.TenantID + " --wait"
	if m.OnlyUser != 0 {
		again = fmt.Sprintf("starter roster --tenant %s --user %d --wait", m.TenantID, m.OnlyUser)
	}
	if m.Kind == codes.KindAttendance {
		again = fmt.Sprintf("starter attendance --tenant %s --month %s --wait", m.TenantID, orDefault(m.Month, "YYYY-MM"))
	}
	if m.DryRun {
		again += " --dry-run"
	}
	switch m.Code {
	case syncapi.ErrTypeKeyRejected, syncapi.ErrTypeCompanyNotFound, syncapi.ErrTypeHRMOSForbidden, syncapi.ErrTypeTenantNotConnected,
		syncapi.ErrTypeCredentials:
		return []line{
			reconnectLine("Reconnect", m),
			cmdLine("Then run it again", again),
		}
	case syncapi.ErrTypeCompanySwitched, syncapi.ErrTypeStagingGone, syncapi.ErrTypeHRMOSListChanged, syncapi.ErrTypeHRMOSUnavailable,
		syncapi.ErrTypeDatabase, syncapi.NotifyCodeCancelled, syncapi.NotifyCodeTimeout, syncapi.NotifyCodeHeld:
		return []line{cmdLine("Run it again", again)}
	}
	return []line{cmdLine("Once fixed, run it again", again)}
}

func keyExpiry(m Message, l links) parts {
	date := jst.Today(m.KeyExpiresAt)
	title := fmt.Sprintf("HRMOS API key of tenant %s expires in %d days (%s)", m.TenantID, m.DaysLeft, date)
	why := fmt.Sprintf("%s: HRMOS keys last 3 months; this key expires on %s (JST)", m.Event, date)
	if m.Event == KeyExpired {
		title = fmt.Sprintf("HRMOS API key of tenant %s has expired (%s)", m.TenantID, date)
		why = fmt.Sprintf("%s: HRMOS keys last 3 months; this key's ran out on %s (JST): syncs fail once HRMOS refuses it", m.Event, date)
	}
	found := fmt.Sprintf("found by the %s run %s", what(m), m.RunID)
	return parts{
		title: title,
		lines: []line{
			textLine("Why", why),
			textLine("Step 1", "the tenant's HRMOS admin generates a new key: HRMOS勤怠 システム設定 → API KEY"),
			reconnectLine("Step 2", m),
			cmdLine("Check", "starter connections"),
			l.workflowLine(m),
		},
		small: []string{found + "; said at most once a day per tenant"},
	}
}

func whyLine(m Message) line {
	why := clean(m.Why)
	if why == "" {
		why = "(no reason recorded)"
	}
	if m.Code != "" {
		why = m.Code + ": " + why
	}
	return textLine("Why", why)
}

// textLine is a line of plain words.
func textLine(label, text string) line {
	return line{label: label, body: esc(text), plain: text}
}

// reviewLine is the command that shows what the run decided, record by
// record.
func reviewLine(m Message) line {
	return cmdLine("Review", fmt.Sprintf("starter runs show --tenant %s --run %s", m.TenantID, m.RunID))
}

// reconnectLine is the command that stores the tenant's new API key.
func reconnectLine(label string, m Message) line {
	return cmdLine(label, fmt.Sprintf("starter connect --tenant %s --company %s", m.TenantID, orDefault(m.CompanyID, "<company ID>"))+" (the key on stdin)")
}

func cmdLine(label, cmd string) line {
	return line{label: label, body: "`" + esc(cmd) + "`", plain: cmd}
}

func trigger(m Message) []string {
	var s []string
	if m.Trigger != "" {
		s = append(s, "started from: "+m.Trigger)
	}
	if m.RunID != "" {
		s = append(s, "run "+m.RunID)
	}
	return []string{strings.Join(s, " · ")}
}

// what names the sync: "roster sync", "attendance sync 2026-10", with "dry
// run of the" before it for a dry run.
func what(m Message) string {
	w := orDefault(m.Kind, "sync")
	if m.Kind != "" {
		w += " sync"
	}
	if m.Month != "" {
		w += " " + m.Month
	}
	if m.DryRun {
		w = "dry run of the " + w
	}
	return w
}

type links struct{ base, ns string }

// workflow is the workflow's page in the Temporal UI: its history, on the
// run of the workflow that carries the sync run now.
func (l links) workflow(m Message) string {
	u := fmt.Sprintf("%s/namespaces/%s/workflows/%s", l.base, url.PathEscape(l.ns), url.PathEscape(m.WorkflowID))
	if m.WorkflowRunID != "" {
		u += "/" + url.PathEscape(m.WorkflowRunID) + "/history"
	}
	return u
}

// tenantRuns lists the tenant's runs in the Temporal UI.
func (l links) tenantRuns(m Message) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows?query=%s", l.base, url.PathEscape(l.ns),
		url.QueryEscape(fmt.Sprintf(`HrmosTenant="%s"`, m.TenantID)))
}

func (l links) workflowLine(m Message) line {
	if m.WorkflowID == "" {
		u := l.tenantRuns(m)
		return line{label: "Runs of the tenant", body: "<" + u + "|Temporal UI>", plain: u}
	}
	u := l.workflow(m)
	return line{label: "Workflow", body: "<" + u + "|" + esc(m.WorkflowID) + ">", plain: u}
}

// emailShaped matches what looks like an e-mail address: a reason never
// holds one (the engine names fields and HRMOS user IDs, never values), so
// one found is a bug upstream, and masked rather than posted.
var emailShaped = regexp.MustCompile(`[^\s<>"'` + "`" + `@()（）「」,;:]+@[^\s<>"'` + "`" + `@()（）「」,;:]+\.[^\s<>"'` + "`" + `@()（）「」,;:]+`)

// clean bounds a reason's length and masks anything e-mail shaped.
func clean(s string) string {
	s = emailShaped.ReplaceAllString(strings.TrimSpace(s), "[e-mail address removed]")
	if utf8.RuneCountInString(s) > maxWhy {
		r := []rune(s)
		s = string(r[:maxWhy]) + "… (the rest in the workflow history)"
	}
	return s
}

// esc escapes the three characters Slack's mrkdwn gives a meaning to (a
// reason's "<run ID>" would otherwise read as a link).
// slackEscapes are the characters Slack's mrkdwn reads as markup.
var slackEscapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func esc(s string) string { return slackEscapes.Replace(s) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
