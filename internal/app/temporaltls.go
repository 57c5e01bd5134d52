package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"

	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/config"
)

// connectionOptions turns the TEMPORAL_TLS_* and TEMPORAL_API_KEY settings
// into the client's TLS and credentials, as the Temporal CLI reads the same
// variables: a team on Temporal Cloud or a cluster with mTLS points the
// worker and the starter at it with the environment it already has for the
// CLI. Nothing set: plaintext, for the dev server.
func connectionOptions(c config.TemporalTLS) (*tls.Config, client.Credentials, error) {
	var creds client.Credentials
	if c.APIKey != "" {
		creds = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	enabled := c.APIKey != "" || c.ClientCertPath != "" || c.ClientCertData != "" || c.ServerCACertPath != "" ||
		c.ServerCACertData != "" || c.ServerName != "" || c.DisableHostVerification
	if c.Enabled != "" {
		on, err := strconv.ParseBool(c.Enabled)
		if err != nil {
			return nil, nil, fmt.Errorf("TEMPORAL_TLS must be true or false, not %q", c.Enabled)
		}
		enabled = on
	}
	if !enabled {
		return nil, creds, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.DisableHostVerification}
	cert, err := pemOf("TEMPORAL_TLS_CLIENT_CERT", c.ClientCertPath, c.ClientCertData)
	if err != nil {
		return nil, nil, err
	}
	key, err := pemOf("TEMPORAL_TLS_CLIENT_KEY", c.ClientKeyPath, c.ClientKeyData)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case cert != nil && key != nil:
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			// The error of X509KeyPair never quotes the key.
			return nil, nil, fmt.Errorf("TEMPORAL_TLS_CLIENT_CERT and TEMPORAL_TLS_CLIENT_KEY are not a certificate and its key: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	case cert != nil || key != nil:
		return nil, nil, errors.New("a TLS client certificate needs both TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*")
	}
	ca, err := pemOf("TEMPORAL_TLS_SERVER_CA_CERT", c.ServerCACertPath, c.ServerCACertData)
	if err != nil {
		return nil, nil, err
	}
	if ca != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, nil, errors.New("TEMPORAL_TLS_SERVER_CA_CERT holds no PEM certificate")
		}
		t.RootCAs = pool
	}
	return t, creds, nil
}

// pemOf reads a PEM value given as a file (NAME_PATH) or inline (NAME_DATA);
// nil when neither is set.
func pemOf(name, path, data string) ([]byte, error) {
	switch {
	case path != "" && data != "":
		return nil, fmt.Errorf("set %s_PATH or %s_DATA, not both", name, name)
	case data != "":
		return []byte(data), nil
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s_PATH: %w", name, err)
		}
		return b, nil
	}
	return nil, nil
}
