package etcdstore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store/etcdstore"
)

// writePEMs writes a self-signed certificate and its key as PEM files and
// returns their paths.
func writePEMs(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "spuffbot test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, block := range map[string]*pem.Block{
		certFile: {Type: "CERTIFICATE", Bytes: der},
		keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func TestParseURL(t *testing.T) {
	certFile, keyFile := writePEMs(t)
	notPEM := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(notPEM, []byte("nothing here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// tlsWant describes the TLS part of a result; nil means no TLS.
	type tlsWant struct{ customCA, clientCert bool }
	tests := []struct {
		in        string
		endpoints []string
		prefix    string
		lease     time.Duration
		tls       *tlsWant
		wantErr   bool
	}{
		{in: "etcd://127.0.0.1:2379", endpoints: []string{"127.0.0.1:2379"}},
		{in: "etcd://etcd-0:2379,etcd-1:2379,etcd-2:2379", endpoints: []string{"etcd-0:2379", "etcd-1:2379", "etcd-2:2379"}},
		{in: "etcd://etcd-0,etcd-1:12379/", endpoints: []string{"etcd-0:2379", "etcd-1:12379"}},
		{in: "ETCD://[::1]:2379,[fd00::2]", endpoints: []string{"[::1]:2379", "[fd00::2]:2379"}},
		{in: "etcd://etcd:2379?prefix=/team-a/spuffbot/", endpoints: []string{"etcd:2379"}, prefix: "/team-a/spuffbot/"},
		{in: "etcd://etcd:2379?lease=15s", endpoints: []string{"etcd:2379"}, lease: 15 * time.Second},
		{in: "etcds://etcd.example.com", endpoints: []string{"etcd.example.com:2379"}, tls: &tlsWant{}},
		{in: "etcds://etcd:2379?ca=" + certFile, endpoints: []string{"etcd:2379"}, tls: &tlsWant{customCA: true}},
		{
			in:        "etcds://etcd:2379?ca=" + certFile + "&cert=" + certFile + "&key=" + keyFile + "&prefix=/x/",
			endpoints: []string{"etcd:2379"}, prefix: "/x/", tls: &tlsWant{customCA: true, clientCert: true},
		},
		{in: "etcd:2379", wantErr: true},
		{in: "http://etcd:2379", wantErr: true},
		{in: "etcd://", wantErr: true},
		{in: "etcd://a:2379,,b:2379", wantErr: true},
		{in: "etcd://a:port", wantErr: true},
		{in: "etcd://a:0", wantErr: true},
		{in: "etcd://a:65536", wantErr: true},
		{in: "etcd://::1", wantErr: true},
		{in: "etcd://:2379", wantErr: true},
		{in: "etcd://root:hunter2@etcd:2379", wantErr: true},
		{in: "etcd://etcd:2379/spuffbot", wantErr: true},
		{in: "etcd://etcd:2379?prefix=spuffbot", wantErr: true},
		{in: "etcd://etcd:2379?prefx=/a/", wantErr: true},
		{in: "etcd://etcd:2379?prefix=/a/&prefix=/b/", wantErr: true},
		{in: "etcd://etcd:2379?ca=" + certFile, wantErr: true},
		{in: "etcds://etcd:2379?cert=" + certFile, wantErr: true},
		{in: "etcds://etcd:2379?ca=" + notPEM, wantErr: true},
		{in: "etcds://etcd:2379?ca=" + filepath.Join(t.TempDir(), "missing.pem"), wantErr: true},
		{in: "etcds://etcd:2379?cert=" + certFile + "&key=" + certFile, wantErr: true},
		{in: "etcd://etcd:2379?%zz", wantErr: true},
		{in: "etcd://etcd:2379?lease=500ms", wantErr: true},
		{in: "etcd://etcd:2379?lease=1.5s", wantErr: true},
		{in: "etcd://etcd:2379?lease=ten", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := etcdstore.ParseURL(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseURL(%q) = %+v, want an error", tt.in, got)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("ParseURL(%q) error %q repeats the password", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q) = %v", tt.in, err)
			}
			if !cmp.Equal(got.Endpoints, tt.endpoints) || got.Prefix != tt.prefix || got.LeaseTTL != tt.lease {
				t.Errorf("ParseURL(%q) = endpoints %q, prefix %q, lease %v, want %q, %q, %v",
					tt.in, got.Endpoints, got.Prefix, got.LeaseTTL, tt.endpoints, tt.prefix, tt.lease)
			}
			if got.DialTimeout != 0 || got.Now != nil {
				t.Errorf("ParseURL(%q) set DialTimeout %v or Now, want them left to Open", tt.in, got.DialTimeout)
			}
			checkTLS(t, tt.in, got.TLS, tt.tls != nil, tt.tls != nil && tt.tls.customCA, tt.tls != nil && tt.tls.clientCert)
		})
	}
}

// checkTLS compares the TLS configuration ParseURL(in) gave with what was
// wanted: none, or one with or without its own roots and client
// certificate.
func checkTLS(t *testing.T, in string, got *tls.Config, want, customCA, clientCert bool) {
	t.Helper()
	if (got != nil) != want {
		t.Fatalf("ParseURL(%q).TLS = %v, want TLS %v", in, got, want)
	}
	if got == nil {
		return
	}
	if got.MinVersion < tls.VersionTLS12 {
		t.Errorf("ParseURL(%q).TLS.MinVersion = %#x, want at least TLS 1.2", in, got.MinVersion)
	}
	if (got.RootCAs != nil) != customCA {
		t.Errorf("ParseURL(%q).TLS.RootCAs set = %v, want %v (nil means the system roots)", in, got.RootCAs != nil, customCA)
	}
	if n := len(got.Certificates); (n == 1) != clientCert {
		t.Errorf("ParseURL(%q).TLS has %d client certificates, want client certificate %v", in, n, clientCert)
	}
}
