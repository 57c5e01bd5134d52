package hrmossim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGenerate100k measures generating a 100,000-employee company with
// one month of monthly rows and every kind of messy data.
func BenchmarkGenerate100k(b *testing.B) {
	spec := GenerateSpec{CompanyID: "big", Users: 100_000, Seed: 1, Messy: MessyAll(), Months: []string{"2026-03"}, Now: testNow}
	for b.Loop() {
		MustGenerate(spec)
	}
}

// BenchmarkServePage measures one 100-row page deep inside a 100k company,
// without and with an updated_at filter (which scans the whole list).
func BenchmarkServePage(b *testing.B) {
	c := MustGenerate(GenerateSpec{CompanyID: "big", Users: 100_000, Seed: 1, Months: []string{"2026-03"}, Now: testNow})
	sim := New(Options{Clock: NewManualClock(testNow)})
	if err := sim.AddCompany(c); err != nil {
		b.Fatal(err)
	}
	h := sim.Handler()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/big/v1/authentication/token", nil)
	req.Header.Set("Authorization", "Basic "+c.APIKey)
	h.ServeHTTP(rec, req)
	var tok struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		b.Fatal(err)
	}

	for name, path := range map[string]string{
		"users":           "/api/big/v1/users?limit=100&page=500",
		"users-from":      "/api/big/v1/users?limit=100&page=5&from=2025-01-01T00:00:00%2B09:00",
		"monthly":         "/api/big/v1/work_output_months/monthly/2026-03?limit=100&page=500",
		"monthly-numbers": "/api/big/v1/work_output_months/monthly/2026-03?number=A00010,A00020&status=3,99",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Token "+tok.Token)
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
