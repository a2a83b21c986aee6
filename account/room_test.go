package account

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/muc"
)

var testRoom = jid.MustParse("room@muc.example.org")

// feedHandler decodes stanzas (XML text) and passes each through the
// handler, as Serve does.
func feedHandler(t testing.TB, h *handler, stanzas string) {
	t.Helper()
	defer h.a.Flush(context.Background()) // the events have reached the sink
	d := xml.NewDecoder(strings.NewReader(stanzas))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if err := h.HandleXMPP(tokenRW{xmlstream.InnerElement(d), xmlstream.Discard()}, &se); err != nil {
			t.Fatal(err)
		}
	}
}

// joiningAccount returns an account whose set holds testRoom, joining as
// alice.
func joiningAccount(sink Sink) (*Account, *handler) {
	a := New(Config{JID: testAccount}, sink)
	a.rooms.mu.Lock()
	rs := a.rooms.add(testRoom, "alice")
	rs.room.StartJoin("alice")
	a.rooms.mu.Unlock()
	return a, &handler{a: a, now: func() time.Time { return testNow }}
}

// describe renders an event on one line for comparison.
func describeEvent(e Event) string {
	switch e := e.(type) {
	case RoomEvent:
		var cs []string
		for _, c := range e.Changes {
			cs = append(cs, strings.TrimPrefix(fmt.Sprintf("%T", c), "muc."))
		}
		return fmt.Sprintf("room %s %s nick=%s occ=%d subject=%q [%s]", e.Room, e.State, e.Nick, e.Count, e.Subject, strings.Join(cs, " "))
	case MessageEvent:
		m := e.Msg
		dir := "in"
		if m.Dir == Out {
			dir = "out"
		}
		return fmt.Sprintf("msg %s %s peer=%s nick=%s private=%v delayed=%v sid=%s %q%s", m.Type, dir, m.Peer(), m.Nick, m.Private, m.Delayed, m.StanzaID, m.Body, m.Err)
	case PrivateEvent:
		return fmt.Sprintf("private %s nick=%s present=%v started=%v other=%v", e.Conv, e.Nick, e.Present, e.Started, e.Other)
	case InviteEvent:
		i := e.Invite
		return fmt.Sprintf("invite %s from=%s direct=%v reason=%q password=%q", i.Room, i.From, i.Direct, i.Reason, i.Password)
	case BookmarksEvent:
		var bs []string
		for _, b := range e.Bookmarks {
			bs = append(bs, fmt.Sprintf("%s/%s/%v", b.Room, b.Nick, b.Autojoin))
		}
		return "bookmarks " + strings.Join(bs, " ")
	case InfoEvent:
		return "info " + e.Text
	case PresenceEvent:
		return "presence " + e.From.String()
	}
	return fmt.Sprintf("%T", e)
}

