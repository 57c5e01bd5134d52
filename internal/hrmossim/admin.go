package hrmossim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// registerAdmin adds the simulator's own controls, for demos and manual
// testing. They are unauthenticated: the simulator is a local dev tool.
//
//	GET  /_sim/faults                               current faults (counters as left)
//	POST /_sim/faults                               replace all faults, e.g. {"fail_next_n":2,"latency":"500ms"}
//	POST /_sim/companies/{company}/rotate-key       new Secret Key, old one rejected
//	POST /_sim/companies/{company}/expire-tokens    every token of the company expires now
//	POST /_sim/companies/{company}/mutate           {"percent":5,"seed":1}: change a synced field
//	                                                of 5% of active users (Server.MutateUsers)
//
// The faults' JSON keys (every one optional; durations as "1.5s" or
// milliseconds):
//
//	only_path                 restrict the faults to paths containing it, e.g. "/users"
//	latency                   delay every matching request
//	fail_next_n, fail_status  the next N requests get that 4xx/5xx (default 500) with Error JSON
//	gateway_html_next_n       the next N get a load balancer's 502 HTML page
//	rate_limit_next_n         the next N get a bare 429
//	truncate_next_n           the next N responses stop halfway through the body
//	unauthorized_next_n       the next N carrying a valid token get 401, and the token dies
//	shift_rows_between_pages  the next N list requests for page ≥ 2 first delete the first record
//	add_and_remove_between_pages
//	                          the next N list requests for page ≥ 2 first add a record (listed last,
//	                          created now) and delete the first: X-Total-Count does not move
//	revoke_tokens_after       every token dies after authorising N data requests
//	token_ttl                 lifetime of tokens issued from now on (e.g. "3s")
//	revoke_on_reissue         issuing a token revokes the company's earlier ones (a guess, see doc.go)
func (s *Server) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.writeAdminJSON(w, s.Faults())
	})
	mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			writeError(w, http.StatusBadRequest, "could not read body")
			return
		}
		var f Faults
		if len(body) > 0 {
			if err := json.Unmarshal(body, &f); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		s.SetFaults(f)
		s.writeAdminJSON(w, s.Faults())
	})
	mux.HandleFunc("POST /_sim/companies/{company}/rotate-key", func(w http.ResponseWriter, r *http.Request) {
		key, err := s.RotateKey(r.PathValue("company"))
		if err != nil {
			writeAdminError(w, err)
			return
		}
		s.writeAdminJSON(w, map[string]string{"company": r.PathValue("company"), "api_key": key})
	})
	mux.HandleFunc("POST /_sim/companies/{company}/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		if err := s.ExpireTokens(r.PathValue("company")); err != nil {
			writeAdminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/companies/{company}/mutate", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Percent float64 `json:"percent"`
			Seed    uint64  `json:"seed"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "body must be {\"percent\":5,\"seed\":1}")
			return
		}
		n, err := s.MutateUsers(r.PathValue("company"), in.Percent, in.Seed)
		if err != nil {
			writeAdminError(w, err)
			return
		}
		s.writeAdminJSON(w, map[string]any{"company": r.PathValue("company"), "changed": n})
	})
	mux.HandleFunc("/_sim/", handleNotFound)
}

func (s *Server) writeAdminJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode admin response", "err", err)
		writeError(w, http.StatusInternalServerError, "could not encode response")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func writeAdminError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrUnknownCompany) {
		writeError(w, http.StatusNotFound, "Company not found")
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}
