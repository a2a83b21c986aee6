package servertest

// The peer's references to messages, sent with slixmpp 1.8's plugins
// (what poezio sends). typ is the message type: chat when empty,
// groupchat to a room.

// React sends the peer's whole set of XEP-0444 reactions to message id.
func (p *Peer) React(to, typ, id string, emojis []string) {
	if emojis == nil {
		emojis = []string{}
	}
	p.send(map[string]any{"op": "react", "to": to, "type": typ, "id": id, "emojis": emojis})
}

// Retract sends a XEP-0424 retraction of message id (slixmpp 1.8: the
// urn:xmpp:message-retract:0 form in a XEP-0422 <apply-to/>, with a
// fallback body).
func (p *Peer) Retract(to, typ, id string) {
	p.send(map[string]any{"op": "retract", "to": to, "type": typ, "id": id})
}

// Reply sends body as a XEP-0461 reply to message replyID by replyTo
// (without a fallback quote: slixmpp 1.8 adds none itself).
func (p *Peer) Reply(to, typ, body, replyTo, replyID string) {
	p.send(map[string]any{"op": "reply", "to": to, "type": typ, "body": body, "reply_to": replyTo, "reply_id": replyID})
}

// ChatState sends a XEP-0085 chat state (active, composing, paused,
// inactive, gone).
func (p *Peer) ChatState(to, typ, state string) {
	p.send(map[string]any{"op": "chatstate", "to": to, "type": typ, "state": state})
}

// Marker sends a XEP-0333 marker (received, displayed, acknowledged) for
// message id.
func (p *Peer) Marker(to, typ, id, marker string) {
	p.send(map[string]any{"op": "marker", "to": to, "type": typ, "id": id, "marker": marker})
}

// Moderate asks room to remove the message with the room's stanza-id id
// (XEP-0425, slixmpp 1.8: urn:xmpp:message-moderate:0). The answer is a
// "moderated" event, or an "error" event.
func (p *Peer) Moderate(room, id, reason string) {
	p.send(map[string]any{"op": "moderate", "room": room, "id": id, "reason": reason})
}
