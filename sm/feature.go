package sm

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// nsBind is the resource binding namespace (RFC 6120 §7).
const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

// maxAttr bounds the id and location attributes kept from <enabled/>.
const maxAttr = 1024

// Features returns the stream features that replace xmpp.BindResource in
// the caller's feature list: resource binding with stream management
// (enable, or resume instead of binding), plus an informational feature
// that notes whether the server offers urn:xmpp:sm:3. Both must be passed.
// resource is the resourcepart to request; empty lets the server choose.
//
// mellium negotiates one feature of a features list at a time and always
// negotiates resource binding (required) after the optional features, so
// stream management cannot be a separate negotiated feature: it must run
// inside the bind step, before the session is Ready.
func (st *State) Features(resource string) []xmpp.StreamFeature {
	return []xmpp.StreamFeature{st.bindFeature(resource), st.smFeature()}
}

// StartTLS returns xmpp.StartTLS(cfg) changed so that the TLS connection it
// creates is wrapped with Wrap. Use it instead of xmpp.StartTLS when the
// session starts on plain TCP: counting must see the plaintext.
func (st *State) StartTLS(cfg *tls.Config) xmpp.StreamFeature {
	f := xmpp.StartTLS(cfg)
	negotiate := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := negotiate(ctx, s, data)
		if err == nil {
			if c, ok := rw.(net.Conn); ok {
				rw = st.Wrap(c)
			}
		}
		return mask, rw, err
	}
	return f
}

func (st *State) smFeature() xmpp.StreamFeature {
	name := xml.Name{Space: NS, Local: "sm"}
	return xmpp.StreamFeature{
		Name:       name,
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		List: func(_ context.Context, e xmlstream.TokenWriter, start xml.StartElement) (bool, error) {
			if err := e.EncodeToken(start); err != nil {
				return false, err
			}
			return false, e.EncodeToken(start.End())
		},
		Parse: func(_ context.Context, d *xml.Decoder, _ *xml.StartElement) (bool, interface{}, error) {
			st.mu.Lock()
			if st.cur != nil {
				st.cur.advertised = true
			}
			st.mu.Unlock()
			return false, nil, d.Skip()
		},
		// No Negotiate: the bind feature does the work.
	}
}

func (st *State) bindFeature(resource string) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsBind, Local: "bind"},
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		List: func(_ context.Context, e xmlstream.TokenWriter, start xml.StartElement) (bool, error) {
			if err := e.EncodeToken(start); err != nil {
				return true, err
			}
			return true, e.EncodeToken(start.End())
		},
		Parse: func(_ context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(ctx context.Context, s *xmpp.Session, _ interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			if s.State()&xmpp.Received != 0 {
				return 0, nil, errors.New("sm: only client sessions are supported")
			}
			return st.negotiate(ctx, s, resource)
		},
	}
}

// negotiate resumes the previous session or binds a resource and enables
// stream management.
func (st *State) negotiate(ctx context.Context, s *xmpp.Session, resource string) (xmpp.SessionState, io.ReadWriter, error) {
	c, _ := s.Conn().(*conn)
	st.mu.Lock()
	if c == nil || c != st.cur {
		st.mu.Unlock()
		return 0, nil, ErrNotWrapped
	}
	offered := c.advertised
	canResume := offered && st.resumable && st.id != ""
	had := st.hadSessionLocked()
	st.mu.Unlock()
	st.authenticated(c)

	if canResume {
		ok, err := st.resume(ctx, s, c)
		if err != nil || ok {
			return xmpp.Ready, nil, err
		}
	}

	st.mu.Lock()
	if had {
		st.forgetLocked()
		st.outcome = ResumeFailed
	} else {
		st.outcome = Fresh
	}
	st.mu.Unlock()

	j, err := bind(s, resource)
	if err != nil {
		return 0, nil, err
	}
	s.UpdateAddr(j)
	st.mu.Lock()
	st.addr = j
	st.mu.Unlock()
	if offered {
		if err := st.enable(s, c); err != nil {
			return 0, nil, err
		}
	}
	return xmpp.Ready, nil, nil
}

