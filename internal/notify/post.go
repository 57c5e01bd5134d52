package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Poster posts payloads to the webhook. Its URL is a secret (a Slack
// webhook URL is its own credential): no error, log line or message of this
// package ever holds it.
type Poster struct {
	url string
	// host and path are the URL's, parsed once: what a message may name of
	// it, and where Slack's secret is.
	host, path string
	client     *http.Client
}

// DefaultTimeout bounds one post: a chat service answers in well under a
// second, and the activity's attempts are retried by Temporal.
const DefaultTimeout = 10 * time.Second

// NewPoster posts to webhookURL, each post bounded by timeout
// (DefaultTimeout when 0). It refuses a URL that is not absolute http(s),
// without echoing it.
func NewPoster(webhookURL string, timeout time.Duration) (*Poster, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("NOTIFY_WEBHOOK_URL is not an absolute http(s) URL")
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Poster{url: webhookURL, host: u.Host, path: u.Path, client: &http.Client{Timeout: timeout}}, nil
}

// Host is the webhook's host, what a log line may name of it.
func (p *Poster) Host() string { return p.host }

// Error is a post the webhook did not accept.
type Error struct {
	// Status is the HTTP status (0 when no answer came).
	Status int
	// Retryable is false for a refusal no retry changes: a 4xx other than
	// 408 (timeout) and 429 (slow down), e.g. Slack's 404 no_service for a
	// revoked webhook or 400 invalid_payload.
	Retryable bool
	msg       string
}

func (e *Error) Error() string { return e.msg }

// Post sends the payload. A non-2xx answer or no answer is an *Error.
func (p *Poster) Post(ctx context.Context, pl Payload) error {
	body, err := json.Marshal(pl)
	if err != nil {
		return fmt.Errorf("encode the message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return &Error{msg: "build the webhook request failed"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := p.client.Do(req)
	if err != nil {
		// *url.Error's text holds the URL, the secret: keep its cause only.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return &Error{Retryable: true, msg: p.redact(fmt.Sprintf("the webhook at %s did not answer: %s", p.Host(), err))}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	retryable := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
	msg := fmt.Sprintf("the webhook at %s answered %s", p.Host(), resp.Status)
	if s := printable(string(snippet)); s != "" {
		// Slack says why in a word (invalid_payload, no_service,
		// channel_is_archived): worth the support reader's while.
		msg += ": " + s
	}
	return &Error{Status: resp.StatusCode, Retryable: retryable, msg: p.redact(msg)}
}

// redact removes the URL and its path (where Slack's secret is) from a
// text, should a cause or a receiver's answer echo them.
func (p *Poster) redact(s string) string {
	s = strings.ReplaceAll(s, p.url, "<webhook URL>")
	if len(p.path) > 1 {
		s = strings.ReplaceAll(s, p.path, "<webhook path>")
	}
	return s
}

// printable keeps a response body's first line of printable text.
func printable(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s))
}
