// Package styling parses XEP-0393 message styling: *strong*, _emphasis_,
// ~strike through~, `preformatted spans`, ``` preformatted blocks and >
// block quotes, into spans of a message body that a renderer draws cell by
// cell with terminal attributes.
//
// The directive characters are kept, flagged Directive, so that the
// renderer can draw them dimmed and a copied message keeps them. Parse is
// pure, allocates only the returned spans, and runs in time linear in the
// length of the text, whatever the text (it is fed untrusted bodies).
//
// The rules are the XEP's: blocks first (preformatted blocks from a line
// starting with ``` to a line that is exactly ``` or the end of the parent
// block; quotes of consecutive lines starting with >, nesting, with the
// first whitespace after the > trimmed), then spans inside each plain line
// (never across lines; an opening directive at the start of the line, after
// whitespace or right after another directive, not followed by whitespace
// or by itself; the first closing directive not preceded by whitespace,
// with text between; nothing styled inside a preformatted span).
package styling

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Style is a set of styles for a span of text.
type Style uint8

// Styles.
const (
	Strong    Style = 1 << iota // *strong*: bold
	Emph                        // _emphasis_: italic
	Strike                      // ~strike~: strike through
	Code                        // `code`: a preformatted span
	Pre                         // a line of a ``` preformatted block (its fences included)
	Directive                   // styling directive characters: draw them dimmed
)

// MaxQuoteDepth is the deepest block quote nesting honoured; a > beyond it
// is plain text.
const MaxQuoteDepth = 16

// Span is a run of text with one style: text[Start:End], byte offsets.
// The spans Parse returns are in order and cover the whole text.
type Span struct {
	Start, End int
	Style      Style
	// Quote is the block quote depth of the span's line (0: not quoted).
	Quote uint8
}

// Parse returns the spans of text (nil for empty text).
func Parse(text string) []Span {
	return AppendSpans(nil, text)
}

// AppendSpans appends the spans of text to dst and returns it, so that a
// renderer can reuse one slice.
func AppendSpans(dst []Span, text string) []Span {
	if text == "" {
		return dst
	}
	p := parser{text: text, out: dst, first: len(dst)}
	lines := make([]line, 0, strings.Count(text, "\n")+1)
	for i := 0; i <= len(text); {
		j := strings.IndexByte(text[i:], '\n')
		end := len(text)
		if j >= 0 {
			end = i + j
		}
		l := line{raw: i, start: i, end: end}
		if l.end > l.start && text[l.end-1] == '\r' {
			l.end--
		}
		l.next = end
		if j >= 0 {
			l.next = end + 1
		}
		lines = append(lines, l)
		if j < 0 {
			break
		}
		i = end + 1
	}
	p.blocks(lines, 0)
	return p.out
}

// line is one line of the text: its content text[start:end] after the
// quote prefixes text[raw:start] stripped by enclosing blocks, and its
// terminator (\r\n or \n or nothing) text[end:next].
type line struct {
	raw, start, end, next int
}

type parser struct {
	text  string
	out   []Span
	first int // index in out of the first span of this text
	// per line: the first closing directive found at or after from, for
	// each span directive (-1: none up to the end of the line)
	closer  [4]struct{ from, at int }
	lineEnd int
}

// emit appends text[start:end] with style s at quote depth q, merging it
// with the previous span when they look the same.
func (p *parser) emit(start, end int, s Style, q int) {
	if end <= start {
		return
	}
	if n := len(p.out); n > p.first {
		last := &p.out[n-1]
		if last.End == start && last.Style == s && int(last.Quote) == q {
			last.End = end
			return
		}
	}
	p.out = append(p.out, Span{Start: start, End: end, Style: s, Quote: uint8(q)})
}