// TestRoomHandler feeds a room's stanzas through the handler and checks the
// events, step by step.
func TestRoomHandler(t *testing.T) {
	const (
		r    = `room@muc.example.org`
		user = `http://jabber.org/protocol/muc#user`
	)
	steps := []struct {
		name, in string
		want     []string
	}{
		{"occupant while joining is held",
			`<presence xmlns="jabber:client" from="` + r + `/bob"><x xmlns="` + user + `"><item affiliation="member" role="participant"/></x></presence>`,
			nil},
		{"self-presence: one event with the list",
			`<presence xmlns="jabber:client" from="` + r + `/alice"><x xmlns="` + user + `"><item affiliation="none" role="participant"/><status code="110"/></x></presence>`,
			[]string{"room room@muc.example.org joined nick=alice occ=2 subject=\"\" [OccupantJoined SelfJoined]"}},
		{"history replay",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob" id="h1"><body>old</body><delay xmlns="urn:xmpp:delay" stamp="2024-01-02T03:04:05Z"/><stanza-id xmlns="urn:xmpp:sid:0" by="` + r + `" id="s1"/></message>`,
			[]string{`msg groupchat in peer=room@muc.example.org nick=bob private=false delayed=true sid=s1 "old"`}},
		{"subject",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob"><subject>plans</subject></message>`,
			[]string{"room room@muc.example.org joined nick=alice occ=2 subject=\"plans\" [SubjectChanged]"}},
		{"message in, stanza-id by someone else not trusted",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob" id="m1"><body>hi</body><stanza-id xmlns="urn:xmpp:sid:0" by="evil@example.org" id="x"/></message>`,
			[]string{`msg groupchat in peer=room@muc.example.org nick=bob private=false delayed=false sid= "hi"`}},
		{"our reflection is Out",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/alice" id="m2"><body>mine</body></message>`,
			[]string{`msg groupchat out peer=room@muc.example.org nick=alice private=false delayed=false sid= "mine"`}},
		{"groupchat from a room we are not in is dropped",
			`<message xmlns="jabber:client" type="groupchat" from="other@muc.example.org/x"><body>spam</body></message>`,
			nil},
		{"private message with the muc#user marker",
			`<message xmlns="jabber:client" type="chat" from="` + r + `/bob" id="p1"><body>psst</body><x xmlns="` + user + `"/></message>`,
			[]string{"private room@muc.example.org/bob nick=bob present=true started=true other=false",
				`msg chat in peer=room@muc.example.org/bob nick=bob private=true delayed=false sid= "psst"`}},
		{"private message without the marker, from an occupant",
			`<message xmlns="jabber:client" type="chat" from="` + r + `/bob" id="p2"><body>psst2</body></message>`,
			[]string{`msg chat in peer=room@muc.example.org/bob nick=bob private=true delayed=false sid= "psst2"`}},
		{"mediated invitation",
			`<message xmlns="jabber:client" from="other@muc.example.org"><x xmlns="` + user + `"><invite from="carol@example.org/c"><reason>come</reason></invite><password>pw</password></x><body>carol invites you</body></message>`,
			[]string{`invite other@muc.example.org from=carol@example.org/c direct=false reason="come" password="pw"`}},
		{"direct invitation",
			`<message xmlns="jabber:client" from="dave@example.org/x"><x xmlns="jabber:x:conference" jid="third@muc.example.org" reason="join us"/></message>`,
			[]string{`invite third@muc.example.org from=dave@example.org/x direct=true reason="join us" password=""`}},
		{"bookmark push from our account",
			`<message xmlns="jabber:client" type="headline" from="alice@example.org"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:bookmarks:1"><item id="b@muc.example.org"><conference xmlns="urn:xmpp:bookmarks:1" name="B"><nick>al</nick></conference></item></items></event></message>`,
			[]string{"bookmarks b@muc.example.org/al/false"}},
		{"bookmark push from someone else is ignored",
			`<message xmlns="jabber:client" type="headline" from="evil@example.org"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:bookmarks:1"><item id="c@muc.example.org"><conference xmlns="urn:xmpp:bookmarks:1"/></item></items></event></message>`,
			nil},
		{"bookmark retraction",
			`<message xmlns="jabber:client" from="alice@example.org"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:bookmarks:1"><retract id="b@muc.example.org"/></items></event></message>`,
			[]string{"bookmarks "}},
		{"a normal message still reaches the generic path",
			`<message xmlns="jabber:client" from="bob@example.org/a" id="n1"><body>plain</body></message>`,
			[]string{`msg normal in peer=bob@example.org nick= private=false delayed=false sid= "plain"`}},
		{"nick change of an occupant",
			`<presence xmlns="jabber:client" type="unavailable" from="` + r + `/bob"><x xmlns="` + user + `"><item affiliation="member" role="participant" nick="bobby"/><status code="303"/></x></presence>` +
				`<presence xmlns="jabber:client" from="` + r + `/bobby"><x xmlns="` + user + `"><item affiliation="member" role="participant"/></x></presence>`,
			[]string{"room room@muc.example.org joined nick=alice occ=2 subject=\"plans\" [NickChanged]",
				"private room@muc.example.org/bob nick=bobby present=true started=false other=false"}},
		{"kick of an occupant",
			`<presence xmlns="jabber:client" type="unavailable" from="` + r + `/bobby"><x xmlns="` + user + `"><item affiliation="member" role="none"><reason>spam</reason></item><status code="307"/></x></presence>`,
			[]string{"room room@muc.example.org joined nick=alice occ=1 subject=\"plans\" [OccupantLeft]",
				"private room@muc.example.org/bob nick=bobby present=false started=false other=false"}},
		{"we are banned: out of the set",
			`<presence xmlns="jabber:client" type="unavailable" from="` + r + `/alice"><x xmlns="` + user + `"><item affiliation="outcast" role="none"/><status code="301"/><status code="110"/></x></presence>`,
			[]string{"room room@muc.example.org not joined nick=alice occ=0 subject=\"plans\" [OccupantLeft]"}},
		{"then the room's messages are dropped and its presences are a stranger's",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob"><body>late</body></message>` +
				`<presence xmlns="jabber:client" from="` + r + `/carl"/>`,
			[]string{"info ignoring presence from addresses not in your roster (the first from room@muc.example.org)"}},
	}
	rec := newRecorder()
	a, h := joiningAccount(rec.sink)
	seen := 0
	for _, st := range steps {
		feedHandler(t, h, st.in)
		all := rec.all()
		var got []string
		for _, e := range all[seen:] {
			got = append(got, describeEvent(e))
		}
		seen = len(all)
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", st.name, strings.Join(got, "\n     "), strings.Join(st.want, "\n     "))
		}
	}
	if rooms := a.Rooms(); len(rooms) != 0 {
		t.Errorf("Rooms after the ban = %v", rooms)
	}
	if bms := a.Bookmarks(); len(bms) != 0 {
		t.Errorf("Bookmarks after the retraction = %v", bms)
	}
}

