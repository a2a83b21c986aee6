package xmltok

import "encoding/xml"

// name reads an ASCII XML name with at most one inner colon, split into
// prefix and local part.
func (p *parser) name() (prefix, local []byte, ok bool) {
	start := p.pos
	colon := -1
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '-', c == '.':
			if p.pos == start || p.pos == colon+1 {
				return nil, nil, false
			}
		case c == ':':
			if colon >= 0 || p.pos == start {
				return nil, nil, false
			}
			colon = p.pos
		default:
			goto done
		}
		p.pos++
	}
done:
	if p.pos == start || colon == p.pos-1 {
		return nil, nil, false
	}
	if colon < 0 {
		return nil, p.data[start:p.pos], true
	}
	return p.data[start:colon], p.data[colon+1 : p.pos], true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func (p *parser) spaces() {
	for p.pos < len(p.data) && isSpace(p.data[p.pos]) {
		p.pos++
	}
}

// rawAttr is an attribute as written.
type rawAttr struct {
	prefix, local string
	value         string
}

// startTag reads a start tag (p.pos at its '<') and appends its
// StartElement, and its EndElement when it closes itself.
func (p *parser) startTag() bool {
	if len(p.names) >= MaxDepth {
		return false
	}
	p.pos++
	prefix, local, ok := p.name()
	if !ok {
		return false
	}
	depth := len(p.names) + 1
	var abuf [8]rawAttr
	attrs := abuf[:0]
	selfClosing := false
	for {
		hadSpace := p.pos < len(p.data) && isSpace(p.data[p.pos])
		p.spaces()
		if p.pos >= len(p.data) {
			return false
		}
		c := p.data[p.pos]
		if c == '>' {
			p.pos++
			break
		}
		if c == '/' {
			if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '>' {
				return false
			}
			p.pos += 2
			selfClosing = true
			break
		}
		if !hadSpace {
			return false
		}
		ap, al, ok := p.name()
		if !ok {
			return false
		}
		p.spaces()
		if p.pos >= len(p.data) || p.data[p.pos] != '=' {
			return false
		}
		p.pos++
		p.spaces()
		if p.pos >= len(p.data) {
			return false
		}
		q := p.data[p.pos]
		if q != '"' && q != '\'' {
			return false
		}
		p.pos++
		vs := p.pos
		for p.pos < len(p.data) && p.data[p.pos] != q {
			p.pos++
		}
		if p.pos >= len(p.data) {
			return false
		}
		v, ok := p.text(p.data[vs:p.pos], q)
		if !ok {
			return false
		}
		p.pos++
		a := rawAttr{prefix: intern(ap), local: intern(al), value: internValue(v)}
		for _, o := range attrs {
			if o.prefix == a.prefix && o.local == a.local {
				return false // a duplicate: left to encoding/xml
			}
		}
		attrs = append(attrs, a)
	}
	// Declarations first: they apply to the element's own names.
	for _, a := range attrs {
		switch {
		case a.prefix == "" && a.local == "xmlns":
			p.ns = append(p.ns, binding{prefix: "", uri: a.value, depth: depth})
		case a.prefix == "xmlns":
			if a.value == "" || a.local == "xml" || a.local == "xmlns" {
				return false
			}
			p.ns = append(p.ns, binding{prefix: a.local, uri: a.value, depth: depth})
		}
	}
	se := xml.StartElement{Name: xml.Name{Local: intern(local)}}
	raw := xml.Name{Space: intern(prefix), Local: se.Name.Local}
	space, ok := p.resolve(raw.Space, true)
	if !ok {
		return false
	}
	se.Name.Space = space
	if len(attrs) > 0 {
		se.Attr = p.attrSlice(len(attrs))
		for i, a := range attrs {
			n := xml.Name{Space: a.prefix, Local: a.local}
			switch {
			case a.prefix == "xmlns":
			case a.prefix == "":
			default:
				if n.Space, ok = p.resolve(a.prefix, false); !ok {
					return false
				}
			}
			se.Attr[i] = xml.Attr{Name: n, Value: a.value}
		}
	}
	p.toks = append(p.toks, se)
	if selfClosing {
		p.toks = append(p.toks, xml.EndElement{Name: se.Name})
		p.pop(depth)
		return true
	}
	p.names = append(p.names, raw)
	return true
}

