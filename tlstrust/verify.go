package tlstrust

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/sanitize"
)

// CertError is the error of a handshake whose certificate parley does not
// trust: it does not verify and is not pinned (Pinned empty: first use),
// or the server has pins and the certificate matches none of them
// (Changed: a renewal, or an interception). Cert is the server's leaf
// certificate, Err why it does not verify (nil when it does, which only a
// changed certificate can be).
type CertError struct {
	Server string
	Cert   *x509.Certificate
	Err    error
	Pinned []Pin // the server's pins, when the certificate is not one of them
}

// Changed reports whether the server has pins and this is not one of them.
func (e *CertError) Changed() bool { return len(e.Pinned) > 0 }

// Fingerprint is the fingerprint of the certificate presented.
func (e *CertError) Fingerprint() string { return Fingerprint(e.Cert) }

func (e *CertError) Error() string {
	if e.Changed() {
		olds := make([]string, len(e.Pinned))
		for i, p := range e.Pinned {
			olds[i] = p.Fingerprint
		}
		return fmt.Sprintf("the certificate of %s changed: it is %s, the one pinned is %s (a renewal, or someone intercepting the connection)",
			e.Server, e.Fingerprint(), strings.Join(olds, ", "))
	}
	return fmt.Sprintf("the certificate of %s is not trusted (%s): SHA-256 %s", e.Server, Reason(e.Err), e.Fingerprint())
}

// Unwrap returns why the certificate does not verify.
func (e *CertError) Unwrap() error { return e.Err }

// Reason says in a few words why a certificate did not verify.
func Reason(err error) string {
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case err == nil:
		return "it is signed by a trusted authority"
	case errors.As(err, &unknown):
		if unknown.Cert != nil && unknown.Cert.Subject.String() == unknown.Cert.Issuer.String() {
			return "self-signed"
		}
		return "signed by an unknown authority"
	case errors.As(err, &host):
		return "not valid for " + sanitize.Text(host.Host)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "expired or not yet valid"
	}
	return sanitize.Text(err.Error())
}

// Verifier returns the VerifyConnection of a tls.Config that checks the
// certificate chain of server against roots (nil: the system's) and then
// the pins of s (nil: none). Its tls.Config must set InsecureSkipVerify,
// so that the verification is this function's: it verifies exactly as
// crypto/tls does (the chain, the name, the validity), and then
//   - a certificate pinned for server, or trusted once, is accepted;
//   - a certificate of a server that has pins but not this one is refused
//     (CertError, Changed), whether or not it verifies;
//   - a certificate that verifies is accepted;
//   - any other is refused (CertError with the verification's error).
//
// now gives the time to verify at (nil: time.Now).
func (s *Store) Verifier(server string, roots *x509.CertPool, now func() time.Time) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the server sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		opts := x509.VerifyOptions{Roots: roots, DNSName: server, Intermediates: x509.NewCertPool()}
		if now != nil {
			opts.CurrentTime = now()
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, verr := leaf.Verify(opts)
		ok, pins := s.trusted(server, Fingerprint(leaf))
		switch {
		case ok:
			return nil
		case len(pins) > 0:
			return &CertError{Server: normServer(server), Cert: leaf, Err: verr, Pinned: pins}
		case verr == nil:
			return nil
		}
		return &CertError{Server: normServer(server), Cert: leaf, Err: verr}
	}
}

// Describe is what a user needs to decide on trusting c, a line each:
// subject, issuer, names, validity, fingerprint. Its fields come from the
// network: they are sanitized and bounded.
func Describe(c *x509.Certificate) []string {
	lines := []string{
		"subject: " + clip(sanitize.Text(c.Subject.String()), 300),
		"issuer:  " + clip(sanitize.Text(c.Issuer.String()), 300),
	}
	if len(c.DNSNames) > 0 {
		names := c.DNSNames
		more := ""
		if len(names) > 8 {
			names, more = names[:8], fmt.Sprintf(" (and %d more)", len(c.DNSNames)-8)
		}
		lines = append(lines, "names:   "+clip(sanitize.Text(strings.Join(names, ", ")), 300)+more)
	}
	lines = append(lines,
		"valid:   "+c.NotBefore.UTC().Format("2006-01-02")+" to "+c.NotAfter.UTC().Format("2006-01-02"),
		"SHA-256: "+Fingerprint(c))
	return lines
}
