package payload

import (
	"encoding/xml"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes as the content of a <message/>: Parse must
// never panic, must consume the stanza to its end when the XML is well
// formed, and must keep within its bounds.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`<body>hi</body><replace xmlns="urn:xmpp:message-correct:0" id="a"/>`,
		`<reply xmlns="urn:xmpp:reply:0" id="r" to="a@b/c"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="3"/></fallback><body>&gt; x
y</body>`,
		`<reactions xmlns="urn:xmpp:reactions:0" id="r"><reaction>👍</reaction></reactions>`,
		`<apply-to xmlns="urn:xmpp:fasten:0" id="s"><moderated xmlns="urn:xmpp:message-moderate:0" by="r@m/x"><retract xmlns="urn:xmpp:message-retract:0"/><reason>r</reason></moderated></apply-to>`,
		`<retract xmlns="urn:xmpp:message-retract:1" id="s"><moderated xmlns="urn:xmpp:message-moderate:1"><occupant-id xmlns="urn:xmpp:occupant-id:0" id="o"/></moderated><reason>x</reason></retract>`,
		`<moderated xmlns="urn:xmpp:message-moderate:0" by="w@s"><retracted xmlns="urn:xmpp:message-retract:0" stamp="2019-09-20T23:19:12Z"/></moderated>`,
		`<composing xmlns="http://jabber.org/protocol/chatstates"/><displayed xmlns="urn:xmpp:chat-markers:0" id="d"/>`,
		`<x xmlns="jabber:x:oob"><url>https://x</url></x><x xmlns="http://jabber.org/protocol/muc#user"/>`,
		`<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>`,
		`<delay xmlns="urn:xmpp:delay" stamp="2026-01-01T00:00:00Z"/><stanza-id xmlns="urn:xmpp:sid:0" id="1" by="a@b"/>`,
		convEncrypted,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	reg := Default()
	f.Fuzz(func(t *testing.T, inner string) {
		s := `<message xmlns="jabber:client" from="a@b/c" type="chat">` + inner + `</message><next/>`
		d := xml.NewDecoder(strings.NewReader(s))
		tok, _ := d.Token()
		m, err := reg.Parse(tok.(xml.StartElement), d, testCtx)
		if len(m.Body) > MaxBody || len(m.StanzaIDs) > MaxStanzaIDs || len(m.OOB) > MaxOOB || len(m.Fallbacks) > MaxFallbacks {
			t.Fatalf("bounds exceeded")
		}
		if m.Encrypted != nil && len(m.Encrypted.Raw) > MaxEncrypted {
			t.Fatalf("encrypted element of %d bytes kept", len(m.Encrypted.Raw))
		}
		if m.Reactions != nil {
			if len(m.Reactions.Emojis) > MaxReactions {
				t.Fatalf("%d reactions", len(m.Reactions.Emojis))
			}
			for _, e := range m.Reactions.Emojis {
				if len(e) > MaxReactionBytes {
					t.Fatalf("reaction of %d bytes", len(e))
				}
			}
		}
		_ = m.StripFallback(NSReply)
		if err != nil {
			return
		}
		// Well-formed so far: the stanza must have been read to its end.
		if tok, err := d.Token(); err == nil {
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local != "next" {
				t.Fatalf("stopped inside the stanza at %v", se.Name)
			}
		}
	})
}
