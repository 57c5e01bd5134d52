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
//	POST /_sim/faults                               replace faults, e.g. {"fail_next_n":2,"latency":"500ms"}
//	GET  /_sim/requests                             request counts per path
//	POST /_sim/companies/{company}/rotate-key       new Secret Key, old one rejected
//	POST /_sim/companies/{company}/expire-tokens    every token of the company expires now
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
	mux.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.writeAdminJSON(w, s.Requests())
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
	writeError(w, http.StatusInternalServerError, err.Error())
}
