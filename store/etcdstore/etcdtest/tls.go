package etcdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// TLSFiles are the PEM files of a TLS server started by StartTLS: the CA
// that signed every certificate, and a client certificate and key the
// server accepts.
type TLSFiles struct {
	CA, Cert, Key string
}

// StartTLS starts an etcd server, as Start does, that serves its clients
// over TLS and requires a client certificate signed by its CA. The CA,
// the server's certificate (for 127.0.0.1) and a client certificate are
// made for the test and written to its temporary directory.
func StartTLS(t testing.TB) (endpoints []string, files TLSFiles) {
	t.Helper()
	dir := t.TempDir()
	ca := issue(t, dir, "ca", nil)
	server := issue(t, dir, "server", ca)
	client := issue(t, dir, "client", ca)
	endpoints = run(t, &transport.TLSInfo{
		CertFile: server.certFile, KeyFile: server.keyFile,
		TrustedCAFile: ca.certFile, ClientCertAuth: true,
	})
	return endpoints, TLSFiles{CA: ca.certFile, Cert: client.certFile, Key: client.keyFile}
}

// issued is a certificate and its key, parsed and in PEM files.
type issued struct {
	cert              *x509.Certificate
	key               *ecdsa.PrivateKey
	certFile, keyFile string
}

// issue makes a certificate named name, signed by parent, or a CA
// certificate signing itself when parent is nil, and writes it and its
// key to dir. Leaf certificates are for 127.0.0.1 and serve both ends of
// a connection, as etcd's own server certificate does when its JSON
// gateway dials its gRPC service.
func issue(t testing.TB, dir, name string, parent *issued) *issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("etcdtest: key for %s: %v", name, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "etcdtest " + name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	signer, signerKey := tmpl, key
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	} else {
		signer, signerKey = parent.cert, parent.key
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatalf("etcdtest: certificate %s: %v", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("etcdtest: certificate %s: %v", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("etcdtest: key for %s: %v", name, err)
	}
	out := &issued{cert: cert, key: key,
		certFile: filepath.Join(dir, name+".pem"), keyFile: filepath.Join(dir, name+"-key.pem")}
	writePEM(t, out.certFile, "CERTIFICATE", der)
	writePEM(t, out.keyFile, "EC PRIVATE KEY", keyDER)
	return out
}

// writePEM writes one PEM block to path.
func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatalf("etcdtest: write %s: %v", path, err)
	}
}
