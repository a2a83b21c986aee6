package xmltok

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"
)

const header = `<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams">`

// stdTokens reads the first element after the stream header with
// encoding/xml, as mellium does, and the bytes it spans.
func stdTokens(data []byte) ([]xml.Token, int, error) {
	d := xml.NewDecoder(bytes.NewReader(append([]byte(header), data...)))
	if _, err := d.Token(); err != nil { // the stream header
		return nil, 0, err
	}
	var toks []xml.Token
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, 0, err
		}
		if len(toks) == 0 {
			if _, ok := tok.(xml.StartElement); !ok {
				return nil, 0, nil // text before the element
			}
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
		toks = append(toks, xml.CopyToken(tok))
		if depth == 0 {
			return toks, int(d.InputOffset()) - len(header), nil
		}
	}
}

var seeds = []string{
	`<message xmlns="jabber:client" type="chat" id="m1" from="bob@example.org/phone" to="alice@example.org/parley"><body>message number 1 with some ordinary text in it</body><origin-id xmlns="urn:xmpp:sid:0" id="o1"/><stanza-id xmlns="urn:xmpp:sid:0" id="s1" by="alice@example.org"/><active xmlns="http://jabber.org/protocol/chatstates"/></message>`,
	`<message type='chat' from='a@b/c'><body>&lt;b&gt; &amp; &quot;q&quot; &apos;</body></message>`,
	`<message><x:body xmlns:x="urn:x" x:a="1" xml:lang="en">é ünïcode 😀</x:body></message>`,
	`<message><body xmlns="">t</body></message>`,
	`<message><b>a]]>b</b></message>`,
	`<message><b>&#65;</b></message>`,
	`<message><b><![CDATA[x]]></b></message>`,
	`<message><stream:error/></message>`,
	`<message a = "1"  b='2' ></message >`,
	`<message a="1" a="2"/>`,
	`<message><a></b></message>`,
	`<message>` + "\r\n" + `</message>`,
	`<iq type="result" id="x"/>`,
	`<message><p:q xmlns:p="urn:p"><p:r/></p:q><p:s/></message>`,
	`<message xmlns:p="">x</message>`,
	`<message a="<"/>`,
	`<message a=">"/>`,
	`<message>` + "\x00" + `</message>`,
	`<message>` + "\xff" + `</message>`,
	`<message><a:b:c/></message>`,
	`<message><1a/></message>`,
	`<message/>trailing`,
}

// TestElementMatchesEncodingXML checks the seeds: whenever Element reads
// one, encoding/xml reads the same tokens.
func TestElementMatchesEncodingXML(t *testing.T) {
	accepted := 0
	for _, s := range seeds {
		if check(t, []byte(s)) {
			accepted++
		}
	}
	if accepted < 6 {
		t.Errorf("only %d seeds read by the fast path", accepted)
	}
	// The common stanza must take the fast path.
	if _, _, ok := Element([]byte(seeds[0]), "jabber:client"); !ok {
		t.Error("the ordinary chat message was refused")
	}
}

func check(t *testing.T, data []byte) bool {
	t.Helper()
	toks, n, ok := Element(data, "jabber:client")
	if !ok {
		return false
	}
	want, wn, err := stdTokens(data)
	if err != nil {
		t.Fatalf("Element read %q, encoding/xml fails: %v", data, err)
	}
	if n != wn {
		t.Fatalf("Element read %d bytes of %q, encoding/xml %d", n, data, wn)
	}
	if !reflect.DeepEqual(normalize(toks), normalize(want)) {
		t.Fatalf("tokens of %q:\n got %#v\nwant %#v", data, toks, want)
	}
	return true
}

// normalize makes empty and nil attribute lists alike.
func normalize(toks []xml.Token) []xml.Token {
	out := make([]xml.Token, len(toks))
	for i, tok := range toks {
		if se, ok := tok.(xml.StartElement); ok && len(se.Attr) == 0 {
			se.Attr = nil
			tok = se
		}
		if cd, ok := tok.(xml.CharData); ok {
			tok = xml.CharData(append([]byte{}, cd...))
		}
		out[i] = tok
	}
	return out
}

// FuzzElement: the fast path never disagrees with encoding/xml.
func FuzzElement(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
	})
}

func BenchmarkElement(b *testing.B) {
	data := []byte(seeds[0])
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, ok := Element(data, "jabber:client"); !ok {
			b.Fatal("refused")
		}
	}
}

func BenchmarkEncodingXML(b *testing.B) {
	data := []byte(seeds[0])
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err != nil {
				break
			}
		}
	}
}