// enable sends <enable resume='true'/> and reads <enabled/> or <failed/>.
func (st *State) enable(s *xmpp.Session, c *conn) error {
	start := xml.StartElement{
		Name: xml.Name{Space: NS, Local: "enable"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "resume"}, Value: "true"}},
	}
	if err := writeElement(s, start); err != nil {
		return err
	}
	st.mu.Lock()
	st.forgetLocked()
	c.outOn = true // the server counts our stanzas from <enable/> on
	st.mu.Unlock()

	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	el, err := nextStart(d)
	if err != nil {
		return err
	}
	var resp struct {
		ID       string `xml:"id,attr"`
		Resume   string `xml:"resume,attr"`
		Max      string `xml:"max,attr"`
		Location string `xml:"location,attr"`
	}
	if err := d.DecodeElement(&resp, &el); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch el.Name {
	case xml.Name{Space: NS, Local: "enabled"}:
		st.enabled = true
		st.session = true
		c.inOn = true // we count the server's stanzas from <enabled/> on
		if len(resp.ID) <= maxAttr && len(resp.Location) <= maxAttr {
			st.id = resp.ID
			st.location = resp.Location
			st.resumable = resp.ID != "" && (resp.Resume == "true" || resp.Resume == "1")
		}
		if m, err := strconv.ParseUint(resp.Max, 10, 31); err == nil {
			st.max = int(m)
		}
	case xml.Name{Space: NS, Local: "failed"}:
		c.outOn = false
	default:
		return fmt.Errorf("sm: expected <enabled/> or <failed/>, got <%s xmlns=%q>", el.Name.Local, el.Name.Space)
	}
	return nil
}

// resume sends <resume/>. On <resumed/> it trims what the server handled,
// sends the rest again and reports true. On <failed/> it trims what the
// optional h acknowledges, moves the rest to Pending and reports false.
func (st *State) resume(ctx context.Context, s *xmpp.Session, c *conn) (bool, error) {
	st.mu.Lock()
	h, id, addr := st.inH, st.id, st.addr
	st.mu.Unlock()
	start := xml.StartElement{
		Name: xml.Name{Space: NS, Local: "resume"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "h"}, Value: strconv.FormatUint(uint64(h), 10)},
			{Name: xml.Name{Local: "previd"}, Value: id},
		},
	}
	if err := writeElement(s, start); err != nil {
		return false, err
	}

	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	el, err := nextStart(d)
	if err != nil {
		return false, err
	}
	var resp struct {
		H string `xml:"h,attr"`
	}
	if err := d.DecodeElement(&resp, &el); err != nil {
		return false, err
	}
	switch el.Name {
	case xml.Name{Space: NS, Local: "resumed"}:
	case xml.Name{Space: NS, Local: "failed"}:
		st.mu.Lock()
		if resp.H != "" {
			if v, ok := parseH(resp.H); ok {
				// A bogus h here only means fewer stanzas leave the queue.
				_ = st.ackLocked(v)
			}
		}
		st.forgetLocked()
		st.outcome = ResumeFailed
		st.mu.Unlock()
		return false, nil
	default:
		return false, fmt.Errorf("sm: expected <resumed/> or <failed/>, got <%s xmlns=%q>", el.Name.Local, el.Name.Space)
	}

	st.mu.Lock()
	v, ok := parseH(resp.H)
	var herr error
	if !ok {
		herr = &HandledError{Sent: st.outH, Raw: resp.H}
	} else {
		herr = st.ackLocked(v)
	}
	if herr != nil {
		st.lastErr = herr
		st.forgetLocked()
		st.outcome = ResumeFailed
		st.mu.Unlock()
		return false, herr
	}
	resend := make([][]byte, len(st.queue))
	for i, it := range st.queue {
		resend[i] = it.bytes()
	}
	st.enabled = true
	st.outcome = Resumed
	c.inOn = true
	st.mu.Unlock()

	s.UpdateAddr(addr)
	for _, b := range resend {
		if err := c.writeRaw(b); err != nil {
			return false, err
		}
		if t := st.tapFor(c); t != nil { // the XML console shows what is sent again
			t.Element(false, b[:min(len(b), MaxTapBytes)], len(b) > MaxTapBytes)
		}
	}
	st.mu.Lock()
	c.outOn = true
	st.stats.Resent += len(resend)
	ask := len(resend) > 0 && !st.reqOut
	if ask {
		st.reqOut, st.reqAt = true, st.outH
		st.stats.Requests++
	}
	st.mu.Unlock()
	if ask {
		if err := c.writeRaw(ackRequest); err != nil {
			return false, err
		}
	}
	return true, ctx.Err()
}

