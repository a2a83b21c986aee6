// Package msg is parley's one message model: what a <message/> stanza says,
// whether it arrived live, as a carbon, from the archive or from a history
// file. Payload parsers (package payload) fill it, history stores it, one
// renderer draws it; nothing else defines its own message struct.
//
// A Message holds facts as the stanza stated them, already bounded (every
// string clipped, every list capped by the parser that filled it) but not
// trusted: whether a correction may replace a line, whether a stanza-id may
// be used for dedup, whether a moderation really comes from the room are
// decisions of the consumer, which knows the account and the conversation.
// The model gives it what it needs to decide (the sender's full address and
// occupant-id, every stanza-id with its "by") and never decides for it.
//
// The zero value of every optional part means "absent": a nil pointer for a
// reference, zero for an enum, false for a hint.
package msg

import (
	"mellium.im/xmpp/jid"
)

// Kind is a message's type attribute as parley treats it.
type Kind uint8

// The kinds of message. A muc#user <x/> on a chat or normal message from a
// full room JID makes it Private (RFC 6121 types do not name it).
const (
	// Normal is type="normal", an absent type, or a type parley does not
	// know (RFC 6121 §5.2.2 treats unknown types as normal).
	Normal Kind = iota
	// Chat is a one-to-one message (type="chat").
	Chat
	// Groupchat is a message in a room (type="groupchat").
	Groupchat
	// Private is a private message with a room occupant (XEP-0045 §7.5):
	// a chat or normal message carrying a muc#user <x/>, whose peer is the
	// occupant's full JID (room@service/nick), never the room.
	Private
	// Headline is type="headline": a notice that is neither answered nor
	// stored by a server.
	Headline
	// Error is type="error": an error bounced for a message we sent; Err
	// holds its condition and text, ID the id of the message it is about.
	Error
)

// String returns the kind's type attribute ("private" for Private).
func (k Kind) String() string {
	switch k {
	case Chat:
		return "chat"
	case Groupchat:
		return "groupchat"
	case Private:
		return "private"
	case Headline:
		return "headline"
	case Error:
		return "error"
	}
	return "normal"
}

// Dir says which way a message went.
type Dir uint8

// Directions.
const (
	// In is a message from someone else (or from another of our devices,
	// seen as a received carbon or in the archive).
	In Dir = iota
	// Out is a message we sent, from this client or (as a sent carbon or an
	// archived copy) from another of our devices.
	Out
)

// Source says how a message reached us. The parser of the inner stanza does
// not know it: whoever unwrapped a carbon or an archive result sets it.
type Source uint8

// Sources.
const (
	// Live arrived directly on the stream (or was typed here).
	Live Source = iota
	// Carbon arrived as a XEP-0280 carbon copy (sent or received).
	Carbon
	// Archive came from a XEP-0313 archive query.
	Archive
	// Stored was read back from a history file.
	Stored
)

// StanzaID is one XEP-0359 <stanza-id/>: an id that the entity By (a server
// archive: the account's own bare JID, or a room) assigned. Anyone can put a
// stanza-id in a message, so an id is trusted only when By is the archive
// the consumer expects (see Message.StanzaIDBy).
type StanzaID struct {
	ID string
	By string // as given, not parsed; compare with a bare JID's String
}

// Sender is who a message claims to come from.
type Sender struct {
	// Bare is the bare JID of From: the contact, or the room for a
	// groupchat or private room message.
	Bare jid.JID
	// Resource is From's resource: the contact's device, or for a room
	// message the occupant's nick.
	Resource string
	// OccupantID is the room's XEP-0421 occupant-id for the sender, stable
	// across nick changes; empty unless the room stamped one. Only a room
	// that announces urn:xmpp:occupant-id:0 may be believed (the room
	// replaces any the sender put).
	OccupantID string
}

// ChatState is a XEP-0085 chat state notification.
type ChatState uint8

// Chat states; NoState means the message carries none.
const (
	NoState ChatState = iota
	Active
	Composing
	Paused
	Inactive
	Gone
)

// String returns the state's element name ("" for NoState).
func (s ChatState) String() string {
	switch s {
	case Active:
		return "active"
	case Composing:
		return "composing"
	case Paused:
		return "paused"
	case Inactive:
		return "inactive"
	case Gone:
		return "gone"
	}
	return ""
}

// MarkerKind is a XEP-0333 chat marker.
type MarkerKind uint8

// Marker kinds; NoMarker means the message carries none.
const (
	NoMarker MarkerKind = iota
	Received
	Displayed
	Acknowledged
)

// String returns the marker's element name ("" for NoMarker).
func (k MarkerKind) String() string {
	switch k {
	case Received:
		return "received"
	case Displayed:
		return "displayed"
	case Acknowledged:
		return "acknowledged"
	}
	return ""
}

// Marker is a XEP-0333 marker for the message with id ID (the sender's id
// in 1:1, the room's stanza-id in a room) and, by the XEP's rules, every
// earlier message of that conversation.
type Marker struct {
	Kind MarkerKind
	ID   string
}

// StanzaError is the <error/> of a type="error" message.
type StanzaError struct {
	Type      string // cancel, continue, modify, auth, wait
	Condition string // the RFC 6120 defined condition, e.g. "service-unavailable"
	Text      string // the human-readable text, possibly empty
}

// OOB is a XEP-0066 out-of-band URL (jabber:x:oob).
type OOB struct {
	URL  string
	Desc string
}

// Hints are the XEP-0334 message processing hints.
type Hints struct {
	NoStore          bool // <no-store/>: not to be stored at all
	NoPermanentStore bool // <no-permanent-store/>: not to be archived
	NoCopy           bool // <no-copy/>: not to be copied (carbons)
	Store            bool // <store/>: to be stored even without a body
}
