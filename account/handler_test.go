package account

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stream"
)

// recorder is a Sink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []Event
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) sink(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// wait returns the first event (from index from on) that matches, or fails.
func (r *recorder) wait(t testing.TB, timeout time.Duration, match func(Event) bool) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, e := range r.all() {
			if match(e) {
				return e
			}
		}
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("timed out; events: %+v", r.all())
			return nil
		}
	}
}

// pipeSession is a client session over net.Pipe with negotiation skipped
// (as if TLS, SASL and bind were done), served by the account's handler.
// The returned conn is the server's end: write stanzas to it, read replies.
func pipeSession(t testing.TB, a *Account) (*xmpp.Session, net.Conn, <-chan error) {
	t.Helper()
	client, server := net.Pipe()
	ready := func(context.Context, *stream.Info, *stream.Info, *xmpp.Session, interface{}) (xmpp.SessionState, io.ReadWriter, interface{}, error) {
		return xmpp.Ready, nil, nil, nil
	}
	full := a.bare
	if j, err := a.bare.WithResource("parley"); err == nil {
		full = j
	}
	sess, err := xmpp.NewSession(context.Background(), full.Domain(), full, client, xmpp.Secure|xmpp.Authn, ready)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- sess.Serve(&handler{a: a, now: func() time.Time { return testNow }}) }()
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return sess, server, served
}

// readStanza reads the next top-level element written by the client.
func readStanza(t testing.TB, d *xml.Decoder) (xml.StartElement, string) {
	t.Helper()
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("reading client output: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var sb strings.Builder
		e := xml.NewEncoder(&sb)
		e.EncodeToken(se)
		xmlstream.Copy(e, xmlstream.Inner(d))
		e.EncodeToken(se.End())
		e.Flush()
		return se, sb.String()
	}
}

