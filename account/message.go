package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/payload"
)

// Namespaces read or written by the message parser.
const (
	nsClient = "jabber:client"
	nsSID    = "urn:xmpp:sid:0"
	nsDelay  = "urn:xmpp:delay"
	nsMUCUsr = "http://jabber.org/protocol/muc#user"
	nsCorr   = "urn:xmpp:message-correct:0"
)

// ParseContext is what the message parser needs to know about the receiver.
type ParseContext struct {
	// Account is the bare JID of the receiving account. A stanza-id is
	// trusted when its "by" is this JID (or, for groupchat, the room), and a
	// message without "from" comes from it.
	Account jid.JID
	// Now is the receipt time, used when the stanza carries no delay stamp
	// (or one later than Now plus maxFutureDelay: a contact's clock or a
	// forgery, never a time the message was really sent).
	Now time.Time
	// SIDs says that the server announced urn:xmpp:sid:0 for the account
	// (disco#info on its bare JID): only then is a stanza-id with the
	// account as "by" in a live message believed (XEP-0359 §4). A room's
	// stanza-id in a groupchat message does not depend on it.
	SIDs bool
}

// maxFutureDelay is how far past the receipt time a delay stamp may be
// (clock skew) before it is ignored.
const maxFutureDelay = 5 * time.Minute

// ParseMessage reads one <message/> stanza: start is its start element and r
// yields the tokens after it, up to and including its end element (a reader
// that ends there, or one that goes on: ParseMessage stops at the end
// element). It is a pure function of its input and never panics; it always
// consumes the whole element unless r fails.
//
// The same function parses a live message and a message forwarded inside a
// carbon or an archive result: the caller sets Dir, Carbon and Archived.
// The returned Message has Dir In. Bodies over MaxBody are cut and end with
// TruncatedMarker. For groupchat, Nick is the resource of from. A message
// carrying a muc#user <x/> that is not groupchat is marked Private (a room
// private message: its peer keeps the resource).
//
// An error means the stanza could not be read (bad XML, absurd size, bad
// from); the stream itself may still be usable when r is a sub-reader.
func ParseMessage(start xml.StartElement, r xml.TokenReader, pc ParseContext) (Message, error) {
	return parseMessageExt(start, r, pc, nil)
}

// parseMessageExt is ParseMessage that also fills ext (when non-nil) with
// carbon and archive wrappers and receipts (see msgExt).
func parseMessageExt(start xml.StartElement, r xml.TokenReader, pc ParseContext, ext *msgExt) (Message, error) {
	b := &tokenBudget{r: r}
	m, err := parseMessage(start, b, pc, ext)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			if derr := b.drain(); derr != nil {
				return Message{}, derr
			}
		}
		return Message{}, err
	}
	return m, nil
}

