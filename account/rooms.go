package account

import (
	"context"
	"encoding/xml"
	"io"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/muc"
)

// The stanza-handler side of group chat: presences and messages of the
// rooms in the set, private messages with occupants, invitations and
// bookmark pushes; plus the per-login work (rejoin, autojoin) and XEP-0410
// self-pings.

const nsPubSubEvent = "http://jabber.org/protocol/pubsub#event"

// stanzaBuf holds the tokens of one stanza (after its start element, up to
// its end) so that several parsers can read it.
type stanzaBuf struct {
	toks     []xml.Token
	children []xml.Name // direct children, at most maxChildren
	err      error      // replayed after the tokens (errTooLarge, a read error)
}

const maxChildren = 64

// bufferStanza reads r to the end of the element whose start was consumed,
// keeping at most maxTokens tokens (the rest is drained, and replay ends
// with errTooLarge).
func bufferStanza(r xml.TokenReader) *stanzaBuf {
	b := &stanzaBuf{}
	depth := 0
	for depth >= 0 {
		tok, err := r.Token()
		if tok != nil {
			switch t := tok.(type) {
			case xml.StartElement:
				if depth == 0 && len(b.children) < maxChildren {
					b.children = append(b.children, t.Name)
				}
				depth++
			case xml.EndElement:
				depth--
			}
			if len(b.toks) < maxTokens {
				b.toks = append(b.toks, xml.CopyToken(tok))
			} else {
				b.err = errTooLarge
			}
		}
		if err != nil {
			if err != io.EOF && b.err == nil {
				b.err = err
			}
			break
		}
		if tok == nil {
			b.err = io.ErrNoProgress
			break
		}
	}
	return b
}

// has reports whether the stanza has a direct child with that name.
func (b *stanzaBuf) has(space, local string) bool {
	for _, n := range b.children {
		if n.Space == space && n.Local == local {
			return true
		}
	}
	return false
}

// reader replays the stanza from its first token.
func (b *stanzaBuf) reader() xml.TokenReader { return &replay{b: b} }

type replay struct {
	b *stanzaBuf
	i int
}

func (r *replay) Token() (xml.Token, error) {
	if r.i < len(r.b.toks) {
		r.i++
		return r.b.toks[r.i-1], nil
	}
	if r.b.err != nil {
		return nil, r.b.err
	}
	return nil, io.EOF
}

// drainAll consumes r to its end.
func drainAll(r xml.TokenReader) {
	for {
		tok, err := r.Token()
		if err != nil || tok == nil {
			return
		}
	}
}

// room returns the state of the room from belongs to, or nil.
func (a *Account) room(from jid.JID) *roomState {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	return a.rooms.lookup(from)
}

// roomPresence handles a presence from a room in the set. It reports false
// (without reading r) for any other presence.
func (h *handler) roomPresence(start xml.StartElement, r xml.TokenReader) bool {
	a := h.a
	from, err := a.jids.Parse(attr(start, "from"))
	if err != nil {
		return false
	}
	rs := a.room(from)
	if rs == nil {
		return false
	}
	p, err := muc.ParsePresence(start, r)
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped an unreadable presence from room " + clip(from.Bare().String(), maxShort) + ": " + err.Error()})
		return true
	}
	a.applyPresence(rs, p, h.clock())
	return true
}

// applyPresence feeds p to the room and reports the changes: one RoomEvent
// per presence, except that while we are joining nothing is reported; the
// initial occupant list goes out in one RoomEvent with our own SelfJoined
// (a room of a thousand occupants is one event, not a thousand), taken from
// the room itself rather than from what happened while joining.
func (a *Account) applyPresence(rs *roomState, p muc.Presence, now time.Time) {
	a.rooms.mu.Lock()
	room := rs.room.JID()
	if a.rooms.lookup(room) != rs {
		a.rooms.mu.Unlock()
		return
	}
	rs.last = now
	joining := rs.room.State() == muc.Joining
	changes := rs.room.HandlePresence(p)
	rs.noteMembers(changes) // the real JIDs of members, for OMEMO (omemoroom.go)
	if len(changes) == 0 {
		a.rooms.mu.Unlock()
		return
	}
	rs.deliver(changes)
	if rs.room.State() == muc.Joining {
		a.rooms.mu.Unlock()
		return
	}
	if joining && rs.room.State() == muc.Joined {
		changes = append(rs.room.InitialChanges(), changes...)
	}
	privs := a.privateChanges(rs, changes) // private conversations follow their occupant (private.go)
	for _, c := range changes {
		if dropsRoom(c) {
			delete(a.rooms.rooms, room.String())
			break
		}
	}
	ev := a.roomEvent(rs, changes)
	a.rooms.mu.Unlock()
	a.emit(ev)
	for _, e := range privs {
		a.emit(e)
	}
}

