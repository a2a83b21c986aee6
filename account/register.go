package account

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/register"
	"parley/sm"
)

// This file is in-band registration (XEP-0077): creating an account on a
// fresh stream before authentication (Register), changing the password of
// a logged-in account and removing it from the server.

// RegisterError is a registration, password change or removal the server
// refused: its defined condition (conflict, not-allowed, …), its text, and
// the sentence shown.
type RegisterError struct {
	Cond string
	Text string
	msg  string
}

func (e *RegisterError) Error() string { return e.msg }

// registerError words a refusal; what is the action refused ("registration",
// "the password change", "the removal").
func registerError(what string, err error) error {
	var ie iqError
	if !errors.As(err, &ie) {
		return err
	}
	text := strings.TrimPrefix(strings.TrimPrefix(ie.text, strings.ReplaceAll(ie.cond, "-", " ")), ": ")
	if text == ie.text && ie.cond == "" {
		text = ie.text
	}
	var why string
	switch ie.cond {
	case "conflict":
		why = "that username is taken"
	case "not-acceptable":
		why = "a required field is missing or not acceptable"
	case "not-allowed", "forbidden":
		why = "the server does not allow it"
	case "not-authorized":
		why = "the server wants more than parley sent (it may need a web page or the old password)"
	case "service-unavailable", "feature-not-implemented":
		why = "the server does not offer in-band registration (XEP-0077)"
	case "resource-constraint", "policy-violation":
		why = "the server refuses it for now (too many registrations?); try later"
	case "bad-request", "jid-malformed":
		why = "the server found the request malformed"
	default:
		why = "refused: " + ie.text
		text = ""
	}
	msg := fmt.Sprintf("%s failed: %s", what, why)
	if text != "" {
		msg += " (" + oneLine(clip(text, maxStatus)) + ")"
	}
	return &RegisterError{Cond: ie.cond, Text: text, msg: msg}
}

// ChangePassword changes the account's password on the server
// (jabber:iq:register, XEP-0077 §3.3). On success the next logins (a
// reconnect among them) use it instead of Config.Password. It needs the
// account online.
func (a *Account) ChangePassword(ctx context.Context, password string) error {
	if password == "" {
		return errors.New("the new password is empty")
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	err = checkedIQ(ctx, sess, a.bare, "set", jid.JID{}, register.ChangePassword(a.bare.Localpart(), password), nil) // no to: our account (ejabberd answers from it)
	if err != nil {
		return registerError("the password change", err)
	}
	a.mu.Lock()
	a.newPassword = password
	a.mu.Unlock()
	return nil
}

// password returns the password of the next login: the one ChangePassword
// set, else Config.Password's.
func (a *Account) password(ctx context.Context) (string, error) {
	a.mu.Lock()
	pw := a.newPassword
	a.mu.Unlock()
	if pw != "" || a.cfg.Password == nil {
		return pw, nil
	}
	return a.cfg.Password(ctx)
}

// Unregister deletes the account from the server (XEP-0077 §3.2), then
// keeps it offline as Disconnect does (a login would fail: the account is
// gone). It needs the account online; it waits, bounded by ctx, for the
// logout.
func (a *Account) Unregister(ctx context.Context) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	// The server may end the stream as soon as it has answered: going
	// idle first keeps the account from reconnecting to a deleted account.
	a.mu.Lock()
	wasIdle := a.rc.idle
	a.rc.idle = true
	if a.rc.idleCh == nil {
		a.rc.idleCh = make(chan struct{})
	}
	ch := a.rc.idleCh
	a.mu.Unlock()
	err = checkedIQ(ctx, sess, a.bare, "set", jid.JID{}, register.Remove(), nil)
	if err != nil && !isTransportError(err) {
		a.mu.Lock()
		a.rc.idle = wasIdle
		a.mu.Unlock()
		a.wakeUp() // the session is back to what it was (or reconnects if it ended)
		return registerError("the removal", err)
	}
	// Removed (or the server closed the stream without answering, as some
	// do): log out what is left.
	a.mu.Lock()
	sess, conn := a.sess, a.conn
	a.mu.Unlock()
	if sess != nil {
		a.goodbye(ctx, sess, conn)
	}
	a.wakeUp()
	select {
	case <-ch:
	case <-ctx.Done():
	}
	return nil
}

// unadvertisedWait bounds the wait for the fields from a server that does
// not list the registration feature.
const unadvertisedWait = 5 * time.Second

// Registration is a stream to a server before authentication, open for
// in-band registration: Query is the server's answer to the registration
// get (its fields, form or web page). Submit registers; Close ends it.
type Registration struct {
	Query *register.Query
	// Advertised: the server listed the registration stream feature (some
	// answer the query without listing it).
	Advertised bool

	cfg    Config // to open a new stream if the server ends this one (Submit)
	sess   *xmpp.Session
	conn   net.Conn
	domain jid.JID
	served chan struct{} // closed when Serve returns

	closeOnce sync.Once
	closeErr  error
}

