package forms

import (
	"encoding/xml"
	"errors"
	"io"
	"parley/internal/xmlbound"
	"strings"
	"unicode/utf8"
)

// Limits of what Parse keeps of a form. A form over a limit is not an
// error: the rest is dropped and Form.Cut set.
const (
	MaxFields       = 256     // fields kept (the reported columns and each result row too)
	MaxOptions      = 512     // options kept per field
	MaxValues       = 512     // values kept per field
	MaxItems        = 512     // result rows kept
	MaxInstructions = 32      // instruction paragraphs kept
	MaxText         = 4 << 10 // bytes of a title, label, description, instruction or option label
	MaxValue        = 8 << 10 // bytes of one value
	MaxVar          = 256     // bytes of a var: a longer one drops its field (a cut var would name another)
	MaxTotal        = 1 << 20 // bytes of text and values in the whole form
	MaxTokens       = 1 << 17 // XML tokens read before the rest is skipped unread
)

// ErrNotForm is returned by Parse for an element that is not a data form.
var ErrNotForm = errors.New("forms: not a jabber:x:data <x/> element")

// reader reads one element with a token budget and a depth count.
type reader struct {
	r     xml.TokenReader
	n     int
	depth int // below the <x/> element
	bytes int // text kept so far
	cut   bool
	over  bool // the token budget is spent: the rest is drained unread
}

// next returns the next token inside <x/>, io.EOF at its end.
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
	p.n++
	switch tok.(type) {
	case xml.StartElement:
		p.depth++
	case xml.EndElement:
		p.depth--
		if p.depth < 0 {
			return nil, io.EOF
		}
	}
	if p.n > MaxTokens && !p.over {
		p.over, p.cut = true, true
	}
	return tok, nil
}

// skip consumes the element just started.
func (p *reader) skip() error {
	level := p.depth
	for p.depth >= level {
		if _, err := p.next(); err != nil {
			return err
		}
	}
	return nil
}

// text reads the character data of the element just started (nested
// elements ignored), keeping at most limit bytes of it.
func (p *reader) text(limit int) (string, error) {
	var sb strings.Builder
	level := p.depth
	for p.depth >= level {
		tok, err := p.next()
		if err != nil {
			return "", err
		}
		if cd, ok := tok.(xml.CharData); ok && p.depth == level && !p.over {
			if room := limit + utf8.UTFMax - sb.Len(); len(cd) > room {
				cd, p.cut = cd[:max(room, 0)], true
			}
			sb.Write(cd)
		}
	}
	s := sb.String()
	if len(s) > limit {
		s, p.cut = xmlbound.Clip(s, limit), true
	}
	if p.bytes+len(s) > MaxTotal {
		p.cut = true
		s = xmlbound.Clip(s, max(MaxTotal-p.bytes, 0))
	}
	p.bytes += len(s)
	return s, nil
}

// Parse reads a data form: start is the <x xmlns="jabber:x:data"> element
// just read from r, and Parse consumes r up to and including its end. An
// error is returned only for a broken stream (or when start is not a
// form); everything that is merely too big or odd is bounded, see the
// limits.
func Parse(r xml.TokenReader, start xml.StartElement) (*Form, error) {
	if start.Name.Space != NS || start.Name.Local != "x" {
		return nil, ErrNotForm
	}
	p := &reader{r: r}
	f := &Form{Type: xmlbound.Attr(start, "type")}
	switch f.Type {
	case TypeForm, TypeSubmit, TypeCancel, TypeResult:
	default:
		f.Type = TypeForm
	}
	for {
		tok, err := p.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if p.over || se.Name.Space != NS {
			if err := p.skip(); err != nil {
				return nil, err
			}
			continue
		}
		switch se.Name.Local {
		case "title":
			if f.Title, err = p.text(MaxText); err != nil {
				return nil, err
			}
		case "instructions":
			s, err := p.text(MaxText)
			if err != nil {
				return nil, err
			}
			if len(f.Instructions) < MaxInstructions {
				f.Instructions = append(f.Instructions, s)
			} else {
				p.cut = true
			}
		case "field":
			if f.Fields, err = p.field(se, f.Fields); err != nil {
				return nil, err
			}
		case "reported":
			if f.Reported != nil {
				err = p.skip()
			} else {
				f.Reported, err = p.fields()
			}
			if err != nil {
				return nil, err
			}
		case "item":
			if len(f.Items) >= MaxItems {
				p.cut = true
				if err := p.skip(); err != nil {
					return nil, err
				}
				continue
			}
			row, err := p.fields()
			if err != nil {
				return nil, err
			}
			if row == nil {
				row = []Field{}
			}
			f.Items = append(f.Items, row)
		default:
			if err := p.skip(); err != nil {
				return nil, err
			}
		}
	}
	f.Cut = p.cut
	return f, nil
}

