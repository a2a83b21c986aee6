package fakexmpp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/servertest"
)

// Namespaces of the negotiation.
const (
	nsStreams = "http://etherx.jabber.org/streams"
	nsTLS     = "urn:ietf:params:xml:ns:xmpp-tls"
	nsSASL    = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind    = "urn:ietf:params:xml:ns:xmpp-bind"
)

// Options configure a Server.
type Options struct {
	// Users maps usernames to passwords; nil accepts any username and
	// password. A wrong one gets a SASL <not-authorized/> failure.
	Users map[string]string
	// Features is raw XML added to the stream features after SASL (beside
	// <bind/>), for example "<ver xmlns='urn:xmpp:features:rosterver'/>".
	Features string
	// PreTLS, if set, is what the server sends after its first stream
	// header, in the clear, instead of offering STARTTLS; then it closes
	// the connection. For attacks by a man in the middle before TLS.
	PreTLS func() io.Reader
	// Handle is called, on the connection's reading goroutine, with each
	// stanza a logged-in client sends; it returns false for the default
	// answer (an empty result to an IQ get or set, nothing otherwise).
	Handle func(c *Conn, e Element) bool
	// PreAuth, if set, is called with each element a client sends after
	// TLS and before SASL (an in-band registration IQ), with a Conn whose
	// JID is empty; the registration feature is then offered. It returns
	// false to end the connection.
	PreAuth func(c *Conn, e Element) bool
}

// Server is a running fake server. Clients connect to Host:Port with
// STARTTLS, trust CAFile and use Domain as the TLS server name.
type Server struct {
	Host   string // "127.0.0.1"
	Port   int    // random free port
	Domain string // "localhost": the service and certificate name
	CAFile string // PEM of the CA that signed the server's certificate

	opts  Options
	tls   *tls.Config
	ln    net.Listener
	conns chan *Conn
	wg    sync.WaitGroup
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	certs, err := servertest.WriteCerts(t.TempDir(), "localhost")
	if err != nil {
		t.Fatalf("fakexmpp: certificates: %v", err)
	}
	pair, err := tls.LoadX509KeyPair(certs.Cert, certs.Key)
	if err != nil {
		t.Fatalf("fakexmpp: key pair: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakexmpp: listen: %v", err)
	}
	s := &Server{
		Host:   "127.0.0.1",
		Port:   ln.Addr().(*net.TCPAddr).Port,
		Domain: "localhost",
		CAFile: certs.CA,
		opts:   opts,
		tls:    &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ln:     ln,
		conns:  make(chan *Conn, 16),
	}
	var open sync.Map // *Conn or net.Conn: closed at cleanup
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			open.Store(nc, nc)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer open.Delete(nc)
				s.serve(t, nc)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		open.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		s.wg.Wait()
	})
	return s
}

// Addr is Host:Port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Accept returns the next client that logged in (bound a resource),
// failing the test after a minute.
func (s *Server) Accept(t testing.TB) *Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(time.Minute):
		t.Fatal("fakexmpp: no client logged in within a minute")
		return nil
	}
}

// Conn is one logged-in client.
type Conn struct {
	JID string // the full JID bound

	nc   net.Conn // the TLS connection
	dec  *xml.Decoder
	wmu  sync.Mutex
	done chan struct{}
}

// Write sends raw XML to the client.
func (c *Conn) Write(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := io.WriteString(c.nc, s)
	return err
}

// WriteFrom sends everything r yields to the client, in chunks, without
// holding it: r can generate hundreds of megabytes. It returns when r ends
// or a write fails (the client closed the connection).
func (c *Conn) WriteFrom(r io.Reader) (int64, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return io.CopyBuffer(c.nc, r, make([]byte, 64<<10))
}

// Close closes the connection without ending the stream: it ends the TLS
// stream at once (close_notify) and closes the socket when the client has
// closed its side or after five seconds. Until then what the client sends
// is read and dropped, so that the socket is not reset while the client
// still reads what was sent before (a reset would throw that away).
func (c *Conn) Close() error {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return c.nc.Close()
	}
	c.wmu.Lock()
	err := tc.CloseWrite()
	c.wmu.Unlock()
	go func() {
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
		}
		c.nc.Close()
	}()
	return err
}

// Done is closed when the client's stream or connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Element is a top-level element the client sent.
type Element struct {
	xml.StartElement
	Payload xml.Name // name of its first child element, if any
	Inner   string   // its content, raw
}