func TestHandlerIQ(t *testing.T) {
	rec := newRecorder()
	a := New(Config{JID: testAccount}, rec.sink)
	_, conn, _ := pipeSession(t, a)
	d := xml.NewDecoder(conn)
	write := func(s string) {
		t.Helper()
		go conn.Write([]byte(s))
	}
	tests := []struct {
		name      string
		in        string
		wantType  string
		wantInner string // substring of the reply
	}{
		{"ping", `<iq xmlns="jabber:client" type="get" id="p1" from="example.org"><ping xmlns="urn:xmpp:ping"/></iq>`, "result", ""},
		{"disco", `<iq xmlns="jabber:client" type="get" id="d1" from="bob@example.org/x"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "result", `category="client"`},
		{"disco announces receipts", `<iq xmlns="jabber:client" type="get" id="d2" from="bob@example.org/x"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "result", `var="urn:xmpp:receipts"`},
		{"disco announces pings", `<iq xmlns="jabber:client" type="get" id="d3" from="bob@example.org/x"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "result", `var="urn:xmpp:ping"`},
		{"unknown get", `<iq xmlns="jabber:client" type="get" id="u1" from="bob@example.org/x"><query xmlns="urn:example:unknown"/></iq>`, "error", "service-unavailable"},
		{"time get", `<iq xmlns="jabber:client" type="get" id="t1" from="bob@example.org/x"><time xmlns="urn:xmpp:time"/></iq>`, "result", ""},
		{"last get without reveal_idle", `<iq xmlns="jabber:client" type="get" id="l1" from="bob@example.org/x"><query xmlns="jabber:iq:last"/></iq>`, "error", "service-unavailable"},
		{"unknown set", `<iq xmlns="jabber:client" type="set" id="u2" from="bob@example.org/x"><foo xmlns="urn:x"/></iq>`, "error", "service-unavailable"},
		{"empty iq", `<iq xmlns="jabber:client" type="get" id="u3"/>`, "error", "service-unavailable"},
		{"roster push from server", `<iq xmlns="jabber:client" type="set" id="r1"><query xmlns="jabber:iq:roster"><item jid="carol@example.org" name="Carol" subscription="both"><group>Friends</group></item></query></iq>`, "result", ""},
		{"roster push from our bare jid", `<iq xmlns="jabber:client" type="set" id="r2" from="alice@example.org"><query xmlns="jabber:iq:roster"><item jid="dave@example.org" subscription="remove"/></query></iq>`, "result", ""},
		{"roster push spoofed", `<iq xmlns="jabber:client" type="set" id="r3" from="mallory@example.org/x"><query xmlns="jabber:iq:roster"><item jid="evil@example.org"/></query></iq>`, "error", "service-unavailable"},
		{"roster push with two items", `<iq xmlns="jabber:client" type="set" id="r4"><query xmlns="jabber:iq:roster"><item jid="a@example.org"/><item jid="b@example.org"/></query></iq>`, "error", "bad-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			write(tc.in)
			se, out := readStanza(t, d)
			if se.Name.Local != "iq" || attr(se, "type") != tc.wantType {
				t.Fatalf("reply %s, want iq type %s", out, tc.wantType)
			}
			inID := attr(mustStart(t, tc.in), "id")
			if attr(se, "id") != inID {
				t.Errorf("reply id %q, want %q", attr(se, "id"), inID)
			}
			if !strings.Contains(out, tc.wantInner) {
				t.Errorf("reply %s does not contain %q", out, tc.wantInner)
			}
		})
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pushes []RosterItem
	for _, e := range rec.all() {
		if re, ok := e.(RosterEvent); ok {
			if re.Full {
				t.Errorf("push reported as full roster")
			}
			pushes = append(pushes, re.Items...)
		}
	}
	if len(pushes) != 2 || pushes[0].JID.String() != "carol@example.org" || pushes[0].Name != "Carol" ||
		pushes[0].Subscription != "both" || len(pushes[0].Groups) != 1 || pushes[0].Groups[0] != "Friends" ||
		pushes[1].JID.String() != "dave@example.org" || pushes[1].Subscription != "remove" {
		t.Errorf("roster pushes %+v", pushes)
	}
}

func mustStart(t testing.TB, s string) xml.StartElement {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se
		}
	}
}

// TestHandlerEvents feeds messages and presences through a session and
// checks the events, in order; a final marker message proves the ones
// before it emitted nothing.
func TestHandlerEvents(t *testing.T) {
	rec := newRecorder()
	a := New(Config{JID: testAccount}, rec.sink)
	a.noteRoster([]RosterItem{{JID: jid.MustParse("bob@example.org"), Subscription: "to"}}, true)
	_, conn, _ := pipeSession(t, a)
	go io.Copy(io.Discard, conn)
	in := []string{
		`<message xmlns="jabber:client" type="chat" from="bob@example.org/a" id="1"><body>hi</body></message>`,
		`<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`,
		`<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org/n"><body>room</body></message>`,
		`<message xmlns="jabber:client" type="error" from="nobody@example.org" id="2"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>`,
		`<presence xmlns="jabber:client" from="bob@example.org/a"><show>away</show><status>lunch</status><priority>5</priority></presence>`,
		`<presence xmlns="jabber:client" from="bob@example.org/a" type="unavailable"/>`,
		`<presence xmlns="jabber:client" from="carol@example.org" type="subscribe"/>`,
		`<presence xmlns="jabber:client" from="carol@example.org" type="probe"/>`,
		`<message xmlns="jabber:client" type="chat" from="bob@example.org/a" id="end"><body>end</body></message>`,
	}
	go conn.Write([]byte(strings.Join(in, "\n")))
	rec.wait(t, 5*time.Second, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.ID == "end"
	})
	var got []string
	for _, e := range rec.all() {
		switch e := e.(type) {
		case MessageEvent:
			got = append(got, "msg "+e.Msg.Type+" "+e.Msg.Body+e.Msg.Err)
		case PresenceEvent:
			got = append(got, "pres "+e.From.String()+" "+string(e.Show)+" "+e.Status+" "+map[bool]string{true: "on", false: "off"}[e.Available])
		case SubscriptionEvent:
			got = append(got, "sub "+e.From.String()+" "+e.Type)
		case ChatStateEvent:
			got = append(got, "state "+e.Peer.String()+" "+e.State.String())
		default:
			got = append(got, "other")
		}
	}
	want := []string{
		"msg chat hi",
		"state bob@example.org composing",
		"msg error item not found",
		"pres bob@example.org/a away lunch on",
		"pres bob@example.org/a offline  off",
		"sub carol@example.org subscribe",
		"msg chat end",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParsePresence(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		want *PresenceEvent
		sub  string
	}{
		{"available", `<presence xmlns="jabber:client" from="b@example.org/r"/>`,
			&PresenceEvent{From: jid.MustParse("b@example.org/r"), Available: true, Show: ShowOnline}, ""},
		{"dnd", `<presence xmlns="jabber:client" from="b@example.org/r"><show>dnd</show><status>busy</status><priority>-3</priority></presence>`,
			&PresenceEvent{From: jid.MustParse("b@example.org/r"), Available: true, Show: ShowDND, Status: "busy", Priority: -3}, ""},
		{"bad show and priority", `<presence xmlns="jabber:client" from="b@example.org/r"><show>sleeping</show><priority>999</priority></presence>`,
			&PresenceEvent{From: jid.MustParse("b@example.org/r"), Available: true, Show: ShowOnline}, ""},
		{"unavailable", `<presence xmlns="jabber:client" from="b@example.org/r" type="unavailable"><status>bye</status></presence>`,
			&PresenceEvent{From: jid.MustParse("b@example.org/r"), Show: ShowOffline, Status: "bye"}, ""},
		{"error", `<presence xmlns="jabber:client" from="b@example.org" type="error"><error type="cancel"><remote-server-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>`,
			&PresenceEvent{From: jid.MustParse("b@example.org"), Show: ShowOffline, Err: "remote server not found"}, ""},
		{"own presence (no from)", `<presence xmlns="jabber:client"/>`,
			&PresenceEvent{From: testAccount, Available: true, Show: ShowOnline}, ""},
		{"subscribed", `<presence xmlns="jabber:client" from="b@example.org/r" type="subscribed"/>`, nil, "subscribed"},
		{"probe", `<presence xmlns="jabber:client" from="b@example.org" type="probe"/>`, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := xml.NewDecoder(strings.NewReader(tc.xml))
			tok, _ := d.Token()
			p, sub, err := ParsePresence(tok.(xml.StartElement), d, testAccount)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sub != "" {
				if sub == nil || sub.Type != tc.sub || sub.From.String() != "b@example.org" || p != nil {
					t.Fatalf("got %+v %+v, want subscription %s", p, sub, tc.sub)
				}
				return
			}
			if tc.want == nil {
				if p != nil || sub != nil {
					t.Fatalf("got %+v %+v, want nothing", p, sub)
				}
				return
			}
			if p == nil || !p.From.Equal(tc.want.From) || p.Available != tc.want.Available || p.Show != tc.want.Show ||
				p.Status != tc.want.Status || p.Priority != tc.want.Priority || p.Err != tc.want.Err || !p.Account.Equal(testAccount) {
				t.Fatalf("got %+v, want %+v", p, tc.want)
			}
		})
	}
}

