package vcard

import "encoding/xml"

// Convert is a new card of format f holding what c shows (the photo and
// the address excepted): the start of a format an account has none of
// yet, when it has the other (a server that does not keep them in step).
func Convert(c Card, f Format) Card {
	out := New(f)
	ns := NS4
	if f == Temp {
		ns = NSTemp
	}
	el := func(local string, kids ...xml.Token) []xml.Token {
		s := xml.StartElement{Name: xml.Name{Space: ns, Local: local}}
		return append(append([]xml.Token{s}, kids...), s.End())
	}
	text := func(local, v string) []xml.Token { return el(local, xml.CharData(v)) }
	add := func(toks []xml.Token) {
		out.props = append(out.props, prop{name: toks[0].(xml.StartElement).Name, toks: toks})
	}
	// one is a property of one value: <p><kind>v</kind></p> in vCard4,
	// <P>v</P> in vcard-temp.
	one := func(local4, kind, localTemp, v string) {
		switch {
		case v == "":
		case f == Temp:
			add(text(localTemp, v))
		default:
			add(el(local4, text(kind, v)...))
		}
	}
	one("fn", "text", "FN", c.FN)
	one("nickname", "text", "NICKNAME", c.Nickname)
	for _, e := range c.Emails {
		if f == Temp {
			add(el("EMAIL", append(el("INTERNET"), text("USERID", e.Text)...)...))
			continue
		}
		var kids []xml.Token
		if len(e.Types) > 0 {
			var ts []xml.Token
			for _, t := range e.Types {
				ts = append(ts, text("text", t)...)
			}
			kids = el("parameters", el("type", ts...)...)
		}
		add(el("email", append(kids, text("text", e.Text)...)...))
	}
	for _, p := range c.Phones {
		if f == Temp {
			add(el("TEL", append(el("VOICE"), text("NUMBER", p.Text)...)...))
		} else {
			add(el("tel", text("uri", "tel:"+p.Text)...))
		}
	}
	for _, u := range c.URLs {
		one("url", "uri", "URL", u)
	}
	for _, j := range c.JIDs {
		if f == Temp {
			add(text("JABBERID", j))
		} else {
			add(el("impp", text("uri", "xmpp:"+j)...))
		}
	}
	if c.Org != "" {
		if f == Temp {
			add(el("ORG", text("ORGNAME", c.Org)...))
		} else {
			add(el("org", text("text", c.Org)...))
		}
	}
	one("title", "text", "TITLE", c.Title)
	one("role", "text", "ROLE", c.Role)
	one("bday", "text", "BDAY", c.Birthday)
	one("note", "text", "DESC", c.Note)
	_ = out.reread()
	return out
}
