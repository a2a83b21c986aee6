// Package xmltok reads one complete XML element from a byte slice into the
// tokens encoding/xml would return for it, several times faster and with
// fewer allocations. It understands only the subset of XML that XMPP
// servers write for ordinary stanzas: elements, attributes, text, the five
// predefined entities and namespace declarations. Anything else (comments,
// CDATA, processing instructions, character references, carriage returns,
// non-ASCII names, unbound prefixes, an element cut short) makes Element
// report false, and the caller reads those bytes with encoding/xml instead,
// which also reports the errors of malformed input. Whenever Element
// succeeds, its tokens equal encoding/xml's for the same bytes (the fuzz
// test checks this).
package xmltok

import (
	"encoding/xml"
	"unicode/utf8"
)

const (
	// MaxDepth is the nesting Element follows; deeper input is refused.
	MaxDepth = 64
	xmlURL   = "http://www.w3.org/XML/1998/namespace"
)

// binding is one namespace declaration in scope.
type binding struct {
	prefix, uri string
	depth       int
}

type parser struct {
	data  []byte // a private copy of the element: CharData tokens share it
	pos   int
	toks  []xml.Token
	ns    []binding
	names []xml.Name // open elements: their raw (prefix, local) names
	def   string     // inherited default namespace

	attrs []xml.Attr // room for the attributes of the element's tags

	nsBuf    [8]binding
	namesBuf [8]xml.Name
}

// Element reads the element that starts at data[0] (a '<'), in a context
// whose default namespace is defaultNS and where no prefix is bound. It
// returns the element's tokens, from its StartElement to its EndElement,
// and the number of bytes it spans. ok is false when the element is not
// complete within data or uses XML outside the subset this package reads.
// The tokens do not share memory with data.
func Element(data []byte, defaultNS string) (toks []xml.Token, n int, ok bool) {
	end, st := span(data)
	if st != spanDone {
		return nil, 0, false
	}
	p := &parser{data: append([]byte(nil), data[:end]...), def: defaultNS, toks: make([]xml.Token, 0, 16)}
	p.ns, p.names = p.nsBuf[:0], p.namesBuf[:0]
	if !p.run() {
		return nil, 0, false
	}
	return p.toks, end, true
}

// Incomplete reports whether data begins an element whose end is not in
// data, as far as a scan for its tags tells: more bytes could make it one
// that Element reads.
func Incomplete(data []byte) bool {
	_, st := span(data)
	return st == spanMore
}

// spanState is what span found.
type spanState uint8

const (
	spanDone    spanState = iota // the element ends within data
	spanMore                     // data ends before the element does
	spanRefused                  // something outside the subset, or not an element
)

// span finds the end of the element starting at data[0] by counting tags,
// without validating: the parse that follows validates. It gives up on
// comments, CDATA and processing instructions (not in the subset).
func span(data []byte) (int, spanState) {
	depth := 0
	i := 0
	for i < len(data) {
		if data[i] != '<' {
			if depth == 0 {
				return 0, spanRefused
			}
			i++
			continue
		}
		if i+1 >= len(data) {
			return 0, spanMore
		}
		closing := data[i+1] == '/'
		if data[i+1] == '!' || data[i+1] == '?' {
			return 0, spanRefused
		}
		// Find the tag's '>' outside quotes.
		j := i + 1
		var q byte
		for ; j < len(data); j++ {
			c := data[j]
			if q != 0 {
				if c == q {
					q = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				q = c
			} else if c == '>' {
				break
			}
		}
		if j >= len(data) {
			return 0, spanMore
		}
		switch {
		case closing:
			depth--
		case data[j-1] == '/':
		default:
			depth++
		}
		i = j + 1
		if depth <= 0 {
			if depth < 0 {
				return 0, spanRefused
			}
			return i, spanDone
		}
		if depth > MaxDepth {
			return 0, spanRefused
		}
	}
	return 0, spanMore
}

func (p *parser) run() bool {
	for {
		if p.pos >= len(p.data) {
			return false
		}
		if p.data[p.pos] == '<' {
			if p.pos+1 < len(p.data) && p.data[p.pos+1] == '/' {
				if !p.endTag() {
					return false
				}
				if len(p.names) == 0 {
					return p.pos == len(p.data)
				}
				continue
			}
			if !p.startTag() {
				return false
			}
			if len(p.names) == 0 {
				return p.pos == len(p.data)
			}
			continue
		}
		if len(p.names) == 0 {
			return false
		}
		start := p.pos
		for p.pos < len(p.data) && p.data[p.pos] != '<' {
			p.pos++
		}
		cd, ok := p.text(p.data[start:p.pos], 0)
		if !ok {
			return false
		}
		p.toks = append(p.toks, xml.CharData(cd))
	}
}

// text checks and unescapes character data or an attribute value (quote
// is the quote byte for a value, 0 for text). Text without entities is
// returned as a sub-slice of the private copy.
func (p *parser) text(b []byte, quote byte) ([]byte, bool) {
	var out []byte
	plain := 0 // bytes of b already known plain (not yet copied to out)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '&':
			r, n := entity(b[i:])
			if n == 0 {
				return nil, false
			}
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[plain:i]...)
			out = append(out, r)
			i += n
			plain = i
			continue
		case c == '\r' || c == '<':
			return nil, false
		case c == '>' && i >= 2 && b[i-1] == ']' && b[i-2] == ']':
			return nil, false
		case c < 0x20 && c != '\t' && c != '\n':
			return nil, false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 || !inRange(r) {
				return nil, false
			}
			i += n
			continue
		}
		i++
	}
	_ = quote
	if out == nil {
		return b[:len(b):len(b)], true
	}
	return append(out, b[plain:]...), true
}

// inRange reports whether r is allowed in XML 1.0 text (as encoding/xml
// checks it); ASCII is checked by the caller.
func inRange(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// entity decodes one of the five predefined entities at the start of b,
// returning its byte and length (0 when it is not one of them).
func entity(b []byte) (byte, int) {
	for _, e := range [...]struct {
		s string
		r byte
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if len(b) >= len(e.s) && string(b[:len(e.s)]) == e.s {
			return e.r, len(e.s)
		}
	}
	return 0, 0
}
