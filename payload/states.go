package payload

import (
	"encoding/xml"

	"parley/msg"
)

// registerStates registers chat states, markers, receipts, OOB and the
// styling hint.
func registerStates(r *Registry) {
	for _, s := range []msg.ChatState{msg.Active, msg.Composing, msg.Paused, msg.Inactive, msg.Gone} {
		r.Register(NSChatStates, s.String(), parseChatState, NSChatStates)
	}
	r.Register(NSMarkers, "markable", parseMarkable, NSMarkers)
	for _, k := range []msg.MarkerKind{msg.Received, msg.Displayed, msg.Acknowledged} {
		r.Register(NSMarkers, k.String(), parseMarker, NSMarkers)
	}
	r.Register(NSReceipts, "request", parseReceiptRequest, NSReceipts)
	r.Register(NSReceipts, "received", parseReceived, NSReceipts)
	r.Register(NSOOB, "x", parseOOB, NSOOB)
	r.Register(NSStyling, "unstyled", parseUnstyled, NSStyling)
}

func parseChatState(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	if m.ChatState != msg.NoState {
		return nil
	}
	switch start.Name.Local {
	case "active":
		m.ChatState = msg.Active
	case "composing":
		m.ChatState = msg.Composing
	case "paused":
		m.ChatState = msg.Paused
	case "inactive":
		m.ChatState = msg.Inactive
	case "gone":
		m.ChatState = msg.Gone
	}
	return nil
}

func parseMarkable(_ *Decoder, _ xml.StartElement, m *msg.Message) error {
	m.Markable = true
	return nil
}

func parseMarker(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if !ok {
		return errMalformed
	}
	if m.Marker.Kind != msg.NoMarker {
		return nil
	}
	k := msg.Received
	switch start.Name.Local {
	case "displayed":
		k = msg.Displayed
	case "acknowledged":
		k = msg.Acknowledged
	}
	m.Marker = msg.Marker{Kind: k, ID: v}
	return nil
}

func parseReceiptRequest(_ *Decoder, _ xml.StartElement, m *msg.Message) error {
	m.ReceiptRequest = true
	return nil
}

// parseReceived reads a XEP-0184 <received/>; one without an id (as early
// versions of the XEP allowed) acknowledges the message with the stanza's
// own id.
func parseReceived(_ *Decoder, start xml.StartElement, m *msg.Message) error {
	v, ok := id(start, "id")
	if Attr(start, "id") == "" {
		v, ok = m.ID, m.ID != ""
	}
	if !ok {
		return errMalformed
	}
	if m.ReceiptFor == "" {
		m.ReceiptFor = v
	}
	return nil
}

func parseOOB(d *Decoder, _ xml.StartElement, m *msg.Message) error {
	if len(m.OOB) >= MaxOOB {
		m.Truncated = true
		return nil
	}
	var o msg.OOB
	long := false
	err := d.Each(func(se xml.StartElement) error {
		if se.Name.Space != NSOOB {
			return nil
		}
		var err error
		switch se.Name.Local {
		case "url":
			if o.URL == "" {
				o.URL, long, err = d.Text(MaxURL)
			}
		case "desc":
			if o.Desc == "" {
				o.Desc, _, err = d.Text(MaxSubject)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if long || o.URL == "" {
		return errMalformed // a cut URL points elsewhere
	}
	m.OOB = append(m.OOB, o)
	return nil
}

func parseUnstyled(_ *Decoder, _ xml.StartElement, m *msg.Message) error {
	m.Unstyled = true
	return nil
}
