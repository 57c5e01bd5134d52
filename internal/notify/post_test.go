package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPost(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantErr   string
		retryable bool
	}{
		{name: "200 ok", status: 200, body: "ok"},
		{name: "204", status: 204},
		{name: "500: retried", status: 500, body: "oops", wantErr: "answered 500 Internal Server Error: oops", retryable: true},
		{name: "503", status: 503, wantErr: "answered 503", retryable: true},
		{name: "429: slow down, retried", status: 429, wantErr: "answered 429", retryable: true},
		{name: "408: retried", status: 408, wantErr: "answered 408", retryable: true},
		{name: "404 of a revoked Slack webhook: not retried", status: 404, body: "no_service", wantErr: "answered 404 Not Found: no_service"},
		{name: "400 invalid payload: not retried", status: 400, body: "invalid_payload\nmore", wantErr: "answered 400 Bad Request: invalid_payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Payload
			var contentType string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				contentType = r.Header.Get("Content-Type")
				b, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(b, &got)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			secret := srv.URL + "/services/T000/B000/s3cr3tT0ken"
			p, err := NewPoster(secret, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Post(context.Background(), Payload{Text: "hello"})
			if got.Text != "hello" || !strings.HasPrefix(contentType, "application/json") {
				t.Errorf("the receiver got %+v as %q", got, contentType)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Post: %v", err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) || !strings.Contains(err.Error(), tt.wantErr) || perr.Retryable != tt.retryable || perr.Status != tt.status {
				t.Fatalf("Post: %v (%+v), want %q retryable=%v", err, perr, tt.wantErr, tt.retryable)
			}
			if strings.Contains(err.Error(), "s3cr3tT0ken") {
				t.Errorf("the error holds the webhook's secret: %v", err)
			}
		})
	}
}

// No answer (a hung receiver, a closed port) is retryable and its error
// never holds the URL, which net/http's own error text does.
func TestPostWithoutAnswerKeepsTheURLSecret(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer srv.Close()
	defer close(hang)
	for name, u := range map[string]string{
		"hangs":  srv.URL + "/services/T000/B000/s3cr3tT0ken",
		"closed": "http://127.0.0.1:1/services/T000/B000/s3cr3tT0ken",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := NewPoster(u, 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Post(context.Background(), Payload{Text: "x"})
			var perr *Error
			if !errors.As(err, &perr) || !perr.Retryable || !strings.Contains(err.Error(), "did not answer") {
				t.Fatalf("Post: %v, want a retryable error saying the webhook did not answer", err)
			}
			if strings.Contains(err.Error(), "s3cr3tT0ken") || strings.Contains(err.Error(), "/services/") {
				t.Errorf("the error holds the webhook URL: %v", err)
			}
		})
	}
}

func TestNewPosterRefusesABadURLWithoutEchoingIt(t *testing.T) {
	for _, u := range []string{"hooks.slack.com/services/s3cr3t", "ftp://x/s3cr3t", "https:///s3cr3t", "://s3cr3t"} {
		_, err := NewPoster(u, 0)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("NewPoster(%q) = %v, want a refusal that does not echo it", u, err)
		}
	}
}
