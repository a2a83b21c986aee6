package account

import (
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Message delivery receipts (XEP-0184).
//
// Our chat and normal messages carry <request/> (Message.Receipt). The
// account remembers, for the last maxReceipts of them, whom each was sent
// to; a <received id=.../> counts only when it comes from that peer (its
// bare JID), and becomes a DeliveryEvent{Delivered: true}. Incoming chat
// and normal messages with a body and a request are answered, never
// groupchat (a room would relay the receipt to everyone), carbons,
// archived copies, error messages or our own messages.

// maxReceipts bounds the receipts we wait for; the oldest are forgotten.
const maxReceipts = 1024

// receiptBook remembers which peer each of our recent messages went to.
type receiptBook struct {
	peer  map[string]jid.JID // message id -> bare JID of the recipient
	order []string           // ids, oldest first
}

// expectReceipt notes that message id was sent to peer with a request.
func (a *Account) expectReceipt(id string, peer jid.JID) {
	r := &a.rel
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &r.receipts
	if b.peer == nil {
		b.peer = make(map[string]jid.JID)
	}
	if _, ok := b.peer[id]; ok {
		return
	}
	if len(b.order) >= maxReceipts {
		delete(b.peer, b.order[0])
		b.order = b.order[1:]
	}
	b.peer[id] = peer.Bare()
	b.order = append(b.order, id)
}

// receiptFor handles <received id=.../> from from: if we are waiting for a
// receipt of message id from that peer, it forgets it and returns the
// DeliveryEvent to emit.
func (a *Account) receiptFor(id string, from jid.JID) (DeliveryEvent, bool) {
	r := &a.rel
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &r.receipts
	peer, ok := b.peer[id]
	if !ok || id == "" || !peer.Equal(from.Bare()) {
		return DeliveryEvent{}, false
	}
	delete(b.peer, id)
	for i, x := range b.order {
		if x == id {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
	return DeliveryEvent{Base: a.base(), Peer: peer, ID: id, Delivered: true}, true
}

// wantsReceipt reports whether the received message m (with request flag
// req) must be answered with a receipt.
func (a *Account) wantsReceipt(m Message, req bool) bool {
	return req && !a.cfg.NoReceipts && m.ID != "" && m.Body != "" && !m.Carbon && !m.Archived &&
		(m.Type == "chat" || m.Type == "normal") &&
		m.From.Resourcepart() != "" && !m.From.Bare().Equal(a.bare)
}

// receiptStanza is the answer to message id from to.
func receiptStanza(to jid.JID, id string) xml.TokenReader {
	return xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{
			Name: xml.Name{Space: nsReceipts, Local: "received"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "id"}, Value: id}},
		}),
		xml.StartElement{
			Name: xml.Name{Space: nsClient, Local: "message"},
			Attr: []xml.Attr{
				{Name: xml.Name{Local: "to"}, Value: to.String()},
				{Name: xml.Name{Local: "id"}, Value: newID()},
			},
		},
	)
}
