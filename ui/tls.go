package ui

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/account"
	"parley/tlstrust"
)

// TLSAccount is what /tls and the certificate prompt (tlsprompt.go) need
// from an account (account.Account). The pins are shared by the accounts
// (one pin file); TrustCertificate with always and RevokePin write it: the
// UI calls them off the tview goroutine.
type TLSAccount interface {
	// TLSInfo is the current connection's TLS; false while offline.
	TLSInfo() (account.TLSInfo, bool)
	// TrustCertificate trusts cert for the account's server, for this
	// run or always (its pin written).
	TrustCertificate(cert *x509.Certificate, always bool) error
	// Pins returns every server's pins.
	Pins() []tlstrust.Pin
	// RevokePin removes the pins of a fingerprint (or a unique prefix of
	// at least 4 bytes) and returns them.
	RevokePin(fp string) ([]tlstrust.Pin, error)
	// PinFile is where the pins live ("" when there are none).
	PinFile() string
}

// tlsCommands are the rows of certificate trust (issue 15).
func tlsCommands() []command {
	return []command{
		{name: "tls", usage: "[-a ACCOUNT] trusted | revoke FINGERPRINT | show", help: "certificates: trusted lists the certificates pinned (trusted although they do not verify, by SHA-256 fingerprint, per server); revoke removes a pin (the whole fingerprint or its start, Tab completes); show describes this account's connection: certificate, how it was trusted, TLS version, cipher, SASL mechanism and channel binding. A certificate that does not verify, or that differs from its server's pin, stops the login and asks: No, Trust once, Trust always", min: 1, max: 2, acct: true, run: cmdTLS, complete: completeTLS},
	}
}

// tlsAcct returns the account of c and its TLS side.
func (u *UI) tlsAcct(c *call) (*acctState, TLSAccount, error) {
	a, err := u.pickAcct(c)
	if err != nil && c.acct == nil && len(u.accts) > 0 {
		a, err = u.accts[0], nil // the pins are every account's: any will do for them
	}
	if err != nil {
		return nil, nil, err
	}
	ta, ok := a.a.(TLSAccount)
	if !ok {
		return nil, nil, errors.New("account " + a.name + " keeps no certificates")
	}
	return a, ta, nil
}

func cmdTLS(u *UI, c *call) error {
	switch c.args[0] {
	case "trusted", "list":
		if len(c.args) != 1 {
			return errUsage
		}
		_, ta, err := u.tlsAcct(c)
		if err != nil {
			return err
		}
		u.info(c.win, false, pinList(ta.Pins(), ta.PinFile()))
		return nil
	case "revoke":
		if len(c.args) != 2 {
			return errUsage
		}
		_, ta, err := u.tlsAcct(c)
		if err != nil {
			return err
		}
		fp := c.args[1]
		u.async(c.win, func(context.Context) (string, error) { // writes the pin file
			gone, err := ta.RevokePin(fp)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			for _, p := range gone {
				fmt.Fprintf(&b, "revoked the pin of %s: %s (its certificate must now verify, or it is asked about again)\n", cleanName(p.Server), p.Fingerprint)
			}
			return strings.TrimSuffix(b.String(), "\n"), nil
		})
		return nil
	case "show":
		if len(c.args) != 1 {
			return errUsage
		}
		a, err := u.pickAcct(c)
		if err != nil {
			return err
		}
		ta, ok := a.a.(TLSAccount)
		if !ok {
			return errors.New("account " + a.name + " keeps no certificates")
		}
		info, ok := ta.TLSInfo()
		if !ok {
			return errors.New(a.jid.String() + " is not online: /tls show describes a live connection")
		}
		u.info(c.win, false, tlsShow(a, info))
		return nil
	}
	return errUsage
}

// pinList is /tls trusted's text.
func pinList(pins []tlstrust.Pin, file string) string {
	if len(pins) == 0 {
		if file == "" {
			return "no certificate is pinned"
		}
		return "no certificate is pinned (they would be kept in " + file + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d pinned certificate(s), in %s:", len(pins), file)
	for _, p := range pins {
		fmt.Fprintf(&b, "\n  %s  %s  pinned %s", cleanName(p.Server), p.Fingerprint, p.Added.Local().Format("2006-01-02 15:04"))
		if p.Note != "" {
			b.WriteString("  " + cleanName(p.Note))
		}
	}
	return b.String()
}

// tlsShow is /tls show's text.
func tlsShow(a *acctState, info account.TLSInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %s, since %s", a.jid, info.Version, info.Cipher, info.ConnectedAt.Local().Format(time.DateTime))
	mech := info.Mechanism
	if mech == "" {
		mech = "none"
	}
	binding := info.Binding
	if binding == "" {
		binding = "none"
	}
	fmt.Fprintf(&b, "\n  SASL:    %s, channel binding %s", cleanName(mech), cleanName(binding))
	fmt.Fprintf(&b, "\n  trust:   %s", info.Trust)
	if len(info.Chain) > 0 {
		for _, l := range tlstrust.Describe(info.Chain[0]) {
			b.WriteString("\n  " + l)
		}
		for _, c := range info.Chain[1:] {
			fmt.Fprintf(&b, "\n  chain:   %s", cleanName(c.Subject.String()))
		}
	}
	return b.String()
}

// completeTLS completes the subcommand, and revoke's fingerprint from the
// pins.
func completeTLS(u *UI, n int, args []string) []string {
	switch {
	case n == 0:
		return []string{"trusted", "revoke", "show"}
	case n == 1 && len(args) > 0 && args[0] == "revoke":
		for _, a := range u.accts {
			if ta, ok := a.a.(TLSAccount); ok {
				pins := ta.Pins()
				out := make([]string, 0, len(pins))
				for _, p := range pins {
					out = append(out, p.Fingerprint)
				}
				return out
			}
		}
	}
	return nil
}
