package account

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"
)

var (
	testAccount = jid.MustParse("alice@example.org")
	testNow     = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
)

// parseString runs ParseMessage on the first element of s, as a decoder
// reading a stream would present it.
func parseString(t testing.TB, s string) (Message, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return Message{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return ParseMessage(se, d, ParseContext{Account: testAccount, Now: testNow, SIDs: true})
		}
	}
}

func TestParseMessage(t *testing.T) {
	huge := strings.Repeat("é", MaxBody) // 2 bytes each: twice the limit
	tests := []struct {
		name    string
		xml     string
		want    Message
		wantErr bool
	}{{
		name: "chat",
		xml: `<message xmlns="jabber:client" type="chat" id="m1" from="bob@example.org/phone" to="alice@example.org/parley">
			<body>hello</body><active xmlns="http://jabber.org/protocol/chatstates"/></message>`,
		want: Message{ID: "m1", Type: "chat", Body: "hello", From: jid.MustParse("bob@example.org/phone"), To: jid.MustParse("alice@example.org/parley"), Time: testNow},
	}, {
		name: "correction",
		xml: `<message xmlns="jabber:client" type="chat" id="c1" from="bob@example.org/phone">
			<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="m1"/></message>`,
		want: Message{ID: "c1", Type: "chat", Body: "fixed", From: jid.MustParse("bob@example.org/phone"), To: testAccount, Time: testNow, Replaces: "m1"},
	}, {
		name: "correction id too long is dropped, not cut",
		xml: `<message xmlns="jabber:client" type="chat" id="c1" from="bob@example.org/phone">
			<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="` + strings.Repeat("x", maxShort+1) + `"/></message>`,
		want: Message{ID: "c1", Type: "chat", Body: "fixed", From: jid.MustParse("bob@example.org/phone"), To: testAccount, Time: testNow},
	}, {
		name: "occupant-id kept only in groupchat",
		xml: `<message xmlns="jabber:client" type="chat" id="c1" from="bob@example.org/phone">
			<body>x</body><occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ"/></message>`,
		want: Message{ID: "c1", Type: "chat", Body: "x", From: jid.MustParse("bob@example.org/phone"), To: testAccount, Time: testNow},
	}, {
		name: "groupchat correction with occupant-id",
		xml: `<message xmlns="jabber:client" type="groupchat" id="c1" from="room@muc.example.org/bob">
			<body>x</body><occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ"/><replace xmlns="urn:xmpp:message-correct:0" id="m1"/></message>`,
		want: Message{ID: "c1", Type: "groupchat", Body: "x", Nick: "bob", From: jid.MustParse("room@muc.example.org/bob"), To: testAccount, Time: testNow, Replaces: "m1", OccupantID: "occ"},
	}, {
		name: "normal without type",
		xml:  `<message xmlns="jabber:client" from="bob@example.org"><subject>hi</subject><body>text</body></message>`,
		want: Message{Type: "normal", Body: "text", Subject: "hi", From: jid.MustParse("bob@example.org"), To: testAccount, Time: testNow},
	}, {
		name: "headline as normal",
		xml:  `<message xmlns="jabber:client" type="headline" from="news.example.org"><body>news</body></message>`,
		want: Message{Type: "normal", Body: "news", From: jid.MustParse("news.example.org"), To: testAccount, Time: testNow},
	}, {
		name: "unknown type as normal",
		xml:  `<message xmlns="jabber:client" type="weird" from="bob@example.org"><body>x</body></message>`,
		want: Message{Type: "normal", Body: "x", From: jid.MustParse("bob@example.org"), To: testAccount, Time: testNow},
	}, {
		name: "error",
		xml: `<message xmlns="jabber:client" type="error" id="m2" from="nobody@example.org">
			<body>what I sent</body>
			<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">User session not found</text></error></message>`,
		want: Message{ID: "m2", Type: "error", Body: "what I sent", Err: "service unavailable: User session not found", From: jid.MustParse("nobody@example.org"), To: testAccount, Time: testNow},
	}, {
		name: "delay",
		xml: `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>late</body>
			<delay xmlns="urn:xmpp:delay" from="example.org" stamp="2002-09-10T23:08:25.123Z"/></message>`,
		want: Message{Type: "chat", Body: "late", From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: time.Date(2002, 9, 10, 23, 8, 25, 123e6, time.UTC), Delayed: true},
	}, {
		name: "bad delay stamp ignored",
		xml:  `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>b</body><delay xmlns="urn:xmpp:delay" stamp="yesterday"/></message>`,
		want: Message{Type: "chat", Body: "b", From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "origin-id and stanza-id by us",
		xml: `<message xmlns="jabber:client" type="chat" id="x" from="bob@example.org/a"><body>b</body>
			<origin-id xmlns="urn:xmpp:sid:0" id="orig-1"/>
			<stanza-id xmlns="urn:xmpp:sid:0" id="arch-1" by="alice@example.org"/></message>`,
		want: Message{ID: "x", OriginID: "orig-1", StanzaID: "arch-1", StanzaIDBy: "alice@example.org", Type: "chat", Body: "b", From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "unstyled",
		xml: `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>*as typed*</body>
			<unstyled xmlns="urn:xmpp:styling:0"/></message>`,
		want: Message{Type: "chat", Body: "*as typed*", Unstyled: true, From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "stanza-id spoofed by someone else",
		xml: `<message xmlns="jabber:client" type="chat" from="mallory@example.org/a"><body>b</body>
			<stanza-id xmlns="urn:xmpp:sid:0" id="fake" by="mallory@example.org"/>
			<stanza-id xmlns="urn:xmpp:sid:0" id="real" by="alice@example.org"/></message>`,
		want: Message{StanzaID: "real", StanzaIDBy: "alice@example.org", Type: "chat", Body: "b", From: jid.MustParse("mallory@example.org/a"), To: testAccount, Time: testNow},
	}, {
		// Prosody 0.12 passes a sender's stanza-id through, ahead of its
		// own: neither can be told to be the server's.
		name: "two stanza-ids claiming the account",
		xml: `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>b</body>
			<stanza-id xmlns="urn:xmpp:sid:0" id="FORGED-1" by="alice@example.org"/>
			<stanza-id xmlns="urn:xmpp:sid:0" id="real" by="alice@example.org"/></message>`,
		want: Message{Type: "chat", Body: "b", From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "two stanza-ids claiming the room",
		xml: `<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org/Eve"><body>b</body>
			<stanza-id xmlns="urn:xmpp:sid:0" id="r1" by="room@muc.example.org"/>
			<stanza-id xmlns="urn:xmpp:sid:0" id="r2" by="room@muc.example.org"/></message>`,
		want: Message{Type: "groupchat", Nick: "Eve", Body: "b", From: jid.MustParse("room@muc.example.org/Eve"), To: testAccount, Time: testNow},
	}, {
		name: "delay stamp in the future ignored",
		xml:  `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>b</body><delay xmlns="urn:xmpp:delay" stamp="9999-01-01T00:00:00Z"/></message>`,
		want: Message{Type: "chat", Body: "b", From: jid.MustParse("bob@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "stanza-id with only a spoofed by",
		xml:  `<message xmlns="jabber:client" type="chat" from="mallory@example.org/a"><body>b</body><stanza-id xmlns="urn:xmpp:sid:0" id="fake" by="example.org"/></message>`,
		want: Message{Type: "chat", Body: "b", From: jid.MustParse("mallory@example.org/a"), To: testAccount, Time: testNow},
	}, {
		name: "groupchat stanza-id by the room, nick from resource",
		xml: `<message xmlns="jabber:client" type="groupchat" from="room@muc.example.org/Bob"><body>hi all</body>
			<stanza-id xmlns="urn:xmpp:sid:0" id="r1" by="room@muc.example.org"/>
			<stanza-id xmlns="urn:xmpp:sid:0" id="a1" by="alice@example.org"/></message>`,
		want: Message{StanzaID: "r1", StanzaIDBy: "room@muc.example.org", Type: "groupchat", Nick: "Bob", Body: "hi all", From: jid.MustParse("room@muc.example.org/Bob"), To: testAccount, Time: testNow},
	}, {
		name: "room private message",
		xml:  `<message xmlns="jabber:client" type="chat" from="room@muc.example.org/Bob"><body>psst</body><x xmlns="http://jabber.org/protocol/muc#user"/></message>`,
		want: Message{Type: "chat", Body: "psst", Private: true, From: jid.MustParse("room@muc.example.org/Bob"), To: testAccount, Time: testNow},
	}, {
		name: "first body wins, foreign body ignored",
		xml:  `<message xmlns="jabber:client" type="chat" from="b@example.org"><body xmlns="urn:other">no</body><body>one</body><body xml:lang="de">eins</body></message>`,
		want: Message{Type: "chat", Body: "one", From: jid.MustParse("b@example.org"), To: testAccount, Time: testNow},
	}, {
		name: "nested elements inside body are not text",
		xml:  `<message xmlns="jabber:client" type="chat" from="b@example.org"><body>a<i>b</i>c</body></message>`,
		want: Message{Type: "chat", Body: "ac", From: jid.MustParse("b@example.org"), To: testAccount, Time: testNow},
	}, {
		name: "huge body truncated",
		xml:  `<message xmlns="jabber:client" type="chat" from="b@example.org"><body>` + huge + `</body></message>`,
		want: Message{Type: "chat", Body: huge[:MaxBody] + TruncatedMarker, From: jid.MustParse("b@example.org"), To: testAccount, Time: testNow},
	}, {
		name:    "bad from",
		xml:     `<message xmlns="jabber:client" type="chat" from="@@"><body>x</body></message>`,
		wantErr: true,
	}, {
		name:    "garbage",
		xml:     `<message xmlns="jabber:client"><body>x</bo`,
		wantErr: true,
	}, {
		name:    "mismatched tags",
		xml:     `<message xmlns="jabber:client"><body>x</subject></message>`,
		wantErr: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(t, tc.xml)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalMessage(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", short(got), short(tc.want))
			}
		})
	}
}

func short(m Message) Message {
	if len(m.Body) > 80 {
		m.Body = m.Body[:40] + "…" + m.Body[len(m.Body)-40:]
	}
	return m
}

func equalMessage(a, b Message) bool {
	if !a.From.Equal(b.From) || !a.To.Equal(b.To) || !a.Time.Equal(b.Time) {
		return false
	}
	a.From, a.To, b.From, b.To = jid.JID{}, jid.JID{}, jid.JID{}, jid.JID{}
	a.Time, b.Time = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// TestParseMessageConsumesElement checks that a forwarded message can be
// parsed in the middle of a stream: the parser stops at its end element.
func TestParseMessageConsumesElement(t *testing.T) {
	s := `<r><message xmlns="jabber:client" type="chat" from="b@example.org"><body>one</body></message><after/></r>`
	d := xml.NewDecoder(strings.NewReader(s))
	d.Token() // <r>
	tok, _ := d.Token()
	m, err := ParseMessage(tok.(xml.StartElement), d, ParseContext{Account: testAccount, Now: testNow})
	if err != nil || m.Body != "one" {
		t.Fatalf("got %+v, %v", m, err)
	}
	tok, err = d.Token()
	if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != "after" || err != nil {
		t.Fatalf("next token %#v %v, want <after>", tok, err)
	}
}

// TestParseMessageTooManyElements: an absurd stanza is drained; what was
// read within the budget is kept.
func TestParseMessageTooManyElements(t *testing.T) {
	s := `<r><message xmlns="jabber:client" from="b@example.org"><body>kept</body>` + strings.Repeat("<x/>", maxTokens) + `<body>late</body></message><after/></r>`
	d := xml.NewDecoder(strings.NewReader(s))
	d.Token()
	tok, _ := d.Token()
	m, err := ParseMessage(tok.(xml.StartElement), d, ParseContext{Account: testAccount, Now: testNow})
	if err != nil || m.Body != "kept" {
		t.Fatalf("got %+v, %v", m, err)
	}
	tok, err = d.Token()
	if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != "after" || err != nil {
		t.Fatalf("next token %#v %v, want <after>", tok, err)
	}
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`<message xmlns="jabber:client" type="chat" id="m1" from="bob@example.org/phone"><body>hello</body></message>`,
		`<message xmlns="jabber:client" type="error" from="x@y"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>`,
		`<message xmlns="jabber:client" type="groupchat" from="r@m/N"><body>b</body><stanza-id xmlns="urn:xmpp:sid:0" id="1" by="r@m"/><delay xmlns="urn:xmpp:delay" stamp="2020-01-01T00:00:00Z"/></message>`,
		`<message xmlns="jabber:client"><origin-id xmlns="urn:xmpp:sid:0" id="o"/><body>[red]x&#x1b;[2J</body></message>`,
		`<message xmlns="jabber:client" from="a@b"><x xmlns="http://jabber.org/protocol/muc#user"><item/></x><body>é😀</body></message>`,
		`<message><body>`,
		`<message xmlns="jabber:client" type="groupchat" from="r@m/N"><body>b</body><replace xmlns="urn:xmpp:message-correct:0" id="m0"/><occupant-id xmlns="urn:xmpp:occupant-id:0" id="occ"/></message>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseString(t, s)
		if err != nil {
			return
		}
		if len(m.Replaces) > maxShort || len(m.OccupantID) > maxShort {
			t.Fatalf("an id over %d bytes kept: %d, %d", maxShort, len(m.Replaces), len(m.OccupantID))
		}
		if len(m.Body) > MaxBody+len(TruncatedMarker) {
			t.Fatalf("body of %d bytes exceeds the limit", len(m.Body))
		}
		if !utf8.ValidString(m.Body) {
			t.Fatalf("invalid UTF-8 body %q", m.Body)
		}
		_ = m.Peer()
	})
}

// TestStanzaIDNeedsAnnouncement checks that a live stanza-id by the account
// is believed only when the server announced urn:xmpp:sid:0 (XEP-0359 §4).
func TestStanzaIDNeedsAnnouncement(t *testing.T) {
	const x = `<message xmlns="jabber:client" type="chat" from="bob@example.org/a"><body>b</body>` +
		`<stanza-id xmlns="urn:xmpp:sid:0" id="s1" by="alice@example.org"/></message>`
	for _, announced := range []bool{false, true} {
		d := xml.NewDecoder(strings.NewReader(x))
		tok, _ := d.Token()
		m, err := ParseMessage(tok.(xml.StartElement), d, ParseContext{Account: testAccount, Now: testNow, SIDs: announced})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.StanzaID != ""; got != announced {
			t.Errorf("announced %v: stanza-id %q believed", announced, m.StanzaID)
		}
	}
}
