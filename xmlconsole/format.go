package xmlconsole

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"

	"parley/sanitize"
)

// Bounds of one formatted entry.
const (
	maxDepth  = 64        // levels shown; deeper ones fold into a marker
	maxIndent = 16        // indentation levels drawn
	maxText   = 128 << 10 // bytes of output of one entry
	maxLine   = 4 << 10   // bytes of one text line shown
	maxNodes  = 1 << 14   // nodes of one element kept
)

// Kind says how a span of an entry's text is coloured.
type Kind uint8

// Span kinds.
const (
	Punct     Kind = iota // < > / = and quotes
	Name                  // element names
	AttrName              // attribute names
	AttrValue             // attribute values
	Text                  // character data, comments
	Hidden                // a secret's placeholder
	Note                  // parley's marks: cut, malformed, dropped
)

// Span is a run of an entry's Text, as byte offsets.
type Span struct {
	Start, End int
	Kind       Kind
}

// Entry is one element shown in the console, or a marker line.
type Entry struct {
	Time   time.Time
	Dir    Dir
	Marker bool   // a line of parley's (SASL hidden, dropped), not an element
	Text   string // sanitized, pretty-printed lines joined by "\n"
	Spans  []Span // in order, covering Text
	Cut    bool   // the element was longer than what is shown
	Hidden int    // secrets replaced by HiddenText
}

// HiddenText replaces a secret.
const HiddenText = "[hidden by parley]"

// Marker returns a marker entry.
func Marker(t time.Time, text string) Entry {
	text = sanitize.Text(text)
	return Entry{Time: t, Marker: true, Text: text, Spans: []Span{{0, len(text), Note}}}
}

// node is an element, a text or a comment of the parsed tree.
type node struct {
	name     string // prefix:local as written; "" for text
	comment  bool
	attrs    []xml.Attr
	text     string // text or comment
	kids     []*node
	secret   bool              // its content is hidden
	folded   bool              // deeper levels were not kept
	ns       string            // its namespace (default, or its prefix's)
	prefixes map[string]string // the prefixes it declares, nil for most
	isClosed bool
}

// parse reads data into a tree, redacting as it goes (redact.go). It stops
// at the first error and returns what it read, with the error.
func parse(data []byte) (*node, int, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	root := &node{}
	stack := []*node{root}
	nodes, hidden := 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) > 1 {
				return root, hidden, io.ErrUnexpectedEOF
			}
			return root, hidden, nil
		}
		if err != nil {
			return root, hidden, err
		}
		top := stack[len(stack)-1]
		if nodes >= maxNodes {
			top.folded = true
			if _, ok := tok.(xml.EndElement); !ok {
				continue
			}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: qname(t.Name), attrs: t.Attr, ns: top.ns}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.ns = a.Value
				case a.Name.Space == "xmlns" && len(n.prefixes) < 16:
					if n.prefixes == nil {
						n.prefixes = make(map[string]string)
					}
					n.prefixes[a.Name.Local] = a.Value
				}
			}
			if t.Name.Space != "" {
				n.ns = lookupPrefix(append(stack, n), t.Name.Space)
			}
			n.secret = top.secret || secretElement(t.Name.Local, n.ns, t.Attr)
			hidden += redactAttrs(n)
			if len(stack) > maxDepth {
				top.folded = true
			} else {
				top.kids = append(top.kids, n)
				nodes++
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 1 {
				return root, hidden, errors.New("unexpected end tag")
			}
			stack[len(stack)-1].isClosed = true
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > maxDepth+1 || len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			n := &node{text: string(t)}
			if top.secret {
				n.text, n.secret = HiddenText, true
				hidden++
			}
			top.kids = append(top.kids, n)
			nodes++
		case xml.Comment:
			if len(stack) > maxDepth+1 {
				continue
			}
			n := &node{comment: true, text: string(t)}
			if top.secret {
				n.text, n.secret = HiddenText, true
				hidden++
			}
			top.kids = append(top.kids, n)
			nodes++
		}
		// Processing instructions and directives are not shown.
	}
}