// TestRoomJoinErrors checks that a refused join reaches the waiter as a
// JoinError in plain words and takes the room out of the set.
func TestRoomJoinErrors(t *testing.T) {
	tests := []struct {
		cond, want, suggested string
	}{
		{"conflict", "nick alice is already in use in this room; try alice_", "alice_"},
		{"not-authorized", "this room needs a password, or the password was wrong", ""},
		{"registration-required", "this room is members-only and you are not a member", ""},
		{"forbidden", "you are banned from this room", ""},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			rec := newRecorder()
			a, h := joiningAccount(rec.sink)
			a.rooms.mu.Lock()
			w := a.rooms.lookup(testRoom).wait(selfOut)
			a.rooms.mu.Unlock()
			feedHandler(t, h, `<presence xmlns="jabber:client" type="error" from="room@muc.example.org/alice"><x xmlns="http://jabber.org/protocol/muc"/><error type="cancel"><`+tc.cond+` xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>`)
			select {
			case c := <-w.ch:
				je, ok := c.(muc.JoinError)
				if !ok || je.Text != tc.want || je.SuggestedNick != tc.suggested {
					t.Errorf("got %#v", c)
				}
			default:
				t.Fatal("no answer for the waiter")
			}
			if len(a.Rooms()) != 0 || a.room(testRoom) != nil {
				t.Error("room still in the set")
			}
		})
	}
}

