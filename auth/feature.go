// Package auth logs a client in with SASL (RFC 6120 §6) as a mellium
// stream feature: SCRAM (RFC 5802, RFC 7677) with the channel binding
// chosen from what the server advertises (XEP-0440), PLAIN as the last
// resort inside TLS, and a failure that carries the server's condition
// and text.
//
// mellium's own SASL feature binds tls-exporter on every TLS 1.3
// connection, which servers that know only tls-unique (ejabberd 23.01)
// refuse, and it drops the condition of a failure that has a text. The
// choice of mechanism and binding is one function (choose) over two
// tables (mechanisms, bindingTypes).
package auth

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
)

// Namespaces.
const (
	NSSASL = "urn:ietf:params:xml:ns:xmpp-sasl"
	NSCB   = "urn:xmpp:sasl-cb:0" // XEP-0440 SASL Channel-Binding Type Capability
)

// Bounds on the lists a server advertises.
const (
	maxListed = 32 // mechanisms or binding types kept
	maxName   = 64 // bytes of a mechanism or binding type name
	maxText   = 512
)

// Outcome is what a login used, for display and tests.
type Outcome struct {
	Offered    []string // mechanisms the server offered
	Advertised []string // channel-binding types of XEP-0440; nil when the server sent none
	Mechanism  string   // the mechanism used
	Binding    string   // the channel-binding type used, "" for none
}

// Failure is a SASL <failure/> (RFC 6120 §6.5) or a SCRAM server error
// (RFC 5802 §7): the condition and the server's text.
type Failure struct {
	Condition string // "not-authorized", "temporary-auth-failure", ...; a SCRAM e= value
	Text      string // the server's explanation, "" if none; clipped, one line
}

// Error is "condition: text".
func (f *Failure) Error() string {
	if f.Text == "" {
		return f.Condition
	}
	return f.Condition + ": " + f.Text
}

// Temporary reports a failure that a later attempt may not meet.
func (f *Failure) Temporary() bool { return f.Condition == "temporary-auth-failure" }

// ErrNoMechanism means the server offers no mechanism parley speaks.
var ErrNoMechanism = errors.New("the server offers no SASL mechanism parley speaks (SCRAM or PLAIN)")

// ErrDowngrade means the server listed channel-binding types (XEP-0440)
// that this connection supports but offered no -PLUS mechanism: someone in
// between stripped them, so parley does not log in.
var ErrDowngrade = errors.New("the server lists channel-binding types but offers no -PLUS mechanism: a possible downgrade by someone between parley and the server; login refused")

// Features returns the stream features that log in as the session's
// origin localpart with pass: XEP-0440's list (read only) and SASL. After
// a login, out (if not nil) says what was used.
func Features(pass string, out *Outcome) []xmpp.StreamFeature {
	return []xmpp.StreamFeature{
		{
			Name:       xml.Name{Space: NSCB, Local: "sasl-channel-binding"},
			Prohibited: xmpp.Authn,
			Parse: func(_ context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
				list, err := parseList(d, "channel-binding", "type")
				return false, list, err
			},
		},
		{
			Name:       xml.Name{Space: NSSASL, Local: "mechanisms"},
			Necessary:  xmpp.Secure,
			Prohibited: xmpp.Authn,
			Parse: func(_ context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
				list, err := parseList(d, "mechanism", "")
				return true, list, err
			},
			Negotiate: func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
				offered, _ := data.([]string)
				var advertised []string
				if d, ok := s.Feature(NSCB); ok {
					advertised, _ = d.([]string)
					if advertised == nil {
						advertised = []string{} // sent, but empty or unreadable: no type
					}
				}
				o := Outcome{Offered: offered, Advertised: advertised}
				err := login(ctx, s, pass, &o)
				if out != nil {
					*out = o
				}
				if err != nil {
					return 0, nil, err
				}
				return xmpp.Authn, s.Conn(), nil
			},
		},
	}
}

// parseList reads the children named child of the feature element whose
// start the decoder consumed: their text, or their attribute attr when
// attr is set. It keeps at most maxListed names of at most maxName bytes.
// The list is non-nil even when empty.
func parseList(d *xml.Decoder, child, attr string) ([]string, error) {
	list := []string{}
	depth := 0
	var text strings.Builder
	inChild := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return list, nil
		}
		if err != nil {
			return list, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && t.Name.Local == child {
				if attr == "" {
					inChild = true
					text.Reset()
					continue
				}
				for _, a := range t.Attr {
					if a.Name.Local == attr && a.Name.Space == "" {
						list = keep(list, a.Value)
					}
				}
			}
		case xml.CharData:
			if inChild && depth == 1 && text.Len() < maxName+1 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 1 && inChild {
				list = keep(list, strings.TrimSpace(text.String()))
				inChild = false
			}
			depth--
			if depth < 0 {
				return list, nil
			}
		}
	}
}

// keep appends name to list within the bounds.
func keep(list []string, name string) []string {
	if name == "" || len(name) > maxName || len(list) >= maxListed {
		return list
	}
	return append(list, name)
}

