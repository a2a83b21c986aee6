package payload

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrBudget reports a stanza with more than MaxTokens tokens. Parse keeps
// what it had read, marks the message Truncated and drains the rest.
var ErrBudget = errors.New("payload: stanza over the token budget")

// errMalformed is what a parser returns for a payload it will not keep.
var errMalformed = errors.New("payload: malformed")

// Decoder is the bounded reader a Parser reads its element from. It counts
// tokens against the stanza's budget and tracks depth, so that whatever a
// parser leaves unread is skipped and the stanza is always consumed to its
// end, never further. It holds one token at a time: nothing is buffered.
type Decoder struct {
	r     xml.TokenReader
	depth int // open elements, the <message/> included
	n     int // tokens read
	max   int // token budget
	err   error
	// ctx is the context of the stanza being parsed (for the parsers of
	// wrappers, which parse the message they forward); nested counts the
	// wrappers being read, which do not nest.
	ctx    Context
	nested int
}

func newDecoder(r xml.TokenReader, max int) *Decoder {
	return &Decoder{r: r, depth: 1, max: max}
}

// next returns the next token of the stanza; io.EOF once the stanza has
// ended (its end element was read, or r ended). A read error or the budget
// running out is sticky and returned from then on.
func (d *Decoder) next() (xml.Token, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.depth <= 0 {
		return nil, io.EOF
	}
	tok, err := d.r.Token()
	if tok == nil {
		if err == nil {
			err = io.ErrNoProgress
		}
		if err == io.EOF {
			d.depth = 0
		}
		d.err = err
		return nil, err
	}
	d.n++
	switch tok.(type) {
	case xml.StartElement:
		d.depth++
	case xml.EndElement:
		d.depth--
	}
	if d.n > d.max {
		d.err = ErrBudget
		return tok, ErrBudget
	}
	return tok, nil
}

// failed reports an error that ends the reading of the stanza (as opposed
// to a payload a parser refused).
func (d *Decoder) failed() error {
	if d.err == io.EOF {
		return nil
	}
	return d.err
}

// skip reads until the element at depth level (or an enclosing one) ends.
func (d *Decoder) skip(level int) error {
	for d.depth >= level {
		if _, err := d.next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}

// drain consumes the rest of the stanza without counting tokens: after the
// budget ran out the stanza must still be read to its end to keep the
// stream in step; nothing of it is held.
func (d *Decoder) drain() error {
	for d.depth > 0 {
		tok, err := d.r.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			d.depth++
		case xml.EndElement:
			d.depth--
		case nil:
			return io.ErrNoProgress
		}
	}
	return nil
}

// Each calls fn for every child element of the element whose start was just
// read, with that child's start; fn may read the child (Text, Each) or not,
// and what it leaves is skipped. Character data and deeper elements are
// skipped. Each returns fn's first error (the remaining children are then
// left for the caller to skip) or the decoder's.
func (d *Decoder) Each(fn func(xml.StartElement) error) error {
	level := d.depth
	for d.depth >= level {
		tok, err := d.next()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || d.depth != level+1 {
			continue
		}
		ferr := fn(se)
		if err := d.skip(level + 1); err != nil {
			return err
		}
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

// Text returns the character data directly inside the element whose start
// was just read (nested elements are skipped), at most limit bytes cut on a
// rune boundary, and consumes the element. cut reports a longer text.
func (d *Decoder) Text(limit int) (s string, cut bool, err error) {
	var sb strings.Builder
	level := d.depth
	for d.depth >= level {
		tok, err := d.next()
		if err != nil {
			if err == io.EOF {
				break
			}
			return "", false, err
		}
		cd, ok := tok.(xml.CharData)
		if !ok || d.depth != level || cut {
			continue
		}
		if room := limit + utf8.UTFMax - sb.Len(); len(cd) > room {
			cd, cut = cd[:room], true
		}
		sb.Write(cd)
	}
	s = sb.String()
	if len(s) > limit {
		s, cut = clip(s, limit), true
	}
	return s, cut, nil
}

// clip cuts s to at most limit bytes on a rune boundary.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// Attr returns the value of start's attribute local (without namespace).
func Attr(start xml.StartElement, local string) string {
	for _, a := range start.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// lang returns start's xml:lang.
func lang(start xml.StartElement) string {
	for _, a := range start.Attr {
		if a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == nsXML) {
			return a.Value
		}
	}
	return ""
}

// id returns start's attribute local as an id: "" with ok false when it is
// missing or longer than MaxID (an id is never cut: a cut id could name
// another message).
func id(start xml.StartElement, local string) (string, bool) {
	v := Attr(start, local)
	if v == "" || len(v) > MaxID {
		return "", false
	}
	return v, true
}

// offset parses a XEP-0426 code point offset attribute.
func offset(start xml.StartElement, local string) (n int, present bool, err error) {
	v := Attr(start, local)
	if v == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxBody {
		return 0, true, errMalformed
	}
	return n, true, nil
}
