package msg

import (
	"time"

	"mellium.im/xmpp/jid"
)

// Message is one <message/> stanza as parley understands it. See the package
// doc for what is bounded and what is trusted.
type Message struct {
	// ID is the stanza's id attribute, chosen by the sender's client. It is
	// what 1:1 corrections, receipts and markers refer to; it is not unique.
	ID string
	// OriginID is the XEP-0359 <origin-id/>, also chosen by the sender's
	// client (usually equal to ID), and kept by rooms that rewrite ID: it is
	// what a 1:1 retraction refers to.
	OriginID string
	// StanzaIDs are the XEP-0359 <stanza-id/> elements in stanza order, at
	// most payload.MaxStanzaIDs. A room's id is what groupchat replies,
	// reactions, retractions and moderations refer to.
	StanzaIDs []StanzaID

	// From is the full sender address as given (the account's own bare JID
	// when the stanza had none): contact/resource, or room/nick.
	From jid.JID
	// To is the recipient address as given (the account when absent).
	To jid.JID
	// OccupantID is the XEP-0421 <occupant-id/> the room stamped on the
	// message, empty when absent. See Sender.
	OccupantID string
	// MUCUser reports a XEP-0045 muc#user <x/> child (room private messages
	// and invitations carry one).
	MUCUser bool
	// MUCJID is the real JID in the muc#user <item/> a non-anonymous
	// room's archive adds to a groupchat message (the room's word, not the
	// sender's), zero when absent; MUCCodes are its <status/> codes (at
	// most 16: 104 configuration changed, 170-174 logging and anonymity).
	MUCJID   jid.JID
	MUCCodes []int

	// Kind is the message type (see Kind).
	Kind Kind
	// Dir is the direction, set by the consumer (the parser says In).
	Dir Dir
	// Source is how the message reached us, set by the consumer (the parser
	// says Live).
	Source Source

	// Received is when parley received or read the stanza (UTC).
	Received time.Time
	// Sent is the XEP-0203 <delay/> stamp (UTC), zero when the stanza had
	// none: when a server first saw the message, for offline, archived and
	// room-history messages. It is never mixed with Received: ordering uses
	// Time, dedup never uses either.
	Sent time.Time
	// DelayFrom is the "from" of the <delay/> (who stamped it), as given.
	DelayFrom string

	// Body is the plain-text <body/> (the first one without xml:lang, else
	// the first), at most payload.MaxBody bytes; untrusted text to sanitize
	// before drawing. It still contains any fallback (see Fallbacks).
	Body string
	// BodyLang is the xml:lang of Body, empty when it had none.
	BodyLang string
	// Subject is the <subject/> text. HasSubject tells an empty subject (a
	// room clearing its subject) from none.
	Subject    string
	HasSubject bool
	// Err is the <error/> of a type="error" message, nil otherwise.
	Err *StanzaError
	// Truncated reports that something was cut or left out to stay within
	// bounds: a body over the limit, a list over its cap, a stanza over the
	// token budget (whose remaining payloads were not read).
	Truncated bool

	// Correction is set when this message replaces an earlier one
	// (XEP-0308 <replace/>): Body is the new text of that message.
	Correction *Correction
	// Reply is set when this message answers an earlier one (XEP-0461).
	Reply *Reply
	// Fallbacks mark parts of Body that exist only for clients that do not
	// understand a payload (XEP-0428), at most payload.MaxFallbacks.
	Fallbacks []Fallback
	// Reactions is the sender's complete set of reactions to an earlier
	// message (XEP-0444); it replaces that sender's previous set.
	Reactions *Reactions
	// Retraction is set when the sender takes back one of their messages
	// (XEP-0424). A retraction inside a moderation is reported as
	// Moderation, not here.
	Retraction *Retraction
	// Moderation is set when a room announces that a moderator removed a
	// message (XEP-0425). Only a moderation from the room's bare JID is
	// legitimate: the consumer checks From.
	Moderation *Moderation
	// Tombstone is set when an archive returns, in place of a message that
	// was retracted or moderated, what is left of it (XEP-0424/0425).
	Tombstone *Tombstone

	// ChatState is the XEP-0085 chat state, NoState when absent.
	ChatState ChatState
	// Markable is the XEP-0333 <markable/> request: the sender would like
	// markers for this message.
	Markable bool
	// Marker is a XEP-0333 marker about an earlier message.
	Marker Marker
	// ReceiptRequest is the XEP-0184 <request/>.
	ReceiptRequest bool
	// ReceiptFor is the id in a XEP-0184 <received/>: the message it
	// acknowledges.
	ReceiptFor string
	// OOB are the XEP-0066 jabber:x:oob URLs, at most payload.MaxOOB.
	OOB []OOB
	// Unstyled is the XEP-0393 <unstyled/> hint: draw Body without styling.
	Unstyled bool
	// Hints are the XEP-0334 processing hints.
	Hints Hints
	// Encrypted is an end-to-end encrypted payload (OMEMO), captured as
	// received for the consumer to decrypt; nil when there is none. Body
	// then holds the sender's fallback text, which is never to be shown.
	Encrypted *Encrypted

	// Forwarded is set when the stanza is a wrapper around another
	// message: a XEP-0280 carbon copy or a XEP-0313 archive result. Who
	// may send such a wrapper (the account for carbons, the queried
	// archive for results) is for the consumer to check.
	Forwarded *Forwarded
}