// login runs the SASL exchange on s.
func login(ctx context.Context, s *xmpp.Session, pass string, o *Outcome) error {
	cs := s.ConnectionState()
	if cs.Version == 0 {
		return errors.New("SASL outside TLS refused")
	}
	p, ok := choose(o.Offered, &cs, o.Advertised)
	if !ok {
		return ErrNoMechanism
	}
	if p.flag == "y" && len(o.Advertised) > 0 {
		return ErrDowngrade
	}
	o.Mechanism, o.Binding = p.mech.name, p.binding
	user := s.LocalAddr().Localpart()

	w := s.TokenWriter()
	defer w.Close()
	r := s.TokenReader()
	defer r.Close()
	x := exchange{ctx: ctx, w: w, r: r}

	if p.mech.hash == nil {
		if err := x.send("auth", plainResponse(user, pass), p.mech.name); err != nil {
			return err
		}
		kind, _, err := x.receive()
		if err == nil && kind != "success" {
			err = fmt.Errorf("SASL: unexpected %s after PLAIN", kind)
		}
		return err
	}

	c, err := newScram(p.mech, user, pass, p.flag, p.data)
	if err != nil {
		return err
	}
	if err := x.send("auth", c.first(), p.mech.name); err != nil {
		return err
	}
	kind, payload, err := x.receive()
	if err != nil {
		return err
	}
	if kind != "challenge" {
		return fmt.Errorf("SASL: %s instead of the SCRAM challenge", kind)
	}
	final, err := c.final(payload)
	if err != nil {
		_ = x.abort()
		return err
	}
	if err := x.send("response", final, ""); err != nil {
		return err
	}
	for {
		kind, payload, err = x.receive()
		if err != nil {
			return err
		}
		if len(payload) > 0 {
			if err := c.verify(payload); err != nil {
				if kind == "challenge" {
					_ = x.abort()
				}
				return err
			}
		}
		if kind == "success" {
			if !c.verified {
				return errServerSig
			}
			return nil
		}
		// The server-final-message in a challenge (servers that do not
		// send additional data with success): answer with an empty
		// response and wait for the success.
		if err := x.send("response", nil, ""); err != nil {
			return err
		}
	}
}

// exchange writes and reads the SASL nonzas of one login.
type exchange struct {
	ctx context.Context
	w   xmlstream.TokenWriteFlushCloser
	r   xml.TokenReader
}

// send writes <local mechanism=...>base64</local>; an empty payload is "=".
func (x exchange) send(local string, payload []byte, mech string) error {
	start := xml.StartElement{Name: xml.Name{Space: NSSASL, Local: local}}
	if mech != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "mechanism"}, Value: mech}}
	}
	text := "="
	if len(payload) > 0 {
		text = base64.StdEncoding.EncodeToString(payload)
	}
	if _, err := xmlstream.Copy(x.w, xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), start)); err != nil {
		return err
	}
	return x.w.Flush()
}

// abort ends the exchange from our side after a server we do not trust.
func (x exchange) abort() error {
	return x.send("abort", nil, "")
}

// receive reads the next top-level SASL element: "challenge" or "success"
// with its decoded payload, or the server's failure as a *Failure.
func (x exchange) receive() (string, []byte, error) {
	for {
		if err := x.ctx.Err(); err != nil {
			return "", nil, err
		}
		tok, err := x.r.Token()
		if err != nil {
			return "", nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue // whitespace between elements
		}
		if start.Name.Space != NSSASL {
			return "", nil, fmt.Errorf("SASL: unexpected <%s xmlns='%s'>", clip(start.Name.Local, maxName), clip(start.Name.Space, maxName))
		}
		switch start.Name.Local {
		case "challenge", "success":
			text, err := readText(x.r, 2*maxChallenge, false)
			if err != nil {
				return "", nil, err
			}
			text = strings.TrimSpace(text)
			if text == "" || text == "=" {
				return start.Name.Local, nil, nil
			}
			payload, err := base64.StdEncoding.DecodeString(text)
			if err != nil {
				return "", nil, fmt.Errorf("SASL: malformed base64 in <%s/>", start.Name.Local)
			}
			return start.Name.Local, payload, nil
		case "failure":
			f, err := readFailure(x.r)
			if err != nil {
				return "", nil, err
			}
			return "", nil, f
		default:
			return "", nil, fmt.Errorf("SASL: unexpected <%s/>", clip(start.Name.Local, maxName))
		}
	}
}

// readText reads the character data of the element whose start was just
// read, through its end, keeping at most max bytes: beyond, the rest is
// dropped when cut is set, else it is an error.
func readText(r xml.TokenReader, max int, cut bool) (string, error) {
	var b strings.Builder
	depth := 0
	for {
		tok, err := r.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
		case xml.CharData:
			if depth == 0 {
				if b.Len()+len(t) > max {
					if !cut {
						return "", errors.New("SASL: payload too long")
					}
					t = t[:max-b.Len()]
				}
				b.Write(t)
			}
		}
	}
}

// readFailure reads a <failure/> whose start was just read: its first
// child in the SASL namespace other than <text/> is the condition, <text/>
// the explanation.
func readFailure(r xml.TokenReader) (*Failure, error) {
	f := &Failure{}
	depth := 0
	for {
		tok, err := r.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 1 {
				continue
			}
			if t.Name.Local == "text" {
				text, err := readText(r, 4*maxText, true)
				if err != nil {
					return nil, err
				}
				depth--
				if f.Text == "" {
					f.Text = clip(strings.Join(strings.Fields(text), " "), maxText)
				}
				continue
			}
			if f.Condition == "" && t.Name.Space == NSSASL {
				f.Condition = clip(t.Name.Local, maxName)
			}
		case xml.EndElement:
			if depth == 0 {
				if f.Condition == "" {
					f.Condition = "undefined-condition"
				}
				return f, nil
			}
			depth--
		}
	}
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
