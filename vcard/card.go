// Package vcard reads and writes the vCards of XMPP: vCard4 over PEP
// (XEP-0292: node urn:xmpp:vcard4, item "current", RFC 6351 XML) and
// vcard-temp (XEP-0054), and the user nickname of XEP-0172. Parse reads
// either format, within bounds, into a Card whose useful fields are
// interpreted and whose properties are kept whole, so that an edit (Set)
// written back (Elem) loses nothing it does not show. The parsers never
// panic on hostile input; their text is untrusted: the caller sanitizes
// it before drawing it.
package vcard

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// Namespaces and nodes.
const (
	// NS4 is the namespace of the vCard4 <vcard/> element (RFC 6351).
	NS4 = "urn:ietf:params:xml:ns:vcard-4.0"
	// Node4 is the PEP node of our vCard4 (XEP-0292); Item4 its item id.
	Node4 = "urn:xmpp:vcard4"
	Item4 = "current"
	// NSTemp is the namespace of the vcard-temp <vCard/> element.
	NSTemp = "vcard-temp"
	// NSNick is the namespace and PEP node of XEP-0172 user nicknames.
	NSNick = "http://jabber.org/protocol/nick"
)

// Format is the format a Card was read from and is written back in.
type Format int

// Formats.
const (
	VCard4 Format = iota // XEP-0292
	Temp                 // XEP-0054 vcard-temp
)

// String names the format as the user sees it.
func (f Format) String() string {
	if f == Temp {
		return "vcard-temp"
	}
	return "vCard4"
}

// Value is one email, phone, address or URL, with the types the card gave
// it (home, work, cell, ...), lower case.
type Value struct {
	Text  string
	Types []string
}

// Photo is what a card says of its photo: its media type and size in
// bytes (decoded) when embedded, or its URL.
type Photo struct {
	Type string
	Size int
	URL  string
}

// Card is a vCard as parley shows it. Text fields are trimmed and bounded
// (MaxText, MaxNote for Note) and untrusted.
type Card struct {
	Format   Format
	FN       string // formatted name
	Name     string // the structured name, given names first
	Nickname string
	Emails   []Value
	Phones   []Value
	URLs     []string
	JIDs     []string // XMPP addresses (impp, JABBERID)
	Org      string   // organisation, with its unit
	Title    string
	Role     string
	Birthday string
	Address  []Value
	Note     string
	Photo    *Photo
	// Cut reports that a value was cut to its bound, or values or
	// properties left out.
	Cut bool

	props []prop // the properties whole, for an edit; nil when big
	big   bool   // over MaxRaw: shown, not edited
}

// ErrNotVCard is returned by Parse for an element that is neither a
// vCard4 <vcard/> nor a vcard-temp <vCard/>.
var ErrNotVCard = errors.New("vcard: not a vCard element")

// Parse reads a vCard whose start element was read (vCard4 or
// vcard-temp), to its end.
func Parse(start xml.StartElement, r xml.TokenReader) (Card, error) {
	var c Card
	switch {
	case start.Name == xml.Name{Space: NS4, Local: "vcard"}:
		c.Format = VCard4
	case start.Name.Space == NSTemp && strings.EqualFold(start.Name.Local, "vCard"):
		c.Format = Temp
	default:
		if err := drain(r, 0); err != nil {
			return c, err
		}
		return c, fmt.Errorf("%w: <%s xmlns=%q>", ErrNotVCard, clipName(start.Name.Local), clipName(start.Name.Space))
	}
	res, err := read(start, r)
	if err != nil {
		return Card{}, err
	}
	c.props, c.big, c.Cut = res.raw, res.big, res.cut
	if c.Format == VCard4 {
		c.from4(&res.root)
	} else {
		c.fromTemp(&res.root)
	}
	return c, nil
}

func clipName(s string) string { s, _ = clip(s, 64); return s }

// New returns an empty card of format f, to be filled with Set.
func New(f Format) Card { return Card{Format: f} }

// Empty reports whether the card says nothing parley shows.
func (c *Card) Empty() bool {
	return c.FN == "" && c.Name == "" && c.Nickname == "" && len(c.Emails) == 0 && len(c.Phones) == 0 &&
		len(c.URLs) == 0 && len(c.JIDs) == 0 && c.Org == "" && c.Title == "" && c.Role == "" &&
		c.Birthday == "" && len(c.Address) == 0 && c.Note == "" && c.Photo == nil
}