// Wrapper is the kind of element a forwarded message came in.
type Wrapper uint8

// Wrappers of a forwarded message.
const (
	// CarbonSent is a XEP-0280 <sent/>: a copy of a message another of
	// our clients sent.
	CarbonSent Wrapper = iota + 1
	// CarbonReceived is a XEP-0280 <received/>: a copy of a message
	// another of our clients received.
	CarbonReceived
	// ArchiveResult is a XEP-0313 <result/>: one message of an archive
	// query's answer.
	ArchiveResult
)

// Forwarded is a XEP-0297 forwarded message and the wrapper it came in.
// Wrappers do not nest: a wrapper inside the forwarded message is ignored.
type Forwarded struct {
	Wrapper Wrapper
	// QueryID and ResultID are an archive result's queryid (which query
	// it answers) and id (the archive's stanza-id for the message).
	QueryID, ResultID string
	// Delay is the <forwarded/>'s XEP-0203 stamp (UTC), zero if none: for
	// an archive result, when the archive got the message.
	Delay time.Time
	// Message is the forwarded message, nil when it could not be read (a
	// from or to that is no JID).
	Message *Message
}

// FallbackText returns the parts of Body marked as fallback for namespace
// ns (the quote of a reply), "" when there is none.
func (m *Message) FallbackText(ns string) string {
	f, ok := m.Fallback(ns)
	if !ok {
		return ""
	}
	return KeepRanges(m.Body, f.Body)
}

// Correction is a XEP-0308 last message correction.
type Correction struct {
	// ID is the id of the message corrected: the stanza id of the sender's
	// original message (for a room too, per XEP-0308). A correction may
	// replace only a message from the same sender (same full JID in 1:1,
	// same occupant-id or nick in a room): the consumer checks.
	ID string
}

// Reply is a XEP-0461 reference to the message answered.
type Reply struct {
	// ID is the id of the message answered: its stanza-id by the room in a
	// groupchat, else its id (origin-id) as the sender chose it.
	ID string
	// To is the full JID of the author of the message answered, zero when
	// not given or unparsable (the attribute is optional).
	To jid.JID
}

// Range is a span of Body in Unicode code points (XEP-0426 counting):
// [Start, End). A range that the parser could not bound covers the whole
// body (End is WholeBody); StripFallback clamps it.
type Range struct {
	Start, End int
}

// WholeBody is the End of a Range that covers the rest of the body.
const WholeBody = 1<<31 - 1

// Fallback is a XEP-0428 fallback indication.
type Fallback struct {
	// For is the namespace the fallback stands in for, e.g.
	// urn:xmpp:reply:0; empty when the sender did not say.
	For string
	// Body are the parts of Body that are fallback. A <fallback/> without
	// <body/> or <subject/> children marks the whole body: the parser stores
	// that as one Range{0, WholeBody}.
	Body []Range
	// Subject are the parts of Subject that are fallback.
	Subject []Range
}

