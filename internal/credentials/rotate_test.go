package credentials_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/credentials"
	"github.com/mediment/hrmos-sync/internal/store"
	"github.com/mediment/hrmos-sync/internal/testdb"
)

func key(t *testing.T) string {
	t.Helper()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	return base64.StdEncoding.EncodeToString(raw)
}

func TestRotateReencryptsEveryStoredKey(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	oldKey, newKey := key(t), key(t)
	old, _ := credentials.NewSealer(oldKey)
	for _, tenant := range []string{"a", "b"} {
		ct, id, err := old.Seal(tenant, []byte("api-key-of-"+tenant))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveConnection(ctx, store.Connection{TenantID: tenant, CompanyID: tenant, Ciphertext: ct, KeyID: id,
			KeySetAt: time.Now(), KeyExpiresAt: time.Now().AddDate(0, 3, 0)}); err != nil {
			t.Fatal(err)
		}
	}

	during, _ := credentials.NewSealer(newKey + "," + oldKey)
	rep, err := credentials.Rotate(ctx, st, during)
	if err != nil || rep.Reencrypted != 2 {
		t.Fatalf("rotate = %+v, %v", rep, err)
	}
	if rep, err := credentials.Rotate(ctx, st, during); err != nil || rep.Reencrypted != 0 || rep.AlreadyNew != 2 {
		t.Fatalf("second rotate = %+v, %v", rep, err)
	}

	after, _ := credentials.NewSealer(newKey)
	for _, tenant := range []string{"a", "b"} {
		c, err := st.Connection(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := after.Open(tenant, c.Ciphertext, c.KeyID)
		if err != nil || string(plain) != "api-key-of-"+tenant {
			t.Fatalf("tenant %s after rotation: %q, %v", tenant, plain, err)
		}
		if _, err := old.Open(tenant, c.Ciphertext, c.KeyID); !errors.Is(err, credentials.ErrUnknownKey) {
			t.Fatalf("the old key still opens tenant %s's ciphertext: %v", tenant, err)
		}
	}
}

func TestRotateWithoutTheOldKeyFailsAndKeepsCiphertexts(t *testing.T) {
	st, _ := testdb.New(t)
	ctx := context.Background()
	old, _ := credentials.NewSealer(key(t))
	ct, id, _ := old.Seal("a", []byte("k"))
	_ = st.SaveConnection(ctx, store.Connection{TenantID: "a", CompanyID: "a", Ciphertext: ct, KeyID: id, KeySetAt: time.Now(), KeyExpiresAt: time.Now()})
	onlyNew, _ := credentials.NewSealer(key(t))
	if _, err := credentials.Rotate(ctx, st, onlyNew); !errors.Is(err, credentials.ErrUnknownKey) {
		t.Fatalf("rotate without the old key: %v", err)
	}
	c, _ := st.Connection(ctx, "a")
	if string(c.Ciphertext) != string(ct) {
		t.Fatal("a ciphertext that could not be opened was changed")
	}
}
