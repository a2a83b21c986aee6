package muc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

func parseM(t *testing.T, s string) Message {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMessage(tok.(xml.StartElement), d)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return m
}

func TestParseMessageSubjectAndInvites(t *testing.T) {
	m := parseM(t, `<message from='coven@chat.shakespeare.lit/secondwitch' type='groupchat'><subject>Fire Burn</subject></message>`)
	if !m.IsSubject() || m.Subject != "Fire Burn" {
		t.Errorf("subject: %+v", m)
	}
	m = parseM(t, `<message from='coven@chat.shakespeare.lit' type='groupchat'><subject/></message>`)
	if !m.IsSubject() || m.Subject != "" {
		t.Errorf("cleared subject: %+v", m)
	}
	m = parseM(t, `<message from='coven@chat.shakespeare.lit/a' type='groupchat'><subject>x</subject><body>hi</body></message>`)
	if m.IsSubject() {
		t.Errorf("message with body taken as subject")
	}
	m = parseM(t, `<message from='coven@chat.shakespeare.lit' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`)
	if len(m.Codes) != 1 || m.Codes[0] != 104 {
		t.Errorf("codes %v", m.Codes)
	}

	m = parseM(t, `<message from='coven@chat.shakespeare.lit' to='hecate@shakespeare.lit'>
		<x xmlns='http://jabber.org/protocol/muc#user'><invite from='crone1@shakespeare.lit/desktop'>
		<reason>Hey Hecate, this is the place for all good witches!</reason></invite><password>cauldronburn</password></x></message>`)
	want := Invite{Room: jid.MustParse("coven@chat.shakespeare.lit"), From: jid.MustParse("crone1@shakespeare.lit/desktop"),
		Reason: "Hey Hecate, this is the place for all good witches!", Password: "cauldronburn"}
	if m.Invite == nil || !inviteEqual(*m.Invite, want) {
		t.Errorf("mediated invite %+v", m.Invite)
	}

	m = parseM(t, `<message from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'>
		<x xmlns='jabber:x:conference' jid='darkcave@macbeth.shakespeare.lit' password='cauldronburn' reason='Hey Hecate'/></message>`)
	want = Invite{Room: jid.MustParse("darkcave@macbeth.shakespeare.lit"), From: jid.MustParse("crone1@shakespeare.lit/desktop"),
		Reason: "Hey Hecate", Password: "cauldronburn", Direct: true}
	if m.Invite == nil || !inviteEqual(*m.Invite, want) {
		t.Errorf("direct invite %+v", m.Invite)
	}

	for _, in := range []string{
		`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='not a jid@@'/></message>`,
		`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='shakespeare.lit'/></message>`,
		`<message from='coven@chat.shakespeare.lit' type='error'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='x@y'/></x></message>`,
	} {
		if m := parseM(t, in); m.Invite != nil {
			t.Errorf("%s: invite %+v", in, m.Invite)
		}
	}
}

func inviteEqual(a, b Invite) bool {
	return a.Room.Equal(b.Room) && a.From.Equal(b.From) && a.Reason == b.Reason && a.Password == b.Password && a.Direct == b.Direct
}

func TestParseMessageBookmarks(t *testing.T) {
	account := jid.MustParse("juliet@capulet.lit")
	event := `<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'>
		<item id='theplay@conference.shakespeare.lit'><conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'>
		<nick>JC</nick></conference></item>
		<item id='bad'><conference xmlns='urn:xmpp:bookmarks:1'/></item>
		<retract id='orchard@conference.shakespeare.lit'/></items></event>`
	for _, tc := range []struct {
		from string
		ok   bool
	}{{"", true}, {"juliet@capulet.lit", true}, {"romeo@montague.lit", false}, {"juliet@capulet.lit/balcony", false}} {
		attr := ""
		if tc.from != "" {
			attr = ` from='` + tc.from + `'`
		}
		m := parseM(t, `<message`+attr+` to='juliet@capulet.lit/balcony' type='headline'>`+event+`</message>`)
		ev, ok := m.Bookmarks(account)
		if ok != tc.ok {
			t.Errorf("from %q: ok %v", tc.from, ok)
			continue
		}
		if !ok {
			continue
		}
		if len(ev.Published) != 1 || len(ev.Retracted) != 1 {
			t.Fatalf("event %+v", ev)
		}
		b := ev.Published[0]
		if b.Room.String() != "theplay@conference.shakespeare.lit" || b.Name != "The Play's the Thing" || b.Nick != "JC" || !b.Autojoin {
			t.Errorf("bookmark %+v", b)
		}
		if ev.Retracted[0].String() != "orchard@conference.shakespeare.lit" {
			t.Errorf("retracted %v", ev.Retracted)
		}
	}
	m := parseM(t, `<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:microblog:0'/></event></message>`)
	if _, ok := m.Bookmarks(account); ok {
		t.Error("other node taken as bookmarks")
	}
}

