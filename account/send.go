package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/muc"
	"parley/payload"
)

// The send side of messages and of the references to them. Every message
// we send is built by messageStanza from a Message (payload's builders), so
// that the first send, a resend from the outbox and a resend after a lost
// stream carry the same payloads.

// messageStanza builds the tokens of our outgoing message m: its body (a
// reply's quote before it, with the fallback that marks it; a retraction's
// fallback text), its origin-id (m.ID), and its payloads: a correction, a
// reply, reactions, a retraction in both generations, <markable/> and a
// receipt request (m.Receipt). private adds the muc#user marker of a
// private message to a room occupant.
func messageStanza(m Message, private bool) xml.TokenReader {
	start := xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "message"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: m.Type},
			{Name: xml.Name{Local: "to"}, Value: m.To.String()},
			{Name: xml.Name{Local: "id"}, Value: m.ID},
		},
	}
	body := m.Body
	if m.Reply != nil {
		body = m.Quote + m.Body
	}
	if m.Retraction != nil {
		body = payload.RetractBody
	}
	var parts []xml.TokenReader
	if body != "" {
		parts = append(parts, payload.Body(body))
	}
	parts = append(parts, payload.OriginID(m.ID))
	if private {
		parts = append(parts, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: muc.NSUser, Local: "x"}}))
	}
	if m.Replaces != "" {
		parts = append(parts, payload.Correction(m.Replaces))
	}
	if m.Reply != nil {
		parts = append(parts, payload.Reply(*m.Reply))
		if m.Quote != "" {
			parts = append(parts, payload.Fallback(msg.Fallback{For: payload.NSReply, Body: []msg.Range{{Start: 0, End: msg.RuneLen(m.Quote)}}}))
		}
	}
	if r := m.Reactions; r != nil {
		parts = append(parts, payload.Reactions(r.ID, r.Emojis), payload.Hint("store"))
	}
	if r := m.Retraction; r != nil {
		// The current generation, the one Prosody 0.12 and slixmpp 1.8
		// know, and the text for clients that know neither.
		parts = append(parts, payload.Retraction(r.ID, 1), payload.Retraction(r.ID, 0),
			payload.RetractionFallback(1), payload.RetractionFallback(0), payload.Hint("store"))
	}
	if m.Marker.Kind != msg.NoMarker {
		parts = append(parts, payload.Marker(m.Marker.Kind, m.Marker.ID), payload.Hint("store"))
	}
	for _, o := range m.OOB {
		parts = append(parts, payload.OOB(o)) // XEP-0066: a shared file (upload.go)
	}
	if m.Markable {
		parts = append(parts, payload.Markable())
	}
	if m.Receipt {
		parts = append(parts, payload.ReceiptRequest()) // XEP-0184, never in rooms (receipts.go)
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), start)
}

// SendMessage sends a chat or normal message to a contact. Its id is fresh
// and doubles as its XEP-0359 origin-id. The sent message is also emitted as
// a MessageEvent with Dir Out (this is how windows and history see our own
// messages) and returned. While the account is offline (or the write
// fails) the message waits in the outbox: it is emitted and returned with
// Pending set and sent, once, after the next login, which a DeliveryEvent
// with Sent reports.
func (a *Account) SendMessage(ctx context.Context, to jid.JID, typ, body string) (Message, error) {
	return a.send(ctx, Message{To: to, Type: typ, Body: body})
}

// Correct sends body as a XEP-0308 correction of our message with the id
// replaces, to the same address and with the same type as SendMessage. The
// correction has a fresh id of its own; it is emitted and returned like a
// message, with Replaces set.
func (a *Account) Correct(ctx context.Context, to jid.JID, typ, replaces, body string) (Message, error) {
	if replaces == "" || len(replaces) > maxShort {
		return Message{}, errors.New("correction: no message to correct")
	}
	return a.send(ctx, Message{To: to, Type: typ, Body: body, Replaces: replaces})
}

// send sends our message m (To, Type, Body and its references set; the
// rest is filled in here) through the ordered path: to a room or an
// occupant (room.go), or to a contact, at once when online and nothing
// waits in the outbox, else queued there.
func (a *Account) send(ctx context.Context, m Message) (Message, error) {
	plain := m.Replaces == "" && m.Reactions == nil && m.Retraction == nil && m.Marker.Kind == msg.NoMarker
	m.Markable = plain && m.Body != ""            // XEP-0333: our messages may be marked read
	if out, ok, err := a.sendToRoom(ctx, m); ok { // groupchat, room private messages (roomcmd.go)
		return out, err
	}
	switch m.Type {
	case "":
		m.Type = "chat"
	case "chat", "normal":
	default:
		return Message{}, fmt.Errorf("message type %q: only chat and normal can be sent to a contact", m.Type)
	}
	if m.To.String() == "" {
		return Message{}, errors.New("message has no recipient")
	}
	m.ID = newID()
	m.OriginID = m.ID
	m.From, m.Time, m.Dir = a.sm.Addr(), time.Now().UTC(), Out
	m.Receipt = m.Body != "" && m.Reactions == nil && m.Marker.Kind == msg.NoMarker
	if m.From.String() == "" {
		m.From = a.bare
	}
	m, err := a.seal(ctx, m) // OMEMO, when on for the conversation (omemosend.go)
	if err != nil {
		return Message{}, err
	}
	if m.Receipt {
		a.expectReceipt(m.ID, m.To)
	}
	sess, err := a.online()
	if err != nil || a.outboxBusy() {
		return a.queueMessage(m, false) // offline: sent after the next login (outbox.go)
	}
	// The message's place among the events is taken before it is
	// written: a reply can come back before Send returns.
	place := a.evq.reserve()
	if err := sess.Send(ctx, a.messageTokens(m)); err != nil {
		a.evq.fill(place, nil)
		return a.queueMessage(m, a.sm.Queued(m.ID))
	}
	a.fillEvent(place, MessageEvent{Base: a.base(), Msg: m})
	return m, nil
}
