package sm

import (
	"context"
	"encoding/xml"
	"errors"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/stream"
)

// These tests run the client side for real (mellium plus this package) and
// script the server end of a net.Pipe by hand, to check the wire protocol
// in cases a real server will not produce (bogus h, counter wrap-around).

const serverHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.net' id='s1' version='1.0'>`

// anyElement is any top-level element the fake server reads.
type anyElement struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   string     `xml:",innerxml"`
}

func (e anyElement) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// fakeServer is the scripted server end of a pipe.
type fakeServer struct {
	t    *testing.T
	c    net.Conn
	in   chan anyElement
	errs chan error
}

func newFakeServer(t *testing.T, c net.Conn) *fakeServer {
	f := &fakeServer{t: t, c: c, in: make(chan anyElement, 100), errs: make(chan error, 1)}
	go func() {
		d := xml.NewDecoder(c)
		for {
			tok, err := d.Token()
			if err != nil {
				f.errs <- err
				close(f.in)
				return
			}
			start, ok := tok.(xml.StartElement)
			if !ok || start.Name.Local == "stream" {
				continue
			}
			var e anyElement
			if err := d.DecodeElement(&e, &start); err != nil {
				f.errs <- err
				close(f.in)
				return
			}
			f.in <- e
		}
	}()
	return f
}

func (f *fakeServer) send(s string) {
	f.t.Helper()
	if _, err := f.c.Write([]byte(s)); err != nil {
		f.t.Fatalf("server write: %v", err)
	}
}

// expect returns the next element the client sent and checks its name.
func (f *fakeServer) expect(local string) anyElement {
	f.t.Helper()
	select {
	case e, ok := <-f.in:
		if !ok {
			f.t.Fatalf("server: stream ended waiting for <%s>", local)
		}
		if e.XMLName.Local != local {
			f.t.Fatalf("server: got <%s xmlns=%q %v>%s, want <%s>", e.XMLName.Local, e.XMLName.Space, e.Attrs, e.Inner, local)
		}
		return e
	case <-time.After(10 * time.Second):
		f.t.Fatalf("server: timeout waiting for <%s>", local)
	}
	return anyElement{}
}

var origin = jid.MustParse("me@example.net")

// connect negotiates a client session over a new pipe; script runs the
// server's side of the negotiation.
func connect(t *testing.T, st *State, script func(f *fakeServer)) (*xmpp.Session, *fakeServer) {
	t.Helper()
	cli, srv := net.Pipe()
	t.Cleanup(func() { cli.Close(); srv.Close() })
	f := newFakeServer(t, srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		script(f)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := xmpp.NewSession(ctx, origin.Domain(), origin, st.Wrap(cli), xmpp.Secure|xmpp.Authn,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: st.Features("res")}
		}))
	if err != nil {
		cli.Close()
		srv.Close()
		<-done
		t.Fatalf("negotiation: %v", err)
	}
	<-done
	return s, f
}

const features = `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>`

// freshScript sends the features, then answers bind and enable.
func freshScript(t *testing.T, bound string) func(f *fakeServer) {
	return func(f *fakeServer) {
		f.send(serverHeader + features)
		bindEnable(t, f, bound)
	}
}

// bindEnable answers bind and enable.
func bindEnable(t *testing.T, f *fakeServer, bound string) {
	iq := f.expect("iq")
	if !strings.Contains(iq.Inner, "<resource>res</resource>") {
		t.Errorf("bind did not request the resource: %s", iq.Inner)
	}
	f.send(`<iq type='result' id='` + iq.attr("id") + `'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>` + bound + `</jid></bind></iq>`)
	if e := f.expect("enable"); e.attr("resume") != "true" {
		t.Errorf("enable without resume: %v", e.Attrs)
	}
	f.send(`<enabled xmlns='urn:xmpp:sm:3' id='sid-1' resume='true' max='60'/>`)
}

// serve runs Serve with st.Handler and counts messages received.
type served struct {
	mu   sync.Mutex
	msgs []string
	done chan error
}

func serve(s *xmpp.Session, st *State) *served {
	sv := &served{done: make(chan error, 1)}
	h := xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		if start.Name.Local == "message" {
			var m struct {
				Body string `xml:"body"`
			}
			if err := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), r)).Decode(&m); err != nil {
				return err
			}
			sv.mu.Lock()
			sv.msgs = append(sv.msgs, m.Body)
			sv.mu.Unlock()
		}
		return nil
	})
	go func() { sv.done <- s.Serve(st.Handler(h)) }()
	return sv
}

