package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/muc"
	"parley/omemo"
)

// OMEMO in group chats, as Conversations does it: only in a room that is
// non-anonymous (we see members' real JIDs) and members-only (the set of
// readers is the member list), encrypted to every device of every member's
// real JID, offline members included, and to our own other devices. The
// members come from the room's member, admin and owner lists (muc#admin,
// read outside the handler) and from occupants' presences; the room's
// disco#info is read at join and again when the room says its
// configuration changed (status 104, 172-174).

// maxRoomMembers bounds the members tracked per room.
const maxRoomMembers = muc.MaxListed

// roomSentKeep bounds the plaintexts of our encrypted room messages kept
// until the room reflects them.
const roomSentKeep = 256

// omemoRefusal says why a room does not qualify for OMEMO, "" if it does.
// Call with rooms.mu held.
func (rs *roomState) omemoRefusal() string {
	room := rs.room.JID().String()
	switch {
	case !rs.featsKnown:
		return "OMEMO: " + room + " did not say whether it is members-only and non-anonymous (no disco#info answer); OMEMO needs both"
	case !rs.feats.nonAnonymous && !rs.feats.membersOnly:
		return "OMEMO needs a members-only, non-anonymous room: " + room + " is neither (anyone may join, and occupants' real JIDs are hidden, so there is no one to encrypt to)"
	case !rs.feats.nonAnonymous:
		return "OMEMO needs a non-anonymous room: " + room + " hides occupants' real JIDs, so their devices cannot be found"
	case !rs.feats.membersOnly:
		return "OMEMO needs a members-only room: " + room + " lets anyone join, who could not read what is encrypted to the members"
	}
	return ""
}

// isRoom reports whether j is a room of the set.
func (a *Account) isRoom(j jid.JID) bool { return a.room(j.Bare()) != nil }

// refreshRoomFeatures reads room's disco#info again (after a configuration
// change) and reports the OMEMO state of the room as changed. It waits
// for a reply: run it in a goroutine of its own.
func (a *Account) refreshRoomFeatures(room jid.JID) {
	ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
	defer cancel()
	f, err := a.roomHasArchive(ctx, room)
	if err != nil {
		return
	}
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	if rs != nil {
		before := rs.omemoRefusal()
		rs.feats, rs.featsKnown = f, true
		if why := rs.omemoRefusal(); before == "" && why != "" && a.explicitOn(room) {
			a.rooms.mu.Unlock()
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: why + ": encrypted messages to it are refused until /omemo off"})
			a.emit(OMEMOEvent{Base: a.base(), Peer: room})
			return
		}
	}
	a.rooms.mu.Unlock()
	a.emit(OMEMOEvent{Base: a.base(), Peer: room})
}

// configChanged reports muc#user status codes that change what the room
// says of itself.
func configChanged(codes []int) bool {
	for _, c := range codes {
		switch c {
		case 104, 170, 171, 172, 173, 174:
			return true
		}
	}
	return false
}

// explicitOn reports whether the user turned OMEMO on for peer.
func (a *Account) explicitOn(peer jid.JID) bool {
	a.om.mu.Lock()
	defer a.om.mu.Unlock()
	return a.om.conv[peer.Bare().String()]
}

// noteMembers records the real JIDs that changes reveal: an occupant with
// a real JID and an affiliation of member or more is a member; one whose
// affiliation drops is not. Call with rooms.mu held.
func (rs *roomState) noteMembers(changes []muc.Change) {
	note := func(nick string) {
		o, ok := rs.room.Occupant(nick)
		if !ok || o.JID.Domainpart() == "" {
			return
		}
		rs.setMember(o.JID.Bare(), o.Affiliation)
	}
	for _, c := range changes {
		switch c := c.(type) {
		case muc.OccupantJoined:
			note(c.Occupant.Nick)
		case muc.SelfJoined:
			note(c.Self.Nick)
		case muc.AffiliationChanged:
			if c.JID.Domainpart() != "" {
				rs.setMember(c.JID.Bare(), c.New)
			}
			note(c.Nick)
		case muc.RealJIDChanged:
			note(c.Nick)
		}
	}
}

// setMember records j's affiliation: member or more adds it, anything
// else removes it. Call with rooms.mu held.
func (rs *roomState) setMember(j jid.JID, aff muc.Affiliation) {
	key := j.Bare().String()
	switch aff {
	case muc.AffMember, muc.AffAdmin, muc.AffOwner:
		if rs.members == nil {
			rs.members = map[string]muc.Affiliation{}
		}
		if _, ok := rs.members[key]; ok || len(rs.members) < maxRoomMembers {
			rs.members[key] = aff
		}
	default:
		delete(rs.members, key)
	}
}

