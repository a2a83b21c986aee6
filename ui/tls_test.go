package ui

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/tlstrust"
)

// tlsFake is a fake account with certificate trust and connection control.
type tlsFake struct {
	*fakeAccount
	mu      sync.Mutex
	pins    []tlstrust.Pin
	calls   []string
	info    *account.TLSInfo
	revoked string
}

func (f *tlsFake) note(c string) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *tlsFake) callsSoFar() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *tlsFake) TLSInfo() (account.TLSInfo, bool) {
	if f.info == nil {
		return account.TLSInfo{}, false
	}
	return *f.info, true
}

func (f *tlsFake) TrustCertificate(c *x509.Certificate, always bool) error {
	if always {
		f.note("always " + tlstrust.Fingerprint(c))
	} else {
		f.note("once " + tlstrust.Fingerprint(c))
	}
	return nil
}

func (f *tlsFake) Pins() []tlstrust.Pin {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tlstrust.Pin(nil), f.pins...)
}

func (f *tlsFake) RevokePin(fp string) ([]tlstrust.Pin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range f.pins {
		if strings.HasPrefix(p.Fingerprint, fp) {
			f.pins = append(f.pins[:i], f.pins[i+1:]...)
			return []tlstrust.Pin{p}, nil
		}
	}
	return nil, errors.New("no pin has the fingerprint " + fp)
}

func (f *tlsFake) PinFile() string                  { return "/home/me/.local/share/parley/tls-pins" }
func (f *tlsFake) Connect() error                   { f.note("connect"); return nil }
func (f *tlsFake) Reconnect()                       {}
func (f *tlsFake) Disconnect(context.Context) error { return nil }

// testCert is a fixed self-signed certificate whose subject holds an
// escape sequence (it must not reach the terminal).
func testCert(t *testing.T) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile("testdata/tls_cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGoldenCertificatePrompt: a certificate that does not verify opens
// the prompt (sanitized subject, names, validity, fingerprint); letters
// typed do nothing, the choice starts on No; Right Right Enter trusts
// always and connects. A changed certificate warns naming both
// fingerprints, in the console too; Esc refuses.
func TestGoldenCertificatePrompt(t *testing.T) {
	f := newFake("me@example.org")
	tf := &tlsFake{fakeAccount: f}
	h := startUIPrep(t, 110, 30, func(u *UI) { u.accts[0].a = tf }, f)
	cert := testCert(t)
	fp := tlstrust.Fingerprint(cert)
	h.post(account.CertificateEvent{Base: base(f), Server: "example.org", Cert: cert, Fingerprint: fp, Reason: "self-signed"},
		account.StateEvent{Base: base(f), State: account.Failed, Err: errors.New("x"), Text: "certificate for example.org is self-signed"})
	h.waitScreen("certificate not trusted")
	golden(t, "tls_prompt", h.text())
	if strings.Contains(h.text(), "\x1b") {
		t.Error("escape drawn")
	}
	h.typeText("ay")
	h.key(tcell.KeyEnter, 0, 0) // on No: refuses
	h.waitFor("prompt closed", func() bool { return len(h.u.certs.queue) == 0 })
	if c := tf.callsSoFar(); len(c) != 0 {
		t.Fatalf("typing trusted: %v", c)
	}
	h.waitScreen("not trusted; the account stays offline")

	h.post(account.CertificateEvent{Base: base(f), Server: "example.org", Cert: cert, Fingerprint: fp, Reason: "self-signed"})
	h.waitScreen("certificate not trusted")
	h.key(tcell.KeyRight, 0, 0)
	h.key(tcell.KeyRight, 0, 0)
	h.waitFor("always chosen", func() bool { return len(h.u.certs.queue) == 1 && h.u.certs.queue[0].sel == certAlways })
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("trusted and connecting", func() bool { return len(tf.callsSoFar()) == 2 })
	if c := tf.callsSoFar(); c[0] != "always "+fp || c[1] != "connect" {
		t.Errorf("calls %v", c)
	}
	h.waitScreen("pinned (/tls trusted lists the pins); connecting")

	old := "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
	h.post(account.CertificateEvent{Base: base(f), Server: "example.org", Cert: cert, Fingerprint: fp,
		Pinned: []tlstrust.Pin{{Server: "example.org", Fingerprint: old, Added: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}}})
	h.waitScreen("WARNING: certificate changed")
	golden(t, "tls_prompt_changed", h.text())
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("prompt closed", func() bool { return len(h.u.certs.queue) == 0 })
	h.waitFor("warning naming both fingerprints", func() bool {
		w := h.u.console()
		for i := 0; i < w.buf.len(); i++ {
			if e := w.buf.at(i); e.kind == lineError && strings.Contains(e.text, "pinned "+old+", presented "+fp) {
				return true
			}
		}
		return false
	})
	if c := tf.callsSoFar(); len(c) != 2 {
		t.Errorf("Esc trusted: %v", c)
	}
}

// TestTLSCommands: /tls trusted lists the pins, revoke removes one (Tab
// completes its fingerprint), show describes the connection.
func TestTLSCommands(t *testing.T) {
	f := newFake("me@example.org")
	cert := testCert(t)
	tf := &tlsFake{fakeAccount: f, pins: []tlstrust.Pin{{Server: "example.org", Fingerprint: tlstrust.Fingerprint(cert),
		Added: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), Note: "CN=xmpp.example.org"}}}
	h := startUIPrep(t, 220, 30, func(u *UI) { u.accts[0].a = tf }, f)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "tls trusted") })
	h.waitScreen("1 pinned certificate(s), in /home/me/.local/share/parley/tls-pins:")
	h.waitScreen("example.org  " + tlstrust.Fingerprint(cert))
	h.sync(func() { h.u.runCommand(h.u.curWin(), "tls show") })
	h.waitScreen("is not online: /tls show describes a live connection")
	tf.info = &account.TLSInfo{Version: "TLS 1.2", Cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Chain: []*x509.Certificate{cert},
		Trust: "pinned (/tls trusted)", Mechanism: "SCRAM-SHA-1-PLUS", Binding: "tls-unique", ConnectedAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}
	h.sync(func() { h.u.runCommand(h.u.curWin(), "tls show") })
	h.waitScreen("SASL:    SCRAM-SHA-1-PLUS, channel binding tls-unique")
	h.waitScreen("trust:   pinned (/tls trusted)")
	h.waitScreen("SHA-256: " + tlstrust.Fingerprint(cert))
	var cands []string
	h.sync(func() { cands = completeTLS(h.u, 1, []string{"revoke"}) })
	if len(cands) != 1 || cands[0] != tlstrust.Fingerprint(cert) {
		t.Errorf("completion %v", cands)
	}
	h.sync(func() { h.u.runCommand(h.u.curWin(), "tls revoke "+tlstrust.Fingerprint(cert)[:11]) })
	h.waitScreen("revoked the pin of example.org: " + tlstrust.Fingerprint(cert))
	if len(tf.Pins()) != 0 {
		t.Error("pin kept")
	}
	h.sync(func() { h.u.runCommand(h.u.curWin(), "tls bogus") })
	h.waitScreen("usage: /tls")
}
