// Package credentials encrypts HRMOS API keys at rest.
//
// AES-256-GCM from the standard library: an authenticated cipher needs no
// third-party code, and the tenant ID is bound in as associated data so a
// ciphertext copied into another tenant's row does not decrypt. Each
// ciphertext is stored with the ID of the key that sealed it, so the key can
// be rotated while old ciphertexts stay readable.
package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownKey means a ciphertext was sealed with a key this process does not hold.
var ErrUnknownKey = errors.New("credentials: the stored API key was encrypted with a credentials key this process does not have")

// ErrDecrypt means the ciphertext was altered, belongs to another tenant, or
// the key is wrong.
var ErrDecrypt = errors.New("credentials: the stored API key cannot be decrypted (wrong credentials key, or the row was altered or copied from another tenant)")

// Sealer seals with its primary key and opens with any key it holds.
type Sealer struct {
	primaryID string
	aeads     map[string]cipher.AEAD
}

// NewSealer takes the primary key and any older keys still accepted for
// reading, each as standard base64 of 32 bytes. The primary key may also be
// given as a comma-separated list "new,old,…" so that one environment variable
// carries a rotation.
func NewSealer(primary string, older ...string) (*Sealer, error) {
	parts := strings.Split(primary, ",")
	all := append(parts, older...)
	s := &Sealer{aeads: make(map[string]cipher.AEAD, len(all))}
	for i, k := range all {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			return nil, fmt.Errorf("HRMOS_CREDENTIALS_KEY (key %d) is not valid base64", i+1)
		}
		if len(raw) != 32 {
			return nil, fmt.Errorf("HRMOS_CREDENTIALS_KEY (key %d) must decode to 32 bytes for AES-256, got %d", i+1, len(raw))
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("credentials: build AES cipher: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("credentials: build GCM: %w", err)
		}
		id := KeyID(raw)
		if s.primaryID == "" {
			s.primaryID = id
		}
		s.aeads[id] = aead
	}
	if s.primaryID == "" {
		return nil, errors.New("HRMOS_CREDENTIALS_KEY is empty")
	}
	return s, nil
}

// KeyID names a key without revealing it: a short SHA-256 fingerprint.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(append([]byte("hrmos-sync-credentials-key:"), raw...))
	return hex.EncodeToString(sum[:6])
}

// PrimaryKeyID is the ID new ciphertexts are sealed under.
func (s *Sealer) PrimaryKeyID() string { return s.primaryID }

// Seal encrypts plaintext for tenantID under the primary key.
func (s *Sealer) Seal(tenantID string, plaintext []byte) (ciphertext []byte, keyID string, err error) {
	aead := s.aeads[s.primaryID]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", fmt.Errorf("credentials: read nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, associatedData(tenantID)), s.primaryID, nil
}

// Open decrypts a ciphertext sealed for tenantID under keyID.
func (s *Sealer) Open(tenantID string, ciphertext []byte, keyID string) ([]byte, error) {
	aead, ok := s.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	if len(ciphertext) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDecrypt
	}
	nonce, sealed := ciphertext[:aead.NonceSize()], ciphertext[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, sealed, associatedData(tenantID))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

func associatedData(tenantID string) []byte {
	return []byte("mediment/hrmos_connections/api_key/tenant=" + tenantID)
}
