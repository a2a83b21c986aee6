package muc

import (
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Change is something that happened in a room, as Room.HandlePresence and
// Room.HandleSubject report it. Changes are plain data: an event may carry
// them and the receiver may keep them. The concrete types are the ones in
// this file.
type Change interface {
	// RoomJID is the bare JID of the room the change happened in.
	RoomJID() jid.JID
}

// At identifies the room a change belongs to; every change embeds it.
type At struct {
	Room jid.JID // bare JID of the room
}

// RoomJID implements Change.
func (a At) RoomJID() jid.JID { return a.Room }

// SelfJoined: our own presence came back, we are in the room.
type SelfJoined struct {
	At
	Self         Occupant
	Created      bool // 201: the room was created by this join (see CreateInstant)
	NickModified bool // 210: the service changed our nick; Self.Nick is the one it gave
	NonAnonymous bool // 100 or 172: every occupant can see our real JID
	Logging      bool // 170: the room is logged publicly
}

// OccupantJoined: someone else entered the room. Initial is true for the
// occupants the room lists while we are still joining (not news to show as
// "x has joined", but the starting occupant list).
type OccupantJoined struct {
	At
	Occupant Occupant
	Initial  bool
}

// LeaveCause says why an occupant left.
type LeaveCause int

// Leave causes, after the XEP-0045 status codes that announce them.
const (
	Left         LeaveCause = iota // left by themselves (no status code)
	Kicked                         // 307
	Banned                         // 301
	Unaffiliated                   // 321: removed because of an affiliation change
	MembersOnly                    // 322: room became members-only and they are no member
	Shutdown                       // 332: the service is shutting down
	ErrorLeave                     // 333: removed because of a technical problem
)

// String returns a short word for the cause.
func (c LeaveCause) String() string {
	switch c {
	case Left:
		return "left"
	case Kicked:
		return "kicked"
	case Banned:
		return "banned"
	case Unaffiliated:
		return "removed (affiliation change)"
	case MembersOnly:
		return "removed (room is members-only)"
	case Shutdown:
		return "removed (service shutting down)"
	case ErrorLeave:
		return "removed (technical problem)"
	}
	return "left"
}

// OccupantLeft: an occupant left or was removed. When Self is true it is us:
// the room is no longer joined and its occupant list was cleared.
type OccupantLeft struct {
	At
	Occupant Occupant
	Self     bool
	Cause    LeaveCause
	Actor    string // who kicked or banned, if the room says
	Reason   string // the leave status or the kick/ban reason
}

// NickChanged: an occupant (or we, Self) changed nick (status 303).
type NickChanged struct {
	At
	Old, New string
	Self     bool
}

// RoleChanged: an occupant's role changed (voice granted or revoked,
// moderator made or unmade).
type RoleChanged struct {
	At
	Nick     string
	Old, New Role
	Self     bool
	Actor    string
	Reason   string
}

// AffiliationChanged: an occupant's affiliation changed.
type AffiliationChanged struct {
	At
	Nick     string
	JID      jid.JID // real JID if known
	Old, New Affiliation
	Self     bool
	Actor    string
	Reason   string
}

// PresenceChanged: an occupant changed show or status text.
type PresenceChanged struct {
	At
	Nick   string
	Show   string
	Status string
	Self   bool
}

// RealJIDChanged: the room told us an occupant's real JID, or another one
// (as when we became a moderator of a semi-anonymous room).
type RealJIDChanged struct {
	At
	Nick string
	JID  jid.JID
}

// SubjectChanged: the room's subject was set (also sent once on join). By is
// the nick of who set it, empty when the room itself did.
type SubjectChanged struct {
	At
	Subject string
	By      string
}

// Destroyed: the room was destroyed; we are out of it.
type Destroyed struct {
	At
	Reason    string
	Alternate jid.JID // a room to go to instead, may be zero
	Password  string
}

// JoinError: the room refused our join (we are not in the room) or, when
// NickChange is true, refused a nick change (we are still in the room with
// the old nick). Text says why in plain words; SuggestedNick is set for a
// nick conflict.
type JoinError struct {
	At
	Condition     stanza.Condition
	Text          string
	ServerText    string // the room's own explanation, untrusted, may be empty
	SuggestedNick string
	NickChange    bool
}
