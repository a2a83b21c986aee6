package sm

import (
	"bytes"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
)

const hdr = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>`

// track feeds in to a capturing tracker in chunks of size n (whole input if
// n is 0) and returns the elements it completed.
func track(in string, n int) []element {
	t := tracker{capture: true}
	var out []element
	b := []byte(in)
	if n == 0 {
		n = len(b)
	}
	for len(b) > 0 {
		k := min(n, len(b))
		for _, c := range b[:k] {
			if e, ok := t.feed(c); ok {
				e.raw = bytes.Clone(e.raw)
				out = append(out, e)
			}
		}
		b = b[k:]
	}
	return out
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []element
	}{
		{"nothing before the stream", `<message>x</message>`, nil},
		{"stanzas and nonzas", hdr + `<message to='a@b'><body>hi</body></message><r xmlns='urn:xmpp:sm:3'/>  <iq id='1' type='get'/><presence/>`,
			[]element{
				{"message", true, []byte(`<message to='a@b'><body>hi</body></message>`)},
				{"r", false, []byte(`<r xmlns='urn:xmpp:sm:3'/>`)},
				{"iq", true, []byte(`<iq id='1' type='get'/>`)},
				{"presence", true, []byte(`<presence/>`)},
			}},
		{"quotes hide > and />", hdr + `<message a="x>y/>" b='</message>'><body a='>'>1 &gt; 0</body></message>`,
			[]element{{"message", true, []byte(`<message a="x>y/>" b='</message>'><body a='>'>1 &gt; 0</body></message>`)}}},
		{"cdata and comments inside", hdr + `<message><body><![CDATA[</message><x>]]]></body><!-- </message> --></message>`,
			[]element{{"message", true, []byte(`<message><body><![CDATA[</message><x>]]]></body><!-- </message> --></message>`)}}},
		{"stream restart", hdr + `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>AA==</auth>` + hdr + `<iq type='set' id='b'><bind/></iq>`,
			[]element{
				{"auth", false, []byte(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>AA==</auth>`)},
				{"iq", true, []byte(`<iq type='set' id='b'><bind/></iq>`)},
			}},
		{"stream features and error are nonzas", hdr + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features><stream:error><conflict/></stream:error></stream:stream>`,
			[]element{
				{"stream:features", false, []byte(`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`)},
				{"stream:error", false, []byte(`<stream:error><conflict/></stream:error>`)},
			}},
		{"end of stream then nothing counts", hdr + `</stream:stream><message/>`, nil},
		{"whitespace and newlines in tags", hdr + "\n <message\n\tto='x'\n/>\r\n<iq\ttype='get'></iq\n>",
			[]element{{"message", true, []byte("<message\n\tto='x'\n/>")}, {"iq", true, []byte("<iq\ttype='get'></iq\n>")}}},
		{"prefixed stanza", hdr + `<c:message xmlns:c='jabber:client'/>`, []element{{"c:message", true, []byte(`<c:message xmlns:c='jabber:client'/>`)}}},
		{"long names", hdr + `<` + strings.Repeat("m", 100) + `/>`, []element{{"", false, []byte(`<` + strings.Repeat("m", 100) + `/>`)}}},
		{"processing instruction between elements", hdr + `<?pi a>b ?><presence/>`, []element{{"presence", true, []byte(`<presence/>`)}}},
	}
	for _, tc := range tests {
		for _, n := range []int{0, 1, 2, 7} {
			got := track(tc.in, n)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s (chunks of %d):\n got %+v\nwant %+v", tc.name, n, got, tc.want)
			}
		}
	}
}

// topLevel counts the elements at depth 2 of a stream with encoding/xml,
// the reference for the tracker. ok is false if encoding/xml rejects it.
func topLevel(in string) (total int, ok bool) {
	d := xml.NewDecoder(strings.NewReader(in))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return total, depth <= 1
		}
		if err != nil {
			return 0, false
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if depth == 1 {
				total++
			}
		case xml.Directive:
			return 0, false
		}
	}
}

func FuzzTracker(f *testing.F) {
	f.Add(`<message to='a'><body>x</body></message><r/>`)
	f.Add(`<a b="/>">t<![CDATA[<x>]]></a><?p?><!-- c --><iq/>`)
	f.Add(`<m><x/></m><p  />`)
	f.Fuzz(func(t *testing.T, body string) {
		in := `<stream:stream xmlns:stream='s'>` + body
		got := track(in, 3)
		for _, e := range got {
			if !bytes.HasPrefix(e.raw, []byte("<")) || !bytes.HasSuffix(e.raw, []byte(">")) {
				t.Fatalf("element bytes %q are not an element", e.raw)
			}
		}
		want, ok := topLevel(in)
		if !ok || strings.Contains(body, "stream") {
			return
		}
		if len(got) != want {
			t.Fatalf("tracker found %d top-level elements, encoding/xml %d in %q", len(got), want, in)
		}
	})
}