// lookupPrefix returns the namespace prefix is bound to in the open
// elements of stack ("" when none binds it).
func lookupPrefix(stack []*node, prefix string) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if ns, ok := stack[i].prefixes[prefix]; ok {
			return ns
		}
	}
	return ""
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// Format turns one element's bytes into an entry: redacted, indented,
// sanitized. A cut or malformed element shows what parsed and a mark;
// nothing of it past the point of the error is shown.
func Format(t time.Time, dir Dir, data []byte, cut bool) Entry {
	root, hidden, err := parse(data)
	p := &printer{}
	for _, k := range root.kids {
		p.node(k, 0)
	}
	if p.full {
		cut = true
	}
	switch {
	case cut:
		p.newline()
		p.add("[… cut by parley: longer than the console shows]", Note)
	case err != nil:
		p.newline()
		p.add("[malformed XML, the rest not shown: "+sanitize.Truncate(sanitize.Text(err.Error()), 80)+"]", Note)
	}
	return Entry{Time: t, Dir: dir, Text: p.b.String(), Spans: p.spans, Cut: cut, Hidden: hidden}
}

// printer builds an entry's text and spans.
type printer struct {
	b     strings.Builder
	spans []Span
	full  bool // maxText reached: nothing more is added
}

// add appends s (already sanitized, or ASCII punctuation) as kind.
func (p *printer) add(s string, k Kind) {
	if p.full || s == "" {
		return
	}
	if p.b.Len()+len(s) > maxText {
		p.full = true
		return
	}
	start := p.b.Len()
	p.b.WriteString(s)
	if n := len(p.spans); n > 0 && p.spans[n-1].Kind == k && p.spans[n-1].End == start {
		p.spans[n-1].End = p.b.Len()
		return
	}
	p.spans = append(p.spans, Span{start, p.b.Len(), k})
}

// safe sanitizes untrusted text for one line, bounded.
func safe(s string) string {
	if len(s) > maxLine*4 {
		s = s[:maxLine*4]
	}
	s = sanitize.Text(s)
	if len(s) > maxLine {
		s = sanitize.Truncate(s, maxLine) + "…"
	}
	return s
}

func (p *printer) newline() {
	if p.b.Len() > 0 {
		p.add("\n", Punct)
	}
}

func (p *printer) indent(depth int) {
	p.newline()
	p.add(strings.Repeat("  ", min(depth, maxIndent)), Punct)
}

func (p *printer) node(n *node, depth int) {
	if p.full {
		return
	}
	switch {
	case n.comment:
		p.indent(depth)
		p.add("<!-- ", Punct)
		p.text(n, safe(strings.TrimSpace(n.text)))
		p.add(" -->", Punct)
		return
	case n.name == "":
		for _, l := range sanitize.Lines(strings.TrimSpace(n.text)) {
			p.indent(depth)
			p.text(n, safe(l))
		}
		return
	}
	p.indent(depth)
	p.startTag(n)
	switch {
	case len(n.kids) == 0 && !n.folded && n.isClosed:
		p.add("/>", Punct)
		return
	case len(n.kids) == 0 && !n.folded:
		p.add(">", Punct) // cut or malformed inside it
	case len(n.kids) == 1 && n.kids[0].name == "" && !n.kids[0].comment && !n.folded && oneLine(n.kids[0].text):
		p.add(">", Punct)
		p.text(n.kids[0], safe(strings.TrimSpace(n.kids[0].text)))
	default:
		p.add(">", Punct)
		for _, k := range n.kids {
			p.node(k, depth+1)
		}
		if n.folded {
			p.indent(depth + 1)
			p.add("[… more not shown]", Note)
		}
		if n.isClosed {
			p.indent(depth)
		}
	}
	if n.isClosed {
		p.add("</", Punct)
		p.add(safe(n.name), Name)
		p.add(">", Punct)
	}
}

func (p *printer) text(n *node, s string) {
	if n.secret {
		p.add(HiddenText, Hidden)
		return
	}
	p.add(s, Text)
}

func oneLine(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) <= 120 && !strings.ContainsAny(s, "\r\n\u2028\u2029")
}

func (p *printer) startTag(n *node) {
	p.add("<", Punct)
	p.add(safe(n.name), Name)
	for _, a := range n.attrs {
		p.add(" ", Punct)
		p.add(safe(qname(a.Name)), AttrName)
		p.add("='", Punct)
		if a.Value == HiddenText {
			p.add(HiddenText, Hidden)
		} else {
			p.add(safe(a.Value), AttrValue)
		}
		p.add("'", Punct)
	}
}
