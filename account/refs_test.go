package account

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/payload"
)

// describeRef renders a message's references (or a chat state event) on
// one line for comparison.
func describeRef(e Event) string {
	switch e := e.(type) {
	case MessageEvent:
		m := e.Msg
		s := fmt.Sprintf("msg %s dir=%d carbon=%v peer=%s from=%s body=%q", m.Type, m.Dir, m.Carbon, m.Peer(), m.From, m.Body)
		if m.Reply != nil {
			s += fmt.Sprintf(" reply=%s/%s quote=%q", m.Reply.ID, m.Reply.To, m.Quote)
		}
		if m.Reactions != nil {
			s += fmt.Sprintf(" reactions=%s%q", m.Reactions.ID, m.Reactions.Emojis)
		}
		if m.Retraction != nil {
			s += fmt.Sprintf(" retract=%s/%d", m.Retraction.ID, m.Retraction.Gen)
		}
		if m.Moderation != nil {
			s += fmt.Sprintf(" moderate=%s/%d by=%s reason=%q", m.Moderation.ID, m.Moderation.Gen, m.Moderation.By, m.Moderation.Reason)
		}
		if m.Marker.ID != "" {
			s += fmt.Sprintf(" marker=%s/%s", m.Marker.Kind, m.Marker.ID)
		}
		if m.Markable {
			s += " markable"
		}
		return s
	case ChatStateEvent:
		return fmt.Sprintf("state %s peer=%s from=%s nick=%s carbon=%v", e.State, e.Peer, e.From, e.Nick, e.Carbon)
	}
	return describeEvent(e)
}

