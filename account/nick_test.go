package account

import (
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

func TestParseNickEvent(t *testing.T) {
	ev := func(inner string) string {
		return `<message xmlns="jabber:client" from="bob@example.org" type="headline"><event xmlns="http://jabber.org/protocol/pubsub#event">` + inner + `</event></message>`
	}
	for _, tc := range []struct {
		in   string
		nick string
		ok   bool
	}{
		{ev(`<items node="http://jabber.org/protocol/nick"><item id="current"><nick xmlns="http://jabber.org/protocol/nick">Bobby</nick></item></items>`), "Bobby", true},
		{ev(`<items node="http://jabber.org/protocol/nick"><item><nick xmlns="http://jabber.org/protocol/nick"/></item></items>`), "", true},
		{ev(`<items node="http://jabber.org/protocol/nick"><retract id="current"/></items>`), "", true},
		{ev(`<purge node="http://jabber.org/protocol/nick"/>`), "", true},
		{ev(`<items node="http://jabber.org/protocol/nick"><item><nick xmlns="http://jabber.org/protocol/nick">` + strings.Repeat("N", 5000) + `</nick></item></items>`), strings.Repeat("N", 256), true},
		{ev(`<items node="urn:xmpp:bookmarks:1"><item id="x"><conference xmlns="urn:xmpp:bookmarks:1"/></item></items>`), "", false},
		{ev(`<items node="http://jabber.org/protocol/nick"><item><other xmlns="x">Bobby</other></item></items>`), "", false},
		{`<message xmlns="jabber:client"><body>hi</body></message>`, "", false},
	} {
		d := xml.NewDecoder(strings.NewReader(tc.in + `<after/>`))
		tok, _ := d.Token()
		nick, ok := ParseNickEvent(tok.(xml.StartElement), d)
		if nick != tc.nick || ok != tc.ok {
			t.Errorf("%.90s: %q %v, want %q %v", tc.in, nick, ok, tc.nick, tc.ok)
		}
		if next, _ := d.Token(); next == nil || next.(xml.StartElement).Name.Local != "after" {
			t.Errorf("%.60s: the stanza was not read to its end (next %v)", tc.in, next)
		}
	}
}

func TestSubscribeNick(t *testing.T) {
	acct := jid.MustParse("me@example.org")
	for in, want := range map[string]string{
		`<presence xmlns="jabber:client" from="bob@example.org/x" type="subscribe"><nick xmlns="http://jabber.org/protocol/nick">Bob</nick><status>hi</status></presence>`: "Bob",
		`<presence xmlns="jabber:client" from="bob@example.org" type="subscribe"/>`:                                                                                        "",
		`<presence xmlns="jabber:client" from="bob@example.org" type="subscribed"><nick xmlns="http://jabber.org/protocol/nick">Bob</nick></presence>`:                     "",
	} {
		d := xml.NewDecoder(strings.NewReader(in))
		tok, _ := d.Token()
		_, sub, err := ParsePresence(tok.(xml.StartElement), d, acct)
		if err != nil || sub == nil || sub.Nick != want || sub.From.String() != "bob@example.org" {
			t.Errorf("%s: %+v %v, want nick %q", in, sub, err, want)
		}
	}
}

func FuzzParseNickEvent(f *testing.F) {
	f.Add(`<message xmlns="jabber:client"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="http://jabber.org/protocol/nick"><item><nick xmlns="http://jabber.org/protocol/nick">x</nick></item></items></event></message>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		tok, err := d.Token()
		start, ok := tok.(xml.StartElement)
		if err != nil || !ok {
			return
		}
		if nick, _ := ParseNickEvent(start, d); len(nick) > 256 {
			t.Fatalf("nick of %d bytes", len(nick))
		}
	})
}
