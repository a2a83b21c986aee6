package servertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// certFiles are the paths of the PEM files written by writeCerts.
type certFiles struct {
	ca   string // CA certificate: what clients trust
	cert string // server certificate, signed by the CA
	key  string // server private key
}

// writeCerts generates a private CA and a server certificate signed by it
// for the given DNS names plus 127.0.0.1 and ::1, and writes them to dir
// (the CA) and dir/certs (the server's certificate and key).
// The CA has a key of its own so that tests can also build "wrong CA" cases
// by generating a second set.
func writeCerts(dir string, names []string) (certFiles, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "parley servertest CA", Organization: []string{"parley tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return certFiles{}, err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"parley tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return certFiles{}, err
	}

	f := certFiles{
		ca:   filepath.Join(dir, "ca.pem"),
		cert: filepath.Join(dir, "certs", "localhost.crt"),
		key:  filepath.Join(dir, "certs", "localhost.key"),
	}
	if err := os.MkdirAll(filepath.Dir(f.cert), 0o755); err != nil {
		return certFiles{}, err
	}
	// Prosody runs as the user running the tests (run_as_root is set when
	// that is root), so owner-only permissions suffice for the key.
	writes := []struct {
		path string
		typ  string
		der  []byte
		perm os.FileMode
	}{
		{f.ca, "CERTIFICATE", caDER, 0o644},
		{f.cert, "CERTIFICATE", der, 0o644},
		{f.key, "PRIVATE KEY", keyDER, 0o600},
	}
	for _, w := range writes {
		data := pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der})
		if err := os.WriteFile(w.path, data, w.perm); err != nil {
			return certFiles{}, fmt.Errorf("servertest: write %s: %w", w.path, err)
		}
	}
	return f, nil
}

// serial returns a random positive 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on Linux; a fixed serial is still valid.
		return big.NewInt(1)
	}
	return n.Add(n, big.NewInt(1))
}

// CertFiles are the PEM files of a private CA and of a server certificate
// it signed, as written by WriteCerts.
type CertFiles struct {
	CA   string // CA certificate: what clients trust (Config.CAFile)
	Cert string // server certificate
	Key  string // server private key (0600)
}

// WriteCerts generates a private CA and a server certificate signed by it
// for names (the first is the subject) plus 127.0.0.1 and ::1, in dir, as
// the servers of Start use: for other test servers (package fakexmpp).
func WriteCerts(dir string, names ...string) (CertFiles, error) {
	f, err := writeCerts(dir, names)
	return CertFiles{CA: f.ca, Cert: f.cert, Key: f.key}, err
}

// TLSCert is WriteCerts for a TLS server in the test's own process: the
// server certificate for names, signed by a fresh private CA, with its
// key, ready for a tls.Config.
func TLSCert(t testing.TB, names ...string) tls.Certificate {
	t.Helper()
	f, err := WriteCerts(t.TempDir(), names...)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
