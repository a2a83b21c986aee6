package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/msg"
	"parley/muc"
	"parley/payload"
)

// Sending references to messages: replies, reactions, retractions,
// moderations, and the volatile chat states and markers. Which id names
// the target is the caller's (see docs/message-flow.md): in a room the
// room's stanza-id; in 1:1 the message's id, or its origin-id (else id)
// for a retraction.

// checkRefID refuses an id no message can have.
func checkRefID(what, id string) error {
	if id == "" || len(id) > maxShort {
		return fmt.Errorf("%s: no message to refer to", what)
	}
	return nil
}

// Reply sends body as a XEP-0461 reply to the message r names (r.ID; r.To
// its author, optional), quoting quoteText by quoteAuthor in the body for
// clients without replies (XEP-0428 marks that quote as the fallback). It
// goes like SendMessage (outbox included) and is emitted and returned with
// Reply set, Body the answer and Quote the quote.
func (a *Account) Reply(ctx context.Context, to jid.JID, typ, body string, r msg.Reply, quoteAuthor, quoteText string) (Message, error) {
	if err := checkRefID("reply", r.ID); err != nil {
		return Message{}, err
	}
	m := Message{To: to, Type: typ, Body: body, Reply: &r}
	if quoteText != "" {
		full, _ := payload.QuoteFallback(quoteAuthor, quoteText, body)
		m.Quote = full[:len(full)-len(body)]
	}
	return a.send(ctx, m)
}

// React sends our whole new set of XEP-0444 reactions to the message id
// (emojis empty withdraws ours). It goes like SendMessage (outbox included)
// and is emitted with Reactions set, so that history counts it as ours.
func (a *Account) React(ctx context.Context, to jid.JID, typ, id string, emojis []string) error {
	if err := checkRefID("reaction", id); err != nil {
		return err
	}
	if len(emojis) > payload.MaxReactions {
		return fmt.Errorf("reaction: at most %d emoji", payload.MaxReactions)
	}
	for _, e := range emojis {
		if e == "" || len(e) > payload.MaxReactionBytes {
			return fmt.Errorf("reaction %q: not an emoji", e)
		}
	}
	_, err := a.send(ctx, Message{To: to, Type: typ, Reactions: &msg.Reactions{ID: id, Emojis: append([]string{}, emojis...)}})
	return err
}

// Retract takes back our message id (XEP-0424): urn:xmpp:message-retract:1
// and the urn:xmpp:message-retract:0 form that Prosody 0.12 and slixmpp 1.8
// know, with a fallback text for clients that know neither. It goes like
// SendMessage (outbox included) and is emitted with Retraction set.
func (a *Account) Retract(ctx context.Context, to jid.JID, typ, id string) error {
	if err := checkRefID("retraction", id); err != nil {
		return err
	}
	_, err := a.send(ctx, Message{To: to, Type: typ, Retraction: &msg.Retraction{ID: id, Gen: 1}})
	return err
}

// Moderate asks room to remove the message with the room's stanza-id id
// (XEP-0425; we must be a moderator), with an optional reason, in the
// generation the room announces (urn:xmpp:message-moderate:1, else :0).
// The room announces the removal to every occupant, us included: that
// announcement is the MessageEvent. It waits for the room's answer; a
// refusal is an error in plain words.
func (a *Account) Moderate(ctx context.Context, room jid.JID, id, reason string) error {
	if err := checkRefID("moderation", id); err != nil {
		return err
	}
	if len(reason) > payload.MaxReason {
		return fmt.Errorf("moderation: the reason is over %d bytes", payload.MaxReason)
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	var gen uint8
	switch {
	case hasFeature(ctx, sess, room, payload.NSModerate1):
		gen = 1
	case hasFeature(ctx, sess, room, payload.NSModerate0):
	default:
		return fmt.Errorf("%s does not support message moderation (XEP-0425)", room)
	}
	if err := sendIQ(ctx, sess, payload.ModerationIQ(newID(), room, id, reason, gen), nil); err != nil {
		return fmt.Errorf("moderation refused: %s", oneLine(err.Error()))
	}
	return nil
}

// SendChatState sends a XEP-0085 chat state to a contact, a room
// (groupchat) or an occupant, with a no-store hint. It is not queued: when
// the account is offline it is dropped (nil), since a stale state means
// nothing.
func (a *Account) SendChatState(ctx context.Context, to jid.JID, typ string, s msg.ChatState) error {
	if s == msg.NoState {
		return errors.New("chat state: none given")
	}
	return a.sendVolatile(ctx, to, typ, payload.ChatState(s), payload.Hint("no-store"))
}

// SendMarker sends a XEP-0333 marker of kind k for the message id (in a
// room its stanza-id). Like a chat state it is dropped when offline; sent,
// it is emitted with Marker set (Dir Out) so that history keeps it, except
// in a room, whose reflection is that event.
func (a *Account) SendMarker(ctx context.Context, to jid.JID, typ, id string, k msg.MarkerKind) error {
	if err := checkRefID("marker", id); err != nil {
		return err
	}
	if k == msg.NoMarker {
		return errors.New("marker: none given")
	}
	if _, err := a.online(); err != nil {
		return nil // dropped: markers are not queued
	}
	_, err := a.send(ctx, Message{To: to, Type: typ, Marker: msg.Marker{Kind: k, ID: id}})
	if errors.Is(err, ErrOffline) {
		return nil
	}
	return err
}

// sendVolatile sends a message carrying only parts (no body, no id of
// interest) to a contact, a room or an occupant, at once or not at all.
func (a *Account) sendVolatile(ctx context.Context, to jid.JID, typ string, parts ...xml.TokenReader) error {
	sess, err := a.online()
	if err != nil {
		return nil // dropped
	}
	private := false
	switch {
	case typ == "groupchat":
		if to, err = roomAddr(to); err != nil {
			return err
		}
	case to.Resourcepart() != "":
		a.rooms.mu.Lock()
		if rs := a.rooms.lookup(to); rs != nil {
			private = true
			to, _, err = rs.privateOut(to)
		}
		a.rooms.mu.Unlock()
		if err != nil {
			return err
		}
		typ = "chat"
	case typ == "":
		typ = "chat"
	}
	if private {
		parts = append(parts, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: muc.NSUser, Local: "x"}}))
	}
	st := stanza.Message{ID: newID(), To: to, Type: stanza.MessageType(typ)}
	return sess.Send(ctx, st.Wrap(xmlstream.MultiReader(parts...)))
}