// text bounds a value into c, marking the card cut when it was.
func (c *Card) text(s string, limit int) string {
	s, cut := clip(s, limit)
	if cut {
		c.Cut = true
	}
	return s
}

// add appends v to list unless it is full (then the card is cut).
func (c *Card) add(list []Value, v Value) []Value {
	if v.Text == "" {
		return list
	}
	if len(list) >= MaxValues {
		c.Cut = true
		return list
	}
	return append(list, v)
}

func (c *Card) addString(list []string, s string) []string {
	vs := c.add(nil, Value{Text: s})
	if len(vs) == 0 {
		return list
	}
	if len(list) >= MaxValues {
		c.Cut = true
		return list
	}
	return append(list, s)
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// from4 interprets a vCard4 tree (RFC 6351 element names, lower case).
func (c *Card) from4(root *node) {
	for _, p := range root.kids {
		if p.name.Space != NS4 {
			continue
		}
		switch p.name.Local {
		case "fn":
			if c.FN == "" {
				c.FN = c.text(p.childText("text", false), MaxText)
			}
		case "n":
			if c.Name == "" {
				c.Name = c.text(joinNonEmpty(" ", p.childText("prefix", false), p.childText("given", false),
					p.childText("additional", false), p.childText("surname", false), p.childText("suffix", false)), MaxText)
			}
		case "nickname":
			if c.Nickname == "" {
				c.Nickname = c.text(p.childText("text", false), MaxText)
			}
		case "email":
			c.Emails = c.add(c.Emails, Value{Text: c.text(p.childText("text", false), MaxText), Types: types4(p)})
		case "tel":
			t := p.childText("uri", false)
			if t == "" {
				t = p.childText("text", false)
			}
			c.Phones = c.add(c.Phones, Value{Text: c.text(strings.TrimPrefix(t, "tel:"), MaxText), Types: types4(p)})
		case "url":
			c.URLs = c.addString(c.URLs, c.text(p.childText("uri", false), MaxText))
		case "impp":
			if u := p.childText("uri", false); strings.HasPrefix(u, "xmpp:") {
				c.JIDs = c.addString(c.JIDs, c.text(strings.TrimPrefix(u, "xmpp:"), MaxText))
			}
		case "org":
			if c.Org == "" {
				var units []string
				for _, k := range p.kids {
					if k.name.Local == "text" {
						units = append(units, k.text)
					}
				}
				c.Org = c.text(joinNonEmpty(", ", units...), MaxText)
			}
		case "title":
			if c.Title == "" {
				c.Title = c.text(p.childText("text", false), MaxText)
			}
		case "role":
			if c.Role == "" {
				c.Role = c.text(p.childText("text", false), MaxText)
			}
		case "bday":
			if c.Birthday == "" {
				b := p.childText("date", false)
				if b == "" {
					b = p.childText("date-and-or-time", false)
				}
				if b == "" {
					b = p.childText("text", false)
				}
				c.Birthday = c.text(b, MaxText)
			}
		case "adr":
			c.Address = c.add(c.Address, Value{Text: c.text(joinNonEmpty(", ", p.childText("pobox", false), p.childText("ext", false),
				p.childText("street", false), p.childText("locality", false), p.childText("region", false),
				p.childText("code", false), p.childText("country", false)), MaxText), Types: types4(p)})
		case "note":
			if c.Note == "" {
				c.Note = c.text(p.childText("text", false), MaxNote)
			}
		case "photo":
			if c.Photo == nil {
				if u := p.child("uri", false); u != nil {
					c.Photo = photoURI(u)
				}
			}
		}
	}
}

// types4 reads the <parameters><type><text>…</text></type></parameters>
// of a vCard4 property.
func types4(p *node) []string {
	params := p.child("parameters", false)
	if params == nil {
		return nil
	}
	var out []string
	for _, t := range params.kids {
		if t.name.Local != "type" {
			continue
		}
		for _, k := range t.kids {
			if v, _ := clip(strings.ToLower(k.text), 32); k.name.Local == "text" && v != "" && len(out) < 4 {
				out = append(out, v)
			}
		}
	}
	return out
}

// photoURI reads a vCard4 photo URI: a data: URI gives the type and the
// decoded size, any other is a link.
func photoURI(u *node) *Photo {
	s := strings.TrimSpace(u.text)
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		head, _, found := strings.Cut(rest, ",")
		if !found {
			return &Photo{}
		}
		typ, _, _ := strings.Cut(head, ";")
		size := u.size - nonSpace([]byte("data:"+head+","))
		if strings.Contains(head, ";base64") {
			size = size * 3 / 4
		}
		t, _ := clip(typ, 64)
		return &Photo{Type: t, Size: max(size, 0)}
	}
	url, _ := clip(s, MaxText)
	return &Photo{URL: url}
}