func TestParseRoster(t *testing.T) {
	s := `<query xmlns="jabber:iq:roster" ver="1">
		<item jid="b@example.org" name="Bob" subscription="both"><group>A</group><group>A</group><group>B</group></item>
		<item jid="c@example.org/res" subscription="weird" ask="subscribe"/>
		<item jid="@@bad"/>
		<other/>
		<item jid="d@example.org" subscription="from"><group></group></item>
	</query>`
	d := xml.NewDecoder(strings.NewReader(s))
	d.Token()
	items, err := parseRosterQuery(&tokenBudget{r: d})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, it := range items {
		got += it.JID.String() + "|" + it.Name + "|" + it.Subscription + "|" + strings.Join(it.Groups, ",") + "|" + map[bool]string{true: "ask"}[it.Ask] + "\n"
	}
	want := "b@example.org|Bob|both|A,B|\nc@example.org||none||ask\nd@example.org||from||\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

// TestHandlerSubscribeFromAllowed: a subscription request from a contact
// the roster says may already see our presence is answered with
// "subscribed" and not reported; others are reported.
func TestHandlerSubscribeFromAllowed(t *testing.T) {
	rec := newRecorder()
	a := New(Config{JID: testAccount}, rec.sink)
	sess, conn, _ := pipeSession(t, a)
	a.mu.Lock()
	a.sess, a.state = sess, Online
	a.mu.Unlock()
	d := xml.NewDecoder(conn)
	go conn.Write([]byte(`<iq xmlns="jabber:client" type="set" id="r1"><query xmlns="jabber:iq:roster"><item jid="bob@example.org" subscription="from"/></query></iq>`))
	if se, _ := readStanza(t, d); attr(se, "type") != "result" {
		t.Fatalf("roster push answered %v", se)
	}
	go conn.Write([]byte(`<presence xmlns="jabber:client" type="subscribe" from="bob@example.org/phone"/>`))
	conn.SetReadDeadline(time.Now().Add(waitLong)) // no answer: readStanza fails
	se, out := readStanza(t, d)
	if se.Name.Local != "presence" || attr(se, "type") != "subscribed" || attr(se, "to") != "bob@example.org" {
		t.Fatalf("answer to a request from an allowed contact: %s", out)
	}
	go conn.Write([]byte(`<presence xmlns="jabber:client" type="subscribe" from="carol@example.org"/>`))
	rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribe" && se.From.String() == "carol@example.org"
	})
	for _, e := range rec.all() {
		if se, ok := e.(SubscriptionEvent); ok && se.From.String() == "bob@example.org" {
			t.Errorf("the request of an allowed contact was reported: %+v", se)
		}
	}
}
