package sm

import (
	"bytes"
	"encoding/xml"
)

// Queued reports whether the State holds a stanza whose id attribute is id:
// one sent but not yet acknowledged (it is sent again if the session is
// resumed) or one waiting in Pending (after a resumption failed). An outbox
// uses it after a Send that returned an error: if the stanza is held here,
// stream management delivers it (or hands it back through Pending), and the
// outbox must not send it a second time. An empty id is never queued.
func (st *State) Queued(id string) bool {
	if id == "" {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, it := range st.queue {
		if StanzaID(it.bytes()) == id {
			return true
		}
	}
	for _, p := range st.pending {
		if StanzaID(p) == id {
			return true
		}
	}
	return false
}

// StanzaID returns the id attribute of the top-level element of raw (a
// stanza as held by the State), or "" if it has none or raw does not start
// with an element.
func StanzaID(raw []byte) string {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				if a.Name.Local == "id" && a.Name.Space == "" {
					return a.Value
				}
			}
			return ""
		case xml.CharData, xml.Comment, xml.ProcInst:
		default:
			return ""
		}
	}
}