func sendMsg(t *testing.T, s *xmpp.Session, body string) {
	t.Helper()
	m := stanza.Message{To: jid.MustParse("peer@example.net"), Type: stanza.ChatMessage}
	if err := s.Send(context.Background(), m.Wrap(bodyTokens(body))); err != nil {
		t.Fatalf("send %s: %v", body, err)
	}
}

func bodyTokens(body string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(body)), xml.StartElement{Name: xml.Name{Local: "body"}})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPipeEnableAckResume(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/res-1"))
	if st.Outcome() != Fresh || !st.Enabled() || !s.LocalAddr().Equal(jid.MustParse("me@example.net/res-1")) {
		t.Fatalf("after enable: outcome %v enabled %v addr %v", st.Outcome(), st.Enabled(), s.LocalAddr())
	}
	if got := st.Stats(); got.ID != "sid-1" || !got.Resumable || got.Max != 60 {
		t.Fatalf("stats after enable: %+v", got)
	}
	sv := serve(s, st)

	// Inbound: three stanzas, then the server asks.
	f.send(`<message from='peer@example.net/x'><body>in1</body></message><presence from='peer@example.net/x'/><message from='peer@example.net/x'><body>in2</body></message> <r xmlns='urn:xmpp:sm:3'/>`)
	if a := f.expect("a"); a.attr("h") != "3" {
		t.Fatalf("a h=%s, want 3", a.attr("h"))
	}

	// Outbound: the first stanza is followed by <r/>; the second waits for
	// the answer, then is asked for again.
	sendMsg(t, s, "out1")
	f.expect("message")
	f.expect("r")
	sendMsg(t, s, "out2")
	f.expect("message")
	f.send(`<a xmlns='urn:xmpp:sm:3' h='1'/>`)
	f.expect("r")
	waitFor(t, "one unacked", func() bool { return st.Unacked() == 1 })
	f.send(`<a xmlns='urn:xmpp:sm:3' h='2'/>`)
	waitFor(t, "all acked", func() bool { return st.Unacked() == 0 })

	// Two more stanzas the server never acknowledges, then the link dies.
	sendMsg(t, s, "out3")
	f.expect("message")
	f.expect("r")
	sendMsg(t, s, "out4")
	f.expect("message")
	f.c.Close()
	<-sv.done
	if got := st.Stats(); got.Unacked != 2 || got.OutH != 4 || got.InH != 3 {
		t.Fatalf("after cut: %+v", got)
	}

	// Resume: the server had handled out3 only.
	s2, f2 := connect(t, st, func(f *fakeServer) {
		f.send(serverHeader + features)
		r := f.expect("resume")
		if r.attr("h") != "3" || r.attr("previd") != "sid-1" {
			t.Errorf("resume %v, want h=3 previd=sid-1", r.Attrs)
		}
		f.send(`<resumed xmlns='urn:xmpp:sm:3' h='3' previd='sid-1'/>`)
		if m := f.expect("message"); !strings.Contains(m.Inner, "out4") {
			t.Errorf("resent %s, want out4", m.Inner)
		}
		f.expect("r")
	})
	if st.Outcome() != Resumed || !s2.LocalAddr().Equal(jid.MustParse("me@example.net/res-1")) {
		t.Fatalf("after resume: outcome %v addr %v", st.Outcome(), s2.LocalAddr())
	}
	sv2 := serve(s2, st)
	f2.send(`<a xmlns='urn:xmpp:sm:3' h='4'/><message><body>in3</body></message><r xmlns='urn:xmpp:sm:3'/>`)
	if a := f2.expect("a"); a.attr("h") != "4" {
		t.Fatalf("after resume a h=%s, want 4", a.attr("h"))
	}
	if got := st.Stats(); got.Unacked != 0 || got.Resent != 1 {
		t.Fatalf("after resume: %+v", got)
	}

	// A stanza the server never acknowledges before the link dies.
	sendMsg(t, s2, "out5")
	f2.expect("message")
	f2.expect("r")
	f2.c.Close()
	<-sv2.done

	// The server forgot the session: failed, then bind and enable again.
	s3, _ := connect(t, st, func(f *fakeServer) {
		f.send(serverHeader + features)
		f.expect("resume")
		f.send(`<failed xmlns='urn:xmpp:sm:3' h='4'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`)
		bindEnable(t, f, "me@example.net/res-2")
	})
	if st.Outcome() != ResumeFailed || !s3.LocalAddr().Equal(jid.MustParse("me@example.net/res-2")) || !st.Enabled() {
		t.Fatalf("after failed resume: outcome %v addr %v enabled %v", st.Outcome(), s3.LocalAddr(), st.Enabled())
	}
	p := st.Pending()
	if len(p) != 1 || !strings.Contains(string(p[0]), "out5") {
		t.Fatalf("pending %q, want out5", p)
	}
	if got := st.Stats(); got.OutH != 0 || got.InH != 0 || got.Unacked != 0 {
		t.Fatalf("counters after fresh enable: %+v", got)
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if strings.Join(sv.msgs, ",") != "in1,in2" {
		t.Fatalf("messages %v", sv.msgs)
	}
}

func TestPipeWrapAndBogusH(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/r"))
	// Move the counters to just below 2^32.
	st.mu.Lock()
	st.inH = math.MaxUint32 - 1
	st.outH, st.acked = math.MaxUint32-1, math.MaxUint32-1
	st.mu.Unlock()
	sv := serve(s, st)

	f.send(`<message><body>a</body></message><message><body>b</body></message><message><body>c</body></message><r xmlns='urn:xmpp:sm:3'/>`)
	if a := f.expect("a"); a.attr("h") != "1" {
		t.Fatalf("a h=%s after wrap, want 1", a.attr("h"))
	}
	for _, b := range []string{"x", "y", "z"} {
		sendMsg(t, s, b)
	}
	f.expect("message")
	f.expect("r")
	f.expect("message")
	f.expect("message")
	f.send(`<a xmlns='urn:xmpp:sm:3' h='1'/>`)
	waitFor(t, "acked across the wrap", func() bool { return st.Unacked() == 0 })
	if got := st.Stats(); got.OutH != 1 || got.Acked != 1 {
		t.Fatalf("after wrap: %+v", got)
	}

	// h=5 acknowledges stanzas never sent: a stream error, not a panic.
	f.send(`<a xmlns='urn:xmpp:sm:3' h='5'/>`)
	se := f.expect("error")
	if !strings.Contains(se.Inner, "undefined-condition") || !strings.Contains(se.Inner, "handled-count-too-high") {
		t.Fatalf("stream error %s", se.Inner)
	}
	err := <-sv.done
	if !errors.Is(err, stream.UndefinedCondition) {
		t.Fatalf("Serve returned %v", err)
	}
	var he *HandledError
	if !errors.As(st.Err(), &he) || he.H != 5 || he.Sent != 1 {
		t.Fatalf("Err() = %v", st.Err())
	}
}

func TestPipeNoSM(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, func(f *fakeServer) {
		f.send(serverHeader + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`)
		iq := f.expect("iq")
		f.send(`<iq type='result' id='` + iq.attr("id") + `'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>me@example.net/r</jid></bind></iq>`)
	})
	if st.Enabled() || st.Outcome() != Fresh || !s.LocalAddr().Equal(jid.MustParse("me@example.net/r")) {
		t.Fatalf("without sm: enabled %v outcome %v addr %v", st.Enabled(), st.Outcome(), s.LocalAddr())
	}
	if err := st.RequestAck(context.Background(), s); !errors.Is(err, ErrNotEnabled) {
		t.Fatalf("RequestAck = %v", err)
	}
	sendMsg(t, s, "plain")
	f.expect("message")
	if st.Unacked() != 0 {
		t.Fatalf("stanzas queued without sm: %d", st.Unacked())
	}
}

func TestPipeBindSpoof(t *testing.T) {
	st := New(Options{})
	cli, srv := net.Pipe()
	defer cli.Close()
	defer srv.Close()
	f := newFakeServer(t, srv)
	go func() {
		f.send(serverHeader + features)
		iq := f.expect("iq")
		f.send(`<iq type='result' id='` + iq.attr("id") + `'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>other@example.net/r</jid></bind></iq>`)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := xmpp.NewSession(ctx, origin.Domain(), origin, st.Wrap(cli), xmpp.Secure|xmpp.Authn,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: st.Features("res")}
		}))
	if err == nil || !strings.Contains(err.Error(), "not a resource of") {
		t.Fatalf("bind to another account: err %v", err)
	}
}
