package account

import (
	"fmt"
	"strconv"

	"mellium.im/xmpp/jid"

	"parley/muc"
)

// Private conversations with room occupants (XEP-0045 §7.5). A nick is not
// a person: an occupant can change it, and after they left or renamed
// someone else can take it. So a private conversation follows the occupant,
// not the nick. It is named once, room/nick with the nick the occupant had
// when it started (with " (2)", " (3)"... when an earlier conversation of
// this run, with someone else, has that name): that name is the window and
// the history file, and Message.Conv of every message of it. The occupant is
// known by their presence session (muc.Occupant.Session), which survives
// nick changes; after they left (or we rejoined), the same real JID, or the
// same XEP-0421 occupant id in a room that vouches for them, is the same
// occupant again. Anyone else is a new conversation; a message typed in a
// conversation whose occupant is gone is refused, never sent to whoever has
// the nick now.

// nsOccupantID is the XEP-0421 feature a room announces to vouch for the
// occupant ids it sends.
const nsOccupantID = muc.NSOccupantID

// maxPrivConvs bounds the private conversations tracked per room (the
// oldest whose occupant is gone make room first).
const maxPrivConvs = 64

// privConv is one private conversation of a room.
type privConv struct {
	peer    jid.JID // its name (Message.Conv)
	nick    string  // the occupant's nick now, or when they left
	session uint64  // their presence session; 0 once gone
	real    jid.JID // their real JID, if the room gave it
	occID   string  // their occupant id, if the room vouches for it
}

// PrivateEvent reports a change of a private conversation with a room
// occupant: it started, its occupant changed nick, left, or came back.
type PrivateEvent struct {
	Base
	Conv    jid.JID // the conversation (Message.Conv)
	Nick    string  // the occupant's nick now (when they left: then)
	Present bool    // in the room: what is typed reaches them
	Started bool    // a new conversation
	// Other is set on a new conversation whose occupant has a nick that
	// an earlier conversation's occupant (someone else) had: Conv then has
	// a suffix, and the receiver should say that this is another person.
	Other bool
}

// bind returns the conversation of occupant o of rs, starting one when
// there is none (started reports it). Call with a.rooms.mu held.
func (rs *roomState) bind(o muc.Occupant) (c *privConv, started, other bool) {
	for _, c := range rs.privs {
		if o.Session != 0 && c.session == o.Session {
			c.nick = o.Nick
			return c, false, false
		}
	}
	for _, c := range rs.privs {
		if c.session == 0 && rs.sameOccupant(c, o) {
			c.session, c.nick = o.Session, o.Nick
			return c, false, false
		}
	}
	if o.Session == 0 {
		// Someone the room did not list (gone already, or past the
		// occupant limit): the conversation that nick last had, if its
		// occupant left.
		for i := len(rs.privs) - 1; i >= 0; i-- {
			if c := rs.privs[i]; c.session == 0 && c.nick == o.Nick {
				return c, false, false
			}
		}
	}
	c = &privConv{nick: o.Nick, session: o.Session, real: o.JID}
	if rs.occIDTrusted {
		c.occID = o.OccupantID
	}
	room := rs.room.JID()
	for n := 1; ; n++ {
		name := o.Nick
		if n > 1 {
			name += " (" + strconv.Itoa(n) + ")"
		}
		p, err := room.WithResource(name)
		if err != nil {
			p = room
		}
		if rs.convNamed(p) == nil {
			c.peer = p
			other = n > 1
			break
		}
	}
	if len(rs.privs) >= maxPrivConvs {
		i := 0
		for j, x := range rs.privs {
			if x.session == 0 {
				i = j
				break
			}
		}
		rs.privs = append(rs.privs[:i], rs.privs[i+1:]...)
	}
	rs.privs = append(rs.privs, c)
	return c, true, other
}

// sameOccupant reports whether o is the occupant of c come back: the same
// real JID (bare), or the same occupant id in a room that vouches for it.
func (rs *roomState) sameOccupant(c *privConv, o muc.Occupant) bool {
	if c.real.Domainpart() != "" && o.JID.Domainpart() != "" {
		return c.real.Bare().Equal(o.JID.Bare())
	}
	return rs.occIDTrusted && c.occID != "" && c.occID == o.OccupantID
}

// convNamed returns the conversation named p, or nil.
func (rs *roomState) convNamed(p jid.JID) *privConv {
	for _, c := range rs.privs {
		if c.peer.Equal(p) {
			return c
		}
	}
	return nil
}

// event describes c for the UI.
func (a *Account) privEvent(c *privConv, started, other bool) PrivateEvent {
	return PrivateEvent{Base: a.base(), Conv: c.peer, Nick: c.nick, Present: c.session != 0, Started: started, Other: other}
}