// attrSlice returns room for k attributes, carved from one allocation
// shared by the element's tags (each capped, so that an append by a
// consumer copies rather than overwrites a neighbour).
func (p *parser) attrSlice(k int) []xml.Attr {
	if cap(p.attrs)-len(p.attrs) < k {
		p.attrs = make([]xml.Attr, 0, max(12, k))
	}
	n := len(p.attrs)
	p.attrs = p.attrs[:n+k]
	return p.attrs[n : n+k : n+k]
}

// resolve maps a prefix to its namespace (the default one for "" on an
// element name); false for an unbound prefix.
func (p *parser) resolve(prefix string, element bool) (string, bool) {
	switch prefix {
	case "xml":
		return xmlURL, true
	case "xmlns":
		return "", false
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == prefix {
			return p.ns[i].uri, true
		}
	}
	if prefix == "" && element {
		return p.def, true
	}
	return "", false
}

// pop drops the declarations of the element at depth.
func (p *parser) pop(depth int) {
	for len(p.ns) > 0 && p.ns[len(p.ns)-1].depth >= depth {
		p.ns = p.ns[:len(p.ns)-1]
	}
}

// endTag reads an end tag (p.pos at its "</") matching the open element.
func (p *parser) endTag() bool {
	if len(p.names) == 0 {
		return false
	}
	p.pos += 2
	prefix, local, ok := p.name()
	if !ok {
		return false
	}
	p.spaces()
	if p.pos >= len(p.data) || p.data[p.pos] != '>' {
		return false
	}
	p.pos++
	open := p.names[len(p.names)-1]
	if string(prefix) != open.Space || string(local) != open.Local {
		return false
	}
	space, _ := p.resolve(open.Space, true)
	p.toks = append(p.toks, xml.EndElement{Name: xml.Name{Space: space, Local: open.Local}})
	p.pop(len(p.names))
	p.names = p.names[:len(p.names)-1]
	return true
}

// intern returns b as a string, without allocating for the names stanzas
// use most.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "message":
		return "message"
	case "body":
		return "body"
	case "id":
		return "id"
	case "from":
		return "from"
	case "to":
		return "to"
	case "type":
		return "type"
	case "by":
		return "by"
	case "xmlns":
		return "xmlns"
	case "xml":
		return "xml"
	case "lang":
		return "lang"
	case "origin-id":
		return "origin-id"
	case "stanza-id":
		return "stanza-id"
	case "active":
		return "active"
	case "composing":
		return "composing"
	case "paused":
		return "paused"
	case "request":
		return "request"
	case "received":
		return "received"
	case "markable":
		return "markable"
	case "delay":
		return "delay"
	case "stamp":
		return "stamp"
	case "x":
		return "x"
	case "thread":
		return "thread"
	}
	return string(b)
}

// internValue is intern for attribute values: the namespaces and types
// that recur in every stanza.
func internValue(b []byte) string {
	switch string(b) {
	case "jabber:client":
		return "jabber:client"
	case "chat":
		return "chat"
	case "groupchat":
		return "groupchat"
	case "normal":
		return "normal"
	case "urn:xmpp:sid:0":
		return "urn:xmpp:sid:0"
	case "http://jabber.org/protocol/chatstates":
		return "http://jabber.org/protocol/chatstates"
	case "urn:xmpp:receipts":
		return "urn:xmpp:receipts"
	case "urn:xmpp:chat-markers:0":
		return "urn:xmpp:chat-markers:0"
	case "urn:xmpp:delay":
		return "urn:xmpp:delay"
	case "urn:xmpp:hints":
		return "urn:xmpp:hints"
	}
	return string(b)
}