// isMember reports whether j is a known member of room.
func (a *Account) isMember(room, j jid.JID) bool {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	rs := a.rooms.lookup(room)
	if rs == nil {
		return false
	}
	_, ok := rs.members[j.Bare().String()]
	return ok
}

// roomMembers reads the member, admin and owner lists of room once per
// session (a list the room does not let us read is left out; the
// presences of occupants fill in) and returns the members' bare JIDs,
// ours excluded. It waits for replies: never call it from the handler.
func (a *Account) roomMembers(ctx context.Context, sess *xmpp.Session, room jid.JID) ([]string, error) {
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	if rs == nil {
		a.rooms.mu.Unlock()
		return nil, fmt.Errorf("not in room %s", room)
	}
	read := rs.membersOf == sess
	a.rooms.mu.Unlock()
	if !read {
		lists := map[muc.Affiliation][]jid.JID{}
		var errs []string
		for _, aff := range []muc.Affiliation{muc.AffOwner, muc.AffAdmin, muc.AffMember} {
			l, err := muc.AffiliationList(ctx, sess, room, aff)
			if err != nil {
				errs = append(errs, string(aff)+": "+muc.RequestErrorText(err))
				continue
			}
			lists[aff] = l
		}
		a.rooms.mu.Lock()
		if rs := a.rooms.lookup(room); rs != nil {
			for aff, l := range lists {
				for _, j := range l {
					rs.setMember(j, aff)
				}
			}
			rs.membersOf = sess
		}
		a.rooms.mu.Unlock()
		if len(lists) == 0 && ctx.Err() == nil {
			a.emit(InfoEvent{Base: a.base(), Text: "OMEMO: the member lists of " + room.String() + " cannot be read (" + strings.Join(errs, "; ") + "); encrypting to the members seen in the room only"})
		}
	}
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	rs = a.rooms.lookup(room)
	if rs == nil {
		return nil, fmt.Errorf("not in room %s", room)
	}
	var out []string
	for j := range rs.members {
		if j != a.bare.String() {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out, nil
}

// setRoomOMEMO is SetOMEMO for a room of the set: on is refused, with the
// reason, in a room that does not qualify; else the member lists and the
// members' device lists are read at once, so that the title can count
// their devices.
func (a *Account) setRoomOMEMO(ctx context.Context, room jid.JID, on bool) error {
	if on {
		a.rooms.mu.Lock()
		rs := a.rooms.lookup(room)
		known := rs != nil && rs.featsKnown
		a.rooms.mu.Unlock()
		if !known {
			a.refreshRoomFeatures(room)
		}
		a.rooms.mu.Lock()
		why := "not in room " + room.String()
		if rs := a.rooms.lookup(room); rs != nil {
			why = rs.omemoRefusal()
		}
		a.rooms.mu.Unlock()
		if why != "" {
			return errors.New(why)
		}
	}
	if err := a.setConv(room, on); err != nil {
		return err
	}
	if on {
		if sess, err := a.online(); err == nil {
			ctx, cancel := context.WithTimeout(ctx, 2*iqTimeout)
			defer cancel()
			if members, err := a.roomMembers(ctx, sess, room); err == nil {
				a.fetchMemberLists(ctx, sess, members)
			}
		}
	}
	a.emit(OMEMOEvent{Base: a.base(), Peer: room})
	return nil
}

// fetchMemberLists fetches the device lists of members (and ours) not
// fetched on sess.
func (a *Account) fetchMemberLists(ctx context.Context, sess *xmpp.Session, members []string) {
	for _, m := range append(slices.Clone(members), a.bare.String()) {
		j, err := jid.Parse(m)
		if err != nil || a.fetchedOn(j, sess) {
			continue
		}
		if _, err := a.fetchDeviceList(ctx, sess, j); err != nil && ctx.Err() == nil {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "OMEMO: device list of " + m + " not fetched: " + err.Error()})
		}
	}
}