// fromTemp interprets a vcard-temp tree (names upper case, read ignoring
// case: old clients wrote them otherwise).
func (c *Card) fromTemp(root *node) {
	for _, p := range root.kids {
		if p.name.Space != NSTemp {
			continue
		}
		switch strings.ToUpper(p.name.Local) {
		case "FN":
			if c.FN == "" {
				c.FN = c.text(p.text, MaxText)
			}
		case "N":
			if c.Name == "" {
				c.Name = c.text(joinNonEmpty(" ", p.childText("PREFIX", true), p.childText("GIVEN", true),
					p.childText("MIDDLE", true), p.childText("FAMILY", true), p.childText("SUFFIX", true)), MaxText)
			}
		case "NICKNAME":
			if c.Nickname == "" {
				c.Nickname = c.text(p.text, MaxText)
			}
		case "EMAIL":
			t := p.childText("USERID", true)
			if t == "" {
				t = p.text // some clients put the address right in <EMAIL/>
			}
			c.Emails = c.add(c.Emails, Value{Text: c.text(t, MaxText), Types: typesTemp(p, "HOME", "WORK")})
		case "TEL":
			c.Phones = c.add(c.Phones, Value{Text: c.text(p.childText("NUMBER", true), MaxText), Types: typesTemp(p, "HOME", "WORK", "CELL", "VOICE", "FAX")})
		case "URL":
			c.URLs = c.addString(c.URLs, c.text(p.text, MaxText))
		case "JABBERID":
			c.JIDs = c.addString(c.JIDs, c.text(p.text, MaxText))
		case "ORG":
			if c.Org == "" {
				c.Org = c.text(joinNonEmpty(", ", p.childText("ORGNAME", true), p.childText("ORGUNIT", true)), MaxText)
			}
		case "TITLE":
			if c.Title == "" {
				c.Title = c.text(p.text, MaxText)
			}
		case "ROLE":
			if c.Role == "" {
				c.Role = c.text(p.text, MaxText)
			}
		case "BDAY":
			if c.Birthday == "" {
				c.Birthday = c.text(p.text, MaxText)
			}
		case "ADR":
			c.Address = c.add(c.Address, Value{Text: c.text(joinNonEmpty(", ", p.childText("POBOX", true), p.childText("EXTADD", true),
				p.childText("STREET", true), p.childText("LOCALITY", true), p.childText("REGION", true),
				p.childText("PCODE", true), p.childText("CTRY", true)), MaxText), Types: typesTemp(p, "HOME", "WORK")})
		case "DESC", "NOTE":
			if c.Note == "" {
				c.Note = c.text(p.text, MaxNote)
			}
		case "PHOTO":
			if c.Photo == nil {
				c.Photo = photoTemp(p)
			}
		}
	}
}

// typesTemp lists which of the flag elements (<HOME/>, <WORK/>) p has.
func typesTemp(p *node, flags ...string) []string {
	var out []string
	for _, f := range flags {
		if p.child(f, true) != nil {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// photoTemp reads a vcard-temp <PHOTO/>: <TYPE/> and <BINVAL/> (base64),
// or <EXTVAL/> (a URL).
func photoTemp(p *node) *Photo {
	if b := p.child("BINVAL", true); b != nil {
		t, _ := clip(p.childText("TYPE", true), 64)
		return &Photo{Type: t, Size: b.size * 3 / 4}
	}
	url, _ := clip(p.childText("EXTVAL", true), MaxText)
	return &Photo{URL: url}
}
