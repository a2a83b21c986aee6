package account

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"parley/internal/jidcache"
	"parley/msg"
	"parley/payload"
)

// Namespaces read or written by the message parser.
const (
	nsClient = "jabber:client"
	nsSID    = payload.NSSID
	nsCorr   = payload.NSCorrect
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
	// JIDs, when set, caches parsed addresses (the account's cache).
	JIDs *jidcache.Cache
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
// It parses with the payload parsers of package payload (payload.Default:
// a parser per child element, by namespace) and turns the result into a
// Message (see fromPayload). The returned Message has Dir In. Bodies over
// MaxBody are cut and end with TruncatedMarker. For groupchat, Nick is the
// resource of from. A message carrying a muc#user <x/> that is not
// groupchat is marked Private (a room private message: its peer keeps the
// resource). A wrapper (carbon, archive result) is not unwrapped: the
// handler does that, checking who sent it.
//
// An error means the stanza could not be read (bad XML, bad from or to);
// the stream itself may still be usable when r is a sub-reader. A stanza
// over the token budget is drained: what was read before is kept.
func ParseMessage(start xml.StartElement, r xml.TokenReader, pc ParseContext) (Message, error) {
	pm, err := payload.Default().Parse(start, r, payload.Context{Account: pc.Account, Now: pc.Now, JIDs: pc.JIDs})
	if err != nil {
		return Message{}, err
	}
	return fromPayload(&pm, pc), nil
}

// parse reads a stanza with the account's registry.
func (a *Account) parse(start xml.StartElement, r xml.TokenReader, now time.Time) (msg.Message, error) {
	return a.reg.Parse(start, r, payload.Context{Account: a.bare, Now: now, JIDs: &a.jids})
}

// parseContext is the ParseContext of the account at now.
func (a *Account) parseContext(now time.Time) ParseContext {
	return ParseContext{Account: a.bare, Now: now, SIDs: a.rel.sids.Load(), JIDs: &a.jids}
}

// fromPayload turns what the payload parsers read into a Message: the
// account's rules for what of it is believed (a stanza-id only by the
// trusted "by", and only one claiming it; a delay stamp not far in the
// future; an occupant-id only in groupchat) and for the payloads that
// stand in for a body (a reply's fallback quote goes from Body to Quote; a
// retraction's, moderation's or reaction's fallback body is dropped).
func fromPayload(pm *msg.Message, pc ParseContext) Message {
	m := Message{
		ID:       pm.ID,
		OriginID: pm.OriginID,
		From:     pm.From,
		To:       pm.To,
		Type:     typeOf(pm.Kind),
		Body:     pm.Body,
		Time:     pc.Now.UTC(),
		Dir:      In,
		Private:  pm.Kind == msg.Private,
		Unstyled: pm.Unstyled,
		Markable: pm.Markable,
		Marker:   pm.Marker,
		OOB:      pm.OOB,
	}
	if pm.Truncated && len(m.Body) > payload.MaxBody-utf8.UTFMax {
		m.Body += TruncatedMarker
	}
	if pm.HasSubject {
		m.Subject = pm.Subject
	}
	if pm.Err != nil {
		m.Err = joinErr(clip(pm.Err.Condition, maxShort), pm.Err.Text)
	}
	if m.Type == "groupchat" {
		m.Nick = clip(m.From.Resourcepart(), maxShort)
		m.OccupantID = pm.OccupantID // believed only if the room announces it (rooms.go)
	}
	if t := pm.Sent; !t.IsZero() && (pc.Now.IsZero() || !t.After(pc.Now.Add(maxFutureDelay))) {
		m.Time, m.Delayed = t, true
	}
	// A server that supports XEP-0359 removes stanza-ids claiming to be by
	// it and adds its own, but Prosody 0.12 passes a sender's through (ahead
	// of its own): when several claim the trusted "by", none can be told to
	// be the server's, so none is believed.
	claims := 0
	var sid msg.StanzaID
	for _, s := range pm.StanzaIDs {
		if trustedBy(s.By, m, pc) {
			claims++
			sid = s
		}
	}
	if claims == 1 {
		if by, err := pc.JIDs.Parse(sid.By); err == nil {
			m.StanzaID, m.StanzaIDBy = sid.ID, by.Bare().String()
		}
	}
	if pm.Correction != nil {
		m.Replaces = pm.Correction.ID
	}
	if pm.Reply != nil {
		r := *pm.Reply
		m.Reply = &r
		if _, ok := pm.Fallback(payload.NSReply); ok {
			m.Quote = pm.FallbackText(payload.NSReply)
			m.Body = pm.StripFallback(payload.NSReply)
		}
	}
	m.Reactions, m.Retraction, m.Moderation, m.Tombstone = pm.Reactions, pm.Retraction, pm.Moderation, pm.Tombstone
	if m.Type == "groupchat" {
		m.realJID = pm.MUCJID.Bare() // the room archive's word on the sender (omemoroom.go)
		m.mucCodes = pm.MUCCodes
	}
	if e := pm.Encrypted; e != nil && e.NS == payload.NSOMEMO && !m.Private {
		// Opened behind the event queue, before anything reads the body
		// (omemorecv.go); until then Body is the sender's fallback.
		m.omemoRaw, m.omemoCut = e.Raw, e.Cut
	}
	if m.Reactions != nil || m.Retraction != nil || m.Moderation != nil {
		m.Body = "" // what a client that knows none of them shows
	}
	return m
}

// typeOf is the type a Message names for a kind: headlines are normal
// messages here, and a room private message is a chat.
func typeOf(k msg.Kind) string {
	switch k {
	case msg.Chat, msg.Private:
		return "chat"
	case msg.Groupchat:
		return "groupchat"
	case msg.Error:
		return "error"
	}
	return "normal"
}

// isClientNS reports whether a child element's namespace is the stanza's
// content namespace (jabber:client, or whatever the enclosing stanza uses).
func isClientNS(space, stanzaSpace string) bool {
	return space == stanzaSpace || space == nsClient || space == ""
}

// parseAddr parses a from/to attribute; empty means the account itself.
func parseAddr(s string, account jid.JID, jids *jidcache.Cache) (jid.JID, error) {
	if s == "" {
		return account, nil
	}
	if len(s) > 3*1024+2 {
		return jid.JID{}, errors.New("address too long")
	}
	return jids.Parse(s)
}

// trustedBy reports whether a stanza-id's "by" may be believed: it must be
// the account itself (1:1 archive, and the server announced stanza-ids) or,
// for groupchat, the room the message comes from. Anyone else could be
// spoofing.
func trustedBy(by string, m Message, pc ParseContext) bool {
	if by == "" {
		return false
	}
	j, err := pc.JIDs.Parse(by)
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
