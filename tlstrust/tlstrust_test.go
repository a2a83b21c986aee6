package tlstrust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newCert makes a certificate for names signed by parent (self-signed when
// parent is nil); it returns the certificate and its key.
func newCert(t testing.TB, cn string, names []string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		DNSNames:              names,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestFingerprint(t *testing.T) {
	c, _ := newCert(t, "example.org", []string{"example.org"}, nil, nil, false)
	fp := Fingerprint(c)
	if len(fp) != 95 || strings.ToUpper(fp) != fp {
		t.Fatalf("fingerprint %q", fp)
	}
	for _, in := range []string{fp, strings.ToLower(fp), strings.ReplaceAll(fp, ":", ""), " " + fp + " "} {
		if got, err := ParseFingerprint(in); err != nil || got != fp {
			t.Errorf("ParseFingerprint(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "AB", fp + ":00", strings.Replace(fp, "A", "G", 1) + "G", "zz"} {
		if _, err := ParseFingerprint(in); err == nil {
			t.Errorf("ParseFingerprint(%q) accepted", in)
		}
	}
}

const fpA = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

func TestParse(t *testing.T) {
	good := "# comment\n\nexample.org " + fpA + " 2026-01-02T15:04:05Z CN=example.org\r\n" +
		"  other.example " + fpA + " 2026-01-02T15:04:05Z\n"
	pins, err := parse("pins", []byte(good))
	if err != nil || len(pins) != 2 || pins[0].Note != "CN=example.org" || pins[1].Server != "other.example" {
		t.Fatalf("parse: %+v, %v", pins, err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"two fields", "example.org " + fpA + "\n", "pins:1: want SERVER"},
		{"upper-case server", "# x\nExample.org " + fpA + " 2026-01-02T15:04:05Z\n", "pins:2: server name is not in lower case"},
		{"lower-case fingerprint", "example.org " + strings.ToLower(fpA) + " 2026-01-02T15:04:05Z\n", "pins:1: fingerprint"},
		{"short fingerprint", "example.org AA:BB 2026-01-02T15:04:05Z\n", "pins:1: fingerprint"},
		{"bad time", "example.org " + fpA + " yesterday\n", "pins:1: added"},
		{"zone", "example.org " + fpA + " 2026-01-02T15:04:05+01:00\n", "pins:1: added"},
		{"control", "example.org " + fpA + " 2026-01-02T15:04:05Z a\x1b[31mred\n", "pins:1: control character"},
		{"not utf-8", "example.org " + fpA + " 2026-01-02T15:04:05Z \xff\n", "pins:1: not UTF-8"},
		{"at in server", "a@example.org " + fpA + " 2026-01-02T15:04:05Z\n", "pins:1: server name holds"},
		{"twice", "a.org " + fpA + " 2026-01-02T15:04:05Z\na.org " + fpA + " 2026-01-03T15:04:05Z\n", "pins:2: " + fpA + " is pinned twice"},
		{"long line", "a.org " + fpA + " 2026-01-02T15:04:05Z " + strings.Repeat("x", maxLine) + "\n", "pins:1: line longer"},
		{"long note", "a.org " + fpA + " 2026-01-02T15:04:05Z " + strings.Repeat("x", maxNote+1) + "\n", "pins:1: note longer"},
		{"bidi note", "a.org " + fpA + " 2026-01-02T15:04:05Z a\u202eb\n", "pins:1: note holds characters that are not drawn"},
		{"huge", strings.Repeat("#\n", MaxFile), "pins: larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pins, err := parse("pins", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || pins != nil {
				t.Errorf("parse = %v, %v; want an error with %q and no pins", pins, err, tc.want)
			}
		})
	}
}

// FuzzParse: no input crashes the parser; what it accepts is written back
// as it reads it, and every accepted pin is well-formed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("example.org " + fpA + " 2026-01-02T15:04:05Z CN=example.org\n"))
	f.Add([]byte("# c\n\na.org " + fpA + " 2026-01-02T15:04:05Z\r\nb.org " + fpA + " 2026-01-02T15:04:05Z  x  y\n"))
	f.Add([]byte("a.org " + fpA + " 2026-01-02T15:04:05Z \u200d\u0301\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pins, err := parse("f", data)
		if err != nil {
			if pins != nil {
				t.Fatal("pins with an error")
			}
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, p := range pins {
			if _, err := ParseFingerprint(p.Fingerprint); err != nil || checkServer(p.Server) != nil {
				t.Fatalf("accepted %+v", p)
			}
		}
		again, err := parse("f", format(pins))
		if err != nil || len(again) != len(pins) {
			t.Fatalf("round trip: %v, %d pins of %d", err, len(again), len(pins))
		}
		for i := range pins {
			if again[i] != pins[i] {
				t.Fatalf("round trip %+v != %+v", again[i], pins[i])
			}
		}
	})
}

func TestStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley", "tls-pins")
	s, err := Open(path)
	if err != nil || len(s.Pins()) != 0 {
		t.Fatalf("Open of no file: %v", err)
	}
	c1, _ := newCert(t, "example.org", []string{"example.org"}, nil, nil, false)
	c2, _ := newCert(t, "x\x1b[2Jy", []string{"example.org"}, nil, nil, false)
	now := time.Date(2026, 12, 3, 10, 0, 0, 500, time.UTC)
	if err := s.Pin("Example.org", c1, false, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Pin("example.org", c2, false, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("pin file mode %v, %v; want 0600", st.Mode(), err)
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", st.Mode())
	}
	re, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pins := re.Pins()
	if len(pins) != 2 || pins[0].Fingerprint != Fingerprint(c1) || pins[0].Server != "example.org" || !pins[0].Added.Equal(now.Truncate(time.Second)) ||
		pins[1].Note != "CN=xy" {
		t.Fatalf("reopened: %+v", pins)
	}
	// Replace: the other pins of the server go.
	c3, _ := newCert(t, "example.org", nil, nil, nil, false)
	if err := re.Pin("example.org", c3, true, now); err != nil {
		t.Fatal(err)
	}
	if pins := re.ServerPins("example.org"); len(pins) != 1 || pins[0].Fingerprint != Fingerprint(c3) {
		t.Fatalf("after replace: %+v", pins)
	}
	if _, err := re.Revoke("00"); err == nil {
		t.Error("Revoke of a 1-byte prefix accepted")
	}
	if _, err := re.Revoke(Fingerprint(c1)); err == nil || !strings.Contains(err.Error(), "no pin") {
		t.Errorf("Revoke of a replaced pin: %v", err)
	}
	gone, err := re.Revoke(strings.ToLower(Fingerprint(c3)[:14]))
	if err != nil || len(gone) != 1 || len(re.Pins()) != 0 {
		t.Fatalf("Revoke: %+v, %v", gone, err)
	}
	if re2, err := Open(path); err != nil || len(re2.Pins()) != 0 {
		t.Fatalf("after revoke the file holds %+v, %v", re2.Pins(), err)
	}
	// Trust once: not written.
	re.TrustOnce("example.org", c1)
	if ok, _ := re.trusted("example.org", Fingerprint(c1)); !ok {
		t.Error("trusted once: not trusted")
	}
	if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(Fingerprint(c1))) {
		t.Error("trust once was written")
	}
}

func TestStoreBadFile(t *testing.T) {
	dir := t.TempDir()
	c, _ := newCert(t, "example.org", []string{"example.org"}, nil, nil, false)
	for _, tc := range []struct {
		name string
		data string
		mode os.FileMode
		want string
	}{
		{"damaged", "example.org " + Fingerprint(c) + " 2026-01-02T15:04:05Z\nexample.org nonsense\n", 0o600, ":2: "},
		{"world writable", "example.org " + Fingerprint(c) + " 2026-01-02T15:04:05Z\n", 0o666, "writable by others"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.data), tc.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tc.mode)
			s, err := Open(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) || s.Err() == nil {
				t.Fatalf("Open: %v; want an error naming %s and %q", err, path, tc.want)
			}
			// Nothing of it is trusted, and it is not written over.
			if ok, _ := s.trusted("example.org", Fingerprint(c)); ok {
				t.Error("a pin of a bad file is trusted")
			}
			if err := s.Pin("example.org", c, false, time.Now()); err == nil {
				t.Error("Pin wrote over a bad file")
			}
			if data, _ := os.ReadFile(path); string(data) != tc.data {
				t.Error("the bad file changed")
			}
		})
	}
}