func parseMessage(start xml.StartElement, b *tokenBudget, pc ParseContext, ext *msgExt) (Message, error) {
	m := Message{
		ID:   clip(attr(start, "id"), maxShort),
		Type: attr(start, "type"),
		Time: pc.Now.UTC(),
		Dir:  In,
	}
	switch m.Type {
	case "", "normal", "headline":
		m.Type = "normal"
	case "chat", "groupchat", "error":
	default:
		m.Type = "normal" // RFC 6121 §5.2.2: unknown types are treated as normal
	}
	var err error
	if m.From, err = parseAddr(attr(start, "from"), pc.Account); err != nil {
		return Message{}, fmt.Errorf("bad from: %w", err)
	}
	if m.To, err = parseAddr(attr(start, "to"), pc.Account); err != nil {
		return Message{}, fmt.Errorf("bad to: %w", err)
	}
	if m.Type == "groupchat" {
		m.Nick = clip(m.From.Resourcepart(), maxShort)
	}

	var haveBody, haveDelay, mucUser bool
	var stanzaID, stanzaBy string
	claims := 0 // stanza-ids whose "by" is the trusted one
	level := b.depth
	for {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Message{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		switch {
		case se.Name.Local == "body" && isClientNS(se.Name.Space, start.Name.Space):
			body, cut, err := b.text(MaxBody)
			if err != nil {
				return Message{}, err
			}
			if !haveBody {
				haveBody = true
				m.Body = body
				if cut {
					m.Body += TruncatedMarker
				}
			}
		case se.Name.Local == "subject" && isClientNS(se.Name.Space, start.Name.Space):
			subj, _, err := b.text(maxStatus)
			if err != nil {
				return Message{}, err
			}
			if m.Subject == "" {
				m.Subject = subj
			}
		case se.Name.Local == "error" && isClientNS(se.Name.Space, start.Name.Space):
			text, err := b.errorText()
			if err != nil {
				return Message{}, err
			}
			if m.Err == "" {
				m.Err = text
			}
		case se.Name.Space == nsSID && se.Name.Local == "origin-id":
			if m.OriginID == "" {
				m.OriginID = clip(attr(se, "id"), maxShort)
			}
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == nsSID && se.Name.Local == "stanza-id":
			by, id := attr(se, "by"), attr(se, "id")
			if trustedBy(by, m, pc) {
				claims++
				stanzaID, stanzaBy = clip(id, maxShort), by
			}
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == nsDelay && se.Name.Local == "delay":
			if t, err := time.Parse(time.RFC3339Nano, attr(se, "stamp")); err == nil && !haveDelay &&
				(pc.Now.IsZero() || !t.After(pc.Now.Add(maxFutureDelay))) {
				haveDelay = true
				m.Time, m.Delayed = t.UTC(), true
			}
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == payload.NSStyling && se.Name.Local == "unstyled":
			m.Unstyled = true
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == nsCorr && se.Name.Local == "replace":
			// An id too long to keep is dropped, never cut: a cut id
			// could name another message.
			if id := attr(se, "id"); m.Replaces == "" && len(id) <= maxShort {
				m.Replaces = id
			}
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == nsOccupantID && se.Name.Local == "occupant-id":
			if id := attr(se, "id"); m.Type == "groupchat" && m.OccupantID == "" && len(id) <= maxShort {
				m.OccupantID = id // believed only if the room announces it (rooms.go)
			}
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case se.Name.Space == nsMUCUsr && se.Name.Local == "x":
			mucUser = true
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		case ext != nil:
			if err := ext.child(se, b, pc); err != nil {
				return Message{}, err
			}
		default:
			if err := b.skip(); err != nil {
				return Message{}, err
			}
		}
	}
	// A server that supports XEP-0359 removes stanza-ids claiming to be by
	// it and adds its own, but Prosody 0.12 passes a sender's through (ahead
	// of its own): when several claim the trusted "by", none can be told to
	// be the server's, so none is believed.
	if claims == 1 && stanzaID != "" {
		m.StanzaID = stanzaID
		if by, err := jid.Parse(stanzaBy); err == nil {
			m.StanzaIDBy = by.Bare().String()
		}
	}
	m.Private = mucUser && m.Type != "groupchat" && m.From.Resourcepart() != ""
	return m, nil
}

// isClientNS reports whether a child element's namespace is the stanza's
// content namespace (jabber:client, or whatever the enclosing stanza uses).
func isClientNS(space, stanzaSpace string) bool {
	return space == stanzaSpace || space == nsClient || space == ""
}

// parseAddr parses a from/to attribute; empty means the account itself.
func parseAddr(s string, account jid.JID) (jid.JID, error) {
	if s == "" {
		return account, nil
	}
	if len(s) > 3*1024+2 {
		return jid.JID{}, errors.New("address too long")
	}
	return jid.Parse(s)
}

// trustedBy reports whether a stanza-id's "by" may be believed: it must be
// the account itself (1:1 archive, and the server announced stanza-ids) or,
// for groupchat, the room the message comes from. Anyone else could be
// spoofing.
func trustedBy(by string, m Message, pc ParseContext) bool {
	if by == "" {
		return false
	}
	j, err := jid.Parse(by)
	if err != nil || j.Resourcepart() != "" {
		return false
	}
	if pc.Account.String() != "" && j.Equal(pc.Account.Bare()) {
		return pc.SIDs && m.Type != "groupchat"
	}
	return m.Type == "groupchat" && j.Equal(m.From.Bare())
}

// newID returns a fresh random stanza id (also used as origin-id).
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// messageStanza builds the tokens of an outgoing message with an origin-id.
func messageStanza(to jid.JID, typ, id, body, replaces string) xml.TokenReader {
	start := xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "message"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: typ},
			{Name: xml.Name{Local: "to"}, Value: to.String()},
			{Name: xml.Name{Local: "id"}, Value: id},
		},
	}
	parts := []xml.TokenReader{
		xmlstream.Wrap(xmlstream.Token(xml.CharData(body)), xml.StartElement{Name: xml.Name{Local: "body"}}),
		xmlstream.Wrap(nil, xml.StartElement{
			Name: xml.Name{Space: nsSID, Local: "origin-id"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "id"}, Value: id}},
		}),
	}
	if replaces != "" {
		parts = append(parts, replaceElem(replaces))
	}
	if typ != "groupchat" {
		parts = append(parts, receiptRequest()) // XEP-0184, never in rooms (receipts.go)
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
	return a.send(ctx, to, typ, body, "")
}

// Correct sends body as a XEP-0308 correction of our message with the id
// replaces, to the same address and with the same type as SendMessage. The
// correction has a fresh id of its own; it is emitted and returned like a
// message, with Replaces set.
func (a *Account) Correct(ctx context.Context, to jid.JID, typ, replaces, body string) (Message, error) {
	if replaces == "" || len(replaces) > maxShort {
		return Message{}, errors.New("correction: no message to correct")
	}
	return a.send(ctx, to, typ, body, replaces)
}

// replaceElem is the XEP-0308 <replace/> naming id.
func replaceElem(id string) xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{
		Name: xml.Name{Space: nsCorr, Local: "replace"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "id"}, Value: id}},
	})
}

func (a *Account) send(ctx context.Context, to jid.JID, typ, body, replaces string) (Message, error) {
	if m, ok, err := a.sendToRoom(ctx, to, typ, body, replaces); ok { // groupchat, room private messages (room.go)
		return m, err
	}
	switch typ {
	case "":
		typ = "chat"
	case "chat", "normal":
	default:
		return Message{}, fmt.Errorf("message type %q: only chat and normal can be sent to a contact", typ)
	}
	if to.String() == "" {
		return Message{}, errors.New("message has no recipient")
	}
	id := newID()
	a.expectReceipt(id, to)
	m := Message{
		ID:       id,
		OriginID: id,
		From:     a.sm.Addr(),
		To:       to,
		Type:     typ,
		Body:     body,
		Time:     time.Now().UTC(),
		Dir:      Out,
		Receipt:  true,
		Replaces: replaces,
	}
	if m.From.String() == "" {
		m.From = a.bare
	}
	m, err := a.seal(ctx, m) // OMEMO, when on for the conversation (omemosend.go)
	if err != nil {
		return Message{}, err
	}
	sess, err := a.online()
	if err != nil || a.outboxBusy() {
		return a.queueMessage(m, false) // offline: sent after the next login (outbox.go)
	}
	if err := sess.Send(ctx, a.messageTokens(m)); err != nil {
		return a.queueMessage(m, a.sm.Queued(id))
	}
	a.emit(MessageEvent{Base: a.base(), Msg: m})
	return m, nil
}