// Reactions is a XEP-0444 reaction set.
type Reactions struct {
	// ID is the message reacted to: its stanza-id by the room in a
	// groupchat, else its id as the sender chose it.
	ID string
	// Emojis is the sender's whole set, deduplicated, in stanza order, at
	// most payload.MaxReactions of at most payload.MaxReactionBytes each.
	// Empty means the sender withdrew all their reactions.
	Emojis []string
}

// Retraction is a XEP-0424 message retraction.
type Retraction struct {
	// ID is the message retracted: its origin-id in 1:1 (its id when it had
	// none), its stanza-id by the room in a groupchat. Only its original
	// sender may retract it: the consumer checks.
	ID string
	// Gen is the protocol generation: 0 for urn:xmpp:message-retract:0
	// (inside a XEP-0422 <apply-to/>, as Prosody 0.12 and slixmpp 1.8
	// send), 1 for urn:xmpp:message-retract:1.
	Gen uint8
}

// Moderation is a XEP-0425 moderated retraction announced by a room.
type Moderation struct {
	// ID is the stanza-id (by the room) of the message removed.
	ID string
	// By is the moderator as the room names them (room@service/nick, or a
	// real JID), as given; may be empty.
	By string
	// OccupantID is the moderator's XEP-0421 occupant-id, when given.
	OccupantID string
	// Reason is the moderator's reason, possibly empty.
	Reason string
	// Gen is 0 for urn:xmpp:message-moderate:0 (in <apply-to/>), 1 for
	// urn:xmpp:message-moderate:1 (in a retract:1 <retract/>).
	Gen uint8
}

// Tombstone is what an archive keeps of a retracted or moderated message.
type Tombstone struct {
	// Stamp is when the message was retracted, zero when not given.
	Stamp time.Time
	// Moderated reports a moderation (XEP-0425) rather than the sender's
	// own retraction; By, OccupantID and Reason then describe it.
	Moderated  bool
	By         string
	OccupantID string
	Reason     string
}

// Time is when the message was sent as far as parley knows: the delay stamp
// when there is one, else the receive time.
func (m *Message) Time() time.Time {
	if !m.Sent.IsZero() {
		return m.Sent
	}
	return m.Received
}

// Sender returns who the message claims to come from (see Sender).
func (m *Message) Sender() Sender {
	return Sender{Bare: m.From.Bare(), Resource: m.From.Resourcepart(), OccupantID: m.OccupantID}
}

// StanzaIDBy returns the stanza-id that the entity by (a bare JID: the
// account for its archive, a room for its own) assigned, "" if there is
// none. This is the only way to get a stanza-id fit for dedup: an id "by"
// anyone else may be forged by the sender.
func (m *Message) StanzaIDBy(by jid.JID) string {
	want := by.Bare().String()
	if want == "" {
		return ""
	}
	for _, s := range m.StanzaIDs {
		if s.By == want {
			return s.ID
		}
		if j, err := jid.Parse(s.By); err == nil && j.Resourcepart() == "" && j.Equal(by.Bare()) {
			return s.ID
		}
	}
	return ""
}

// Fallback returns the fallback indication for namespace ns, if any.
func (m *Message) Fallback(ns string) (Fallback, bool) {
	for _, f := range m.Fallbacks {
		if f.For == ns {
			return f, true
		}
	}
	return Fallback{}, false
}

// StripFallback returns Body without the parts marked as fallback for
// namespace ns (e.g. the quote of a reply once the original is known). With
// no such fallback it returns Body unchanged. Ranges are clamped to the body
// and may overlap or come in any order.
func (m *Message) StripFallback(ns string) string {
	f, ok := m.Fallback(ns)
	if !ok || len(f.Body) == 0 {
		return m.Body
	}
	return StripRanges(m.Body, f.Body)
}

// Encrypted is an end-to-end encrypted element as it came: its namespace
// (legacy OMEMO: eu.siacs.conversations.axolotl) and the element itself,
// serialized, at most payload.MaxEncrypted bytes. Cut says it was longer
// and Raw is nil: the message cannot be decrypted.
type Encrypted struct {
	NS  string
	Raw []byte
	Cut bool
}
