package payload

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"mellium.im/xmlstream"
)

// benchStanza is a typical 1:1 message as Conversations sends it (body,
// receipt request, markable, origin-id, chat state, the server's stanza-id).
const benchStanza = `<message xmlns="jabber:client" from="juliet@capulet.example/Conversations.x1" to="romeo@montague.example" type="chat" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10">` +
	`<body>Are we still on for tonight? I can bring the *good* wine.</body><request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/>` +
	`<origin-id xmlns="urn:xmpp:sid:0" id="6f1c0c6e-1d3b-4c39-9cf3-7a4d1e2d9b10"/><active xmlns="http://jabber.org/protocol/chatstates"/>` +
	`<stanza-id xmlns="urn:xmpp:sid:0" id="Xk3mE8pP0sJ1" by="romeo@montague.example"/></message>`

// BenchmarkParse parses benchStanza from its bytes, XML decoding included.
func BenchmarkParse(b *testing.B) {
	reg := Default()
	r := strings.NewReader(benchStanza)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStanza)))
	for b.Loop() {
		r.Reset(benchStanza)
		d := xml.NewDecoder(r)
		tok, _ := d.Token()
		if _, err := reg.Parse(tok.(xml.StartElement), d, testCtx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTokens is BenchmarkParse without the XML decoder: the
// stanza's tokens are replayed, so only the registry's own cost is timed.
func BenchmarkParseTokens(b *testing.B) {
	d := xml.NewDecoder(strings.NewReader(benchStanza))
	var toks []xml.Token
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	reg := Default()
	start := toks[0].(xml.StartElement)
	b.ReportAllocs()
	for b.Loop() {
		i := 1
		r := xmlstream.ReaderFunc(func() (xml.Token, error) {
			if i >= len(toks) {
				return nil, io.EOF
			}
			i++
			return toks[i-1], nil
		})
		if _, err := reg.Parse(start, r, testCtx); err != nil {
			b.Fatal(err)
		}
	}
}
