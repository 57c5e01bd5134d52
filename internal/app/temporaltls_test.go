package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The client options built from the environment the Temporal CLI reads.
func TestClientOptionsFromTheCLIsEnvironment(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name      string
		tls       config.TemporalTLS
		wantTLS   bool
		wantCreds bool
		wantCert  bool
		wantErr   string
	}{
		{name: "nothing set is plaintext, for the dev server"},
		{name: "an API key turns TLS on (Temporal Cloud)", tls: config.TemporalTLS{APIKey: "k"}, wantTLS: true, wantCreds: true},
		{name: "an API key with TEMPORAL_TLS=false stays plaintext", tls: config.TemporalTLS{APIKey: "k", Enabled: "false"}, wantCreds: true},
		{name: "TEMPORAL_TLS=true alone is TLS with the system's roots", tls: config.TemporalTLS{Enabled: "true"}, wantTLS: true},
		{name: "a client certificate and key from files (mTLS)",
			tls:     config.TemporalTLS{ClientCertPath: pki.clientCertPath, ClientKeyPath: pki.clientKeyPath, ServerCACertPath: pki.caPath},
			wantTLS: true, wantCert: true},
		{name: "a client certificate and key as PEM in the environment",
			tls:     config.TemporalTLS{ClientCertData: string(pki.clientCert), ClientKeyData: string(pki.clientKey)},
			wantTLS: true, wantCert: true},
		{name: "a certificate without its key is refused", tls: config.TemporalTLS{ClientCertPath: pki.clientCertPath},
			wantErr: "needs both"},
		{name: "a path and data for one value are refused", tls: config.TemporalTLS{ServerCACertPath: pki.caPath, ServerCACertData: string(pki.caPEM)},
			wantErr: "not both"},
		{name: "a CA that is not PEM is refused", tls: config.TemporalTLS{ServerCACertData: "not a certificate"}, wantErr: "no PEM"},
		{name: "TEMPORAL_TLS must be a boolean", tls: config.TemporalTLS{Enabled: "yes please"}, wantErr: "true or false"},
		{name: "a key that is not the certificate's is refused without quoting it",
			tls:     config.TemporalTLS{ClientCertPath: pki.clientCertPath, ClientKeyData: string(pki.otherKey)},
			wantErr: "not a certificate and its key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := app.ClientOptions(config.Config{TemporalAddress: "example:7233", TemporalNamespace: "ns", TemporalTLS: tt.tls}, quiet, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "PRIVATE KEY") {
					t.Errorf("the error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := opts.ConnectionOptions.TLS != nil; got != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", got, tt.wantTLS)
			}
			if got := opts.Credentials != nil; got != tt.wantCreds {
				t.Errorf("credentials = %v, want %v", got, tt.wantCreds)
			}
			if got := opts.ConnectionOptions.TLS != nil && len(opts.ConnectionOptions.TLS.Certificates) == 1; got != tt.wantCert {
				t.Errorf("client certificate = %v, want %v", got, tt.wantCert)
			}
			if opts.HostPort != "example:7233" || opts.Namespace != "ns" || len(opts.ContextPropagators) == 0 {
				t.Errorf("options = %+v, want the address, namespace and context propagators", opts)
			}
		})
	}
}

// A Temporal frontend behind mutual TLS, as a self-hosted production
// cluster runs it: the worker's and the starter's client reaches it with
// the client certificate from the environment, and is refused without.
// (The dev server speaks plaintext: a TLS proxy requiring client
// certificates stands in front of it.)
func TestDialsATemporalBehindMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	tc := testenv.NewTemporal(t)
	pki := newPKI(t)
	proxy := mtlsProxy(t, pki, tc.Address)

	cfg := config.Config{TemporalAddress: proxy, TemporalNamespace: tc.Namespace, TemporalTLS: config.TemporalTLS{
		ClientCertPath: pki.clientCertPath, ClientKeyPath: pki.clientKeyPath, ServerCACertPath: pki.caPath, ServerName: "temporal.internal",
	}}
	c, err := app.DialTemporal(cfg, quiet)
	if err != nil {
		t.Fatalf("dial through mutual TLS: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("health through mutual TLS: %v", err)
	}
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: tc.Namespace}); err != nil {
		t.Fatalf("a namespace's call through mutual TLS: %v", err)
	}

	noCert := cfg
	noCert.TemporalTLS.ClientCertPath, noCert.TemporalTLS.ClientKeyPath = "", ""
	c2, err := app.DialTemporal(noCert, quiet)
	if err == nil {
		defer c2.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = c2.CheckHealth(ctx, &client.CheckHealthRequest{})
	}
	if err == nil {
		t.Fatal("a client without its certificate reached the frontend")
	}
}

type pki struct {
	caPEM, clientCert, clientKey, otherKey []byte
	caPath, clientCertPath, clientKeyPath  string
	server                                 tls.Certificate
	pool                                   *x509.CertPool
}

// newPKI makes a CA, a server certificate for temporal.internal and a
// client certificate, written to files as ops would mount them.
func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, name string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		key := newKey(t)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return pemBlock("CERTIFICATE", der), keyPEM(t, key)
	}
	p := &pki{caPEM: pemBlock("CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	serverCert, serverKey := issue(2, "temporal.internal", x509.ExtKeyUsageServerAuth)
	if p.server, err = tls.X509KeyPair(serverCert, serverKey); err != nil {
		t.Fatal(err)
	}
	p.clientCert, p.clientKey = issue(3, "hrmos-sync-worker", x509.ExtKeyUsageClientAuth)
	p.otherKey = keyPEM(t, newKey(t))
	for path, b := range map[*string][]byte{&p.caPath: p.caPEM, &p.clientCertPath: p.clientCert, &p.clientKeyPath: p.clientKey} {
		f, err := os.CreateTemp(dir, "*.pem")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write(b)
		_ = f.Close()
		*path = filepath.Clean(f.Name())
	}
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("EC PRIVATE KEY", der)
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// mtlsProxy terminates TLS, requiring a client certificate of the CA, and
// forwards the bytes to target; it returns its address.
func mtlsProxy(t *testing.T, p *pki, target string) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool, ClientAuth: tls.RequireAndVerifyClientCert,
		NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				if err := in.(*tls.Conn).Handshake(); err != nil {
					return
				}
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				go func() { _, _ = io.Copy(out, in) }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	return l.Addr().String()
}