// TestBufferStanza checks the replay of a buffered stanza, its children,
// and the cut of an oversized one.
func TestBufferStanza(t *testing.T) {
	in := `<message xmlns="jabber:client"><body>a</body><x xmlns="jabber:x:conference" jid="r@m"/><event xmlns="http://jabber.org/protocol/pubsub#event"><items/></event></message>`
	d := xml.NewDecoder(strings.NewReader(in))
	tok, _ := d.Token()
	b := bufferStanza(xmlstream.InnerElement(d))
	if !b.has("jabber:x:conference", "x") || !b.has(nsPubSubEvent, "event") || b.has(nsPubSubEvent, "items") {
		t.Errorf("children %v", b.children)
	}
	for i := 0; i < 2; i++ {
		m, err := ParseMessage(tok.(xml.StartElement), b.reader(), ParseContext{Account: testAccount, Now: testNow})
		if err != nil || m.Body != "a" {
			t.Errorf("replay %d: %+v %v", i, m, err)
		}
	}

	var big bytes.Buffer
	big.WriteString(`<message xmlns="jabber:client"><body>x</body>`)
	for i := 0; i < maxTokens; i++ {
		big.WriteString(`<a/>`)
	}
	big.WriteString(`</message><message xmlns="jabber:client" id="next"/>`)
	d = xml.NewDecoder(&big)
	tok, _ = d.Token()
	b = bufferStanza(xmlstream.InnerElement(d))
	if b.err != errTooLarge || len(b.toks) != maxTokens {
		t.Fatalf("err %v, %d tokens", b.err, len(b.toks))
	}
	if _, err := ParseMessage(tok.(xml.StartElement), b.reader(), ParseContext{Account: testAccount}); err == nil {
		t.Error("an oversized stanza parsed")
	}
	if tok, _ := d.Token(); tok.(xml.StartElement).Name.Local != "message" {
		t.Errorf("the stream did not continue after the oversized stanza: %v", tok)
	}
}

// groupchatStanzas returns n groupchat messages of a room flood.
func groupchatStanzas(n int) []byte {
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, `<message xmlns="jabber:client" type="groupchat" id="g%d" from="room@muc.example.org/nick%d" to="alice@example.org/parley">`+
			`<body>room message number %d with some ordinary text in it</body>`+
			`<origin-id xmlns="urn:xmpp:sid:0" id="o%d"/><stanza-id xmlns="urn:xmpp:sid:0" id="s%d" by="room@muc.example.org"/>`+
			`<occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ%d"/></message>`, i, i%50, i, i, i, i%50)
	}
	return buf.Bytes()
}

// BenchmarkRoomFlood feeds a joined room's groupchat messages through the
// stanza handler (decoding included; the sink only counts). One op is one
// message: 10,000 ops are a 10,000-message flood.
func BenchmarkRoomFlood(b *testing.B) {
	const batch = 10000
	data := groupchatStanzas(batch)
	var count atomic.Int64
	a, h := joiningAccount(func(e Event) {
		if _, ok := e.(MessageEvent); ok {
			count.Add(1)
		}
	})
	feedHandler(b, h, `<presence xmlns="jabber:client" from="room@muc.example.org/alice"><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant"/><status code="110"/></x></presence>`)
	if rooms := a.Rooms(); len(rooms) != 1 {
		b.Fatal("not joined")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data) / batch))
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		feedHandler(b, h, string(data))
	}
	b.StopTimer()
	if count.Load() < int64(b.N) {
		b.Fatalf("counted %d messages, want ≥ %d", count.Load(), b.N)
	}
}

// BenchmarkRoomJoin feeds the presences of a 1,000-occupant room and our
// own through the handler: one op is one whole join.
func BenchmarkRoomJoin(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&buf, `<presence xmlns="jabber:client" from="room@muc.example.org/occupant%d"><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant"/></x></presence>`, i)
	}
	buf.WriteString(`<presence xmlns="jabber:client" from="room@muc.example.org/alice"><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant"/><status code="110"/></x></presence>`)
	data := buf.String()
	var events atomic.Int64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, h := joiningAccount(func(e Event) {
			if re, ok := e.(RoomEvent); ok && re.Count == 1001 {
				events.Add(1)
			}
		})
		feedHandler(b, h, data)
	}
	if events.Load() != int64(b.N) {
		b.Fatalf("%d full-list events for %d joins", events.Load(), b.N)
	}
}
