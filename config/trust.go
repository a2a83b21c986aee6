package config

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"parley/tlstrust"
)

// UntrustedCertError is what the login test given to Setup returns when the
// server's certificate is not signed by a trusted authority (a self-signed
// certificate, a private CA): Err says what failed, Cert is the server's
// certificate, which Setup offers to trust. Pin, when set, pins Cert
// (package tlstrust, as the connect-time prompt's "Trust always" does) and
// returns the pin file; without it, or when it fails, Setup saves Cert as
// the account's ca_file instead.
type UntrustedCertError struct {
	Cert *x509.Certificate
	Err  error
	Pin  func() (string, error)
}

func (e *UntrustedCertError) Error() string { return e.Err.Error() }

// Unwrap returns the login error.
func (e *UntrustedCertError) Unwrap() error { return e.Err }

// showCert prints what the user needs to decide on trusting c (sanitized:
// its fields come from the network), as the connect-time prompt shows it
// (package tlstrust).
func showCert(out io.Writer, c *x509.Certificate) {
	fmt.Fprintln(out, "The server presented this certificate:")
	for _, l := range tlstrust.Describe(c) {
		fmt.Fprintln(out, "  "+l)
	}
	fmt.Fprintln(out, "Trust it only if this fingerprint is the one your server's admin gives (for Prosody:")
	fmt.Fprintln(out, "`prosodyctl cert fingerprint`; or `openssl x509 -noout -fingerprint -sha256 -in CERT`).")
}

// certPath is where Setup saves the certificate trusted for account a:
// beside the config file, named after the account's domain (the name the
// certificate is for).
func certPath(configPath string, a Account) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, a.JID.Domainpart())
	return filepath.Join(filepath.Dir(configPath), strings.Trim(name, ".")+".pem")
}

// saveCert writes c as PEM to path, readable by its owner only (parent
// directories 0700), replacing what was there.
func saveCert(path string, c *x509.Certificate) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
