package vcard

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"mellium.im/xmlstream"
)

// MaxNick bounds a nickname read from the network, in bytes (XEP-0172
// sets none; a name longer than this is no name).
const MaxNick = 256

// NickElem is the XEP-0172 <nick/> element of nick.
func NickElem(nick string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(nick)), xml.StartElement{Name: xml.Name{Space: NSNick, Local: "nick"}})
}

// ParseNick reads a <nick/> element whose start was read, to its end: its
// text, trimmed and cut to MaxNick bytes (nested elements are ignored).
func ParseNick(start xml.StartElement, r xml.TokenReader) (string, error) {
	if start.Name != (xml.Name{Space: NSNick, Local: "nick"}) {
		if err := drain(r, 0); err != nil {
			return "", err
		}
		return "", fmt.Errorf("vcard: <%s xmlns=%q> is not a nick", clipName(start.Name.Local), clipName(start.Name.Space))
	}
	var b strings.Builder
	depth := 0
	for n := 0; ; n++ {
		tok, err := r.Token()
		if tok == nil {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if depth < 0 {
				s, _ := clip(b.String(), MaxNick)
				return s, nil
			}
		case xml.CharData:
			if depth == 0 && b.Len() < MaxNick+8 {
				b.Write(t[:min(len(t), MaxNick+8-b.Len())])
			}
		}
		if n > maxTokens {
			return "", drain(r, depth)
		}
	}
}
