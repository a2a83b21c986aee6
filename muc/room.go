package muc

import (
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// State is whether we are in a room.
type State int

// Room states.
const (
	NotJoined State = iota // not in the room (never joined, left, kicked, or the connection dropped)
	Joining                // join presence sent, waiting for our own presence
	Joined                 // our own presence came back
)

// String returns a lower-case word for the state.
func (s State) String() string {
	switch s {
	case Joining:
		return "joining"
	case Joined:
		return "joined"
	}
	return "not joined"
}

// Occupant is one person in a room, as plain data.
type Occupant struct {
	Nick        string
	JID         jid.JID // real JID, zero if the room hides it
	Role        Role
	Affiliation Affiliation
	Show        string // away, chat, dnd, xa or empty (available)
	Status      string
	// OccupantID is the room's XEP-0421 occupant id, empty if it gives
	// none. Only a room that announces NSOccupantID vouches for it (it
	// strips any an occupant sends); elsewhere it is an occupant's claim.
	OccupantID string
	// Session numbers the presence sessions of a Room: an occupant keeps
	// its number through nick changes, and one who joins (again, or under
	// a nick someone else had) gets a new one. Never 0 for an occupant a
	// Room reported.
	Session uint64
}

// Room is the state of one room as seen by one account: our nick, whether we
// are in, the subject, and the occupants. It is fed the room's presences and
// subject messages and reports what changed.
//
// A Room is not safe for concurrent use: one goroutine (the account's)
// owns it. The values it returns are copies the caller may keep.
type Room struct {
	room      jid.JID
	nick      string
	state     State
	pending   string // nick asked for with RequestNick, not yet confirmed
	subject   string
	subjectBy string
	list      List
	version   uint64
	dropped   int
	sessions  uint64 // the last Occupant.Session given
}

// NewRoom returns a room we are not yet in. room is reduced to its bare JID;
// nick is the nick we will join with.
func NewRoom(room jid.JID, nick string) *Room {
	return &Room{room: room.Bare(), nick: nick}
}

// JID returns the bare JID of the room.
func (r *Room) JID() jid.JID { return r.room }

// Nick returns our nick in the room (the one the room confirmed, or the one
// we will join with).
func (r *Room) Nick() string { return r.nick }

// State returns whether we are in the room.
func (r *Room) State() State { return r.state }

// Subject returns the room subject and the nick of who set it.
func (r *Room) Subject() (subject, by string) { return r.subject, r.subjectBy }

// Len returns the number of occupants, ourselves included.
func (r *Room) Len() int { return r.list.Len() }

// Dropped returns how many occupants were not tracked because the room had
// more than MaxOccupants.
func (r *Room) Dropped() int { return r.dropped }

// Version increases with every change to the occupant list, so that a
// receiver can skip redrawing an unchanged list.
func (r *Room) Version() uint64 { return r.version }

// StartJoin records that a join presence (see JoinPresence) is being sent
// with nick: the occupant list is cleared and the room is Joining.
func (r *Room) StartJoin(nick string) {
	r.clear()
	r.nick = nick
	r.pending = ""
	r.state = Joining
}

// RequestNick records that a nick change presence (see NickPresence) is
// being sent, so that an error reply is reported as a refused nick change.
func (r *Room) RequestNick(nick string) { r.pending = nick }

// Reset forgets the occupants and marks the room NotJoined, for when the
// connection dropped or a self-ping said we are out. Our nick and the subject
// are kept for the rejoin.
func (r *Room) Reset() {
	r.clear()
	r.state = NotJoined
	r.pending = ""
}

func (r *Room) clear() {
	r.list.Clear()
	r.dropped = 0
	r.version++
}

// Occupant returns the occupant with the given nick.
func (r *Room) Occupant(nick string) (Occupant, bool) { return r.list.Get(nick) }

// FindSession returns the occupant of presence session s (see
// Occupant.Session), whatever its nick is now.
func (r *Room) FindSession(s uint64) (Occupant, bool) {
	for i := range r.list.Len() {
		if o := r.list.At(i); o.Session == s {
			return o, true
		}
	}
	return Occupant{}, false
}

// Find returns the first occupant, in display order, for which match is
// true.
func (r *Room) Find(match func(Occupant) bool) (Occupant, bool) {
	for i := range r.list.Len() {
		if o := r.list.At(i); match(o) {
			return o, true
		}
	}
	return Occupant{}, false
}

// Occupants returns a copy of the occupants ordered by role group
// (moderators, participants, visitors) and then by nick,
// case-insensitively. It costs the whole list: a receiver that follows the
// room keeps its own List from the changes instead.
func (r *Room) Occupants() []Occupant { return r.list.Occupants() }

// InitialChanges returns the occupants other than ourselves as
// OccupantJoined changes marked Initial: the starting list for a receiver
// that was told nothing while we joined. With our SelfJoined after them it
// rebuilds the whole list.
func (r *Room) InitialChanges() []Change {
	out := make([]Change, 0, r.list.Len())
	for i := range r.list.Len() {
		if o := r.list.At(i); o.Nick != r.nick {
			out = append(out, OccupantJoined{At: r.at(), Occupant: o, Initial: true})
		}
	}
	return out
}

// Groups returns the occupants split by role, each group ordered by nick.
// The three slices are windows on one copy; appending to one never
// overwrites another.
func (r *Room) Groups() (moderators, participants, visitors []Occupant) {
	all := r.Occupants()
	n := r.list.Counts()
	i, j := n[0], n[0]+n[1]
	return all[:i:i], all[i:j:j], all[j:]
}

// apply applies changes to the occupant list.
func (r *Room) apply(changes ...Change) []Change {
	for _, c := range changes {
		if r.list.Apply(c) {
			r.version++
		}
	}
	return changes
}

func (r *Room) at() At { return At{Room: r.room} }

func (r *Room) isSelf(p Presence, nick string) bool {
	if p.Has(110) {
		return true
	}
	// Fallback (XEP-0045 §7.2.3): a service that sends no 110 is still
	// recognised by our nick, which no one else can hold in the room.
	return nick == r.nick || (r.pending != "" && nick == r.pending)
}

// HandlePresence applies a presence from the room and returns what changed.
// Presences from other rooms, without a nick, or that change nothing return
// no changes.
func (r *Room) HandlePresence(p Presence) []Change {
	if !p.From.Bare().Equal(r.room) {
		return nil
	}
	nick := clip(p.From.Resourcepart(), MaxNick)
	switch p.Type {
	case stanza.ErrorPresence:
		return r.presenceError(p, nick)
	case stanza.UnavailablePresence:
		if nick == "" {
			return nil
		}
		return r.unavailable(p, nick)
	case "":
		if nick == "" {
			return nil
		}
		return r.available(p, nick)
	}
	return nil
}

func (r *Room) presenceError(p Presence, nick string) []Change {
	e := Error{Condition: stanza.UndefinedCondition}
	if p.Err != nil {
		e = *p.Err
	}
	switch {
	case r.pending != "" && (nick == r.pending || nick == "") && r.state == Joined:
		tried := r.pending
		r.pending = ""
		text, sug := JoinErrorText(e.Condition, tried)
		return []Change{JoinError{At: r.at(), Condition: e.Condition, Text: text, ServerText: e.Text, SuggestedNick: sug, NickChange: true}}
	case r.state == Joining:
		r.Reset()
		text, sug := JoinErrorText(e.Condition, r.nick)
		return []Change{JoinError{At: r.at(), Condition: e.Condition, Text: text, ServerText: e.Text, SuggestedNick: sug}}
	}
	return nil
}

func (r *Room) unavailable(p Presence, nick string) []Change {
	self := r.isSelf(p, nick)
	o, ok := r.list.Get(nick)
	if !ok {
		if !self {
			return nil // someone we never saw
		}
		o = occupantFrom(p, nick)
	}
	if p.Has(303) && p.Item.Nick != "" && p.Item.Nick != nick {
		newNick := p.Item.Nick
		if self {
			r.nick = newNick
			r.pending = ""
		}
		changed := NickChanged{At: r.at(), Old: nick, New: newNick, Self: self}
		if !ok && r.state == Joined { // ourselves, not listed: list us under the new nick
			o.Nick = newNick
			o.Session = r.newSession()
			return r.apply(OccupantJoined{At: r.at(), Occupant: o, Initial: true}, changed)
		}
		return r.apply(changed)
	}
	if self && p.Destroy != nil {
		r.Reset()
		return []Change{Destroyed{At: r.at(), Reason: p.Destroy.Reason, Alternate: p.Destroy.Alternate, Password: p.Destroy.Password}}
	}
	left := OccupantLeft{At: r.at(), Occupant: o, Self: self, Cause: leaveCause(p), Actor: p.Item.Actor, Reason: p.Item.Reason}
	if left.Cause == Left {
		left.Reason = p.Status
	}
	if self {
		r.Reset()
		return []Change{left}
	}
	return r.apply(left)
}

func leaveCause(p Presence) LeaveCause {
	switch {
	case p.Has(301):
		return Banned
	case p.Has(307):
		return Kicked
	case p.Has(321):
		return Unaffiliated
	case p.Has(322):
		return MembersOnly
	case p.Has(332):
		return Shutdown
	case p.Has(333):
		return ErrorLeave
	}
	return Left
}

func occupantFrom(p Presence, nick string) Occupant {
	return Occupant{Nick: nick, JID: p.Item.JID, Role: p.Item.Role, Affiliation: p.Item.Affiliation, Show: p.Show, Status: p.Status, OccupantID: p.OccupantID}
}

func (r *Room) newSession() uint64 {
	r.sessions++
	return r.sessions
}

func (r *Room) available(p Presence, nick string) []Change {
	self := r.isSelf(p, nick)
	if r.state == NotJoined && !self {
		return nil // a stray presence after we left: no occupant list to keep
	}
	e, ok := r.list.Get(nick)
	if !ok {
		if r.list.Len() >= MaxOccupants && !self {
			r.dropped++
			return nil
		}
		e = occupantFrom(p, nick)
		e.Session = r.newSession()
		if !self {
			return r.apply(OccupantJoined{At: r.at(), Occupant: e, Initial: r.state != Joined})
		}
		if r.state == Joined {
			// Ourselves, not listed although joined: list us.
			return r.apply(OccupantJoined{At: r.at(), Occupant: e, Initial: true})
		}
	}
	if self && r.state != Joined {
		r.state = Joined
		r.nick = nick
		r.pending = ""
		o := occupantFrom(p, nick)
		o.Session = e.Session
		return r.apply(SelfJoined{
			At:           r.at(),
			Self:         o,
			Created:      p.Has(201),
			NickModified: p.Has(210),
			NonAnonymous: p.Has(100) || p.Has(172),
			Logging:      p.Has(170),
		})
	}
	if self {
		r.nick = nick
	}
	if !p.MUC {
		// A presence without muc#user says nothing about role or
		// affiliation: keep what we know.
		p.Item.Role, p.Item.Affiliation = e.Role, e.Affiliation
	}
	var out []Change
	if p.Item.Role != e.Role {
		out = append(out, RoleChanged{At: r.at(), Nick: nick, Old: e.Role, New: p.Item.Role, Self: self, Actor: p.Item.Actor, Reason: p.Item.Reason})
	}
	if p.Item.Affiliation != e.Affiliation {
		out = append(out, AffiliationChanged{At: r.at(), Nick: nick, JID: e.JID, Old: e.Affiliation, New: p.Item.Affiliation, Self: self, Actor: p.Item.Actor, Reason: p.Item.Reason})
	}
	if !p.Item.JID.Equal(jid.JID{}) && !p.Item.JID.Equal(e.JID) {
		out = append(out, RealJIDChanged{At: r.at(), Nick: nick, JID: p.Item.JID})
	}
	if p.Show != e.Show || p.Status != e.Status {
		out = append(out, PresenceChanged{At: r.at(), Nick: nick, Show: p.Show, Status: p.Status, Self: self})
	}
	return r.apply(out...)
}

// HandleSubject applies a subject message from the room: a groupchat
// message with a <subject/> and no <body/> (see Message.IsSubject). An empty
// subject clears it. Messages from other rooms are ignored.
func (r *Room) HandleSubject(from jid.JID, subject string) []Change {
	if !from.Bare().Equal(r.room) {
		return nil
	}
	r.subject = clip(subject, MaxSubject)
	r.subjectBy = clip(from.Resourcepart(), MaxNick)
	return []Change{SubjectChanged{At: r.at(), Subject: r.subject, By: r.subjectBy}}
}
