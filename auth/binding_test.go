package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testCert is a self-signed certificate for "localhost".
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsPair returns both ends of a TLS connection over a pipe, handshake
// done, with the given maximum version; ems false turns off extended
// master secret on TLS 1.2 (by a server that does not offer it).
func tlsPair(t testing.TB, version uint16) (client, server *tls.Conn) {
	t.Helper()
	cert, pool := testCert(t)
	a, b := net.Pipe()
	client = tls.Client(a, &tls.Config{ServerName: "localhost", RootCAs: pool, MaxVersion: version})
	server = tls.Server(b, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: version})
	errs := make(chan error, 1)
	go func() { errs <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() }) // not the TLS close: its alert would wait for a reader
	return client, server
}

// TestChoose checks the choice of mechanism and channel binding against
// what servers offer on TLS 1.2 and 1.3, with and without XEP-0440.
func TestChoose(t *testing.T) {
	c12, s12 := tlsPair(t, tls.VersionTLS12)
	c13, s13 := tlsPair(t, tls.VersionTLS13)
	cs12, cs13 := c12.ConnectionState(), c13.ConnectionState()
	ss12, ss13 := s12.ConnectionState(), s13.ConnectionState()
	if len(cs12.TLSUnique) == 0 || !bytes.Equal(cs12.TLSUnique, ss12.TLSUnique) {
		t.Fatal("no tls-unique on the TLS 1.2 pair")
	}
	ejabberd := []string{"PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "X-OAUTH2"}
	both := []string{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "PLAIN"}
	for _, tc := range []struct {
		name       string
		cs         *tls.ConnectionState
		offered    []string
		advertised []string
		want       string // "MECH flag"
	}{
		// ejabberd 23.01: -PLUS offered, no XEP-0440, tls-unique only.
		{"ejabberd on TLS 1.3", &cs13, ejabberd, nil, "SCRAM-SHA-1 n"},
		{"ejabberd on TLS 1.2", &cs12, ejabberd, nil, "SCRAM-SHA-1-PLUS p=tls-unique"},
		// Prosody 0.12 offers -PLUS only where tls-unique exists.
		{"prosody on TLS 1.3", &cs13, []string{"SCRAM-SHA-1", "PLAIN"}, nil, "SCRAM-SHA-1 n"},
		{"prosody on TLS 1.2", &cs12, []string{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"}, nil, "SCRAM-SHA-1-PLUS p=tls-unique"},
		// XEP-0440 servers.
		{"exporter advertised on TLS 1.3", &cs13, both, []string{"tls-exporter", "tls-unique"}, "SCRAM-SHA-256-PLUS p=tls-exporter"},
		{"exporter advertised on TLS 1.2 with EMS", &cs12, both, []string{"tls-exporter", "tls-unique"}, "SCRAM-SHA-256-PLUS p=tls-exporter"},
		{"unique advertised on TLS 1.2", &cs12, both, []string{"tls-unique"}, "SCRAM-SHA-256-PLUS p=tls-unique"},
		{"unique advertised on TLS 1.3", &cs13, both, []string{"tls-unique"}, "SCRAM-SHA-256 n"},
		{"unknown type advertised", &cs13, both, []string{"tls-server-end-point"}, "SCRAM-SHA-256 n"},
		{"empty list advertised", &cs12, both, []string{}, "SCRAM-SHA-256 n"},
		// Downgrade: a binding we could use, but no -PLUS offered.
		{"exporter advertised, -PLUS stripped", &cs13, []string{"SCRAM-SHA-1", "PLAIN"}, []string{"tls-exporter"}, "SCRAM-SHA-1 y"},
		{"TLS 1.2, -PLUS stripped", &cs12, []string{"SCRAM-SHA-1", "PLAIN"}, nil, "SCRAM-SHA-1 y"},
		{"only PLAIN", &cs13, []string{"PLAIN"}, nil, "PLAIN n"},
		// SCRAM-SHA-512 (ejabberd with auth_scram_hash: sha512).
		{"SHA-512 and its -PLUS on TLS 1.2", &cs12, append(both, "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"), nil, "SCRAM-SHA-512-PLUS p=tls-unique"},
		{"SHA-512 on TLS 1.3 without XEP-0440", &cs13, append(both, "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"), nil, "SCRAM-SHA-512 n"},
		{"SHA-512 -PLUS stripped, exporter advertised", &cs13, []string{"SCRAM-SHA-512", "SCRAM-SHA-1"}, []string{"tls-exporter"}, "SCRAM-SHA-512 y"},
		{"lower-case names", &cs12, []string{"scram-sha-1-plus"}, nil, "SCRAM-SHA-1-PLUS p=tls-unique"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := choose(tc.offered, tc.cs, tc.advertised)
			if got := p.mech.name + " " + p.flag; !ok || got != tc.want {
				t.Fatalf("choose = %q (%v), want %q", got, ok, tc.want)
			}
			if p.binding != strings.TrimPrefix(p.flag, "p=") && p.binding != "" {
				t.Errorf("binding %q with flag %q", p.binding, p.flag)
			}
			// The binding data is what the server computes on its end.
			srv := map[*tls.ConnectionState]*tls.ConnectionState{&cs12: &ss12, &cs13: &ss13}[tc.cs]
			switch p.binding {
			case "tls-unique":
				if !bytes.Equal(p.data, srv.TLSUnique) {
					t.Error("tls-unique differs from the server's")
				}
			case "tls-exporter":
				want, _ := srv.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
				if !bytes.Equal(p.data, want) {
					t.Error("tls-exporter differs from the server's")
				}
			}
		})
	}
	if _, ok := choose([]string{"DIGEST-MD5", "X-OAUTH2"}, &cs13, nil); ok {
		t.Error("chose a mechanism parley does not speak")
	}
}

// TestNoUniqueOnResumption checks that a resumed TLS 1.2 session without
// extended master secret, where tls-unique is unsafe, binds nothing.
func TestNoUniqueOnResumption(t *testing.T) {
	cs := tls.ConnectionState{Version: tls.VersionTLS12, DidResume: true}
	if d := uniqueData(&cs); d != nil {
		t.Errorf("tls-unique %x on a resumed session without it", d)
	}
	if p, _ := choose([]string{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"}, &cs, nil); p.flag != "n" {
		t.Errorf("flag %q", p.flag)
	}
}
