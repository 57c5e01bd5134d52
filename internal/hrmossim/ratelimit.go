package hrmossim

import "time"

// rateWindow is the length of HRMOS's rate-limit window.
const rateWindow = 60 * time.Second

// slidingWindow remembers the instants of a company's requests within the
// last minute. Every request is recorded, rejected ones too: a client that
// keeps hammering stays locked out, as documented for HRMOS.
type slidingWindow struct {
	times []time.Time // ascending
	head  int         // times[:head] have left the window
}

// hit records a request at now and reports whether it is within limit.
func (w *slidingWindow) hit(now time.Time, limit int) bool {
	cutoff := now.Add(-rateWindow)
	for w.head < len(w.times) && !w.times[w.head].After(cutoff) {
		w.head++
	}
	// Compact once the expired prefix dominates, keeping memory bounded by
	// the requests of one window.
	if w.head > 0 && w.head >= len(w.times)/2 {
		n := copy(w.times, w.times[w.head:])
		w.times = w.times[:n]
		w.head = 0
	}
	w.times = append(w.times, now)
	return len(w.times)-w.head <= limit
}

// allowRequest applies the company's rate limit to one request.
func (s *Server) allowRequest(state *companyState) bool {
	limit := int(s.rateLimit.Load())
	if limit <= 0 {
		return true
	}
	now := s.clock.Now()
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	return state.window.hit(now, limit)
}