// Attr returns the value of the attribute with the given local name.
func (e Element) Attr(local string) string {
	for _, a := range e.StartElement.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// IsIQ reports whether e is an IQ of type typ whose payload is in
// namespace ns.
func (e Element) IsIQ(typ, ns string) bool {
	return e.Name.Local == "iq" && e.Attr("type") == typ && e.Payload.Space == ns
}

// Result answers the IQ e with a result carrying the raw payload.
func (c *Conn) Result(e Element, payload string) error {
	return c.Write(fmt.Sprintf("<iq type='result' id='%s'>%s</iq>", escape(e.Attr("id")), payload))
}

// serve negotiates with one client and then reads its stanzas.
func (s *Server) serve(t testing.TB, nc net.Conn) {
	defer nc.Close()
	dec := xml.NewDecoder(bufio.NewReader(nc))
	if s.opts.PreTLS != nil {
		if err := s.header(nc, dec, ""); err == nil {
			_, _ = io.CopyBuffer(nc, s.opts.PreTLS(), make([]byte, 64<<10))
		}
		return
	}
	if err := s.header(nc, dec, "<starttls xmlns='"+nsTLS+"'><required/></starttls>"); err != nil {
		return
	}
	if e, err := next(dec); err != nil || e.Name.Local != "starttls" {
		return
	}
	if _, err := io.WriteString(nc, "<proceed xmlns='"+nsTLS+"'/>"); err != nil {
		return
	}
	tc := tls.Server(nc, s.tls)
	if err := tc.Handshake(); err != nil {
		return
	}
	defer tc.Close()
	br := bufio.NewReader(tc)
	dec = xml.NewDecoder(br)
	features := "<mechanisms xmlns='" + nsSASL + "'><mechanism>PLAIN</mechanism></mechanisms>"
	if s.opts.PreAuth != nil {
		features += "<register xmlns='http://jabber.org/features/iq-register'/>"
	}
	if err := s.header(tc, dec, features); err != nil {
		return
	}
	first, err := next(dec)
	if s.opts.PreAuth != nil {
		pre := &Conn{nc: tc, dec: dec, done: make(chan struct{})}
		for err == nil && first.Name.Local != "auth" && s.opts.PreAuth(pre, first) {
			first, err = next(dec)
		}
		close(pre.done)
	}
	if err != nil {
		return
	}
	user, ok := s.auth(tc, first)
	if !ok {
		return
	}
	dec = xml.NewDecoder(br)
	if err := s.header(tc, dec, "<bind xmlns='"+nsBind+"'/>"+s.opts.Features); err != nil {
		return
	}
	e, err := next(dec)
	if err != nil || !e.IsIQ("set", nsBind) {
		return
	}
	res := between(e.Inner, "<resource>", "</resource>")
	if res == "" {
		res = "fake" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	c := &Conn{JID: user + "@" + s.Domain + "/" + res, nc: tc, dec: dec, done: make(chan struct{})}
	defer close(c.done)
	if err := c.Result(e, "<bind xmlns='"+nsBind+"'><jid>"+escape(c.JID)+"</jid></bind>"); err != nil {
		return
	}
	s.conns <- c
	for {
		e, err := next(dec)
		if err != nil {
			if errors.Is(err, errStreamEnd) {
				_ = c.Write("</stream:stream>")
			}
			return
		}
		if s.opts.Handle != nil && s.opts.Handle(c, e) {
			continue
		}
		if e.Name.Local == "iq" && (e.Attr("type") == "get" || e.Attr("type") == "set") {
			// A write fails after Close: go on reading until the client
			// closes, so that the socket is not reset under its reads.
			_ = c.Result(e, "")
		}
	}
}

// header reads the client's stream header and answers with ours and the
// given features.
func (s *Server) header(w io.Writer, dec *xml.Decoder, features string) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Space != nsStreams || se.Name.Local != "stream" {
				return fmt.Errorf("fakexmpp: expected a stream header, got %v", se.Name)
			}
			break
		}
	}
	_, err := fmt.Fprintf(w, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='%s' id='%d' from='%s' version='1.0'>",
		nsStreams, time.Now().UnixNano(), s.Domain)
	if err == nil && features != "" {
		_, err = io.WriteString(w, "<stream:features>"+features+"</stream:features>")
	}
	return err
}

// auth runs SASL PLAIN, from the client's first element e, and returns the
// username.
func (s *Server) auth(w io.Writer, e Element) (string, bool) {
	if e.Name.Local != "auth" || e.Attr("mechanism") != "PLAIN" {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(e.Inner))
	parts := bytes.Split(raw, []byte{0})
	if err != nil || len(parts) != 3 {
		_, _ = io.WriteString(w, "<failure xmlns='"+nsSASL+"'><malformed-request/></failure>")
		return "", false
	}
	user, pass := string(parts[1]), string(parts[2])
	if want, ok := s.opts.Users[user]; s.opts.Users != nil && (!ok || want != pass) {
		_, _ = io.WriteString(w, "<failure xmlns='"+nsSASL+"'><not-authorized/></failure></stream:stream>")
		return "", false
	}
	_, err = io.WriteString(w, "<success xmlns='"+nsSASL+"'/>")
	return user, err == nil
}

// errStreamEnd is the client's </stream:stream>.
var errStreamEnd = errors.New("fakexmpp: stream ended")

// next reads the next top-level element.
func next(dec *xml.Decoder) (Element, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return Element{}, err
		}
		switch tok := tok.(type) {
		case xml.EndElement:
			return Element{}, errStreamEnd
		case xml.StartElement:
			var inner struct {
				Inner []byte `xml:",innerxml"`
			}
			if err := dec.DecodeElement(&inner, &tok); err != nil {
				return Element{}, err
			}
			e := Element{StartElement: tok.Copy(), Inner: string(inner.Inner)}
			pd := xml.NewDecoder(bytes.NewReader(inner.Inner))
			for {
				t, err := pd.Token()
				if err != nil {
					break
				}
				if se, ok := t.(xml.StartElement); ok {
					e.Payload = se.Name
					break
				}
			}
			return e, nil
		}
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return ""
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
