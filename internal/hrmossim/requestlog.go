package hrmossim

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// RequestRecord is one /api/ request as the simulator saw it.
type RequestRecord struct {
	At     time.Time // by the server's Clock
	Method string
	Path   string // unescaped URL path, without the query
	Query  string // raw query
	Status int    // 0 when no response was sent (the client left during latency)
}

// recordRequest counts and logs one /api/ request. Headers are never
// recorded: they carry the key or token.
func (s *Server) recordRequest(r *http.Request, status int, elapsed time.Duration) {
	rec := RequestRecord{At: s.clock.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status}
	s.logMu.Lock()
	s.counts[rec.Path]++
	if len(s.records) >= s.logCapacity {
		// Drop the oldest half at once rather than shifting on every request.
		s.records = slices.Delete(s.records, 0, len(s.records)/2+1)
	}
	s.records = append(s.records, rec)
	s.logMu.Unlock()
	s.log.Debug("request", "method", rec.Method, "path", rec.Path, "query", rec.Query,
		"status", status, "elapsed", elapsed)
}

// Requests returns how many /api/ requests each path received (every
// request, whatever its outcome), keyed by URL path such as
// "/api/acme/v1/users".
func (s *Server) Requests() map[string]int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return maps.Clone(s.counts)
}

// RequestLog returns the latest /api/ requests, oldest first (at most
// Options.RequestLogSize).
func (s *Server) RequestLog() []RequestRecord {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return slices.Clone(s.records)
}

// ResetRequests clears Requests and RequestLog.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	clear(s.counts)
	s.records = nil
}