// blocks parses lines as the children of a block at quote depth q.
func (p *parser) blocks(lines []line, q int) {
	for i := 0; i < len(lines); {
		l := lines[i]
		c := p.text[l.start:l.end]
		switch {
		case strings.HasPrefix(c, ">") && q < MaxQuoteDepth:
			j := i
			child := make([]line, 0, 4)
			for ; j < len(lines) && strings.HasPrefix(p.text[lines[j].start:lines[j].end], ">"); j++ {
				cl := lines[j]
				s := cl.start + 1
				if s < cl.end {
					if r, size := utf8.DecodeRuneInString(p.text[s:cl.end]); isSpace(r) {
						s += size
					}
				}
				child = append(child, line{raw: cl.raw, start: s, end: cl.end, next: cl.next})
			}
			p.blocks(child, q+1)
			i = j
		case strings.HasPrefix(c, "```"):
			p.prefix(l)
			p.emit(l.start, l.end, Pre|Directive, q)
			p.emit(l.end, l.next, Pre, q)
			j := i + 1
			for ; j < len(lines); j++ {
				cl := lines[j]
				p.prefix(cl)
				if p.text[cl.start:cl.end] == "```" {
					p.emit(cl.start, cl.end, Pre|Directive, q)
					p.emit(cl.end, cl.next, Pre, q)
					j++
					break
				}
				p.emit(cl.start, cl.end, Pre, q)
				p.emit(cl.end, cl.next, Pre, q)
			}
			i = j
		default:
			p.prefix(l)
			p.lineEnd = l.end
			for k := range p.closer {
				p.closer[k].from, p.closer[k].at = -1, -1
			}
			p.spans(l.start, l.end, 0, q)
			p.emit(l.end, l.next, 0, q)
			i++
		}
	}
}

// prefix emits the quote prefixes of l, text[l.raw:l.start]: each > opens
// one more depth, the whitespace trimmed after it belongs to that depth.
func (p *parser) prefix(l line) {
	d := 0
	for i := l.raw; i < l.start; {
		_, size := utf8.DecodeRuneInString(p.text[i:l.start])
		if p.text[i] == '>' {
			d++
		}
		p.emit(i, i+size, Directive, d)
		i += size
	}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) }

func directive(b byte) (Style, int) {
	switch b {
	case '*':
		return Strong, 0
	case '_':
		return Emph, 1
	case '~':
		return Strike, 2
	case '`':
		return Code, 3
	}
	return 0, -1
}

// spans parses text[a:b], a part of one line, with style s at depth q. a
// counts as a line start: the start of the line or right after an opening
// directive; so does the position right after a closing directive.
func (p *parser) spans(a, b int, s Style, q int) {
	plain := a
	for i := a; i < b; {
		st, k := directive(p.text[i])
		if k < 0 || !p.opens(i, a, plain, b) {
			_, size := utf8.DecodeRuneInString(p.text[i:b])
			i += size
			continue
		}
		c := p.closing(k, p.text[i], i+2)
		if c < 0 || c >= b {
			i++
			continue
		}
		p.emit(plain, i, s, q)
		p.emit(i, i+1, s|st|Directive, q)
		if st == Code {
			p.emit(i+1, c, s|st, q)
		} else {
			p.spans(i+1, c, s|st, q)
		}
		p.emit(c, c+1, s|st|Directive, q)
		i = c + 1
		plain = i
	}
	p.emit(plain, b, s, q)
}

// opens reports whether the directive at i may open a span in text[a:b]:
// it follows the start, whitespace, or the closing directive of a span
// that ended at after (so *a**b* is two spans).
func (p *parser) opens(i, a, after, b int) bool {
	if i+1 >= b || p.text[i+1] == p.text[i] {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(p.text[i+1 : b]); isSpace(r) {
		return false
	}
	if i == a || (i == after && i > a) {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(p.text[a:i])
	return isSpace(r)
}

// closing returns the first closing directive ch (index k of directive) at
// or after from on the current line, -1 if none. The searches of a line go
// left to right, so a result is reused until passed: linear per line.
func (p *parser) closing(k int, ch byte, from int) int {
	c := &p.closer[k]
	if c.from >= 0 && c.from <= from && (c.at < 0 || c.at >= from) {
		return c.at
	}
	c.from, c.at = from, -1
	for i := from; i < p.lineEnd; i++ {
		j := strings.IndexByte(p.text[i:p.lineEnd], ch)
		if j < 0 {
			break
		}
		i += j
		if r, _ := utf8.DecodeLastRuneInString(p.text[:i]); !isSpace(r) {
			c.at = i
			break
		}
	}
	return c.at
}
