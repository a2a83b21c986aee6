package register

import (
	"encoding/xml"
	"errors"
	"io"
	"parley/internal/xmlbound"
	"strings"
	"unicode/utf8"
)

// ErrTooLarge is returned by Parse for an answer of more than MaxTokens
// XML tokens.
var ErrTooLarge = errors.New("register: the answer is too large")

// reader reads one <query/> element with a token budget and a depth count
// (xmlbound.Reader). It is an xml.TokenReader too, so that package forms
// reads the data form through it and the budget covers the form.
type reader struct{ xmlbound.Reader }

// newReader reads the <query/> whose start was read from r.
func newReader(r xml.TokenReader) *reader {
	return &reader{xmlbound.Reader{R: r, Max: MaxTokens, Malformed: io.ErrUnexpectedEOF, TooLarge: ErrTooLarge}}
}

// text reads the character data of the element just started, up to
// MaxText bytes (the rest is dropped and q.Cut set), consuming its end.
func (p *reader) text(q *Query) (string, error) { return p.textLimit(MaxText, q) }

func (p *reader) textLimit(limit int, q *Query) (string, error) {
	var b strings.Builder
	level := p.Depth()
	for p.Depth() >= level {
		tok, err := p.Token()
		if err != nil {
			return "", err
		}
		cd, ok := tok.(xml.CharData)
		if !ok || p.Depth() != level {
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