// bind binds resource (RFC 6120 §7) and returns the full JID the server
// assigned; it must belong to the account the session authenticated.
func bind(s *xmpp.Session, resource string) (jid.JID, error) {
	id := randomID()
	iq := stanza.IQ{
		XMLName: xml.Name{Space: stanza.NSClient, Local: "iq"},
		ID:      id,
		Type:    stanza.SetIQ,
	}
	var payload xml.TokenReader
	if resource != "" {
		payload = xmlstream.Wrap(xmlstream.Token(xml.CharData(resource)),
			xml.StartElement{Name: xml.Name{Local: "resource"}})
	}
	req := iq.Wrap(xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: nsBind, Local: "bind"}}))
	w := s.TokenWriter()
	defer w.Close()
	if _, err := xmlstream.Copy(w, req); err != nil {
		return jid.JID{}, err
	}
	if err := w.Flush(); err != nil {
		return jid.JID{}, err
	}

	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	el, err := nextStart(d)
	if err != nil {
		return jid.JID{}, err
	}
	if el.Name.Local != "iq" || el.Name.Space != stanza.NSClient {
		return jid.JID{}, fmt.Errorf("sm: bind: expected an iq, got <%s>", el.Name.Local)
	}
	var resp struct {
		ID   string       `xml:"id,attr"`
		Type string       `xml:"type,attr"`
		JID  string       `xml:"urn:ietf:params:xml:ns:xmpp-bind bind>jid"`
		Err  stanza.Error `xml:"jabber:client error"`
	}
	if err := d.DecodeElement(&resp, &el); err != nil {
		return jid.JID{}, err
	}
	switch {
	case resp.ID != id:
		return jid.JID{}, fmt.Errorf("sm: bind: reply id %q does not match %q", resp.ID, id)
	case resp.Type == string(stanza.ErrorIQ):
		return jid.JID{}, fmt.Errorf("sm: bind refused: %w", resp.Err)
	case resp.Type != string(stanza.ResultIQ):
		return jid.JID{}, fmt.Errorf("sm: bind: unexpected reply type %q", resp.Type)
	}
	j, err := jid.Parse(resp.JID)
	if err != nil {
		return jid.JID{}, fmt.Errorf("sm: bind: server sent an invalid JID: %w", err)
	}
	if !j.Bare().Equal(s.LocalAddr().Bare()) || j.Resourcepart() == "" {
		return jid.JID{}, fmt.Errorf("sm: bind: server bound %q, not a resource of %q", j, s.LocalAddr().Bare())
	}
	return j, nil
}

// writeElement writes an empty element and flushes.
func writeElement(s *xmpp.Session, start xml.StartElement) error {
	w := s.TokenWriter()
	defer w.Close()
	if err := w.EncodeToken(start); err != nil {
		return err
	}
	if err := w.EncodeToken(start.End()); err != nil {
		return err
	}
	return w.Flush()
}

// nextStart returns the next start element, skipping whitespace.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData, xml.Comment, xml.ProcInst:
		default:
			return xml.StartElement{}, fmt.Errorf("sm: unexpected %T in stream", tok)
		}
	}
}

// parseH parses an h attribute: a decimal number below 2^32.
func parseH(s string) (uint32, bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}

func randomID() string {
	return rand.Text()
}