// roomMessage handles the messages that are group-chat business: groupchat
// messages (dropped unless from a room in the set), private messages from
// occupants of rooms in the set, invitations and bookmark pushes. It
// reports whether it consumed the message; if not, *r reads the whole
// stanza for the other handlers (replayed from a buffer when it looked
// inside).
func (h *handler) roomMessage(start xml.StartElement, r *xml.TokenReader) bool {
	a := h.a
	from, err := parseAddr(attr(start, "from"), a.bare, &a.jids)
	if err != nil {
		return false // the message parser reports it
	}
	typ := attr(start, "type")
	rs := a.room(from)
	switch {
	case typ == "groupchat" && rs == nil:
		drainAll(*r) // not a room we are in (or a contact faking one)
		return true
	case typ == "groupchat":
		h.groupchat(start, *r, rs)
		return true
	case rs != nil && from.Resourcepart() != "":
		h.privateMessage(start, *r, rs)
		return true
	case typ == "chat":
		return false // 1:1 chat: no invitation or push rides on it
	}
	buf := bufferStanza(*r)
	*r = buf.reader()
	var mm muc.Message
	switch {
	case buf.has(muc.NSConference, "x") || buf.has(muc.NSUser, "x") && from.Resourcepart() == "":
		if mm, err = muc.ParseMessage(start, buf.reader()); err == nil && mm.Invite != nil {
			a.emit(InviteEvent{Base: a.base(), Invite: *mm.Invite})
			return true
		}
	case buf.has(nsPubSubEvent, "event"):
		if mm, err = muc.ParseMessage(start, buf.reader()); err == nil {
			if ev, ok := mm.Bookmarks(a.bare); ok {
				a.applyBookmarkPush(ev)
				return true
			}
		}
		if list, ok := ParseDeviceListEvent(start, buf.reader()); ok { // OMEMO (pep.go, omemo.go)
			h.deviceListEvent(from, list)
			return true
		}
		if nick, ok := ParseNickEvent(start, buf.reader()); ok { // XEP-0172 (nick.go)
			if from.Resourcepart() == "" && rs == nil && a.nickFrom(from) {
				a.emit(NickEvent{Base: a.base(), From: from.Bare(), Nick: nick})
			}
			return true
		}
	}
	return false
}

