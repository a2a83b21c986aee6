package caps

import (
	"encoding/xml"
	"fmt"
	"io"
)

// ParseInfo reads a disco#info <query/> whose start element was read; r
// yields the tokens after it. It reads at most the query's end element,
// within the package's bounds (past them it fails with ErrMalformed,
// having read no further than the budget), and never panics.
func ParseInfo(start xml.StartElement, r xml.TokenReader) (Info, error) {
	if start.Name.Space != NSInfo || start.Name.Local != "query" {
		return Info{}, fmt.Errorf("%w: not a disco#info query", ErrMalformed)
	}
	p := &parser{r: r}
	var info Info
	err := p.children(func(se xml.StartElement) error {
		switch {
		case se.Name.Local == "identity" && se.Name.Space == NSInfo:
			if len(info.Identities) >= MaxIdentities {
				return fmt.Errorf("%w: over %d identities", ErrMalformed, MaxIdentities)
			}
			var id Identity
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "category" && a.Name.Space == "":
					id.Category = a.Value
				case a.Name.Local == "type" && a.Name.Space == "":
					id.Type = a.Value
				case a.Name.Local == "name" && a.Name.Space == "":
					id.Name = a.Value
				case a.Name.Local == "lang" && (a.Name.Space == nsXML || a.Name.Space == "xml"):
					id.Lang = a.Value
				}
			}
			if err := bounded(id.Category, id.Type, id.Lang, id.Name); err != nil {
				return err
			}
			info.Identities = append(info.Identities, id)
		case se.Name.Local == "feature" && se.Name.Space == NSInfo:
			if len(info.Features) >= MaxFeatures {
				return fmt.Errorf("%w: over %d features", ErrMalformed, MaxFeatures)
			}
			v := attr(se, "var")
			if err := bounded(v); err != nil {
				return err
			}
			info.Features = append(info.Features, v)
		case se.Name.Local == "x" && se.Name.Space == nsData:
			if len(info.Forms) >= MaxForms {
				return fmt.Errorf("%w: over %d forms", ErrMalformed, MaxForms)
			}
			f, ok, err := p.form()
			if err != nil {
				return err
			}
			if ok {
				info.Forms = append(info.Forms, f)
			}
			return nil
		}
		return p.skip()
	})
	return info, err
}

// form reads a jabber:x:data form; ok is false for a form without a hidden
// FORM_TYPE, which XEP-0115 leaves out of the hash.
func (p *parser) form() (Form, bool, error) {
	var f Form
	hasType := false
	err := p.children(func(se xml.StartElement) error {
		if se.Name.Local != "field" || se.Name.Space != nsData {
			return p.skip()
		}
		if len(f.Fields) >= MaxFields {
			return fmt.Errorf("%w: over %d fields", ErrMalformed, MaxFields)
		}
		fl := Field{Var: attr(se, "var")}
		if err := bounded(fl.Var); err != nil {
			return err
		}
		err := p.children(func(v xml.StartElement) error {
			if v.Name.Local != "value" || v.Name.Space != nsData {
				return p.skip()
			}
			if len(fl.Values) >= MaxValues {
				return fmt.Errorf("%w: over %d values", ErrMalformed, MaxValues)
			}
			s, err := p.text()
			if err != nil {
				return err
			}
			fl.Values = append(fl.Values, s)
			return nil
		})
		if err != nil {
			return err
		}
		if fl.Var == formField {
			if hasType || len(fl.Values) != 1 {
				return fmt.Errorf("%w: bad FORM_TYPE", ErrMalformed)
			}
			hasType, f.Type = true, fl.Values[0]
			return nil
		}
		f.Fields = append(f.Fields, fl)
		return nil
	})
	return f, hasType && err == nil, err
}

func bounded(ss ...string) error {
	for _, s := range ss {
		if len(s) > MaxString {
			return fmt.Errorf("%w: a string of %d bytes", ErrMalformed, len(s))
		}
	}
	return nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// parser reads tokens within a budget.
type parser struct {
	r xml.TokenReader
	n int
}

func (p *parser) next() (xml.Token, error) {
	if p.n++; p.n > maxTokens {
		return nil, fmt.Errorf("%w: over %d tokens", ErrMalformed, maxTokens)
	}
	tok, err := p.r.Token()
	if err == io.EOF && tok == nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, io.ErrUnexpectedEOF)
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return tok, nil
}

// children calls fn for each child start element of the current element,
// up to its end element; fn must consume the child (skip it, or read it
// to its end).
func (p *parser) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip consumes the rest of the element whose start was just read.
func (p *parser) skip() error {
	depth := 1
	for depth > 0 {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// text reads the character data of the element whose start was just
// read, bounded by MaxString.
func (p *parser) text() (string, error) {
	var b []byte
	depth := 1
	for depth > 0 {
		tok, err := p.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if depth == 1 {
				if len(b)+len(t) > MaxString {
					return "", fmt.Errorf("%w: a value over %d bytes", ErrMalformed, MaxString)
				}
				b = append(b, t...)
			}
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return string(b), nil
}