func TestVerifier(t *testing.T) {
	ca, caKey := newCert(t, "test CA", nil, nil, nil, true)
	good, _ := newCert(t, "example.org", []string{"example.org"}, ca, caKey, false)
	other, _ := newCert(t, "example.org", []string{"example.org"}, ca, caKey, false)
	self, _ := newCert(t, "example.org", []string{"example.org"}, nil, nil, false)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	s, _ := Open(filepath.Join(t.TempDir(), "pins"))
	check := func(c *x509.Certificate) error {
		return s.Verifier("example.org", roots, nil)(tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}})
	}
	if err := check(good); err != nil {
		t.Fatalf("verified certificate refused: %v", err)
	}
	// A chain through an intermediate the server sends verifies.
	inter, interKey := newCert(t, "intermediate", nil, ca, caKey, true)
	viaInter, _ := newCert(t, "example.org", []string{"example.org"}, inter, interKey, false)
	if err := s.Verifier("example.org", roots, nil)(tls.ConnectionState{PeerCertificates: []*x509.Certificate{viaInter, inter}}); err != nil {
		t.Fatalf("chain with an intermediate: %v", err)
	}
	if err := check(viaInter); err == nil {
		t.Fatal("chain without its intermediate accepted")
	}
	var ce *CertError
	if err := check(self); !errors.As(err, &ce) || ce.Changed() || ce.Fingerprint() != Fingerprint(self) || Reason(ce.Err) != "self-signed" {
		t.Fatalf("self-signed: %v", err)
	}
	if err := s.Verifier("other.org", roots, nil)(tls.ConnectionState{PeerCertificates: []*x509.Certificate{good}}); !errors.As(err, &ce) || !strings.Contains(Reason(ce.Err), "not valid for other.org") {
		t.Fatalf("wrong name: %v", err)
	}
	if err := s.Pin("example.org", self, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := check(self); err != nil {
		t.Fatalf("pinned certificate refused: %v", err)
	}
	// The server has a pin: another certificate is refused, even one that
	// verifies, naming both fingerprints.
	for _, c := range []*x509.Certificate{good, other} {
		err := check(c)
		if !errors.As(err, &ce) || !ce.Changed() || ce.Err != nil {
			t.Fatalf("changed certificate: %v", err)
		}
		if msg := err.Error(); !strings.Contains(msg, Fingerprint(c)) || !strings.Contains(msg, Fingerprint(self)) {
			t.Errorf("message %q does not name both fingerprints", msg)
		}
	}
	// Expired, and pinned: the pin is what counts.
	if err := s.Verifier("example.org", roots, func() time.Time { return time.Now().Add(48 * time.Hour) })(tls.ConnectionState{PeerCertificates: []*x509.Certificate{self}}); err != nil {
		t.Errorf("pinned, expired: %v", err)
	}
	if err := s.Verifier("fresh.org", roots, nil)(tls.ConnectionState{}); err == nil {
		t.Error("no certificate accepted")
	}
	var none *Store
	if err := none.Verifier("example.org", roots, nil)(tls.ConnectionState{PeerCertificates: []*x509.Certificate{good}}); err != nil {
		t.Errorf("nil store: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	c, _ := newCert(t, "evil\x1b]0;title\x07\nname", []string{"a\x1b[31m.org"}, nil, nil, false)
	for _, l := range Describe(c) {
		if strings.ContainsAny(l, "\x1b\n\x07") {
			t.Errorf("line %q not sanitized", l)
		}
	}
}
