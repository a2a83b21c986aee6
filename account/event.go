package account

import (
	"time"

	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/msg"
	"parley/muc"
)

// Event is something that happened on an account. Accounts deliver events to
// the Sink given to New; every event names the account (its bare JID) it
// belongs to. Event types are plain data: the receiver may keep them.
//
// Text fields in events come from the network and are untrusted: receivers
// must sanitize them before drawing them (see package sanitize).
type Event interface {
	// AccountJID is the bare JID of the account the event belongs to.
	AccountJID() jid.JID
}

// Sink receives the events of one or more accounts. Each account calls it
// from the goroutine behind its event queue, one event at a time, in order,
// never under the session's input lock (evqueue.go). It may take its time
// (a history write, an index build): the queue, bounded, holds the events
// behind it, and when it is full the account stops reading from the server
// (backpressure) rather than drop any. It must not call, itself, an
// account method that emits (SendMessage, ...): with the queue full that
// would wait for itself; start a goroutine for such calls.
type Sink func(Event)

// State is the connection state of an account.
type State int

// Connection states, in the order an account normally passes through them.
const (
	Disconnected State = iota // not connected and not trying to
	Connecting                // dialing, negotiating TLS, SASL, bind
	Online                    // session up, roster fetched; initial presence is sent right after
	Reconnecting              // connection lost, waiting to retry
	Failed                    // stopped on an error that a retry will not fix (bad password, bad certificate)
)

