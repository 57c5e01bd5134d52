package hrmossim

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrUnknownCompany is wrapped by the errors of methods given a company ID
// the server does not have.
var ErrUnknownCompany = errors.New("unknown company")

func errUnknownCompany(id string) error {
	return fmt.Errorf("company %q: %w", id, ErrUnknownCompany)
}

func (s *Server) companyState(id string) *companyState {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.companies[id]
}

// AddCompany adds c, which the server owns from now on (see Company). It
// sorts c's lists and fails on a duplicate company, user or row.
func (s *Server) AddCompany(c *Company) error {
	if c == nil {
		return errors.New("add company: nil")
	}
	if err := c.normalize(); err != nil {
		return fmt.Errorf("add company: %w", err)
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if _, dup := s.companies[c.ID]; dup {
		return fmt.Errorf("add company %q: already added", c.ID)
	}
	s.companies[c.ID] = &companyState{c: c}
	s.log.Info("company added", "company", c.ID, "users", len(c.Users), "months", len(c.MonthlyRows))
	return nil
}

// Company returns a snapshot of the company (a Clone), or nil when unknown.
// It copies every list: for a 100k-employee company prefer asking once.
func (s *Server) Company(id string) *Company {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	st := s.companies[id]
	if st == nil {
		return nil
	}
	return st.c.Clone()
}

// PutUser adds u to the company or replaces the user with u.ID. A zero
// CreatedAt or UpdatedAt is set to the clock's now, so a client's from
// filter finds the change.
func (s *Server) PutUser(companyID string, u User) error {
	s.stamp(&u.CreatedAt, &u.UpdatedAt)
	return s.changeCompany(companyID, func(c *Company) error {
		c.putUser(u)
		return nil
	})
}

// stamp sets zero timestamps to the clock's now.
func (s *Server) stamp(ts ...*time.Time) {
	now := s.clock.Now().Truncate(time.Second)
	for _, t := range ts {
		if t.IsZero() {
			*t = now
		}
	}
}

// changeCompany runs change on a company under the data lock.
func (s *Server) changeCompany(companyID string, change func(c *Company) error) error {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	st := s.companies[companyID]
	if st == nil {
		return errUnknownCompany(companyID)
	}
	return change(st.c)
}

// PutMonthlyRow adds row to month ("YYYY-MM") or replaces that user's row.
// Zero timestamps are set to the clock's now.
func (s *Server) PutMonthlyRow(companyID, month string, row MonthlyRow) error {
	if !validMonth(month) {
		return fmt.Errorf("company %q: month %q is not YYYY-MM", companyID, month)
	}
	s.stamp(&row.CreatedAt.Time, &row.UpdatedAt.Time)
	return s.changeCompany(companyID, func(c *Company) error {
		c.putMonthlyRow(month, row)
		return nil
	})
}

// RotateKey issues a new Secret Key valid from now; the old key is rejected
// from then on. Tokens already issued stay valid until they expire.
func (s *Server) RotateKey(companyID string) (string, error) {
	key := keyFromRand(cryptoSource{})
	now := s.clock.Now().Truncate(time.Second)
	err := s.changeCompany(companyID, func(c *Company) error {
		c.formerSecrets = append(c.formerSecrets, c.APIKey)
		c.APIKey = key
		c.KeyIssuedAt = now
		return nil
	})
	if err != nil {
		return "", err
	}
	s.log.Info("api key rotated", "company", companyID)
	return key, nil
}

// cryptoSource feeds keyFromRand from crypto/rand: a rotated key must not be
// predictable from the seed.
type cryptoSource struct{}

func (cryptoSource) Uint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return binary.LittleEndian.Uint64(b[:])
}
