package payload

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/msg"
)

var (
	testNow  = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	testAcct = jid.MustParse("romeo@montague.example")
	testCtx  = Context{Account: testAcct, Now: testNow}
)

// parseString parses the first <message/> of s, then checks that the token
// after it is the <next/> element every test stanza is followed by: Parse
// must stop at the end element, not before and not after.
func parseString(t *testing.T, r *Registry, s string) (msg.Message, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s + "<next/>"))
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no start element: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
	}
	m, err := r.Parse(start, d, testCtx)
	if tok, terr := d.Token(); terr != nil {
		t.Fatalf("after Parse: %v", terr)
	} else if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != "next" {
		t.Fatalf("Parse did not stop at the end of the stanza: next token %#v", tok)
	}
	return m, err
}

func j(s string) jid.JID { return jid.MustParse(s) }

const retractText = "This person attempted to retract a previous message, but it's unsupported by your client."

func TestParse(t *testing.T) {
	reg := Default()
	tests := []struct {
		name   string
		stanza string
		want   msg.Message
	}{
		{
			name: "Conversations chat message",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/Conversations.x1" to="romeo@montague.example" type="chat" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10">
<body>Hi *there*</body><request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/>
<origin-id xmlns="urn:xmpp:sid:0" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10"/><active xmlns="http://jabber.org/protocol/chatstates"/>
<stanza-id xmlns="urn:xmpp:sid:0" id="Xk3mE8pP0sJ1" by="romeo@montague.example"/></message>`,
			want: msg.Message{
				ID: "6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10", OriginID: "6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10",
				StanzaIDs: []msg.StanzaID{{ID: "Xk3mE8pP0sJ1", By: "romeo@montague.example"}},
				From:      j("juliet@capulet.example/Conversations.x1"), To: testAcct, Kind: msg.Chat,
				Body: "Hi *there*", ReceiptRequest: true, Markable: true, ChatState: msg.Active,
			},
		},
		{
			name: "Prosody room history with occupant-id and delay",
			stanza: `<message xmlns="jabber:client" xml:lang="en" type="groupchat" id="a1" from="room@muc.example/alice" to="romeo@montague.example/parley">
<body>earlier</body><occupant-id xmlns="urn:xmpp:occupant-id:0" id="dGhpcyBpcyBhbGljZQ=="/>
<stanza-id xmlns="urn:xmpp:sid:0" id="r-17" by="room@muc.example"/>
<delay xmlns="urn:xmpp:delay" stamp="2026-03-01T10:00:00.5Z" from="room@muc.example"/></message>`,
			want: msg.Message{
				ID: "a1", StanzaIDs: []msg.StanzaID{{ID: "r-17", By: "room@muc.example"}},
				From: j("room@muc.example/alice"), To: j("romeo@montague.example/parley"), OccupantID: "dGhpcyBpcyBhbGljZQ==",
				Kind: msg.Groupchat, Body: "earlier",
				Sent: time.Date(2026, 3, 1, 10, 0, 0, 5e8, time.UTC), DelayFrom: "room@muc.example",
			},
		},
		{
			name: "correction (XEP-0308)",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/phone" type="chat" id="c2">
<body>Hello, world</body><replace id="c1" xmlns="urn:xmpp:message-correct:0"/></message>`,
			want: msg.Message{ID: "c2", From: j("juliet@capulet.example/phone"), To: testAcct, Kind: msg.Chat,
				Body: "Hello, world", Correction: &msg.Correction{ID: "c1"}},
		},
		{
			name: "reply with fallback (XEP-0461, XEP-0428)",
			stanza: `<message xmlns="jabber:client" from="room@muc.example/bob" type="groupchat" id="r2">
<body>&gt; Anna wrote:
&gt; We should bake a cake
Great idea!</body>
<reply to="room@muc.example/anna" id="r-1" xmlns="urn:xmpp:reply:0"/>
<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="36"/></fallback></message>`,
			want: msg.Message{ID: "r2", From: j("room@muc.example/bob"), To: testAcct, Kind: msg.Groupchat,
				Body:      "> Anna wrote:\n> We should bake a cake\nGreat idea!",
				Reply:     &msg.Reply{ID: "r-1", To: j("room@muc.example/anna")},
				Fallbacks: []msg.Fallback{{For: NSReply, Body: []msg.Range{{Start: 0, End: 36}}}}},
		},
		{
			name: "slixmpp reactions, no body",
			stanza: `<message xmlns="jabber:client" to="romeo@montague.example" from="juliet@capulet.example/slix" type="chat" id="x9">
<reactions xmlns="urn:xmpp:reactions:0" id="744f6e18"><reaction>👍</reaction><reaction>❤️</reaction><reaction> 👍 </reaction><reaction/></reactions>
<store xmlns="urn:xmpp:hints"/></message>`,
			want: msg.Message{ID: "x9", From: j("juliet@capulet.example/slix"), To: testAcct, Kind: msg.Chat,
				Reactions: &msg.Reactions{ID: "744f6e18", Emojis: []string{"👍", "❤️"}}, Hints: msg.Hints{Store: true}},
		},
		{
			name:   "reactions withdrawn",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/slix" type="chat"><reactions xmlns="urn:xmpp:reactions:0" id="744f6e18"/></message>`,
			want: msg.Message{From: j("juliet@capulet.example/slix"), To: testAcct, Kind: msg.Chat,
				Reactions: &msg.Reactions{ID: "744f6e18", Emojis: []string{}}},
		},
		{
			name: "retraction generation 0 (slixmpp 1.8, Prosody 0.12)",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/slix" type="chat" id="rt0">
<apply-to xmlns="urn:xmpp:fasten:0" id="origin-id-1"><retract xmlns="urn:xmpp:message-retract:0"/></apply-to>
<fallback xmlns="urn:xmpp:fallback:0"/><body>` + retractText + `</body><store xmlns="urn:xmpp:hints"/></message>`,
			want: msg.Message{ID: "rt0", From: j("juliet@capulet.example/slix"), To: testAcct, Kind: msg.Chat,
				Retraction: &msg.Retraction{ID: "origin-id-1", Gen: 0}, Body: retractText,
				Fallbacks: []msg.Fallback{{Body: []msg.Range{{Start: 0, End: msg.WholeBody}}}}, Hints: msg.Hints{Store: true}},
		},
		{
			name: "retraction generation 1",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/gajim" type="chat" id="rt1">
<retract id="origin-id-1" xmlns="urn:xmpp:message-retract:1"/>
<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1"/><body>` + retractText + `</body><store xmlns="urn:xmpp:hints"/></message>`,
			want: msg.Message{ID: "rt1", From: j("juliet@capulet.example/gajim"), To: testAcct, Kind: msg.Chat,
				Retraction: &msg.Retraction{ID: "origin-id-1", Gen: 1}, Body: retractText,
				Fallbacks: []msg.Fallback{{For: NSRetract1, Body: []msg.Range{{Start: 0, End: msg.WholeBody}}}}, Hints: msg.Hints{Store: true}},
		},
		{
			name: "moderation generation 0 (Prosody 0.12 mod_muc_moderation)",
			stanza: `<message xmlns="jabber:client" type="groupchat" id="m0" from="room@muc.example">
<apply-to xmlns="urn:xmpp:fasten:0" id="stanza-id-1"><moderated by="room@muc.example/macbeth" xmlns="urn:xmpp:message-moderate:0">
<retract xmlns="urn:xmpp:message-retract:0"/><reason>Inappropriate</reason></moderated></apply-to>
<stanza-id xmlns="urn:xmpp:sid:0" id="r-20" by="room@muc.example"/></message>`,
			want: msg.Message{ID: "m0", From: j("room@muc.example"), To: testAcct, Kind: msg.Groupchat,
				StanzaIDs:  []msg.StanzaID{{ID: "r-20", By: "room@muc.example"}},
				Moderation: &msg.Moderation{ID: "stanza-id-1", By: "room@muc.example/macbeth", Reason: "Inappropriate", Gen: 0}},
		},
		{
			name: "moderation generation 1",
			stanza: `<message xmlns="jabber:client" type="groupchat" id="m1" from="room@muc.example">
<retract id="stanza-id-1" xmlns="urn:xmpp:message-retract:1"><moderated by="room@muc.example/macbeth" xmlns="urn:xmpp:message-moderate:1">
<occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603d"/></moderated><reason>Spam</reason></retract></message>`,
			want: msg.Message{ID: "m1", From: j("room@muc.example"), To: testAcct, Kind: msg.Groupchat,
				Moderation: &msg.Moderation{ID: "stanza-id-1", By: "room@muc.example/macbeth", OccupantID: "dd72603d", Reason: "Spam", Gen: 1}},
		},
		{
			name: "archive tombstone of a moderation, generation 0",
			stanza: `<message type="groupchat" from="room@muc.example/oldhag" to="room@muc.example/macbeth" id="message-id-1" xmlns="jabber:client">
<occupant-id xmlns="urn:xmpp:occupant-id:0" id="ef73b09d"/><moderated by="witch@shakespeare.example" xmlns="urn:xmpp:message-moderate:0">
<occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603d"/><retracted stamp="2019-09-20T23:19:12Z" xmlns="urn:xmpp:message-retract:0"/>
<reason>Off topic</reason></moderated></message>`,
			want: msg.Message{ID: "message-id-1", From: j("room@muc.example/oldhag"), To: j("room@muc.example/macbeth"), Kind: msg.Groupchat,
				OccupantID: "ef73b09d",
				Tombstone: &msg.Tombstone{Stamp: time.Date(2019, 9, 20, 23, 19, 12, 0, time.UTC), Moderated: true,
					By: "witch@shakespeare.example", OccupantID: "dd72603d", Reason: "Off topic"}},
		},
		{
			name: "archive tombstone of a retraction, generation 1",
			stanza: `<message type="chat" from="juliet@capulet.example/gajim" id="o1" xmlns="jabber:client">
<retracted stamp="2026-01-01T00:00:00Z" xmlns="urn:xmpp:message-retract:1"/></message>`,
			want: msg.Message{ID: "o1", From: j("juliet@capulet.example/gajim"), To: testAcct, Kind: msg.Chat,
				Tombstone: &msg.Tombstone{Stamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
		},
		{
			name: "Conversations typing notification",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/Conversations.x1" type="chat" id="t1">
<composing xmlns="http://jabber.org/protocol/chatstates"/><no-store xmlns="urn:xmpp:hints"/></message>`,
			want: msg.Message{ID: "t1", From: j("juliet@capulet.example/Conversations.x1"), To: testAcct, Kind: msg.Chat,
				ChatState: msg.Composing, Hints: msg.Hints{NoStore: true}},
		},
		{
			name: "displayed marker",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/Conversations.x1" type="chat" id="d1">
<displayed xmlns="urn:xmpp:chat-markers:0" id="6f1c0c6e"/><store xmlns="urn:xmpp:hints"/></message>`,
			want: msg.Message{ID: "d1", From: j("juliet@capulet.example/Conversations.x1"), To: testAcct, Kind: msg.Chat,
				Marker: msg.Marker{Kind: msg.Displayed, ID: "6f1c0c6e"}, Hints: msg.Hints{Store: true}},
		},
		{
			name:   "receipt",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/a" id="rc"><received xmlns="urn:xmpp:receipts" id="m-7"/></message>`,
			want:   msg.Message{ID: "rc", From: j("juliet@capulet.example/a"), To: testAcct, ReceiptFor: "m-7"},
		},
		{
			name:   "receipt without id (early XEP-0184)",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/a" id="m-8"><received xmlns="urn:xmpp:receipts"/></message>`,
			want:   msg.Message{ID: "m-8", From: j("juliet@capulet.example/a"), To: testAcct, ReceiptFor: "m-8"},
		},
		{
			name: "Conversations file share (OOB)",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat" id="f1">
<body>https://upload.example/a/cat.jpg</body><x xmlns="jabber:x:oob"><url>https://upload.example/a/cat.jpg</url><desc>a cat</desc></x></message>`,
			want: msg.Message{ID: "f1", From: j("juliet@capulet.example/c"), To: testAcct, Kind: msg.Chat,
				Body: "https://upload.example/a/cat.jpg", OOB: []msg.OOB{{URL: "https://upload.example/a/cat.jpg", Desc: "a cat"}}},
		},
		{
			name:   "unstyled",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat"><body>*not bold*</body><unstyled xmlns="urn:xmpp:styling:0"/></message>`,
			want:   msg.Message{From: j("juliet@capulet.example/c"), To: testAcct, Kind: msg.Chat, Body: "*not bold*", Unstyled: true},
		},
		{
			name: "error bounce",
			stanza: `<message xmlns="jabber:client" from="nobody@capulet.example" type="error" id="e1"><body>hi</body>
<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">offline</text></error></message>`,
			want: msg.Message{ID: "e1", From: j("nobody@capulet.example"), To: testAcct, Kind: msg.Error, Body: "hi",
				Err: &msg.StanzaError{Type: "cancel", Condition: "service-unavailable", Text: "offline"}},
		},
		{
			name: "room private message",
			stanza: `<message xmlns="jabber:client" from="room@muc.example/alice" type="chat" id="p1"><body>psst</body>
<x xmlns="http://jabber.org/protocol/muc#user"/></message>`,
			want: msg.Message{ID: "p1", From: j("room@muc.example/alice"), To: testAcct, Kind: msg.Private, MUCUser: true, Body: "psst"},
		},
		{
			name:   "room subject cleared",
			stanza: `<message xmlns="jabber:client" from="room@muc.example/alice" type="groupchat" id="s1"><subject/></message>`,
			want:   msg.Message{ID: "s1", From: j("room@muc.example/alice"), To: testAcct, Kind: msg.Groupchat, HasSubject: true},
		},
		{
			name: "bodies in several languages",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat">
<body xml:lang="de">Hallo</body><body>Hello</body><body xml:lang="fr">Salut</body></message>`,
			want: msg.Message{From: j("juliet@capulet.example/c"), To: testAcct, Kind: msg.Chat, Body: "Hello"},
		},
		{
			name:   "only a language-tagged body",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c"><body xml:lang="de">Hallo</body><body xml:lang="fr">Salut</body></message>`,
			want:   msg.Message{From: j("juliet@capulet.example/c"), To: testAcct, Body: "Hallo", BodyLang: "de"},
		},
		{
			name: "malformed payloads are dropped one by one",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat" id="bad">
<body>still here</body><reactions xmlns="urn:xmpp:reactions:0"><reaction>👍</reaction></reactions>
<replace xmlns="urn:xmpp:message-correct:0" id="` + strings.Repeat("x", MaxID+1) + `"/>
<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="x"/></fallback>
<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="5" end="2"/></fallback>
<stanza-id xmlns="urn:xmpp:sid:0" id="no-by"/><delay xmlns="urn:xmpp:delay" stamp="yesterday"/>
<retract xmlns="urn:xmpp:message-retract:1"/><apply-to xmlns="urn:xmpp:fasten:0"><retract xmlns="urn:xmpp:message-retract:0"/></apply-to>
<displayed xmlns="urn:xmpp:chat-markers:0"/><x xmlns="jabber:x:oob"><desc>no url</desc></x>
<unknown xmlns="urn:example:unknown"><deep><deeper/></deep></unknown>
<reply xmlns="urn:xmpp:reply:0" to="not a jid@@" id="ok"/></message>`,
			want: msg.Message{ID: "bad", From: j("juliet@capulet.example/c"), To: testAcct, Kind: msg.Chat,
				Body: "still here", Reply: &msg.Reply{ID: "ok"}},
		},
		{
			name: "first of repeated payloads wins",
			stanza: `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat">
<replace xmlns="urn:xmpp:message-correct:0" id="one"/><replace xmlns="urn:xmpp:message-correct:0" id="two"/>
<composing xmlns="http://jabber.org/protocol/chatstates"/><paused xmlns="http://jabber.org/protocol/chatstates"/>
<origin-id xmlns="urn:xmpp:sid:0" id="o1"/><origin-id xmlns="urn:xmpp:sid:0" id="o2"/></message>`,
			want: msg.Message{From: j("juliet@capulet.example/c"), To: testAcct, Kind: msg.Chat,
				Correction: &msg.Correction{ID: "one"}, ChatState: msg.Composing, OriginID: "o1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseString(t, reg, tt.stanza)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.want.Received = testNow
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", m, tt.want)
			}
		})
	}
}

func TestParseBounds(t *testing.T) {
	reg := Default()
	var b strings.Builder
	b.WriteString(`<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat"><reactions xmlns="urn:xmpp:reactions:0" id="r">`)
	b.WriteString(`<reaction>` + strings.Repeat("😀", MaxReactionBytes/4+1) + `</reaction>`)
	for i := 0; i < 100; i++ {
		b.WriteString(`<reaction>` + string(rune(0x1F600+i)) + `</reaction>`)
	}
	b.WriteString(`</reactions>`)
	for i := 0; i < 20; i++ {
		b.WriteString(`<stanza-id xmlns="urn:xmpp:sid:0" id="s" by="x@example"/>`)
	}
	b.WriteString(`<body>` + strings.Repeat("é", MaxBody) + `</body></message>`)
	m, err := parseString(t, reg, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated {
		t.Error("Truncated not set")
	}
	if m.Reactions == nil || len(m.Reactions.Emojis) != MaxReactions || m.Reactions.Emojis[0] != "😀" {
		t.Errorf("reactions not capped to %d with the oversized one left out: %v", MaxReactions, m.Reactions)
	}
	if len(m.StanzaIDs) != MaxStanzaIDs {
		t.Errorf("%d stanza-ids kept", len(m.StanzaIDs))
	}
	if len(m.Body) > MaxBody || !strings.HasPrefix(m.Body, "éé") || len(m.Body)%2 != 0 {
		t.Errorf("body of %d bytes not cut on a rune boundary within %d", len(m.Body), MaxBody)
	}
}

func TestParseTokenBudget(t *testing.T) {
	reg := Default()
	s := `<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat"><body>kept</body>` +
		strings.Repeat("<a/>", MaxTokens) + `<replace xmlns="urn:xmpp:message-correct:0" id="late"/></message>`
	m, err := parseString(t, reg, s) // parseString checks the stanza was drained to its end
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || m.Body != "kept" || m.Correction != nil {
		t.Errorf("over budget: Truncated %v, Body %q, Correction %v", m.Truncated, m.Body, m.Correction)
	}
}

func TestParseErrors(t *testing.T) {
	reg := Default()
	for _, s := range []string{
		`<message xmlns="jabber:client" from="@@bad"><body>x</body><deep><er/></deep></message>`,
		`<message xmlns="jabber:client" to="` + strings.Repeat("a", 4000) + `@example"><body>x</body></message>`,
	} {
		if _, err := parseString(t, reg, s); err == nil {
			t.Errorf("no error for %.60s", s)
		}
	}
	// An XML error of the stream fails the stanza.
	d := xml.NewDecoder(strings.NewReader(`<message xmlns="jabber:client"><body>x</bod></message>`))
	tok, _ := d.Token()
	if _, err := reg.Parse(tok.(xml.StartElement), d, testCtx); err == nil {
		t.Error("no error for broken XML")
	}
}

// TestParseInnerReader reads stanzas the way a mellium handler gets them:
// Session.Serve hands HandleXMPP an xmlstream.InnerElement reader (the
// inner tokens and the end element); xmlstream.Inner stops before it.
func TestParseInnerReader(t *testing.T) {
	reg := Default()
	for name, wrap := range map[string]func(xml.TokenReader) xml.TokenReader{
		"InnerElement": xmlstream.InnerElement,
		"Inner":        xmlstream.Inner,
	} {
		t.Run(name, func(t *testing.T) {
			d := xml.NewDecoder(strings.NewReader(`<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat" id="i">` +
				`<body>inner</body><active xmlns="http://jabber.org/protocol/chatstates"/></message><next/>`))
			tok, _ := d.Token()
			start := tok.(xml.StartElement)
			m, err := reg.Parse(start, wrap(d), testCtx)
			if err != nil || m.Body != "inner" || m.ChatState != msg.Active {
				t.Fatalf("Parse = %+v, %v", m, err)
			}
			if tok, _ := d.Token(); tok.(xml.StartElement).Name.Local != "next" {
				t.Fatalf("reader overran: %#v", tok)
			}
		})
	}
}

// TestParseNested reads a carbon's forwarded message through ParseNested,
// as a carbon parser of the wiring will.
func TestParseNested(t *testing.T) {
	reg := Default()
	var inner msg.Message
	reg.Register("urn:xmpp:carbons:2", "received", func(d *Decoder, _ xml.StartElement, _ *msg.Message) error {
		return d.Each(func(fw xml.StartElement) error {
			return d.Each(func(se xml.StartElement) error {
				if se.Name.Local != "message" {
					return nil
				}
				var err error
				inner, err = reg.ParseNested(d, se, testCtx)
				return err
			})
		})
	})
	m, err := parseString(t, reg, `<message xmlns="jabber:client" from="romeo@montague.example" to="romeo@montague.example/parley">
<received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">
<message xmlns="jabber:client" from="juliet@capulet.example/c" to="romeo@montague.example/phone" type="chat" id="cc"><body>copied</body></message>
</forwarded></received></message>`)
	if err != nil || m.Body != "" {
		t.Fatalf("outer = %+v, %v", m, err)
	}
	if inner.Body != "copied" || inner.ID != "cc" || inner.Kind != msg.Chat {
		t.Errorf("inner = %+v", inner)
	}
}

func TestFeatures(t *testing.T) {
	got := Default().Features()
	want := []string{
		"eu.siacs.conversations.axolotl.devicelist+notify", "http://jabber.org/protocol/chatstates", "jabber:x:oob", "urn:xmpp:chat-markers:0",
		"urn:xmpp:fallback:0", "urn:xmpp:message-correct:0", "urn:xmpp:message-moderate:0",
		"urn:xmpp:message-moderate:1", "urn:xmpp:message-retract:0",
		"urn:xmpp:message-retract:1", "urn:xmpp:reactions:0", "urn:xmpp:receipts", "urn:xmpp:reply:0",
		"urn:xmpp:sid:0", "urn:xmpp:styling:0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Features =\n%q\nwant\n%q", got, want)
	}
}
