package account

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"mellium.im/xmpp"
	"mellium.im/xmpp/dial"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/stream"

	"parley/auth"
	"parley/internal/readpace"
	"parley/sm"
	"parley/tlstrust"
)

// Errors that end a session; Run returns them (possibly wrapped) and they
// are the Err of the final StateEvent.
var (
	// ErrAuth means the server rejected the credentials.
	ErrAuth = errors.New("authentication failed")
	// ErrNoTLS means the server does not offer TLS; parley never sends
	// credentials or messages in the clear.
	ErrNoTLS = errors.New("server does not offer TLS")
	// ErrServerClosed means the server ended the stream without an error.
	ErrServerClosed = errors.New("server closed the stream")
	// ErrOffline is returned by operations that need a live session.
	ErrOffline = errors.New("account is not online")
	// ErrAlreadyOnline is returned by Connect on an account that is online.
	ErrAlreadyOnline = errors.New("already online")
	// ErrAlreadyConnecting is returned by Connect on an account that is
	// connecting or logging in.
	ErrAlreadyConnecting = errors.New("already connecting")
)

// tlsConfig builds the TLS configuration: the system roots plus CAFile,
// verification always on, the account's domain as the server name. The
// verification is tlstrust's (InsecureSkipVerify only hands it over): the
// chain, name and validity exactly as crypto/tls checks them, then the
// pins of Trust (tls.go).
func (c Config) tlsConfig() (*tls.Config, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	return &tls.Config{
		ServerName: c.JID.Domainpart(),
		RootCAs:    pool,
		// Verified by VerifyConnection, never skipped.
		InsecureSkipVerify: true,
		VerifyConnection:   c.Trust.Verifier(c.JID.Domainpart(), pool, nil),
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"xmpp-client"},
	}, nil
}

// dialConn opens the transport: an explicit host/port, or SRV lookup via
// mellium's dial package (which tries _xmpps-client, then _xmpp-client, then
// the domain on 5222). For direct TLS the returned conn is a finished
// *tls.Conn. The socket's reads are paced (internal/readpace) wherever
// parley makes the TLS client itself: not under the direct TLS that
// mellium's dialer makes for an _xmpps-client record.
func (c Config) dialConn(ctx context.Context, tc *tls.Config) (net.Conn, error) {
	if c.Host == "" {
		d := dial.Dialer{NoLookup: false, TLSConfig: tc}
		conn, err := d.Dial(ctx, "tcp", c.JID)
		if err != nil {
			return nil, err
		}
		tconn, ok := conn.(*tls.Conn)
		if !ok {
			return readpace.New(conn, 0), nil
		}
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
	port := c.Port
	if port == 0 {
		port = 5222
		if c.DirectTLS {
			port = 5223
		}
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn = readpace.New(conn, 0)
	if c.DirectTLS {
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tconn, nil
	}
	return conn, nil
}

// paceReads turns on the pacing of conn's reads where parley made conn
// (dialConn), once the login's requests and replies are done, and returns
// what stops it being woken when the connection ends.
func (a *Account) paceReads(conn net.Conn) func() {
	if t, ok := conn.(*tls.Conn); ok {
		conn = t.NetConn()
	}
	p, ok := conn.(*readpace.Conn)
	if !ok {
		return func() {}
	}
	a.pacer.Store(p)
	p.Start()
	return func() { a.pacer.CompareAndSwap(p, nil) }
}

// awaitReply has the paced reader read at once: an IQ went out (sm's
// OnIQ), and its reply should not wait out the gap.
func (a *Account) awaitReply() {
	if p := a.pacer.Load(); p != nil {
		p.Wake()
	}
}

// login dials and negotiates TLS, SASL and resource binding. It returns the
// session and the raw connection (which the caller closes).
func (a *Account) login(ctx context.Context) (*xmpp.Session, net.Conn, error) {
	tc, err := a.cfg.tlsConfig()
	if err != nil {
		return nil, nil, err
	}
	pass, err := a.password(ctx) // Config.Password, or the one ChangePassword set (register.go)
	if err != nil {
		return nil, nil, fmt.Errorf("password: %w", err)
	}
	conn, err := a.cfg.dialConn(ctx, tc)
	if err != nil {
		return nil, nil, err
	}
	origin := a.bare
	if a.cfg.Resource != "" {
		if withRes, err := a.bare.WithResource(a.cfg.Resource); err == nil {
			origin = withRes
		}
	}
	var out auth.Outcome
	sess, err := a.negotiate(ctx, conn, tc, origin, pass, &out)
	if err == nil {
		st := sess.State()
		switch {
		case st&xmpp.Secure == 0 || sess.ConnectionState().Version == 0:
			err = ErrNoTLS
		case st&xmpp.Authn == 0:
			err = ErrAuth
		}
		if err != nil {
			_ = sess.Close()
		}
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	a.noteTLS(sess.ConnectionState(), out) // for /tls show (tls.go)
	return sess, conn, nil
}

// negotiate runs the stream negotiation on conn with stream management
// (XEP-0198): the account's sm.State counts stanzas on the plaintext under
// TLS, and its bind feature resumes the previous session or binds
// origin's resource and enables stream management (see package sm).
func (a *Account) negotiate(ctx context.Context, conn net.Conn, tc *tls.Config, origin jid.JID, pass string, out *auth.Outcome) (*xmpp.Session, error) {
	a.csiConnecting()
	rest := append(append(a.authFeatures(pass, out), a.csiFeature()), a.sm.Features(origin.Resourcepart())...)
	if tconn, ok := conn.(*tls.Conn); ok {
		// Direct TLS: mellium only recognises an unwrapped *tls.Conn as
		// secure, so say so.
		return xmpp.NewSession(ctx, a.bare.Domain(), origin, a.sm.Wrap(tconn), xmpp.Secure,
			xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
				return xmpp.StreamConfig{Features: rest}
			}))
	}
	// sm.Limit bounds the plaintext before STARTTLS as Wrap does after it.
	return xmpp.NewClientSession(ctx, origin, sm.Limit(conn), append([]xmpp.StreamFeature{a.sm.StartTLS(tc)}, rest...)...)
}

// authFeatures are SASL (package auth: SCRAM with the channel binding the
// server can verify, PLAIN last and only inside TLS) with failures tagged
// as ErrAuth; out receives the mechanism and binding used.
func (a *Account) authFeatures(pass string, out *auth.Outcome) []xmpp.StreamFeature {
	fs := auth.Features(pass, out)
	sasl := &fs[len(fs)-1]
	inner := sasl.Negotiate
	sasl.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		if s.State()&xmpp.Secure == 0 || s.ConnectionState().Version == 0 {
			return 0, nil, ErrNoTLS
		}
		mask, rw, err := inner(ctx, s, data)
		if err != nil && !isTransportError(err) {
			err = fmt.Errorf("%w: %w", ErrAuth, err)
		}
		return mask, rw, err
	}
	return fs
}