// privateChanges lets the private conversations of rs follow the room's
// changes: a nick change moves the conversation with its occupant, a leave
// ends its occupant's session, our own (re)join ends every earlier session,
// and an occupant that comes back (same real JID or vouched occupant id)
// takes their conversation up again. It returns the events to emit. Call
// with a.rooms.mu held.
func (a *Account) privateChanges(rs *roomState, changes []muc.Change) []Event {
	if len(rs.privs) == 0 {
		return nil
	}
	var out []Event
	for _, ch := range changes {
		switch ch := ch.(type) {
		case muc.SelfJoined:
			for _, c := range rs.privs {
				c.session = 0 // the room numbers everyone anew
			}
		case muc.OccupantLeft:
			for _, c := range rs.privs {
				if ch.Self && c.session != 0 || !ch.Self && c.session != 0 && c.session == ch.Occupant.Session {
					c.session = 0
					out = append(out, a.privEvent(c, false, false))
				}
			}
		case muc.Destroyed:
			for _, c := range rs.privs {
				if c.session != 0 {
					c.session = 0
					out = append(out, a.privEvent(c, false, false))
				}
			}
		case muc.NickChanged:
			if ch.Self {
				continue
			}
			o, ok := rs.room.Occupant(ch.New)
			if !ok {
				continue
			}
			for _, c := range rs.privs {
				if c.session != 0 && c.session == o.Session {
					c.nick = o.Nick
					out = append(out, a.privEvent(c, false, false))
				}
			}
		case muc.OccupantJoined:
			for _, c := range rs.privs {
				if c.session == 0 && rs.sameOccupant(c, ch.Occupant) {
					c.session, c.nick = ch.Occupant.Session, ch.Occupant.Nick
					out = append(out, a.privEvent(c, false, false))
					break
				}
			}
		}
	}
	return out
}

// privateIn finds the conversation of a private message from occupant nick
// of rs (starting one if needed) and returns it with the event to emit
// first, if any.
func (a *Account) privateIn(rs *roomState, nick string) (jid.JID, *PrivateEvent) {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	o, ok := rs.room.Occupant(nick)
	if !ok {
		o = muc.Occupant{Nick: nick}
	}
	c, started, other := rs.bind(o)
	if !started {
		return c.peer, nil
	}
	ev := a.privEvent(c, true, other)
	return c.peer, &ev
}

// privateExisting returns the conversation with the occupant who has nick
// in rs now, if there is one; it starts none.
func (a *Account) privateExisting(rs *roomState, nick string) (jid.JID, bool) {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	o, ok := rs.room.Occupant(nick)
	if !ok || o.Session == 0 {
		return jid.JID{}, false
	}
	for _, c := range rs.privs {
		if c.session == o.Session {
			return c.peer, true
		}
	}
	return jid.JID{}, false
}

// PrivateConversation returns the private conversation with the occupant
// who has nick in room now (starting one if there is none): what to pass
// to SendMessage to write to them. other is set when it is a new
// conversation named with a suffix because an earlier one, with someone
// else, has the plain name (see PrivateEvent.Other). A nick no occupant has
// is an error.
func (a *Account) PrivateConversation(room jid.JID, nick string) (conv jid.JID, other bool, err error) {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	rs := a.rooms.lookup(room)
	if rs == nil {
		return jid.JID{}, false, fmt.Errorf("not in room %s", room.Bare())
	}
	o, ok := rs.room.Occupant(nick)
	if !ok {
		return jid.JID{}, false, fmt.Errorf("%s is not in %s", nick, room.Bare())
	}
	c, _, other := rs.bind(o)
	return c.peer, other, nil
}

// privateOut resolves the address a private message is sent to: conv is a
// conversation (or room/nick typed by hand). It returns the occupant's
// address now, and the conversation; an occupant who left is an error that
// says so. Call with a.rooms.mu held.
func (rs *roomState) privateOut(conv jid.JID) (to, peer jid.JID, err error) {
	c := rs.convNamed(conv)
	if c == nil {
		o, ok := rs.room.Occupant(conv.Resourcepart())
		if !ok {
			return jid.JID{}, jid.JID{}, fmt.Errorf("%s is not in %s: the message was not sent", conv.Resourcepart(), conv.Bare())
		}
		c, _, _ = rs.bind(o)
	}
	if c.session == 0 {
		if o, ok := rs.room.Find(func(o muc.Occupant) bool { return rs.sameOccupant(c, o) }); ok {
			c.session, c.nick = o.Session, o.Nick
		}
	}
	if c.session == 0 {
		return jid.JID{}, jid.JID{}, fmt.Errorf("%s has left %s: the message was not sent (someone else may have that nick now)", c.nick, conv.Bare())
	}
	o, ok := rs.room.FindSession(c.session)
	if !ok {
		c.session = 0
		return jid.JID{}, jid.JID{}, fmt.Errorf("%s has left %s: the message was not sent", c.nick, conv.Bare())
	}
	to, err = conv.Bare().WithResource(o.Nick)
	return to, c.peer, err
}
