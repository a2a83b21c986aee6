package register

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrTooLarge is returned by Parse for an answer of more than MaxTokens
// XML tokens.
var ErrTooLarge = errors.New("register: the answer is too large")

// reader reads one <query/> element with a token budget and a depth count.
// It is an xml.TokenReader too, so that package forms reads the data form
// through it and the budget covers the form.
type reader struct {
	r     xml.TokenReader
	n     int
	depth int // below <query/>
}

// Token implements xml.TokenReader.
func (p *reader) Token() (xml.Token, error) { return p.next() }

// next returns the next token inside <query/>, io.EOF after its end.
func (p *reader) next() (xml.Token, error) {
	if p.depth < 0 {
		return nil, io.EOF
	}
	tok, err := p.r.Token()
	if tok == nil {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if p.n++; p.n > MaxTokens {
		return nil, ErrTooLarge
	}
	switch tok.(type) {
	case xml.StartElement:
		p.depth++
	case xml.EndElement:
		p.depth--
		if p.depth < 0 {
			return nil, io.EOF
		}
	}
	return xml.CopyToken(tok), nil
}

// skip consumes the rest of the element just started.
func (p *reader) skip() error {
	level := p.depth
	for p.depth >= level {
		if _, err := p.next(); err != nil {
			return err
		}
	}
	return nil
}

// text reads the character data of the element just started, up to
// MaxText bytes (the rest is dropped and q.Cut set), consuming its end.
func (p *reader) text(q *Query) (string, error) { return p.textLimit(MaxText, q) }

func (p *reader) textLimit(limit int, q *Query) (string, error) {
	var b strings.Builder
	level := p.depth
	for p.depth >= level {
		tok, err := p.next()
		if err != nil {
			return "", err
		}
		cd, ok := tok.(xml.CharData)
		if !ok || p.depth != level {
			continue
		}
		if room := limit - b.Len(); len(cd) > room {
			cd = cd[:max(room, 0)]
			q.Cut = true
		}
		b.Write(cd)
	}
	return clip(b.String()), nil
}

// clip drops a rune cut in half at the end of s.
func clip(s string) string {
	for s != "" && !utf8.ValidString(s[max(len(s)-utf8.UTFMax, 0):]) {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