// Register connects to the server of cfg (cfg.JID's domain; Host, Port,
// DirectTLS and CAFile as a login uses them), negotiates TLS and, without
// authenticating, asks for the registration fields. Only Register and
// Submit's IQs cross the stream; TLS is required, as for a login.
func Register(ctx context.Context, cfg Config) (*Registration, error) {
	domain := cfg.JID.Domain()
	cfg.JID = domain
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	conn, err := cfg.dialConn(ctx, tc)
	if err != nil {
		return nil, err
	}
	r := &Registration{cfg: cfg, conn: conn, domain: domain, served: make(chan struct{})}
	st := sm.New(sm.Options{}) // its limits on what the server sends; no stream management here
	features := []xmpp.StreamFeature{r.feature(), saslStop()}
	if tconn, ok := conn.(*tls.Conn); ok {
		r.sess, err = xmpp.NewSession(ctx, domain, domain, st.Wrap(tconn), xmpp.Secure,
			xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
				return xmpp.StreamConfig{Features: features}
			}))
	} else {
		r.sess, err = xmpp.NewClientSession(ctx, domain, sm.Limit(conn), append([]xmpp.StreamFeature{st.StartTLS(tc)}, features...)...)
	}
	if err == nil && (r.sess.State()&xmpp.Secure == 0 || r.sess.ConnectionState().Version == 0) {
		err = ErrNoTLS
	}
	if err != nil {
		if r.sess != nil {
			_ = r.sess.Close()
		}
		conn.Close()
		return nil, err
	}
	go func() {
		defer close(r.served)
		_ = r.sess.Serve(nil) // nothing but IQ answers is expected; others are refused by mellium
	}()
	getCtx := ctx
	if !r.Advertised { // some answer anyway, some never do (ejabberd without mod_register)
		var cancel context.CancelFunc
		getCtx, cancel = context.WithTimeout(ctx, unadvertisedWait)
		defer cancel()
	}
	err = checkedIQ(getCtx, r.sess, domain, "get", domain, register.Get(), func(start xml.StartElement, rd xml.TokenReader) error {
		q, err := register.Parse(rd, start)
		r.Query = q
		return err
	})
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = iqError{cond: "service-unavailable", text: "no answer, and the stream features do not list it"}
	}
	if err == nil && r.Query == nil {
		err = errors.New("the server's answer holds no registration query")
	}
	if err != nil {
		r.Close()
		return nil, registerError("registration", err)
	}
	return r, nil
}

// Submit registers with f, the form of Query.Fill filled in. On success
// the account exists; log in with a fresh session (this stream stays
// unauthenticated). When the server has ended the stream meanwhile
// (servers close an idle unauthenticated stream after a while: the user
// took time over the form), Submit asks again on a new stream and submits
// the same answers in the new form (with its hidden values), unless the
// new form wants a field the old one did not have.
func (r *Registration) Submit(ctx context.Context, f *forms.Form) error {
	err := checkedIQ(ctx, r.sess, r.domain, "set", r.domain, r.Query.Submission(f), nil)
	if err == nil {
		return nil
	}
	if !r.lost(err) {
		return registerError("registration", err)
	}
	nr, rerr := Register(ctx, r.cfg)
	if rerr != nil {
		return fmt.Errorf("registration failed: the server closed the connection, and again: %w", rerr)
	}
	defer nr.Close()
	nf := nr.Query.Fill()
	for i := range nf.Fields {
		fd := &nf.Fields[i]
		if !fd.Editable() {
			continue // the new stream's hidden values (a token) go back
		}
		if old := f.Field(fd.Var); old != nil {
			fd.Values = append([]string(nil), old.Values...)
		} else if fd.Required {
			return errors.New("registration failed: the server closed the connection and its new form asks for more: fill it in again")
		}
	}
	if err := checkedIQ(ctx, nr.sess, nr.domain, "set", nr.domain, nr.Query.Submission(nf), nil); err != nil {
		return registerError("registration", err)
	}
	return nil
}

// lost reports whether err says the stream is gone.
func (r *Registration) lost(err error) bool {
	var ie iqError
	if errors.As(err, &ie) || errors.Is(err, ErrSpoofed) {
		return false // the server answered
	}
	select {
	case <-r.served:
		return true
	default:
	}
	return isTransportError(err)
}

// Close ends the stream and the connection. It is safe to call more than
// once, from any goroutine.
func (r *Registration) Close() error {
	r.closeOnce.Do(func() {
		r.closeErr = r.sess.Close()
		r.conn.Close()
		<-r.served
	})
	return r.closeErr
}

// feature is the registration stream feature (XEP-0077 §4): read to know
// the server offers it, never negotiated (the IQs follow negotiation).
func (r *Registration) feature() xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:      xml.Name{Space: register.NSFeature, Local: "register"},
		Necessary: xmpp.Secure,
		Parse: func(_ context.Context, d *xml.Decoder, _ *xml.StartElement) (bool, interface{}, error) {
			r.Advertised = true
			return false, nil, d.Skip()
		},
	}
}

// saslStop ends negotiation at the SASL mechanisms without authenticating:
// registration happens on the unauthenticated stream, which mellium would
// otherwise refuse to hand over with a required feature left.
func saslStop() xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:      xml.Name{Space: "urn:ietf:params:xml:ns:xmpp-sasl", Local: "mechanisms"},
		Necessary: xmpp.Secure,
		Parse: func(_ context.Context, d *xml.Decoder, _ *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(context.Context, *xmpp.Session, interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			return xmpp.Ready, nil, nil
		},
	}
}

// Answer returns the server's answer to the registration get.
func (r *Registration) Answer() *register.Query { return r.Query }