// String returns the lower-case name shown in the status bar.
func (s State) String() string {
	switch s {
	case Disconnected:
		return "offline"
	case Connecting:
		return "connecting"
	case Online:
		return "online"
	case Reconnecting:
		return "reconnecting"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Show is a presence availability (RFC 6121 §4.7.2.1) plus "offline".
type Show string

// Presence availabilities. Online is the empty <show/>.
const (
	ShowOffline Show = "offline"
	ShowOnline  Show = ""
	ShowChat    Show = "chat"
	ShowAway    Show = "away"
	ShowXA      Show = "xa"
	ShowDND     Show = "dnd"
)

// ParseShow maps a user word (online, chat, away, xa, dnd) to a Show.
func ParseShow(s string) (Show, bool) {
	switch s {
	case "online", "available":
		return ShowOnline, true
	case "chat", "away", "xa", "dnd":
		return Show(s), true
	}
	return "", false
}

// Base carries the account JID; every event embeds it.
type Base struct {
	Account jid.JID // bare JID of the account
}

// AccountJID implements Event.
func (b Base) AccountJID() jid.JID { return b.Account }

// StateEvent reports a change of connection state. Err is set when the state
// was entered because of an error; Text is a one-line human explanation fit
// for the UI ("wrong password", "certificate for x is not valid for y", ...).
//
// An Online event says which kind of session it starts. Resumed: the stream
// of the previous connection was resumed (XEP-0198), so the session goes on
// and everything the receiver knew of it (contacts' presence, room
// occupants, subscriptions) still holds. Not Resumed: a fresh session, which
// starts from nothing: the presence of contacts arrives anew after this
// event (it is emitted before our initial presence is sent, so no presence
// of the new session comes before it), and rooms are joined again.
type StateEvent struct {
	Base
	State   State
	Err     error
	Text    string
	Cause   string // for Reconnecting: why the connection was lost, without the retry plan of Text
	Resumed bool   // for Online: the previous session was resumed, not started afresh
}

// RosterItem is one contact of the roster.
type RosterItem struct {
	JID          jid.JID // bare JID
	Name         string
	Subscription string // none, to, from, both, remove
	Ask          bool   // a subscription request is pending
	Groups       []string
}

// RosterEvent carries the roster. When Full is true Items is the whole
// roster and replaces what the receiver had; otherwise it is a roster push
// and each item is added, replaced, or (Subscription "remove") deleted.
type RosterEvent struct {
	Base
	Full  bool
	Items []RosterItem
}

// PresenceEvent is a presence received from a contact's resource (or from
// ourselves on another resource). Available false means unavailable.
type PresenceEvent struct {
	Base
	From      jid.JID // full JID
	Available bool
	Show      Show
	Status    string
	Priority  int8
	Err       string // set for presence of type error
	// Caps is the XEP-0115 capabilities the presence announced (zero when
	// none, or a hash other than sha-1); untrusted until the disco#info
	// answer hashes to it (Account.Features).
	Caps caps.Caps
}

// OwnPresenceEvent is the account's own presence as the user set it
// (SetPresence): sent at once when online, else at the next login.
type OwnPresenceEvent struct {
	Base
	Show   Show
	Status string
}

// SubscriptionEvent is an incoming subscription request or answer.
// Type is subscribe, subscribed, unsubscribe or unsubscribed.
type SubscriptionEvent struct {
	Base
	From jid.JID
	Type string
	// Nick is the XEP-0172 nickname a request carried: untrusted, a name
	// at most (bounded, not sanitized).
	Nick string
}

// Direction says whether a message was received or sent by us.
type Direction int

// Directions.
const (
	In  Direction = iota // received
	Out                  // sent by this account (here or, via carbons, elsewhere)
)

// Message is a chat message in either direction.
type Message struct {
	ID         string    // the stanza's id attribute
	OriginID   string    // XEP-0359 origin-id
	StanzaID   string    // XEP-0359 stanza-id, only when StanzaIDBy is trusted
	StanzaIDBy string    // the "by" of StanzaID: the account or the room
	From       jid.JID   // full sender
	To         jid.JID   // full recipient
	Type       string    // chat, normal, groupchat, headline, error
	Body       string    // plain text, untrusted
	Subject    string    // room subject, when the message carries one
	Nick       string    // sender nick in a room, also in a private message (ours in those we send)
	Time       time.Time // delay/archive time if present, else receipt time (UTC)
	Delayed    bool      // Time came from a delay or archive stamp
	Dir        Direction
	Carbon     bool   // arrived as a XEP-0280 carbon copy
	Archived   bool   // arrived from a XEP-0313 archive query
	Err        string // set for type=error messages: the error text
	Private    bool   // a private message with a room occupant: Peer keeps the resource
	// Conv is, for a private message, its conversation (see private.go):
	// room/nick named after the occupant when it started, which follows
	// them through nick changes; From or To is their address now. Zero
	// when unknown (an archived message): Peer is then From or To.
	Conv    jid.JID
	Pending bool // ours, typed while offline: queued in the outbox, not sent yet
	Receipt bool // ours, with a XEP-0184 receipt request
	// Unstyled is the sender's XEP-0393 <unstyled/> hint: draw the body
	// without message styling.
	Unstyled bool
	// Replaces is, for a XEP-0308 correction, the id of the message it
	// corrects (the original stanza's id), as the sender stated it:
	// untrusted. A consumer applies it only to a message of the same
	// sender (history.Fold decides who that is).
	Replaces string
	// OccupantID is the XEP-0421 occupant-id of a groupchat message's
	// sender, set only when the room announces occupant ids (so the room,
	// not the sender, stamped it). It tells a correction's author apart
	// from another occupant who took the nick.
	OccupantID string

	// The references to other messages and the payloads beside the body,
	// all as the sender stated them: untrusted. Which id each names is in
	// docs/message-flow.md (in a room the room's stanza-id; in 1:1 the id,
	// or the origin-id for a retraction). A stanza that carries one of
	// them (but a Reply, Markable or OOB alone) is a MessageEvent even
	// without a body, in both directions.

	// Reply is the XEP-0461 message this one answers.
	Reply *msg.Reply
	// Quote is the XEP-0428 fallback of a reply (the quoted text older
	// clients show), cut from Body when Reply is set.
	Quote string
	// Reactions is the sender's whole XEP-0444 set for Reactions.ID (an
	// empty set withdraws theirs); Body is "".
	Reactions *msg.Reactions
	// Retraction is a XEP-0424 retraction (either generation); its
	// fallback body is dropped. Only the original sender may retract: the
	// consumer checks (history.Fold).
	Retraction *msg.Retraction
	// Moderation is a XEP-0425 moderation (either generation); its
	// fallback body is dropped. The account keeps it only on a groupchat
	// message from the room's bare JID.
	Moderation *msg.Moderation
	// Tombstone is what an archive keeps of a retracted or moderated
	// message, in place of its body.
	Tombstone *msg.Tombstone
	// Marker is a XEP-0333 marker (received, displayed, acknowledged) for
	// the message Marker.ID.
	Marker msg.Marker
	// Markable is the XEP-0333 request for markers (our chat messages
	// carry it).
	Markable bool
	// OOB are the XEP-0066 out-of-band URLs.
	OOB []msg.OOB
	// Encrypted says the message came or went OMEMO-encrypted: Body is
	// the decrypted text (never the fallback). Untrusted: it was
	// decrypted from a device the user has not trusted (undecided or
	// distrusted). Undecryptable: it could not be decrypted, and Body is
	// parley's one line saying why and from which device.
	Encrypted     bool
	Untrusted     bool
	Undecryptable bool
	// omemoRaw is the <encrypted/> element as received (bounded), opened
	// behind the event queue (omemorecv.go); omemoCut: it was over the
	// bound. sealed is our encrypted stanza as sent (omemosend.go);
	// mustSeal: m is sent only encrypted (an aesgcm:// link, upload.go).
	omemoRaw []byte
	omemoCut bool
	sealed   []byte
	// realJID: the sender's real bare JID that a room's archive added to a
	// groupchat message (muc#user item), zero if none; mucCodes: its
	// muc#user status codes (omemoroom.go).
	realJID  jid.JID
	mucCodes []int
	mustSeal bool
}

// hasRef reports whether m carries something to show or store even
// without a body: a reference to another message, a tombstone or a
// marker. (An out-of-band URL comes with its URL in the body: alone it is
// not shown, as history could not keep it.)
func (m Message) hasRef() bool {
	return m.Reactions != nil || m.Retraction != nil || m.Moderation != nil || m.Tombstone != nil ||
		m.Marker.Kind != msg.NoMarker || m.omemoRaw != nil || m.omemoCut
}

// Peer is the conversation a message belongs to from the account's point of
// view: the bare JID of the other side for chat and normal messages; the room
// for groupchat; the full JID of an occupant for a room private message.
func (m Message) Peer() jid.JID {
	other := m.From
	if m.Dir == Out {
		other = m.To
	}
	if m.Private {
		if m.Conv.Domainpart() != "" {
			return m.Conv
		}
		return other
	}
	return other.Bare()
}

// MessageEvent is a message received or sent (sent ones too, so that every
// window and the history see our own messages, carbons included).
type MessageEvent struct {
	Base
	Msg Message
}

// ChatStateEvent is a XEP-0085 chat state (composing, paused, ...) from a
// contact, a room occupant, or (Carbon) another of our own clients. It is
// not stored. A message with a body and a state comes as a MessageEvent
// and then this event.
type ChatStateEvent struct {
	Base
	Peer   jid.JID // the conversation (as Message.Peer)
	From   jid.JID // full sender (room@service/nick in a room)
	Nick   string  // the occupant's nick in a room
	State  msg.ChatState
	Carbon bool // sent by another of our clients (a sent carbon): ours
}

// InfoEvent is a line for the account's console: notices and non-fatal
// errors (a failed roster push, an unhandled IQ error, ...).
type InfoEvent struct {
	Base
	Error bool
	Text  string
}

// FileWarningEvent is a problem found in a local file parley reads, such as
// a history file's skipped malformed or overlong line or a repaired torn
// line: a line for the console. It belongs to no account (Account is the
// zero JID); Text names the file.
type FileWarningEvent struct {
	Base
	Text string
}

// DeliveryEvent updates the state of a message we sent, found by its ID in
// the conversation with Peer: Sent when a message queued while offline went
// out (after a reconnect), Delivered when the peer's XEP-0184 receipt came.
type DeliveryEvent struct {
	Base
	Peer      jid.JID // the conversation (as Message.Peer)
	ID        string  // the message's id
	Sent      bool
	Delivered bool
}

// RoomEvent reports changes in a room we joined or are joining, in the order
// they happened. Count, Nick, Subject and State describe the room after the
// changes. The occupants themselves travel only as changes: a receiver keeps
// its own muc.List by applying every change of every event (the initial list
// comes as OccupantJoined changes with our SelfJoined) and empties it when
// State is not Joined; an event costs what changed, not the whole room.
type RoomEvent struct {
	Base
	Room    jid.JID
	Changes []muc.Change
	Count   int       // occupants, ourselves included
	Nick    string    // our nick in the room
	Subject string    // current subject
	State   muc.State // not joined, joining, joined
}

// InviteEvent is an invitation to a room (mediated or XEP-0249 direct).
type InviteEvent struct {
	Base
	Invite muc.Invite
}

// BookmarksEvent carries the account's whole list of room bookmarks, after a
// fetch at login or after a change (ours, or pushed by another client).
type BookmarksEvent struct {
	Base
	Bookmarks []muc.Bookmark
}