// isTransportError reports errors of the connection or stream rather than
// of the credentials.
func isTransportError(err error) bool {
	var netErr net.Error
	var streamErr stream.Error
	return errors.As(err, &netErr) || errors.As(err, &streamErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNRESET)
}

// UntrustedCertificate returns the server's certificate when err (the Err
// of a StateEvent) says it is signed by an authority nobody trusts here (a
// self-signed certificate, a private CA): the first-run setup offers to
// trust it.
func UntrustedCertificate(err error) (*x509.Certificate, bool) {
	var ce *tlstrust.CertError
	if errors.As(err, &ce) && ce.Cert != nil {
		return ce.Cert, true
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) && unknown.Cert != nil {
		return unknown.Cert, true
	}
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) && errors.As(verify.Err, &unknown) && len(verify.UnverifiedCertificates) > 0 {
		return verify.UnverifiedCertificates[0], true
	}
	return nil, false
}

// describe maps an error that ended a session to the state to enter and a
// one-line explanation for the UI. Failed is for errors that a retry will
// not fix (credentials, certificates, TLS refused, resource conflict).
func (a *Account) describe(err error) (State, string) {
	domain := a.cfg.JID.Domainpart()
	var (
		certInvalid x509.CertificateInvalidError
		hostErr     x509.HostnameError
		unknownAuth x509.UnknownAuthorityError
		tlsVerify   *tls.CertificateVerificationError
		alert       tls.AlertError
		streamErr   stream.Error
		stanzaErr   stanza.Error
		netErr      *net.OpError
		dnsErr      *net.DNSError
		syntaxErr   *xml.SyntaxError
		saslFail    *auth.Failure
		tooLarge    *sm.LimitError
	)
	var certErr *tlstrust.CertError
	switch {
	case errors.As(err, &certErr):
		return Failed, describeCert(certErr) // tls.go
	case errors.As(err, &saslFail):
		return describeSASL(saslFail)
	case errors.Is(err, ErrAuth):
		return Failed, oneLine(errText(err))
	case errors.Is(err, ErrNoTLS) || strings.Contains(errText(err), "TLS negotiation failed"):
		return Failed, "server does not offer TLS; parley refuses unencrypted connections"
	case errors.As(err, &hostErr):
		return Failed, fmt.Sprintf("certificate is not valid for %s (%s)", domain, hostErr.Error())
	case errors.As(err, &unknownAuth):
		return Failed, fmt.Sprintf("certificate for %s is signed by an unknown authority; ca_file can add a trusted root", domain)
	case errors.As(err, &certInvalid):
		return Failed, fmt.Sprintf("certificate for %s is not valid: %s", domain, certInvalid.Error())
	case errors.As(err, &tlsVerify):
		return Failed, fmt.Sprintf("certificate for %s could not be verified (%v); ca_file can add a trusted root", domain, tlsVerify.Err)
	case errors.As(err, &alert) || errors.As(err, &netErr) && netErr.Op == "remote error":
		// A TLS alert from the server (Go reports it as a "remote error").
		if strings.Contains(errText(err), "unrecognized name") {
			return Failed, fmt.Sprintf("server has no certificate for %s (TLS alert: unrecognized name)", domain)
		}
		return Failed, fmt.Sprintf("TLS handshake with %s refused by the server: %s", a.endpoint(), oneLine(errText(err)))
	case errors.As(err, &streamErr):
		return a.describeStreamError(streamErr)
	case errors.As(err, &tooLarge):
		// Not read, not kept; a resumed session does not send it again.
		return Disconnected, "the server sent " + strings.TrimPrefix(tooLarge.Error(), "sm: refused ") + "; parley refused it"
	case errors.As(err, &stanzaErr):
		return Disconnected, "server refused: " + joinErr(string(stanzaErr.Condition), stanzaErr.Error())
	case errors.Is(err, ErrServerClosed):
		return Disconnected, "server closed the stream"
	case errors.As(err, &dnsErr):
		return Disconnected, fmt.Sprintf("cannot resolve %s: %v", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return Disconnected, fmt.Sprintf("cannot connect to %s: connection refused", a.endpoint())
	case errors.Is(err, errNoAnswer):
		return Disconnected, "connection lost: " + errText(err)
	case errors.Is(err, context.DeadlineExceeded):
		return Disconnected, fmt.Sprintf("connection to %s timed out", a.endpoint())
	case errors.As(err, &netErr) && netErr.Op == "dial":
		return Disconnected, fmt.Sprintf("cannot connect to %s: %v", a.endpoint(), netErr.Err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &netErr) && (netErr.Op == "read" || netErr.Op == "write") ||
		errors.As(err, &syntaxErr) && syntaxErr.Msg == "unexpected EOF": // the server closed the TCP connection mid-stream
		return Disconnected, "connection lost"
	case strings.HasPrefix(errText(err), "ca_file") || strings.HasPrefix(errText(err), "password:"):
		return Failed, errText(err)
	}
	return Disconnected, "connection failed: " + oneLine(errText(err))
}

func (a *Account) describeStreamError(se stream.Error) (State, string) {
	text := ""
	for _, t := range se.Text {
		if t.Value != "" {
			text = t.Value
			break
		}
	}
	switch se.Err {
	case "conflict":
		res := a.cfg.Resource
		if res == "" {
			res = "(server-assigned)"
		}
		msg := "stream error conflict: another client logged in with resource " + res
		if text != "" {
			msg += " (" + strings.TrimPrefix(suffix(text), ": ") + ")"
		}
		return Failed, msg
	case "system-shutdown":
		return Disconnected, "server is shutting down" + suffix(text)
	case "policy-violation", "host-unknown":
		return Failed, "stream error " + se.Err + suffix(text)
	}
	// not-authorized among them: a stream error is not a SASL failure (the
	// server may end a session for many reasons); the next login says
	// whether the credentials still work.
	return Disconnected, "stream error " + se.Err + suffix(text)
}

// maxStreamText bounds the server's text shown with a stream error.
const maxStreamText = 256

func suffix(text string) string {
	if text = oneLine(clip(text, 4*maxStreamText)); text == "" {
		return ""
	}
	if len(text) > maxStreamText {
		text = clip(text, maxStreamText) + "…"
	}
	return ": " + text
}

func (a *Account) endpoint() string {
	if a.cfg.Host == "" {
		return a.cfg.JID.Domainpart()
	}
	port := a.cfg.Port
	if port == 0 {
		port = 5222
		if a.cfg.DirectTLS {
			port = 5223
		}
	}
	return net.JoinHostPort(a.cfg.Host, strconv.Itoa(port))
}

// describeSASL explains a SASL failure with the server's condition and
// text. A temporary failure is retried; any other is not.
func describeSASL(f *auth.Failure) (State, string) {
	text := "authentication failed: " + f.Condition
	switch {
	case f.Text != "":
		text += ": " + oneLine(clip(f.Text, maxStatus))
	case f.Condition == "not-authorized":
		text += " (wrong password or unknown account)"
	}
	if f.Temporary() {
		return Disconnected, text
	}
	return Failed, text
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// oneLine flattens text to a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