// TestReferenceHandler feeds references through the handler: bodiless
// ones are messages, chat states are their own events, fallbacks are cut,
// and a moderation counts only from the room itself.
func TestReferenceHandler(t *testing.T) {
	const (
		r    = `room@muc.example.org`
		user = `http://jabber.org/protocol/muc#user`
		bob  = `bob@example.org/a`
		me   = `alice@example.org`
	)
	mod0 := func(from, id string) string {
		return `<message xmlns="jabber:client" type="groupchat" from="` + from + `" id="x"><body>moderated</body><apply-to xmlns="urn:xmpp:fasten:0" id="` + id +
			`"><moderated xmlns="urn:xmpp:message-moderate:0" by="` + r + `/mod"><retract xmlns="urn:xmpp:message-retract:0"/><reason>spam</reason></moderated></apply-to></message>`
	}
	mod1 := func(typ, from, id string) string {
		return `<message xmlns="jabber:client" type="` + typ + `" from="` + from + `" id="y"><retract xmlns="urn:xmpp:message-retract:1" id="` + id +
			`"><moderated xmlns="urn:xmpp:message-moderate:1" by="` + r + `/mod"/><reason>rude</reason></retract></message>`
	}
	steps := []struct {
		name, in string
		want     []string
	}{
		{"join",
			`<presence xmlns="jabber:client" from="` + r + `/bob"><x xmlns="` + user + `"><item affiliation="member" role="participant"/></x></presence>` +
				`<presence xmlns="jabber:client" from="` + r + `/alice"><x xmlns="` + user + `"><item affiliation="owner" role="moderator"/><status code="110"/></x></presence>`,
			[]string{"room room@muc.example.org joined nick=alice occ=2 subject=\"\" [OccupantJoined SelfJoined]"}},
		{"room reactions without a body",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob" id="g1"><reactions xmlns="urn:xmpp:reactions:0" id="s1"><reaction>👍</reaction></reactions><store xmlns="urn:xmpp:hints"/></message>`,
			[]string{`msg groupchat dir=0 carbon=false peer=room@muc.example.org from=room@muc.example.org/bob body="" reactions=s1["👍"]`}},
		{"moderation from the room, both generations",
			mod0(r, "s2") + mod1("groupchat", r, "s3"),
			[]string{`msg groupchat dir=0 carbon=false peer=room@muc.example.org from=room@muc.example.org body="" moderate=s2/0 by=room@muc.example.org/mod reason="spam"`,
				`msg groupchat dir=0 carbon=false peer=room@muc.example.org from=room@muc.example.org body="" moderate=s3/1 by=room@muc.example.org/mod reason="rude"`}},
		{"moderation posing as the room, from an occupant: nothing",
			mod0(r+"/bob", "s1") + mod1("groupchat", r+"/bob", "s1"),
			nil},
		{"room chat states: an occupant's, not our own",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>` +
				`<message xmlns="jabber:client" type="groupchat" from="` + r + `/alice"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`,
			[]string{"state composing peer=room@muc.example.org from=room@muc.example.org/bob nick=bob carbon=false"}},
		{"room reply: the quote cut from the body",
			`<message xmlns="jabber:client" type="groupchat" from="` + r + `/bob" id="g2"><body>&gt; alice: hi
hello</body><reply xmlns="urn:xmpp:reply:0" id="s0" to="` + r + `/alice"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="12"/></fallback><markable xmlns="urn:xmpp:chat-markers:0"/></message>`,
			[]string{`msg groupchat dir=0 carbon=false peer=room@muc.example.org from=room@muc.example.org/bob body="hello" reply=s0/room@muc.example.org/alice quote="> alice: hi\n" markable`}},
		{"1:1 reactions and a retraction (its fallback dropped)",
			`<message xmlns="jabber:client" type="chat" from="` + bob + `" id="c1"><reactions xmlns="urn:xmpp:reactions:0" id="m1"/></message>` +
				`<message xmlns="jabber:client" type="chat" from="` + bob + `" id="c2"><body>This person attempted to retract</body><fallback xmlns="urn:xmpp:fallback:0"/><apply-to xmlns="urn:xmpp:fasten:0" id="m2"><retract xmlns="urn:xmpp:message-retract:0"/></apply-to></message>`,
			[]string{`msg chat dir=0 carbon=false peer=bob@example.org from=bob@example.org/a body="" reactions=m1[]`,
				`msg chat dir=0 carbon=false peer=bob@example.org from=bob@example.org/a body="" retract=m2/0`}},
		{"a contact cannot moderate",
			mod1("chat", bob, "m1"),
			nil},
		{"1:1 marker, chat state, and a message with a state",
			`<message xmlns="jabber:client" type="chat" from="` + bob + `"><displayed xmlns="urn:xmpp:chat-markers:0" id="m3"/></message>` +
				`<message xmlns="jabber:client" type="chat" from="` + bob + `"><paused xmlns="http://jabber.org/protocol/chatstates"/></message>` +
				`<message xmlns="jabber:client" type="chat" from="` + bob + `" id="c3"><body>there</body><active xmlns="http://jabber.org/protocol/chatstates"/></message>`,
			[]string{`msg chat dir=0 carbon=false peer=bob@example.org from=bob@example.org/a body="" marker=displayed/m3`,
				"state paused peer=bob@example.org from=bob@example.org/a nick= carbon=false",
				`msg chat dir=0 carbon=false peer=bob@example.org from=bob@example.org/a body="there"`,
				"state active peer=bob@example.org from=bob@example.org/a nick= carbon=false"}},
		{"a sent carbon of our phone's reaction and its chat state",
			`<message xmlns="jabber:client" from="` + me + `"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" type="chat" from="` + me + `/phone" to="bob@example.org" id="p1"><reactions xmlns="urn:xmpp:reactions:0" id="b1"><reaction>🎉</reaction></reactions><composing xmlns="http://jabber.org/protocol/chatstates"/></message></forwarded></sent></message>`,
			[]string{`msg chat dir=1 carbon=true peer=bob@example.org from=alice@example.org/phone body="" reactions=b1["🎉"]`,
				"state composing peer=bob@example.org from=alice@example.org/phone nick= carbon=true"}},
		{"a forged carbon of a retraction",
			`<message xmlns="jabber:client" from="` + bob + `"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" type="chat" from="` + me + `/phone" to="bob@example.org" id="p2"><retract xmlns="urn:xmpp:message-retract:1" id="m9"/></message></forwarded></sent></message>`,
			[]string{"info dropped a forged carbon copy from bob@example.org/a"}},
		{"an occupant's chat state starts no private conversation",
			`<message xmlns="jabber:client" type="chat" from="` + r + `/bob"><composing xmlns="http://jabber.org/protocol/chatstates"/><x xmlns="` + user + `"/></message>`,
			nil},
	}
	rec := newRecorder()
	_, h := joiningAccount(rec.sink)
	seen := 0
	for _, st := range steps {
		feedHandler(t, h, st.in)
		all := rec.all()
		var got []string
		for _, e := range all[seen:] {
			got = append(got, describeRef(e))
		}
		seen = len(all)
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", st.name, strings.Join(got, "\n     "), strings.Join(st.want, "\n     "))
		}
	}
}

