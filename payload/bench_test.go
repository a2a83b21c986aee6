package payload

import (
	"encoding/xml"
	"strings"
	"testing"
)

// BenchmarkParse parses a typical 1:1 message as Conversations sends it
// (body, receipt request, markable, origin-id, chat state, the server's
// stanza-id).
func BenchmarkParse(b *testing.B) {
	const s = `<message xmlns="jabber:client" from="juliet@capulet.example/Conversations.x1" to="romeo@montague.example" type="chat" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10">` +
		`<body>Are we still on for tonight? I can bring the *good* wine.</body><request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/>` +
		`<origin-id xmlns="urn:xmpp:sid:0" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10"/><active xmlns="http://jabber.org/protocol/chatstates"/>` +
		`<stanza-id xmlns="urn:xmpp:sid:0" id="Xk3mE8pP0sJ1" by="romeo@montague.example"/></message>`
	reg := Default()
	r := strings.NewReader(s)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		r.Reset(s)
		d := xml.NewDecoder(r)
		tok, _ := d.Token()
		if _, err := reg.Parse(tok.(xml.StartElement), d, testCtx); err != nil {
			b.Fatal(err)
		}
	}
}
