package payload

import (
	"encoding/xml"
	"time"

	"parley/msg"
)

// Namespaces of the wrappers that forward a message.
const (
	NSCarbons = "urn:xmpp:carbons:2" // XEP-0280
	NSForward = "urn:xmpp:forward:0" // XEP-0297
	NSMAM     = "urn:xmpp:mam:2"     // XEP-0313
)

// registerForwards registers the carbon and archive-result wrappers, whose
// parsers read the forwarded message with r itself (ParseNested, sharing
// the stanza's budget).
func registerForwards(r *Registry) {
	r.Register(NSCarbons, "sent", r.forwardParser(msg.CarbonSent))
	r.Register(NSCarbons, "received", r.forwardParser(msg.CarbonReceived))
	r.Register(NSMAM, "result", r.forwardParser(msg.ArchiveResult))
}

// forwardParser reads a wrapper of kind w: its <forwarded/> with a
// <delay/> and the first <message/> that can be read. Only the first
// wrapper of a stanza counts, and a wrapper inside a forwarded message is
// ignored (a carbon of a carbon would put words in anyone's mouth). An
// archive result without queryid is no answer to any query: ignored.
func (r *Registry) forwardParser(w msg.Wrapper) Parser {
	return func(d *Decoder, start xml.StartElement, m *msg.Message) error {
		if d.nested > 0 || m.Forwarded != nil {
			return nil
		}
		f := &msg.Forwarded{Wrapper: w}
		if w == msg.ArchiveResult {
			var ok bool
			if f.QueryID, ok = id(start, "queryid"); !ok {
				return nil
			}
			f.ResultID, _ = id(start, "id")
		}
		d.nested++
		defer func() { d.nested-- }()
		err := d.Each(func(fw xml.StartElement) error {
			if fw.Name.Space != NSForward || fw.Name.Local != "forwarded" {
				return nil
			}
			return d.Each(func(se xml.StartElement) error {
				switch {
				case se.Name.Space == NSDelay && se.Name.Local == "delay":
					if t, err := time.Parse(time.RFC3339Nano, Attr(se, "stamp")); err == nil && f.Delay.IsZero() && t.Year() >= 1970 && t.Year() <= 9999 {
						f.Delay = t.UTC()
					}
				case se.Name.Local == "message" && (se.Name.Space == nsClient || se.Name.Space == "") && f.Message == nil:
					inner, err := r.ParseNested(d, se, d.ctx)
					if err != nil {
						if ferr := d.failed(); ferr != nil {
							return ferr
						}
						return nil // an unreadable address: try the next one
					}
					f.Message = &inner
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		m.Forwarded = f
		return nil
	}
}
