// Package xmlbound holds what parley's parsers of network XML share to stay
// bounded: a token reader that stops at the end of the element being read
// and after a number of tokens, and helpers that read attributes and cut
// text without splitting a character. Everything here treats its input as
// hostile: nothing is held beyond what the caller bounds.
package xmlbound

import (
	"encoding/xml"
	"fmt"
	"io"
	"unicode/utf8"
)

// Reader reads the tokens inside an element whose start was already read,
// up to Max tokens; Depth 1 is a child of that element. It reports io.EOF
// at the element's end. A token that comes with an error from the
// underlying reader (a size bound of the stream, say) ends the reading with
// that error.
type Reader struct {
	R         xml.TokenReader
	Max       int   // tokens read at most
	Malformed error // wrapped in the errors of a document too large or cut short
	TooLarge  error // if set, returned as it is past Max tokens instead
	n         int
	depth     int
	done      bool
}

// Token implements xml.TokenReader.
func (b *Reader) Token() (xml.Token, error) {
	if b.done {
		return nil, io.EOF
	}
	if b.n++; b.n > b.Max {
		if b.TooLarge != nil {
			return nil, b.TooLarge
		}
		return nil, fmt.Errorf("%w: too large", b.Malformed)
	}
	tok, err := b.R.Token()
	if tok == nil || err != nil && err != io.EOF {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("%w: cut short", b.Malformed)
		}
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
	case xml.EndElement:
		if b.depth == 0 {
			b.done = true
			return nil, io.EOF
		}
		b.depth--
	}
	return tok, nil
}

// Depth is how deep the last token read is inside the element: 1 for a
// child's start, 0 for the element's own text and a child's end.
func (b *Reader) Depth() int { return b.depth }

// Skip consumes the element whose start was just read.
func (b *Reader) Skip() error {
	level := b.depth
	for b.depth >= level {
		if _, err := b.Token(); err != nil {
			return err
		}
	}
	return nil
}

// Attr returns the value of the attribute local with no namespace, or "".
func Attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// Clip cuts s to at most n bytes, on a character boundary.
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
