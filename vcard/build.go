package vcard

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"mellium.im/xmlstream"
)

// Field is a property that Set edits.
type Field int

// Fields.
const (
	FieldFN       Field = iota // the formatted name
	FieldNickname              // the nickname
	FieldEmail                 // the first email address
)

// ParseField reads a field as the user names it: fn (or name), nick (or
// nickname), email.
func ParseField(s string) (Field, error) {
	switch strings.ToLower(s) {
	case "fn", "name", "fullname":
		return FieldFN, nil
	case "nick", "nickname":
		return FieldNickname, nil
	case "email", "mail":
		return FieldEmail, nil
	}
	return 0, fmt.Errorf("no field %q: say fn, nick or email", s)
}

// MaxSet bounds a value written with Set, in bytes.
const MaxSet = MaxText

// Set sets field to value in the card (an empty value removes it),
// keeping every other property as it was: the formatted name and the
// nickname replace those the card had; an email replaces the address of
// the first one (its types kept), or is added. It fails with ErrTooLarge
// for a card too large to have been kept whole.
func (c *Card) Set(field Field, value string) error {
	if c.big {
		return ErrTooLarge
	}
	value = strings.TrimSpace(value)
	if len(value) > MaxSet {
		return fmt.Errorf("the value is longer than %d bytes", MaxSet)
	}
	ns, temp := NS4, c.Format == Temp
	if temp {
		ns = NSTemp
	}
	name := func(local4, localTemp string) xml.Name {
		if temp {
			return xml.Name{Space: ns, Local: localTemp}
		}
		return xml.Name{Space: ns, Local: local4}
	}
	is := func(p prop, n xml.Name) bool {
		return p.name.Space == n.Space && (p.name.Local == n.Local || temp && strings.EqualFold(p.name.Local, n.Local))
	}
	switch field {
	case FieldFN, FieldNickname:
		n := name("fn", "FN")
		if field == FieldNickname {
			n = name("nickname", "NICKNAME")
		}
		var fresh []prop
		if value != "" {
			fresh = []prop{simpleProp(n, value, temp)}
		}
		c.props = replaceAll(c.props, func(p prop) bool { return is(p, n) }, fresh, field == FieldFN)
	case FieldEmail:
		n := name("email", "EMAIL")
		text := name("text", "USERID")
		i := -1
		for j, p := range c.props {
			if is(p, n) {
				i = j
				break
			}
		}
		switch {
		case i < 0 && value == "":
		case i < 0:
			p := simpleProp(n, value, false)
			if temp { // <EMAIL><INTERNET/><USERID>v</USERID></EMAIL>
				e, inet, uid := xml.StartElement{Name: n}, xml.StartElement{Name: xml.Name{Space: ns, Local: "INTERNET"}}, xml.StartElement{Name: text}
				p.toks = []xml.Token{e, inet, inet.End(), uid, xml.CharData(value), uid.End(), e.End()}
			}
			c.props = append(c.props, p)
		case value == "":
			c.props = append(c.props[:i:i], c.props[i+1:]...)
		default:
			c.props[i] = withText(c.props[i], text, value, temp)
		}
	default:
		return fmt.Errorf("vcard: no field %d", field)
	}
	return c.reread()
}

// simpleProp is <n><text>v</text></n> in vCard4, <N>v</N> in vcard-temp.
func simpleProp(n xml.Name, value string, temp bool) prop {
	start := xml.StartElement{Name: n}
	if temp {
		return prop{name: n, toks: []xml.Token{start, xml.CharData(value), start.End()}}
	}
	t := xml.StartElement{Name: xml.Name{Space: n.Space, Local: "text"}}
	return prop{name: n, toks: []xml.Token{start, t, xml.CharData(value), t.End(), start.End()}}
}

// replaceAll removes the properties that match and puts fresh where the
// first of them was (at the front when first and there was none, else at
// the end).
func replaceAll(props []prop, match func(prop) bool, fresh []prop, first bool) []prop {
	out := make([]prop, 0, len(props)+len(fresh))
	placed := false
	for _, p := range props {
		if !match(p) {
			out = append(out, p)
			continue
		}
		if !placed {
			out, placed = append(out, fresh...), true
		}
	}
	switch {
	case placed:
	case first:
		out = append(fresh, out...)
	default:
		out = append(out, fresh...)
	}
	return out
}

// withText rewrites property p with its child text (vCard4 <text/>,
// vcard-temp <USERID/>) holding value, the other children kept.
func withText(p prop, text xml.Name, value string, temp bool) prop {
	toks := []xml.Token{p.toks[0]}
	depth := 0
	skipping := false
	for _, tok := range p.toks[1 : len(p.toks)-1] {
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && (t.Name.Local == text.Local || temp && strings.EqualFold(t.Name.Local, text.Local)) {
				skipping = true
			}
		case xml.EndElement:
			depth--
			if depth == 0 && skipping {
				skipping = false
				continue
			}
		case xml.CharData:
			if depth == 0 {
				continue // text right in <EMAIL/>: replaced by <USERID/>
			}
		}
		if !skipping {
			toks = append(toks, tok)
		}
	}
	t := xml.StartElement{Name: text}
	toks = append(toks, t, xml.CharData(value), t.End(), p.toks[len(p.toks)-1])
	return prop{name: p.name, toks: toks}
}

// reread interprets the properties again after an edit.
func (c *Card) reread() error {
	start, r := c.start(), c.props
	fresh, err := Parse(start, &sliceReader{toks: flatten(r, start)})
	if err != nil {
		return err
	}
	*c = fresh
	return nil
}

func (c *Card) start() xml.StartElement {
	if c.Format == Temp {
		return xml.StartElement{Name: xml.Name{Space: NSTemp, Local: "vCard"}}
	}
	return xml.StartElement{Name: xml.Name{Space: NS4, Local: "vcard"}}
}

// flatten is the tokens of the properties then the end of start.
func flatten(props []prop, start xml.StartElement) []xml.Token {
	var toks []xml.Token
	for _, p := range props {
		toks = append(toks, p.toks...)
	}
	return append(toks, start.End())
}

// Elem is the card as an element of its format, every property kept: a
// vCard4 <vcard/> (the payload of the PEP item) or a vcard-temp <vCard/>
// (the payload of the IQ set). It fails with ErrTooLarge for a card too
// large to have been kept whole.
func (c *Card) Elem() (xml.TokenReader, error) {
	if c.big {
		return nil, ErrTooLarge
	}
	start := c.start()
	return xmlstream.MultiReader(xmlstream.Token(start), &sliceReader{toks: flatten(c.props, start)}), nil
}

// sliceReader reads a slice of tokens.
type sliceReader struct {
	toks []xml.Token
}

// Token implements xml.TokenReader.
func (r *sliceReader) Token() (xml.Token, error) {
	if len(r.toks) == 0 {
		return nil, io.EOF
	}
	t := r.toks[0]
	r.toks = r.toks[1:]
	return t, nil
}
