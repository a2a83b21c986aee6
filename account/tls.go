package account

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"parley/auth"
	"parley/tlstrust"
)

// Certificate trust on first use (package tlstrust): the handshake checks
// the server's certificate against the authorities and then against the
// pins of Config.Trust (tlsConfig). A certificate that does not verify and
// is not pinned, or one that differs from the server's pin, ends Run with
// Failed after a CertificateEvent; the receiver asks the user and, when
// they trust it, calls TrustCertificate and Connect.

// CertificateEvent says the server presented a certificate parley does not
// trust; Run then ends with Failed. Cert is the server's leaf certificate
// (its texts are untrusted), Reason why it does not verify ("self-signed",
// "signed by an unknown authority", ...; "" when it does verify, which only
// a changed certificate can), and Pinned the server's pins when it has
// some and this certificate is not one of them: a renewal, or an
// interception, which the receiver must warn of naming both fingerprints.
type CertificateEvent struct {
	Base
	Server      string
	Cert        *x509.Certificate
	Fingerprint string
	Reason      string
	Pinned      []tlstrust.Pin
}

// TLSInfo describes the current connection's TLS, for /tls show.
type TLSInfo struct {
	Version     string // "TLS 1.3"
	Cipher      string // the cipher suite's IANA name
	Chain       []*x509.Certificate
	Trust       string // how the certificate was trusted: "verified by a trusted authority", "pinned", "trusted for this run"
	Mechanism   string // the SASL mechanism used
	Binding     string // the channel-binding type used, "" for none
	ConnectedAt time.Time
}

// tlsState is the account's record of the current connection's TLS
// (guarded by Account.mu).
type tlsState struct {
	info *TLSInfo // nil while not logged in
}

// noteTLS records the TLS of a fresh login.
func (a *Account) noteTLS(cs tls.ConnectionState, out auth.Outcome) {
	info := &TLSInfo{
		Version:     tls.VersionName(cs.Version),
		Cipher:      tls.CipherSuiteName(cs.CipherSuite),
		Chain:       cs.PeerCertificates,
		Trust:       "verified by a trusted authority",
		Mechanism:   out.Mechanism,
		Binding:     out.Binding,
		ConnectedAt: time.Now(),
	}
	if len(cs.PeerCertificates) > 0 {
		pinned, once := a.cfg.Trust.TrustedBy(a.cfg.JID.Domainpart(), tlstrust.Fingerprint(cs.PeerCertificates[0]))
		switch {
		case pinned:
			info.Trust = "pinned (/tls trusted)"
		case once:
			info.Trust = "trusted for this run"
		}
	}
	a.mu.Lock()
	a.tls.info = info
	a.mu.Unlock()
}

// TLSInfo returns the TLS of the current connection; false while the
// account is not online.
func (a *Account) TLSInfo() (TLSInfo, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tls.info == nil || a.sess == nil {
		return TLSInfo{}, false
	}
	return *a.tls.info, true
}

// TrustCertificate trusts cert for the account's server: for this run
// only, or with always from now on (written to the pin file, in place of
// the server's other pins). Connect then logs in with it. With always it
// writes a file: call it off the UI goroutine.
func (a *Account) TrustCertificate(cert *x509.Certificate, always bool) error {
	if a.cfg.Trust == nil {
		return errors.New("this account keeps no certificate pins")
	}
	server := a.cfg.JID.Domainpart()
	if always {
		return a.cfg.Trust.Pin(server, cert, true, time.Now())
	}
	a.cfg.Trust.TrustOnce(server, cert)
	return nil
}

// Pins returns the certificate pins of every server (the pin store is
// shared by the accounts).
func (a *Account) Pins() []tlstrust.Pin { return a.cfg.Trust.Pins() }

// RevokePin removes the pins of fingerprint fp (or a unique prefix of it)
// and returns them; it writes a file: call it off the UI goroutine.
func (a *Account) RevokePin(fp string) ([]tlstrust.Pin, error) {
	if a.cfg.Trust == nil {
		return nil, errors.New("this account keeps no certificate pins")
	}
	return a.cfg.Trust.Revoke(fp)
}

// PinFile is the file the pins live in, "" when the account has none.
func (a *Account) PinFile() string {
	if a.cfg.Trust == nil {
		return ""
	}
	return a.cfg.Trust.Path()
}

// certFailed emits the CertificateEvent of err, when it is a certificate
// that is not trusted.
func (a *Account) certFailed(err error) {
	var ce *tlstrust.CertError
	if !errors.As(err, &ce) {
		return
	}
	reason := ""
	if ce.Err != nil {
		reason = tlstrust.Reason(ce.Err)
	}
	a.emit(CertificateEvent{Base: a.base(), Server: ce.Server, Cert: ce.Cert, Fingerprint: ce.Fingerprint(), Reason: reason, Pinned: ce.Pinned})
}

// describeCert is the one-line text of a refused certificate.
func describeCert(ce *tlstrust.CertError) string {
	if ce.Changed() {
		return "refused: " + ce.Error()
	}
	return fmt.Sprintf("certificate for %s is %s (SHA-256 %s): trust it when asked, or ca_file can add a trusted root",
		ce.Server, tlstrust.Reason(ce.Err), ce.Fingerprint())
}