// groupchat handles a groupchat message from a room in the set: a message
// (ours, recognised by our nick, has Dir Out and the room as To), a
// reference to one (reactions, a retraction, a moderation: honoured only
// from the room's bare JID, a marker), a chat state, or a subject change.
func (h *handler) groupchat(start xml.StartElement, r xml.TokenReader, rs *roomState) {
	a := h.a
	now := h.clock()
	pm, err := a.parse(start, r, now)
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped an unreadable message from room " + clip(rs.room.JID().String(), maxShort) + ": " + err.Error()})
		return
	}
	m := fromPayload(&pm, ParseContext{Account: a.bare, Now: now, JIDs: &a.jids})
	room := rs.room.JID()
	if m.Moderation != nil && !m.From.Equal(room) {
		m.Moderation = nil // an occupant posing as the room
	}
	a.rooms.mu.Lock()
	if a.rooms.lookup(m.From) != rs {
		a.rooms.mu.Unlock()
		return
	}
	rs.last = now
	if m.From.Resourcepart() == "" && configChanged(m.mucCodes) {
		go a.refreshRoomFeatures(room) // is it still fit for OMEMO? (omemoroom.go)
	}
	if m.Body == "" && !m.hasRef() {
		var ev *RoomEvent
		if pm.HasSubject {
			if changes := rs.room.HandleSubject(m.From, m.Subject); len(changes) > 0 {
				e := a.roomEvent(rs, changes)
				ev = &e
			}
		}
		ours := m.Nick != "" && m.Nick == rs.room.Nick()
		a.rooms.mu.Unlock()
		if ev != nil {
			a.emit(*ev)
		}
		if pm.ChatState != msg.NoState && m.Nick != "" && !ours {
			a.emit(ChatStateEvent{Base: a.base(), Peer: room, From: m.From, Nick: m.Nick, State: pm.ChatState})
		}
		return
	}
	if !rs.occIDTrusted {
		m.OccupantID = "" // the room does not vouch for it: anyone could have written it
	}
	ours := m.Nick != "" && m.Nick == rs.room.Nick()
	if ours {
		m.Dir, m.To = Out, room
	}
	if m.Body != "" && m.Time.After(rs.lastMsg) {
		rs.lastMsg = m.Time
	}
	a.rooms.mu.Unlock()
	a.emit(MessageEvent{Base: a.base(), Msg: m})
	if pm.ChatState != msg.NoState && m.Nick != "" && !ours {
		a.emit(ChatStateEvent{Base: a.base(), Peer: room, From: m.From, Nick: m.Nick, State: pm.ChatState})
	}
}

// privateMessage handles a message from an occupant of a room in the set
// that is not groupchat: a private message, in the conversation of the
// occupant who sent it (private.go).
func (h *handler) privateMessage(start xml.StartElement, r xml.TokenReader, rs *roomState) {
	a := h.a
	now := h.clock()
	pm, err := a.parse(start, r, now)
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped an unreadable private message from " + clip(attr(start, "from"), maxShort) + ": " + err.Error()})
		return
	}
	if pm.Forwarded != nil {
		return // carbons and archive results come from our own server, never from an occupant
	}
	m := fromPayload(&pm, a.parseContext(now))
	m.Moderation = nil // only the room moderates, in the room
	if m.Body == "" && m.Type != "error" && !m.hasRef() {
		// A chat state (or a receipt): it starts no conversation.
		if conv, ok := a.privateExisting(rs, m.From.Resourcepart()); ok && pm.ChatState != msg.NoState {
			a.emit(ChatStateEvent{Base: a.base(), Peer: conv, From: m.From, Nick: m.From.Resourcepart(), State: pm.ChatState})
		}
		return
	}
	m.Private = true
	m.Nick = m.From.Resourcepart() // who wrote it, as the conversation may outlive the nick
	conv, started := a.privateIn(rs, m.From.Resourcepart())
	m.Conv = conv
	if started != nil {
		a.emit(*started)
	}
	a.deliverChat(m, pm.ChatState)
}

// joinTarget is a room to join at login.
type joinTarget struct {
	room           jid.JID
	nick, password string
	rejoin         bool // in the set before: keep its password
}

// roomsLogin is the group-chat work of a fresh login (not of a resumed
// stream): rejoin every room of the set with its nick and password, fetch
// the bookmarks, join those marked autojoin, and start the self-pings. It
// waits for replies: run it in its own goroutine.
func (a *Account) roomsLogin(ctx context.Context, sess *xmpp.Session) {
	a.rooms.mu.Lock()
	var targets []joinTarget
	seen := make(map[string]bool)
	for key, rs := range a.rooms.rooms {
		rs.room.Reset()
		targets = append(targets, joinTarget{room: rs.room.JID(), nick: rs.room.Nick(), rejoin: true})
		seen[key] = true
	}
	a.rooms.mu.Unlock()
	for _, b := range a.loadBookmarks(ctx, sess) {
		if !b.Autojoin || seen[b.Room.String()] {
			continue
		}
		seen[b.Room.String()] = true
		nick := b.Nick
		if nick == "" {
			nick = a.defaultNick()
		}
		targets = append(targets, joinTarget{room: b.Room, nick: nick, password: b.Password})
	}
	a.joinAll(ctx, sess, targets)
	a.startSelfPing(ctx, sess)
}

