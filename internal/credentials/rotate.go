package credentials

import (
	"context"
	"errors"
	"fmt"

	"github.com/mediment/hrmos-sync/internal/store"
)

// RotationReport counts what a rotation did.
type RotationReport struct {
	Reencrypted int
	AlreadyNew  int
	Skipped     int // changed concurrently (e.g. reconnected) and already under the new key
}

// Rotate re-encrypts every stored API key under the sealer's primary key.
// Workers configured with "new,old" read both meanwhile, so nothing stops;
// once it reports no failures the old key can be dropped.
func Rotate(ctx context.Context, st *store.Store, s *Sealer) (RotationReport, error) {
	var rep RotationReport
	conns, err := st.Connections(ctx)
	if err != nil {
		return rep, err
	}
	var failed []error
	for _, c := range conns {
		if c.Ciphertext == nil {
			continue
		}
		if c.KeyID == s.PrimaryKeyID() {
			rep.AlreadyNew++
			continue
		}
		plain, err := s.Open(c.TenantID, c.Ciphertext, c.KeyID)
		if err != nil {
			failed = append(failed, fmt.Errorf("tenant %s: %w", c.TenantID, err))
			continue
		}
		ct, keyID, err := s.Seal(c.TenantID, plain)
		clear(plain)
		if err != nil {
			return rep, err
		}
		ok, err := st.ReplaceCiphertext(ctx, c.TenantID, c.KeyID, ct, keyID)
		if err != nil {
			return rep, err
		}
		if ok {
			rep.Reencrypted++
		} else {
			rep.Skipped++
		}
	}
	return rep, errors.Join(failed...)
}
