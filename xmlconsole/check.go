package xmlconsole

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// NSClient is the namespace stanzas are sent in.
const NSClient = "jabber:client"

// MaxSend bounds the raw XML the console sends.
const MaxSend = 64 << 10

// Check parses s, raw XML typed in the console, and returns the tokens of
// the one stanza it must be: a single <message/>, <presence/> or <iq/>
// element, well-formed, in the jabber:client namespace (the default when
// it declares none), with nothing but white space around it and no
// processing instruction or DOCTYPE anywhere. The tokens carry their
// namespaces in their names (no xmlns attributes), ready for an encoder.
func Check(s string) ([]xml.Token, error) {
	if len(s) > MaxSend {
		return nil, fmt.Errorf("too long: %d bytes, at most %d", len(s), MaxSend)
	}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("nothing to send")
	}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	d.DefaultSpace = NSClient
	var toks []xml.Token
	depth, tops := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				tops++
				if tops > 1 {
					return nil, errors.New("more than one element: send one stanza at a time")
				}
				if t.Name.Space != NSClient {
					return nil, fmt.Errorf("the stanza is in namespace %q, not %s", t.Name.Space, NSClient)
				}
				switch t.Name.Local {
				case "message", "presence", "iq":
				default:
					return nil, fmt.Errorf("<%s/> is not a stanza: only <message/>, <presence/> and <iq/> can be sent", t.Name.Local)
				}
			}
			depth++
			if depth > 64 {
				return nil, errors.New("nested too deep")
			}
			t = t.Copy()
			attrs := t.Attr[:0]
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue // the names carry the namespaces
				}
				attrs = append(attrs, a)
			}
			t.Attr = attrs
			toks = append(toks, t)
		case xml.EndElement:
			depth--
			toks = append(toks, t)
		case xml.CharData:
			if depth == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, errors.New("text outside the stanza")
				}
				continue
			}
			toks = append(toks, t.Copy())
		case xml.Comment:
			// Not sent.
		case xml.ProcInst:
			return nil, errors.New("processing instructions (<?…?>) cannot be sent")
		case xml.Directive:
			return nil, errors.New("directives (<!DOCTYPE…>) cannot be sent")
		}
	}
	if tops == 0 {
		return nil, errors.New("no element: send one <message/>, <presence/> or <iq/>")
	}
	return toks, nil
}