// render writes a token stream as XML text.
func render(t *testing.T, r xml.TokenReader) string {
	t.Helper()
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	for {
		tok, err := r.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := e.EncodeToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestBuilders(t *testing.T) {
	r := jid.MustParse("coven@chat.shakespeare.lit/ignored")
	since := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	must := func(tr xml.TokenReader, err error) xml.TokenReader {
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	const p = `<presence xmlns="jabber:client" to="coven@chat.shakespeare.lit/thirdwitch"`
	for _, tc := range []struct {
		name string
		got  xml.TokenReader
		want string
	}{
		{"join", must(JoinPresence(r, "thirdwitch", "", History{}, "", "")), p + `><x xmlns="http://jabber.org/protocol/muc"></x></presence>`},
		{"join password maxstanzas", must(JoinPresence(r, "thirdwitch", "cauldronburn", History{MaxStanzas: 20}, "away", "brb")),
			p + `><show>away</show><status>brb</status><x xmlns="http://jabber.org/protocol/muc"><history maxstanzas="20"></history><password>cauldronburn</password></x></presence>`},
		{"join since", must(JoinPresence(r, "thirdwitch", "", History{Since: since}, "", "")),
			p + `><x xmlns="http://jabber.org/protocol/muc"><history since="2024-01-02T02:04:05Z"></history></x></presence>`},
		{"join no history", must(JoinPresence(r, "thirdwitch", "", History{None: true, MaxStanzas: 5}, "", "")),
			p + `><x xmlns="http://jabber.org/protocol/muc"><history maxstanzas="0"></history></x></presence>`},
		{"leave", must(LeavePresence(r, "thirdwitch", "gone where the goblins go")), p + ` type="unavailable"><status>gone where the goblins go</status></presence>`},
		{"nick", must(NickPresence(r, "thirdwitch")), p + `></presence>`},
		{"status", must(StatusPresence(r, "thirdwitch", "dnd", "busy")), p + `><show>dnd</show><status>busy</status></presence>`},
		{"subject", SubjectMessage(r, "Fire Burn"), `<message xmlns="jabber:client" to="coven@chat.shakespeare.lit" type="groupchat"><subject>Fire Burn</subject></message>`},
		{"clear subject", SubjectMessage(r, ""), `<message xmlns="jabber:client" to="coven@chat.shakespeare.lit" type="groupchat"><subject></subject></message>`},
		{"mediated invite", MediatedInvite(r, jid.MustParse("hecate@shakespeare.lit"), "come"),
			`<message xmlns="jabber:client" to="coven@chat.shakespeare.lit"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="hecate@shakespeare.lit"><reason>come</reason></invite></x></message>`},
		{"direct invite", DirectInvite(r, jid.MustParse("hecate@shakespeare.lit"), "come", "pw"),
			`<message xmlns="jabber:client" to="hecate@shakespeare.lit"><x xmlns="jabber:x:conference" jid="coven@chat.shakespeare.lit" password="pw" reason="come"></x></message>`},
	} {
		if got := render(t, tc.got); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if _, err := JoinPresence(r, "", "", History{}, "", ""); err == nil {
		t.Error("empty nick accepted")
	}
}

func TestDirectInviteRoundTrip(t *testing.T) {
	out := render(t, DirectInvite(jid.MustParse("coven@chat.shakespeare.lit"), jid.MustParse("hecate@shakespeare.lit"), "r", "p"))
	out = strings.Replace(out, "<message ", "<message from='crone1@shakespeare.lit/desktop' ", 1)
	m := parseM(t, out)
	if m.Invite == nil || !m.Invite.Direct || m.Invite.Room.String() != "coven@chat.shakespeare.lit" || m.Invite.Password != "p" {
		t.Errorf("round trip %+v", m.Invite)
	}
}

func TestClassifyPing(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want PingResult
	}{
		{nil, PingJoined},
		{stanza.Error{Condition: stanza.ServiceUnavailable}, PingJoined},
		{stanza.Error{Condition: stanza.FeatureNotImplemented}, PingJoined},
		{stanza.Error{Condition: stanza.ItemNotFound}, PingJoined},
		{stanza.Error{Condition: stanza.RemoteServerNotFound}, PingUnknown},
		{stanza.Error{Condition: stanza.RemoteServerTimeout}, PingUnknown},
		{stanza.Error{Condition: stanza.NotAcceptable}, PingNotJoined},
		{stanza.Error{Condition: stanza.BadRequest}, PingNotJoined},
		{errors.New("context deadline exceeded"), PingUnknown},
	} {
		if got := ClassifyPing(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestRequestErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{stanza.Error{Condition: stanza.Forbidden}, "you do not have the privileges for this"},
		{stanza.Error{Condition: stanza.NotAllowed, Text: map[string]string{"": "You are not an owner"}},
			"the room does not allow this (for example changing the role of an owner or admin): You are not an owner"},
		{errors.New("boom"), "boom"},
		{stanza.Error{Condition: stanza.Condition(strings.Repeat("x", 5000))}, "the room refused the request (undefined-condition)"},
		{stanza.Error{Condition: stanza.ResourceConstraint}, "the room refused the request (resource-constraint)"},
	} {
		if got := RequestErrorText(tc.err); got != tc.want {
			t.Errorf("%v: %q", tc.err, got)
		}
	}
}

func TestDecodeReply(t *testing.T) {
	toks := func(s string) []xml.Token {
		d := xml.NewDecoder(strings.NewReader(s))
		var out []xml.Token
		for {
			tok, err := d.Token()
			if err != nil {
				return out
			}
			out = append(out, xml.CopyToken(tok))
		}
	}
	err := decodeReply(toks(`<iq type='error' id='1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`), nil)
	if !errors.Is(err, stanza.Error{Condition: stanza.ItemNotFound}) {
		t.Errorf("error reply: %v", err)
	}
	var r privateReply
	err = decodeReply(toks(`<iq type='result' id='1'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>
		<conference jid='a@b' autojoin='1' name='A'><nick>n</nick></conference></storage></query></iq>`), &r)
	if err != nil || len(r.Query.Storage.Conferences) != 1 || r.Query.Storage.Conferences[0].Nick != "n" {
		t.Errorf("result reply: %v %+v", err, r)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add(`<message from='r@s/n' type='groupchat'><subject>s</subject></message>`)
	f.Add(`<message from='r@s'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='a@b'><reason>r</reason></invite><password>p</password><status code='104'/></x></message>`)
	f.Add(`<message from='a@b/c'><x xmlns='jabber:x:conference' jid='r@s' password='p' reason='r'/></message>`)
	f.Add(`<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><item id='r@s'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='1'><nick>n</nick></conference></item><retract id='x@y'/></items></event></message>`)
	account := jid.MustParse("a@b")
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		tok, err := d.Token()
		start, ok := tok.(xml.StartElement)
		if err != nil || !ok {
			return
		}
		m, err := ParseMessage(start, d)
		if err != nil {
			return
		}
		if len(m.Subject) > MaxSubject || len(m.Codes) > MaxCodes {
			t.Fatalf("unbounded %+v", m)
		}
		if m.Invite != nil && (len(m.Invite.Reason) > MaxReason || len(m.Invite.Password) > MaxPassword) {
			t.Fatalf("unbounded invite %+v", m.Invite)
		}
		if ev, ok := m.Bookmarks(account); ok {
			for _, b := range ev.Published {
				if len(b.Name) > MaxName || len(b.Nick) > MaxNick || len(b.Password) > MaxPassword {
					t.Fatalf("unbounded bookmark %+v", b)
				}
			}
		}
	})
}
