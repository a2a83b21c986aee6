package payload

import (
	"encoding/xml"
	"strconv"
	"time"

	"mellium.im/xmpp/jid"

	"parley/msg"
)

// Namespaces of the payloads parsed or built here.
const (
	nsClient     = "jabber:client"
	nsXML        = "http://www.w3.org/XML/1998/namespace"
	nsStanzas    = "urn:ietf:params:xml:ns:xmpp-stanzas"
	NSSID        = "urn:xmpp:sid:0"                      // XEP-0359
	NSDelay      = "urn:xmpp:delay"                      // XEP-0203
	NSOccupantID = "urn:xmpp:occupant-id:0"              // XEP-0421
	NSMUCUser    = "http://jabber.org/protocol/muc#user" // XEP-0045
	NSHints      = "urn:xmpp:hints"                      // XEP-0334
	NSCorrect    = "urn:xmpp:message-correct:0"          // XEP-0308
	NSReply      = "urn:xmpp:reply:0"                    // XEP-0461
	NSFallback   = "urn:xmpp:fallback:0"                 // XEP-0428
	// nsFeatureFallback is the compatibility-fallback protoXEP's namespace,
	// which slixmpp 1.8 (and so poezio) uses to mark a reply's quote; read
	// as XEP-0428, never announced or sent.
	nsFeatureFallback = "urn:xmpp:feature-fallback:0"
	NSReactions       = "urn:xmpp:reactions:0"                  // XEP-0444
	NSFasten          = "urn:xmpp:fasten:0"                     // XEP-0422
	NSRetract0        = "urn:xmpp:message-retract:0"            // XEP-0424 ≤0.3
	NSRetract1        = "urn:xmpp:message-retract:1"            // XEP-0424 ≥0.4
	NSModerate0       = "urn:xmpp:message-moderate:0"           // XEP-0425 ≤0.2
	NSModerate1       = "urn:xmpp:message-moderate:1"           // XEP-0425 ≥0.3
	NSChatStates      = "http://jabber.org/protocol/chatstates" // XEP-0085
	NSMarkers         = "urn:xmpp:chat-markers:0"               // XEP-0333
	NSReceipts        = "urn:xmpp:receipts"                     // XEP-0184
	NSOOB             = "jabber:x:oob"                          // XEP-0066
	NSStyling         = "urn:xmpp:styling:0"                    // XEP-0393
)

// Default returns a registry with every parser parley has, announcing the
// features they implement.
func Default() *Registry {
	r := New()
	r.Register(nsClient, "body", parseBody)
	r.Register(nsClient, "subject", parseSubject)
	r.Register(nsClient, "error", parseError)
	r.Register(NSSID, "origin-id", parseOriginID, NSSID)
	r.Register(NSSID, "stanza-id", parseStanzaID, NSSID)
	r.Register(NSDelay, "delay", parseDelay)
	r.Register(NSOccupantID, "occupant-id", parseOccupantID)
	r.Register(NSMUCUser, "x", parseMUCUser)
	for _, h := range []string{"no-store", "no-permanent-store", "no-copy", "store"} {
		r.Register(NSHints, h, parseHint)
	}
	registerRefs(r)
	registerStates(r)
	registerForwards(r)
	registerEncrypted(r)
	return r
}

func parseBody(d *Decoder, start xml.StartElement, m *msg.Message) error {
	l := clip(lang(start), 64)
	taken := m.Body != "" || m.BodyLang != ""
	if taken && (m.BodyLang == "" || l != "") {
		return nil // keep the first body, unless this is the language-neutral one
	}
	s, cut, err := d.Text(MaxBody)
	if err != nil {
		return err
	}
	m.Body, m.BodyLang = s, l
	m.Truncated = m.Truncated || cut
	return nil
}

func parseSubject(d *Decoder, _ xml.StartElement, m *msg.Message) error {
	if m.HasSubject {
		return nil
	}
	s, _, err := d.Text(MaxSubject)
	if err != nil {
		return err
	}
	m.Subject, m.HasSubject = s, true
	return nil
}

func parseError(d *Decoder, start xml.StartElement, m *msg.Message) error {
	if m.Err != nil {
		return nil
	}
	e := &msg.StanzaError{Type: clip(Attr(start, "type"), 16)}
	err := d.Each(func(se xml.StartElement) error {
		if se.Name.Space != nsStanzas {
			return nil
		}
		if se.Name.Local == "text" {
			if e.Text == "" {
				t, _, err := d.Text(MaxSubject)
				e.Text = t
				return err
			}
			return nil
		}
		if e.Condition == "" && len(se.Name.Local) <= 64 {
			e.Condition = se.Name.Local
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.Err = e
	return nil
}

func parseOriginID(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.OriginID == "" {
		m.OriginID = v
	}
	return nil
}

func parseStanzaID(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	by, okBy := id(start, "by")
	if !ok || !okBy {
		return errMalformed
	}
	if len(m.StanzaIDs) >= MaxStanzaIDs {
		m.Truncated = true
		return nil
	}
	m.StanzaIDs = append(m.StanzaIDs, msg.StanzaID{ID: v, By: by})
	return nil
}

func parseDelay(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	t, err := time.Parse(time.RFC3339Nano, Attr(start, "stamp"))
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return errMalformed
	}
	if m.Sent.IsZero() {
		m.Sent = t.UTC()
		if from, err := jid.Parse(Attr(start, "from")); err == nil {
			m.DelayFrom = from.String()
		}
	}
	return nil
}

func parseOccupantID(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.OccupantID == "" {
		m.OccupantID = v
	}
	return nil
}

func parseMUCUser(d *Decoder, _ xml.StartElement, m *msg.Message) error {
	first := !m.MUCUser
	m.MUCUser = true
	if !first {
		return nil
	}
	return d.Each(func(se xml.StartElement) error {
		for _, a := range se.Attr {
			switch {
			case se.Name.Local == "item" && a.Name.Local == "jid" && m.MUCJID.Domainpart() == "":
				if j, err := jid.Parse(a.Value); err == nil {
					m.MUCJID = j
				}
			case se.Name.Local == "status" && a.Name.Local == "code" && len(m.MUCCodes) < 16:
				if n, err := strconv.Atoi(a.Value); err == nil && n >= 100 && n < 1000 {
					m.MUCCodes = append(m.MUCCodes, n)
				}
			}
		}
		return nil
	})
}

func parseHint(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	switch start.Name.Local {
	case "no-store":
		m.Hints.NoStore = true
	case "no-permanent-store":
		m.Hints.NoPermanentStore = true
	case "no-copy":
		m.Hints.NoCopy = true
	case "store":
		m.Hints.Store = true
	}
	return nil
}