// fields reads the <field/> children of <reported/> or <item/>.
func (p *reader) fields() ([]Field, error) {
	var out []Field
	level := p.depth
	for p.depth >= level {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Space == NS && se.Name.Local == "field" && !p.over {
			if out, err = p.field(se, out); err != nil {
				return nil, err
			}
		} else if err := p.skip(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// field reads one <field/> (its start just read) and appends it to fields,
// unless there are MaxFields already, its var is too long, or a field of
// the same var came first.
func (p *reader) field(se xml.StartElement, fields []Field) ([]Field, error) {
	fd := Field{Var: xmlbound.Attr(se, "var"), Type: xmlbound.Attr(se, "type"), Label: xmlbound.Clip(xmlbound.Attr(se, "label"), MaxText)}
	keep := len(fields) < MaxFields && len(fd.Var) <= MaxVar
	if fd.Type != Fixed && fd.Var == "" && fd.Type != "" {
		keep = false // nothing to submit it under
	}
	for _, o := range fields {
		if o.Var == fd.Var && fd.Var != "" {
			keep = false
		}
	}
	if !keep {
		p.cut = true
		return fields, p.skip()
	}
	switch fd.Type {
	case Boolean, Fixed, Hidden, JIDMulti, JIDSingle, ListMulti, ListSingle, TextMulti, TextPrivate, TextSingle:
	default:
		fd.Type = TextSingle
	}
	level := p.depth
	for p.depth >= level {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		c, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if c.Name.Space != NS || p.over || p.depth != level+1 {
			if err := p.skip(); err != nil {
				return nil, err
			}
			continue
		}
		switch c.Name.Local {
		case "desc":
			if fd.Desc, err = p.text(MaxText); err != nil {
				return nil, err
			}
		case "required":
			fd.Required = true
			err = p.skip()
		case "value":
			var v string
			if v, err = p.text(MaxValue); err == nil {
				if len(fd.Values) < MaxValues {
					fd.Values = append(fd.Values, v)
				} else {
					p.cut = true
				}
			}
		case "option":
			var o Option
			if o, err = p.option(c); err == nil {
				if len(fd.Options) < MaxOptions {
					fd.Options = append(fd.Options, o)
				} else {
					p.cut = true
				}
			}
		default:
			err = p.skip()
		}
		if err != nil {
			return nil, err
		}
	}
	if fd.Type == Fixed && fd.Var == "" && len(fd.Values) == 0 && fd.Label == "" {
		return fields, nil // nothing to show
	}
	return append(fields, fd), nil
}

// option reads one <option/>: its label and first value.
func (p *reader) option(se xml.StartElement) (Option, error) {
	o := Option{Label: xmlbound.Clip(xmlbound.Attr(se, "label"), MaxText)}
	found := false
	level := p.depth
	for p.depth >= level {
		tok, err := p.next()
		if err != nil {
			return o, err
		}
		c, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if c.Name.Space == NS && c.Name.Local == "value" && !found && !p.over {
			if o.Value, err = p.text(MaxValue); err != nil {
				return o, err
			}
			found = true
		} else if err := p.skip(); err != nil {
			return o, err
		}
	}
	return o, nil
}

// Decode reads the first element of r, which must be a data form, with
// Parse.
func Decode(r xml.TokenReader) (*Form, error) {
	for {
		tok, err := r.Token()
		if tok == nil && err != nil {
			return nil, err
		}
		if tok == nil {
			return nil, io.ErrNoProgress
		}
		if se, ok := tok.(xml.StartElement); ok {
			return Parse(r, se)
		}
	}
}
