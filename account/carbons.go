package account

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"

	"parley/msg"
	"parley/payload"
)

// The wrappers a message may come in: carbon copies (XEP-0280), checked
// and unwrapped here, and archive results (XEP-0313), filed with their
// query here (the queries themselves are in mam.go). Package payload reads
// both (payload/forward.go); this file decides whether to believe them.

// Namespaces of message carbons (XEP-0280), the archive (XEP-0313) and
// receipts (XEP-0184).
const (
	nsCarbons  = payload.NSCarbons
	nsMAM      = payload.NSMAM
	nsRSM      = "http://jabber.org/protocol/rsm"
	nsReceipts = payload.NSReceipts
	nsDataForm = "jabber:x:data"
)

// carbon turns a carbon wrapper (outer, forwarding f) into the message it
// carries, or reports why it is dropped. A carbon is accepted only from the
// account's own bare JID (the server on its behalf): anyone else could
// forge "sent" copies to put words in our mouth. A sent copy must be from
// the account and becomes Dir Out; a received copy must be to the account.
// state is the forwarded message's chat state.
func (a *Account) carbon(outer *msg.Message, f *msg.Forwarded, pc ParseContext) (m Message, state msg.ChatState, why string) {
	if !outer.From.Equal(a.bare) {
		return Message{}, 0, "dropped a forged carbon copy from " + clip(outer.From.String(), maxShort)
	}
	if f.Message == nil {
		return Message{}, 0, "dropped an unreadable carbon copy"
	}
	m = fromPayload(f.Message, pc)
	m.Carbon = true
	if f.Wrapper == msg.CarbonSent {
		if !m.From.Bare().Equal(a.bare) {
			return Message{}, 0, "dropped a sent carbon copy not from this account"
		}
		m.Dir = Out
	} else if !m.To.Bare().Equal(a.bare) {
		return Message{}, 0, "dropped a received carbon copy not addressed to this account"
	}
	return m, f.Message.ChatState, ""
}

// enableCarbons asks the server for carbon copies (XEP-0280) of the
// messages our other clients send and receive. It runs at every fresh login
// (a resumed stream keeps it); a refusal is reported on the console and is
// not fatal.
func (a *Account) enableCarbons(ctx context.Context, sess *xmpp.Session) {
	iq := xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsCarbons, Local: "enable"}}),
		xml.StartElement{
			Name: xml.Name{Space: nsClient, Local: "iq"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "set"}, {Name: xml.Name{Local: "id"}, Value: newID()}},
		},
	)
	if err := sendIQ(ctx, sess, iq, nil); err != nil && ctx.Err() == nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "message carbons not enabled: " + oneLine(err.Error())})
	}
}

// extensions handles what wraps or rides on a message (pm, parsed) before
// the handler routes it: an archive result is filed with its query (ok
// false); a carbon is checked and unwrapped into the message it carries
// (ok false when it is dropped); a receipt answer becomes a DeliveryEvent;
// a receipt request is answered through w. It returns the message to route
// and its chat state.
func (h *handler) extensions(pm *msg.Message, pc ParseContext, w xmlstream.TokenWriter) (Message, msg.ChatState, bool) {
	a := h.a
	if f := pm.Forwarded; f != nil {
		if f.Wrapper == msg.ArchiveResult {
			a.archiveResult(pm, f, pc)
			return Message{}, 0, false
		}
		inner, state, why := a.carbon(pm, f, pc)
		if why != "" {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: why})
			return Message{}, 0, false
		}
		if inner.Type == "groupchat" {
			return Message{}, 0, false // rooms send us their messages themselves
		}
		return inner, state, true
	}
	m := fromPayload(pm, pc)
	if pm.ReceiptFor != "" && m.Type != "groupchat" && m.Type != "error" {
		if ev, ok := a.receiptFor(pm.ReceiptFor, m.From); ok {
			a.emit(ev)
		}
	}
	if a.wantsReceipt(m, pm.ReceiptRequest) {
		a.queueReceipt(m.From, m.ID) // written off the handler, in batches (receiptsend.go)
	}
	return m, pm.ChatState, true
}

// archiveResult files one <result/> message (handler side): outer is the
// message carrying it, f the result. It is dropped unless a query with its
// queryid is running and it comes from that query's archive: the account's
// bare JID (or no from) for our own, the room's bare JID for a room's.
func (a *Account) archiveResult(outer *msg.Message, f *msg.Forwarded, pc ParseContext) {
	r := &a.rel
	r.mu.Lock()
	q := r.queries[f.QueryID]
	r.mu.Unlock()
	if q == nil {
		return // late, or not ours
	}
	if !outer.From.Equal(q.archive) {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped a forged archive result from " + clip(outer.From.String(), maxShort)})
		return
	}
	if f.Message == nil || f.ResultID == "" {
		return
	}
	m := fromPayload(f.Message, pc)
	m.Archived, m.Carbon = true, false
	if !f.Delay.IsZero() {
		m.Time, m.Delayed = f.Delay, true
	}
	m.StanzaID, m.StanzaIDBy = f.ResultID, q.archive.String()
	if q.archive.Equal(a.bare) {
		m.Dir = In
		if m.From.Bare().Equal(a.bare) {
			m.Dir = Out
		}
		if m.Type == "groupchat" {
			return // a room message has no place in the account's own archive
		}
		m.Moderation = nil // only a room moderates
	} else if m.Type != "groupchat" || !m.From.Bare().Equal(q.archive) {
		return // a room's archive holds only the room's messages
	} else {
		if m.Moderation != nil && !m.From.Equal(q.archive) {
			m.Moderation = nil // only the room itself moderates, not an occupant
		}
		if nick := a.roomNick(q.archive); nick != "" && m.Nick == nick {
			m.Dir, m.To = Out, q.archive // ours, as the live reflection would be
		}
	}
	r.mu.Lock()
	if len(q.msgs) < q.max+16 {
		q.msgs = append(q.msgs, m)
	}
	r.mu.Unlock()
}
