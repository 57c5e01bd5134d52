package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where the endpoint serves the metrics.
const Path = "/metrics"

// Enabled reports whether METRICS_ADDR asks for the endpoint: "" and "off"
// turn it off.
func Enabled(addr string) bool {
	a := strings.TrimSpace(addr)
	return a != "" && !strings.EqualFold(a, "off")
}

// Handler serves the registry in Prometheus' text (or OpenMetrics) format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry:          m.registry, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// Server is the running endpoint.
type Server struct {
	srv  *http.Server
	addr string
	done chan error
}

// Start listens on addr (host:port; port 0 picks a free one) and serves
// /metrics in the background until Shutdown. It binds before returning, so a
// taken port fails the worker at start rather than later in a log line.
func (m *Metrics) Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve metrics on %s (METRICS_ADDR; \"off\" disables it): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, m.Handler())
	s := &Server{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
		},
		addr: ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr is the address the endpoint listens on, e.g. "127.0.0.1:9464".
func (s *Server) Addr() string { return s.addr }

// URL is the endpoint's URL, for the log line that tells ops where it is.
func (s *Server) URL() string {
	host, port, _ := net.SplitHostPort(s.addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + Path
}

// Shutdown stops accepting scrapes and waits for those in flight, at most
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("stop the metrics endpoint: %w", err)
	}
	if err := <-s.done; err != nil {
		return fmt.Errorf("serve metrics: %w", err)
	}
	return nil
}
