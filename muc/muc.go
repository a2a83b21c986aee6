// Package muc is parley's group-chat protocol layer (XEP-0045 Multi-User Chat
// and the XEPs around it: XEP-0249 direct invitations, XEP-0410 self-ping,
// XEP-0402 and XEP-0048 bookmarks).
//
// It is built on mellium's stanza and xmlstream types and knows nothing of
// parley's account or UI packages. It has four parts:
//
//   - stanza builders (join, leave, nick change, subject, invitations) that
//     return token streams to pass to (*xmpp.Session).Send;
//   - parsers for the stanzas a room sends (ParsePresence, ParseMessage) that
//     bound every size and never panic on hostile input;
//   - Room, a state machine the account goroutine feeds with parsed
//     presences and subjects and that answers with typed Changes (plain data
//     that an event can carry);
//   - request functions (Kick, Ban, SetRole, SetAffiliation, CreateInstant,
//     Destroy, FindService, RoomInfo, SelfPing, bookmarks) that wait for IQ
//     replies: call them from a goroutine of their own, never from a stanza
//     handler (the handler holds the session's input lock and the reply
//     could never be read).
//
// All text in the types of this package comes from the network and is
// untrusted: it is bounded in size here, but receivers must still sanitize it
// before drawing it.
package muc

import (
	"strings"
	"unicode/utf8"
)

// Namespaces used by this package.
const (
	NS           = "http://jabber.org/protocol/muc"
	NSUser       = "http://jabber.org/protocol/muc#user"
	NSAdmin      = "http://jabber.org/protocol/muc#admin"
	NSOwner      = "http://jabber.org/protocol/muc#owner"
	NSConference = "jabber:x:conference"
	NSDiscoInfo  = "http://jabber.org/protocol/disco#info"
	NSDiscoItems = "http://jabber.org/protocol/disco#items"
	NSPing       = "urn:xmpp:ping"
	NSData       = "jabber:x:data"
	NSOccupantID = "urn:xmpp:occupant-id:0" // XEP-0421
)

// Size bounds applied to untrusted text by the parsers. Longer text is cut at
// a rune boundary; more occupants than MaxOccupants are not tracked.
const (
	MaxNick       = 1023  // bytes; the limit of a JID resourcepart
	MaxReason     = 1024  // bytes of a kick/ban/leave/destroy/invite reason
	MaxStatus     = 1024  // bytes of a presence status
	MaxSubject    = 4096  // bytes of a room subject
	MaxName       = 256   // bytes of a room or bookmark name
	MaxPassword   = 256   // bytes of a room password in an invitation or bookmark
	MaxOccupants  = 50000 // occupants tracked per room
	MaxOccupantID = 128   // bytes of a XEP-0421 occupant id (longer ones are ignored)
	MaxCodes      = 16    // status codes kept per presence
	MaxItems      = 10000 // bookmarks, disco items, features kept per reply
)

// Role is an occupant's role in a room (XEP-0045 §5.1).
type Role string

// Roles, from most to least privileged.
const (
	RoleModerator   Role = "moderator"
	RoleParticipant Role = "participant"
	RoleVisitor     Role = "visitor"
	RoleNone        Role = "none"
)

// rank orders roles for the occupant list: moderators first.
func (r Role) rank() int {
	switch r {
	case RoleModerator:
		return 0
	case RoleParticipant:
		return 1
	case RoleVisitor:
		return 2
	}
	return 3
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	return r == RoleModerator || r == RoleParticipant || r == RoleVisitor || r == RoleNone
}

// Affiliation is a user's long-lived affiliation with a room (XEP-0045 §5.2).
type Affiliation string

// Affiliations, from most to least privileged.
const (
	AffOwner   Affiliation = "owner"
	AffAdmin   Affiliation = "admin"
	AffMember  Affiliation = "member"
	AffNone    Affiliation = "none"
	AffOutcast Affiliation = "outcast"
)

// Valid reports whether a is one of the five affiliations.
func (a Affiliation) Valid() bool {
	switch a {
	case AffOwner, AffAdmin, AffMember, AffNone, AffOutcast:
		return true
	}
	return false
}

// Mark is the one-character sign of an occupant in the occupant pane, as
// IRC clients mark theirs: ~ owner, & admin, @ moderator (a role, for an
// occupant who is neither owner nor admin), + member, empty otherwise.
func (o Occupant) Mark() string {
	if m := o.Affiliation.Mark(); m == "~" || m == "&" {
		return m
	}
	if o.Role == RoleModerator {
		return "@"
	}
	return o.Affiliation.Mark()
}

// Mark is the sign of an affiliation: ~ owner, & admin, + member, empty
// otherwise (Occupant.Mark adds @ for moderators).
func (a Affiliation) Mark() string {
	switch a {
	case AffOwner:
		return "~"
	case AffAdmin:
		return "&"
	case AffMember:
		return "+"
	}
	return ""
}

// clip cuts s to at most n bytes at a rune boundary and replaces invalid
// UTF-8, so bounded text stays valid text.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
