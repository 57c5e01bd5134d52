package credentials

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

func newKey(t *testing.T) string {
	t.Helper()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestSealOpenRoundTrip(t *testing.T) {
	s, err := NewSealer(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("c2VjcmV0LWFwaS1rZXk=")
	ct, id, err := s.Seal("acme", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, secret) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := s.Open("acme", ct, id)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestCiphertextBoundToTenant(t *testing.T) {
	s, _ := NewSealer(newKey(t))
	ct, id, _ := s.Seal("acme", []byte("key"))
	if _, err := s.Open("globex", ct, id); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opening another tenant's ciphertext: err = %v, want ErrDecrypt", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := s.Open("acme", ct, id); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("tampered ciphertext: err = %v, want ErrDecrypt", err)
	}
}

func TestRotationKeepsOldCiphertextsReadable(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	before, _ := NewSealer(oldKey)
	ct, oldID, _ := before.Seal("acme", []byte("key"))

	during, err := NewSealer(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if during.PrimaryKeyID() == oldID {
		t.Fatal("the first key of the list must be primary")
	}
	if got, err := during.Open("acme", ct, oldID); err != nil || string(got) != "key" {
		t.Fatalf("old ciphertext during rotation: %q, %v", got, err)
	}
	after, _ := NewSealer(newKey)
	if _, err := after.Open("acme", ct, oldID); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old ciphertext after the old key is dropped: err = %v, want ErrUnknownKey", err)
	}
}

func TestNewSealerRejectsBadKeys(t *testing.T) {
	for name, key := range map[string]string{
		"empty":      "",
		"not base64": "!!!",
		"too short":  base64.StdEncoding.EncodeToString([]byte("short")),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewSealer(key); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