// sealRoom encrypts our groupchat message m when OMEMO is on for its room:
// to every trusted device of every member (offline ones included) and of
// our own other devices. A room that stopped qualifying refuses the
// message rather than sending it in the clear.
func (a *Account) sealRoom(ctx context.Context, sess *xmpp.Session, m Message) (Message, error) {
	room := m.To.Bare()
	if a.om.mgr == nil || m.Body == "" || m.Reactions != nil || m.Retraction != nil || m.Marker.Kind != 0 || !a.explicitOn(room) {
		return m, nil
	}
	a.rooms.mu.Lock()
	why := "not in room " + room.String()
	if rs := a.rooms.lookup(room); rs != nil {
		why = rs.omemoRefusal()
	}
	a.rooms.mu.Unlock()
	if why != "" {
		return Message{}, fmt.Errorf("%s; not sent (/omemo off sends in the clear)", why)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*iqTimeout)
	defer cancel()
	members, err := a.roomMembers(ctx, sess, room)
	if err != nil {
		return Message{}, err
	}
	a.fetchMemberLists(ctx, sess, members)
	a.buildSessions(ctx, sess, members...)
	text := m.Body
	if m.Reply != nil {
		text = m.Quote + m.Body
	}
	e, skipped, err := a.om.mgr.Encrypt([]byte(text), members...)
	if errors.Is(err, omemo.ErrNoDevices) {
		return Message{}, fmt.Errorf("OMEMO is on but no member of %s has a trusted device to encrypt to (%d member(s) known; /omemo off sends in the clear)", room, len(members))
	}
	if err != nil {
		return Message{}, fmt.Errorf("OMEMO: %w", err)
	}
	var none []string
	for _, s := range skipped {
		if s.Device == 0 && s.JID != a.bare.String() {
			none = append(none, s.JID)
		}
	}
	if len(none) > 0 {
		a.emit(InfoEvent{Base: a.base(), Text: "OMEMO: " + strings.Join(none, ", ") + " of " + room.String() + " cannot read this message: no OMEMO device"})
	}
	raw, err := encodeStanza(sealedStanza(m, e))
	if err != nil {
		return Message{}, fmt.Errorf("OMEMO: %w", err)
	}
	m.sealed, m.Encrypted = raw, true
	a.om.mu.Lock()
	if a.om.roomSent == nil || len(a.om.roomSent) >= roomSentKeep {
		a.om.roomSent = map[string]string{}
	}
	a.om.roomSent[m.ID] = text
	a.om.mu.Unlock()
	return m, nil
}

// takeRoomSent returns (once) the text of our encrypted room message id,
// kept until the room reflects it.
func (a *Account) takeRoomSent(ids ...string) (string, bool) {
	a.om.mu.Lock()
	defer a.om.mu.Unlock()
	for _, id := range ids {
		if t, ok := a.om.roomSent[id]; ok && id != "" {
			delete(a.om.roomSent, id)
			return t, true
		}
	}
	return "", false
}

// roomSender returns the real bare JID of the sender of the groupchat
// message m, for decryption: for a live message, the occupant's as the
// room's presence gave it; for an archived one, the JID the room's
// archive added, else the occupant's now. It must be a member. why says
// what is missing when it returns false.
func (a *Account) roomSender(m Message) (jid.JID, string) {
	room := m.From.Bare()
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	var sender jid.JID
	if rs != nil {
		if m.Archived && m.realJID.Domainpart() != "" {
			sender = m.realJID
		} else if o, ok := rs.room.Occupant(m.Nick); ok && o.JID.Domainpart() != "" {
			sender = o.JID.Bare()
		} else if m.realJID.Domainpart() != "" && m.Delayed {
			sender = m.realJID // room history replayed on join
		}
	}
	_, member := rs.membersOrNil()[sender.String()]
	a.rooms.mu.Unlock()
	switch {
	case rs == nil:
		return jid.JID{}, "not in room " + room.String()
	case sender.Domainpart() == "":
		return jid.JID{}, "the room does not say who " + m.Nick + " is"
	case !member && !sender.Equal(a.bare):
		return jid.JID{}, sender.String() + " is not a member of " + room.String()
	}
	return sender, ""
}

// membersOrNil is rs.members, nil for a nil rs.
func (rs *roomState) membersOrNil() map[string]muc.Affiliation {
	if rs == nil {
		return nil
	}
	return rs.members
}

// roomOMEMOStatus is OMEMOStatus for a room: the devices and trust of
// every known member.
func (a *Account) roomOMEMOStatus(room jid.JID) OMEMOStatus {
	st := OMEMOStatus{Available: true, On: a.explicitOn(room), Room: true, Trusted: true}
	a.rooms.mu.Lock()
	var members []string
	if rs := a.rooms.lookup(room); rs != nil {
		st.Refusal = rs.omemoRefusal()
		for j := range rs.members {
			if j != a.bare.String() {
				members = append(members, j)
			}
		}
	}
	a.rooms.mu.Unlock()
	st.Members = len(members)
	for _, j := range members {
		pj, err := jid.Parse(j)
		if err != nil {
			continue
		}
		ms := a.contactOMEMOStatus(pj)
		st.Devices += ms.Devices
		st.Undecided += ms.Undecided
		if !ms.Trusted {
			st.Trusted = false
		}
	}
	if st.Devices == 0 {
		st.Trusted = false
	}
	return st
}