// joinAll joins targets, a few at a time, reporting failures as InfoEvents
// (a refusal also comes as a RoomEvent with JoinError).
func (a *Account) joinAll(ctx context.Context, sess *xmpp.Session, targets []joinTarget) {
	sem := make(chan struct{}, joinConcurrency)
	var wg sync.WaitGroup
	for _, t := range targets {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			jctx, cancel := context.WithTimeout(ctx, iqTimeout)
			defer cancel()
			if _, err := a.join(jctx, sess, t.room, t.nick, t.password, !t.rejoin, false); err != nil && ctx.Err() == nil {
				a.emit(InfoEvent{Base: a.base(), Error: true, Text: "cannot join " + t.room.String() + ": " + err.Error()})
			}
		}()
	}
	wg.Wait()
}

// roomsResumed is the group-chat work after a stream was resumed (XEP-0198):
// the rooms are still joined as far as the server knows, but one of them may
// have dropped us meanwhile, so each is self-pinged at once; the self-ping
// loop then runs for the new session.
func (a *Account) roomsResumed(ctx context.Context, sess *xmpp.Session) {
	a.pingRooms(ctx, sess, 0)
	a.startSelfPing(ctx, sess)
}

// startSelfPing runs the self-ping loop for sess until ctx ends or the
// account has another session. One loop runs per session.
func (a *Account) startSelfPing(ctx context.Context, sess *xmpp.Session) {
	a.rooms.mu.Lock()
	if a.rooms.pingOf == sess {
		a.rooms.mu.Unlock()
		return
	}
	a.rooms.pingOf = sess
	a.rooms.mu.Unlock()
	go func() {
		t := time.NewTicker(pingCheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			a.mu.Lock()
			cur := a.sess
			a.mu.Unlock()
			if cur != sess {
				return
			}
			a.pingRooms(ctx, sess, pingSilence)
		}
	}()
}

// pingRooms self-pings every joined room silent for at least silence (0:
// all) and rejoins those that say we are out, and the rooms of the set we
// are out of (removed by a technical problem, a failed rejoin).
func (a *Account) pingRooms(ctx context.Context, sess *xmpp.Session, silence time.Duration) {
	now := time.Now()
	type target struct {
		room jid.JID
		nick string
	}
	var targets, out []target
	a.rooms.mu.Lock()
	for _, rs := range a.rooms.rooms {
		switch {
		case rs.room.State() == muc.Joined && now.Sub(rs.last) >= silence:
			targets = append(targets, target{rs.room.JID(), rs.room.Nick()})
		case rs.room.State() == muc.NotJoined:
			out = append(out, target{rs.room.JID(), rs.room.Nick()})
		}
	}
	a.rooms.mu.Unlock()
	for _, t := range out {
		jctx, cancel := context.WithTimeout(ctx, iqTimeout)
		_, err := a.join(jctx, sess, t.room, t.nick, "", false, false)
		cancel()
		if err != nil && ctx.Err() == nil {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "cannot rejoin " + t.room.String() + ": " + err.Error()})
		}
	}
	for _, t := range targets {
		occ, err := t.room.WithResource(t.nick)
		if err != nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		res, _ := muc.SelfPing(pctx, sess, occ)
		cancel()
		if ctx.Err() != nil {
			return
		}
		a.rooms.mu.Lock()
		rs := a.rooms.lookup(t.room)
		if rs != nil && res == muc.PingJoined {
			rs.last = time.Now()
		}
		a.rooms.mu.Unlock()
		if rs == nil || res != muc.PingNotJoined {
			continue
		}
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "no longer in room " + t.room.String() + " (self-ping); rejoining"})
		jctx, cancel := context.WithTimeout(ctx, iqTimeout)
		_, err = a.join(jctx, sess, t.room, t.nick, "", false, false)
		cancel()
		if err != nil && ctx.Err() == nil {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "cannot rejoin " + t.room.String() + ": " + err.Error()})
		}
	}
}

// roomNick returns our nick in the room of from (any JID of the room), or ""
// when the room is not in the set.
func (a *Account) roomNick(from jid.JID) string {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	if rs := a.rooms.lookup(from); rs != nil {
		return rs.room.Nick()
	}
	return ""
}
