package account

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
	"parley/tlstrust"
)

// TestCertificateTrust is certificate trust on first use against real
// servers: an account that does not trust the test CA is stopped with a
// CertificateEvent naming the server's fingerprint; trusted always, the
// pin is written (0600) and the login works; a second server for the same
// domain, with its own certificate, is refused naming both fingerprints,
// also when its certificate verifies by its CA; /tls revoke's RevokePin
// removes the pin, and then that server's verified certificate connects.
func TestCertificateTrust(t *testing.T) { servertest.Each(t, testCertificateTrust) }

func testCertificateTrust(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "secret")
	pinFile := filepath.Join(t.TempDir(), "parley", "tls-pins")
	store, err := tlstrust.Open(pinFile)
	if err != nil {
		t.Fatal(err)
	}
	fp1 := tlstrust.Fingerprint(leafOf(t, s))

	cfg := testConfig(s, alice, "secret", "tofu")
	cfg.CAFile, cfg.Trust = "", store
	r := start(t, cfg)
	ce := waitCert(t, r, 0)
	if ce.Fingerprint != fp1 || len(ce.Pinned) != 0 || ce.Reason != "signed by an unknown authority" || ce.Server != "localhost" {
		t.Fatalf("certificate event %+v, want first use of %s", ce, fp1)
	}
	if err := r.result(t); err == nil {
		t.Fatal("Run connected with an untrusted certificate")
	}
	if st := lastState(r.rec); st.State != Failed || !strings.Contains(st.Text, fp1) {
		t.Errorf("final state %v %q", st.State, st.Text)
	}
	if err := r.TrustCertificate(ce.Cert, true); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(pinFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("pin file: %v, %v; want mode 0600", st, err)
	}
	if data, _ := os.ReadFile(pinFile); !strings.Contains(string(data), "localhost "+fp1+" ") {
		t.Fatalf("pin file holds %q", data)
	}
	mark := len(r.rec.all())
	if err := r.Connect(); err != nil {
		t.Fatal(err)
	}
	waitStateFrom(t, r, mark, Online)
	info, ok := r.TLSInfo()
	if !ok || !strings.HasPrefix(info.Trust, "pinned") || !strings.HasPrefix(info.Version, "TLS 1.") || info.Cipher == "" ||
		len(info.Chain) == 0 || tlstrust.Fingerprint(info.Chain[0]) != fp1 || info.Mechanism == "" {
		t.Errorf("TLSInfo %+v, %v", info, ok)
	}
	t.Logf("%s: %s %s, %s, binding %q", kind, info.Version, info.Cipher, info.Mechanism, info.Binding)

	// Another server for the same domain: a different certificate.
	s2 := servertest.Start(t, kind)
	s2.AddUser(t, "alice", "secret")
	fp2 := tlstrust.Fingerprint(leafOf(t, s2))
	for _, ca := range []string{"", s2.CAFile} {
		cfg2 := testConfig(s2, alice, "secret", "tofu2")
		cfg2.CAFile, cfg2.Trust = ca, store
		r2 := start(t, cfg2)
		ce := waitCert(t, r2, 0)
		if ce.Fingerprint != fp2 || len(ce.Pinned) != 1 || ce.Pinned[0].Fingerprint != fp1 || (ca != "") != (ce.Reason == "") {
			t.Fatalf("ca_file %q: certificate event %+v, want %s changed from %s", ca, ce, fp2, fp1)
		}
		if err := r2.result(t); err == nil {
			t.Fatal("Run connected with a changed certificate")
		}
		st := lastState(r2.rec)
		if st.State != Failed || !strings.Contains(st.Text, fp1) || !strings.Contains(st.Text, fp2) || !strings.Contains(st.Text, "intercept") {
			t.Errorf("changed certificate: state %v %q; want both fingerprints", st.State, st.Text)
		}
	}
	gone, err := r.RevokePin(fp1[:23])
	if err != nil || len(gone) != 1 || len(r.Pins()) != 0 {
		t.Fatalf("RevokePin: %+v, %v", gone, err)
	}
	if data, _ := os.ReadFile(pinFile); strings.Contains(string(data), fp1) {
		t.Error("the revoked pin is still in the file")
	}
	cfg2 := testConfig(s2, alice, "secret", "tofu3") // its own CA: verifies
	cfg2.Trust = store
	r3 := start(t, cfg2)
	r3.waitState(t, Online)
	if info, ok := r3.TLSInfo(); !ok || !strings.HasPrefix(info.Trust, "verified") {
		t.Errorf("TLSInfo after revoke %+v", info)
	}
}

// leafOf reads the certificate server s presents.
func leafOf(t *testing.T, s *servertest.Server) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(s.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", s.CertFile)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitCert waits for a CertificateEvent after the first from events.
func waitCert(t *testing.T, r *running, from int) CertificateEvent {
	t.Helper()
	var ce CertificateEvent
	r.rec.wait(t, waitLong, func(e Event) bool {
		evs := r.rec.all()
		i := slices.IndexFunc(evs[min(from, len(evs)):], func(e Event) bool { _, ok := e.(CertificateEvent); return ok })
		if i < 0 {
			return false
		}
		ce = evs[from+i].(CertificateEvent)
		return true
	})
	return ce
}

// waitStateFrom waits for state st among the events after the first from.
func waitStateFrom(t *testing.T, r *running, from int, st State) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		evs := r.rec.all()
		for _, e := range evs[min(from, len(evs)):] {
			if se, ok := e.(StateEvent); ok && se.State == st {
				return
			} else if ok && se.State == Failed {
				t.Fatalf("state Failed (%s), want %v", se.Text, st)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %v after event %d: %+v", st, from, r.rec.all()[from:])
}