// TestOurStanzas builds our outgoing messages with references and reads
// them back as a peer would: what was meant is what is sent.
func TestOurStanzas(t *testing.T) {
	bobJID := jid.MustParse("bob@example.org/a")
	tests := []struct {
		name  string
		m     Message
		parts []string // in the XML
		check func(pm msg.Message) bool
	}{
		{"reply with its quote", Message{Type: "chat", Body: "tuesday", Quote: "> bob: pick\n", Reply: &msg.Reply{ID: "b1", To: bobJID}, Markable: true, Receipt: true},
			[]string{"<body>&gt; bob: pick\ntuesday</body>", `urn:xmpp:reply:0`, `urn:xmpp:fallback:0`, `markable`, `urn:xmpp:receipts`},
			func(pm msg.Message) bool {
				return pm.Reply.ID == "b1" && pm.StripFallback(payload.NSReply) == "tuesday" && pm.FallbackText(payload.NSReply) == "> bob: pick\n"
			}},
		{"reactions", Message{Type: "chat", Reactions: &msg.Reactions{ID: "b1", Emojis: []string{"👍", "🎉"}}},
			[]string{`<store xmlns="urn:xmpp:hints">`},
			func(pm msg.Message) bool {
				return pm.Body == "" && pm.Reactions.ID == "b1" && len(pm.Reactions.Emojis) == 2 && !pm.Markable
			}},
		{"retraction, both generations", Message{Type: "chat", Retraction: &msg.Retraction{ID: "o1", Gen: 1}},
			[]string{`urn:xmpp:message-retract:1`, `<apply-to xmlns="urn:xmpp:fasten:0" id="o1"><retract xmlns="urn:xmpp:message-retract:0">`, "This person attempted to retract", `<store xmlns="urn:xmpp:hints">`},
			func(pm msg.Message) bool { return pm.Retraction.ID == "o1" }},
		{"marker", Message{Type: "groupchat", Marker: msg.Marker{Kind: msg.Displayed, ID: "s1"}},
			[]string{`<displayed xmlns="urn:xmpp:chat-markers:0" id="s1">`},
			func(pm msg.Message) bool { return pm.Marker.ID == "s1" && pm.Body == "" && !pm.ReceiptRequest }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.m.ID, tc.m.To = "our-id", bobJID.Bare()
			raw, err := encodeStanza(messageStanza(tc.m, false))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range append(tc.parts, `<origin-id xmlns="urn:xmpp:sid:0" id="our-id">`) {
				if !strings.Contains(string(raw), p) {
					t.Errorf("%s lacks %s", raw, p)
				}
			}
			d := xml.NewDecoder(strings.NewReader(string(raw)))
			tok, _ := d.Token()
			pm, err := payload.Default().Parse(tok.(xml.StartElement), d, payload.Context{Account: testAccount, Now: testNow})
			if err != nil || !tc.check(pm) {
				t.Errorf("read back %+v, %v", pm, err)
			}
		})
	}
}

// FuzzHandlerMessage feeds one hostile stanza to the handler of an account
// in a room (as from a contact, the room, an occupant or our own server):
// it must not panic, and what it emits stays bounded.
func FuzzHandlerMessage(f *testing.F) {
	for _, s := range []string{
		`<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org/bob" id="g1"><reactions xmlns="urn:xmpp:reactions:0" id="s1"><reaction>👍</reaction></reactions></message>`,
		`<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org"><apply-to xmlns="urn:xmpp:fasten:0" id="s2"><moderated xmlns="urn:xmpp:message-moderate:0" by="x"><retract xmlns="urn:xmpp:message-retract:0"/></moderated></apply-to></message>`,
		`<message xmlns="jabber:client" type="chat" from="room@muc.example.org/bob"><composing xmlns="http://jabber.org/protocol/chatstates"/><x xmlns="http://jabber.org/protocol/muc#user"/></message>`,
		`<message xmlns="jabber:client" from="alice@example.org"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" type="chat" from="alice@example.org/p" to="b@x"><retract xmlns="urn:xmpp:message-retract:1" id="m"/></message></forwarded></sent></message>`,
		`<message xmlns="jabber:client" type="chat" from="bob@example.org/a" id="c"><body>&gt; q
a</body><reply xmlns="urn:xmpp:reply:0" id="x"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="99999"/></fallback></message>`,
		`<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org/bob"><subject>s</subject></message>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		var start xml.StartElement
		for {
			tok, err := d.Token()
			if err != nil {
				return
			}
			if se, ok := tok.(xml.StartElement); ok {
				start = se
				break
			}
		}
		if start.Name.Local != "message" {
			return
		}
		rec := newRecorder()
		a, h := joiningAccount(rec.sink)
		feedHandler(t, h, `<presence xmlns="jabber:client" from="room@muc.example.org/alice"><x xmlns="http://jabber.org/protocol/muc#user"><item role="moderator"/><status code="110"/></x></presence>`)
		if err := h.HandleXMPP(tokenRW{xmlstream.InnerElement(d), xmlstream.Discard()}, &start); err != nil {
			t.Fatalf("handler error %v", err)
		}
		a.Flush(context.Background())
		for _, e := range rec.all() {
			me, ok := e.(MessageEvent)
			if !ok {
				continue
			}
			m := me.Msg
			if len(m.Body) > MaxBody+len(TruncatedMarker) || len(m.Quote) > MaxBody || !utf8.ValidString(m.Body) {
				t.Fatalf("body %d bytes, quote %d", len(m.Body), len(m.Quote))
			}
			if m.Moderation != nil && (m.Type != "groupchat" || !m.From.Equal(testRoom)) {
				t.Fatalf("a moderation from %s kept", m.From)
			}
			if m.Body == "" && !m.hasRef() && m.Type != "error" && m.Subject == "" {
				t.Fatalf("an empty message emitted: %+v", m)
			}
		}
	})
}
