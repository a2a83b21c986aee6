package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/muc"
)

// Group chat (XEP-0045) on package muc. The account keeps one roomState per
// room it wants to be in (joined, joining, or to be rejoined after a
// reconnect); a room leaves the set when we part, are kicked, banned, or
// the room is destroyed, or a join fails. All room state is guarded by
// roomSet.mu; events are built under the lock and emitted after it.

// Group-chat timing.
const (
	firstJoinHistory = 20              // messages of room history asked for on a first join
	rejoinHistoryCap = 200             // at most this many on a rejoin "since" the last message
	pingSilence      = 5 * time.Minute // self-ping a room silent for this long
	pingCheck        = time.Minute     // how often rooms are looked at for silence
	pingTimeout      = 30 * time.Second
	joinConcurrency  = 4 // rooms joined at once at login
)

// RoomError is a room's refusal of a join or nick change, in plain words
// (muc.JoinErrorText). SuggestedNick is set when the nick was taken.
type RoomError struct {
	Room          jid.JID
	Text          string
	SuggestedNick string
}

// Error implements error.
func (e *RoomError) Error() string { return e.Text }

// roomSet is the group-chat state of an account. Its zero value is ready.
type roomSet struct {
	mu           sync.Mutex
	rooms        map[string]*roomState // by bare room JID
	service      jid.JID               // MUC service found by disco
	serviceOf    *xmpp.Session         // the session service was found on
	store        muc.BookmarkStore
	storeOf      *xmpp.Session // the session store was detected on
	bookmarks    []muc.Bookmark
	pingOf       *xmpp.Session // the session the self-ping loop runs for
	subscribedOf *xmpp.Session // the session subscribed to bookmark pushes
	loadedOf     *xmpp.Session // the session whose login fetched the bookmarks
}

// roomState is one room of the set.
type roomState struct {
	room     *muc.Room
	password string
	last     time.Time   // last stanza from the room (for self-ping)
	lastMsg  time.Time   // time of the newest message seen (for a rejoin)
	privs    []*privConv // private conversations with occupants (private.go)
	// occIDTrusted: the room announces XEP-0421 occupant ids (and so
	// strips any an occupant sends).
	occIDTrusted bool
	waiters      []*roomWaiter
	// feats: the room's disco#info, featsKnown once it answered (refreshed
	// after a configuration change, omemoroom.go).
	feats      roomFeatures
	featsKnown bool
	// members: the real bare JIDs of the room's members, admins and
	// owners, from the affiliation lists and occupants' presences, for
	// OMEMO (omemoroom.go); membersOf: the session the lists were read on.
	members   map[string]muc.Affiliation
	membersOf *xmpp.Session
}

// roomWaiter is a method waiting for the room's answer about ourselves.
type roomWaiter struct {
	match func(muc.Change) bool
	ch    chan muc.Change // buffered 1
}

// lookup returns the state of room (bare), or nil. Call with mu held.
func (s *roomSet) lookup(room jid.JID) *roomState {
	return s.rooms[room.Bare().String()]
}

func (s *roomSet) add(room jid.JID, nick string) *roomState {
	if s.rooms == nil {
		s.rooms = make(map[string]*roomState)
	}
	rs := &roomState{room: muc.NewRoom(room, nick)}
	s.rooms[room.Bare().String()] = rs
	return rs
}

// wait registers a waiter. Call with mu held.
func (rs *roomState) wait(match func(muc.Change) bool) *roomWaiter {
	w := &roomWaiter{match: match, ch: make(chan muc.Change, 1)}
	rs.waiters = append(rs.waiters, w)
	return w
}

func (rs *roomState) unwait(w *roomWaiter) {
	rs.waiters = slices.DeleteFunc(rs.waiters, func(x *roomWaiter) bool { return x == w })
}

// deliver hands changes to the waiters they answer. Call with mu held.
func (rs *roomState) deliver(changes []muc.Change) {
	for _, c := range changes {
		rs.waiters = slices.DeleteFunc(rs.waiters, func(w *roomWaiter) bool {
			if !w.match(c) {
				return false
			}
			w.ch <- c
			return true
		})
	}
}

// event describes the room after changes. Call with mu held.
func (a *Account) roomEvent(rs *roomState, changes []muc.Change) RoomEvent {
	subject, _ := rs.room.Subject()
	return RoomEvent{
		Base:    a.base(),
		Room:    rs.room.JID(),
		Changes: changes,
		Count:   rs.room.Len(),
		Nick:    rs.room.Nick(),
		Subject: subject,
		State:   rs.room.State(),
	}
}

// selfOut reports a change that takes us out of the room.
func selfOut(c muc.Change) bool {
	switch c := c.(type) {
	case muc.OccupantLeft:
		return c.Self
	case muc.Destroyed:
		return true
	case muc.JoinError:
		return !c.NickChange
	}
	return false
}

// dropsRoom reports a change after which the room leaves the set: we are
// out and should not come back by ourselves. A removal because the service
// shuts down (332) or had a technical problem (333) keeps the room, to be
// rejoined by the next login or self-ping round.
func dropsRoom(c muc.Change) bool {
	if l, ok := c.(muc.OccupantLeft); ok && l.Self && (l.Cause == muc.Shutdown || l.Cause == muc.ErrorLeave) {
		return false
	}
	return selfOut(c)
}

// defaultNick is the nick used when none is given: the configured one, else
// the localpart of the account.
func (a *Account) defaultNick() string {
	if a.cfg.Nick != "" {
		return a.cfg.Nick
	}
	if l := a.bare.Localpart(); l != "" {
		return l
	}
	return "parley"
}

// reqCtx bounds ctx by iqTimeout when it has no deadline of its own.
func reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, iqTimeout)
}

// roomAddr checks a room address and reduces it to its bare JID.
func roomAddr(room jid.JID) (jid.JID, error) {
	room = room.Bare()
	if room.Localpart() == "" || room.Domainpart() == "" {
		return jid.JID{}, fmt.Errorf("%q is not a room address (room@service)", room.String())
	}
	return room, nil
}

// MUCService returns the group-chat service of the account's server, found
// by service discovery once per login and cached. It waits for replies:
// call it outside the stanza handler.
func (a *Account) MUCService(ctx context.Context) (jid.JID, error) {
	sess, err := a.online()
	if err != nil {
		return jid.JID{}, err
	}
	a.rooms.mu.Lock()
	if a.rooms.serviceOf == sess {
		s := a.rooms.service
		a.rooms.mu.Unlock()
		return s, nil
	}
	a.rooms.mu.Unlock()
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	server, err := jid.New("", a.bare.Domainpart(), "")
	if err != nil {
		return jid.JID{}, err
	}
	svc, err := muc.FindService(ctx, sess, server)
	if err != nil {
		if errors.Is(err, muc.ErrNoService) {
			return jid.JID{}, fmt.Errorf("%s offers no group chat service: give the room as room@service", server)
		}
		return jid.JID{}, fmt.Errorf("looking for the group chat service of %s: %w", server, err)
	}
	a.rooms.mu.Lock()
	a.rooms.service, a.rooms.serviceOf = svc, sess
	a.rooms.mu.Unlock()
	return svc, nil
}

// Join joins room (its resource is ignored) with nick (empty: the
// configured nick, else the account's localpart) and password (may be
// empty). It waits, bounded by ctx, for the room to confirm; a refusal is a
// *RoomError in plain words (nick in use, with a suggested nick; password
// required; members-only; banned; ...). A room that did not exist is
// created with the service's default configuration (instant room). Joining
// a room we are in with another nick changes nick. Progress is reported as
// RoomEvents: one when the join starts, one with the initial occupants and
// SelfJoined (or JoinError). It waits for replies: call it outside the
// stanza handler.
func (a *Account) Join(ctx context.Context, room jid.JID, nick, password string) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	if nick == "" {
		nick = a.defaultNick()
	}
	a.rooms.mu.Lock()
	if rs := a.rooms.lookup(room); rs != nil && rs.room.State() == muc.Joined {
		same := rs.room.Nick() == nick
		a.rooms.mu.Unlock()
		if same {
			return nil
		}
		return a.ChangeNick(ctx, room, nick)
	}
	a.rooms.mu.Unlock()
	_, err = a.join(ctx, sess, room, nick, password, true, false)
	return err
}

// join sends the join presence and waits for the answer. setPassword false
// keeps the stored password (a rejoin). A room the join creates is opened
// as an instant room, protected by the password if there is one (see
// createRoom), unless locked: then it stays locked for the caller to
// configure. created reports that the join created the room.
func (a *Account) join(ctx context.Context, sess *xmpp.Session, room jid.JID, nick, password string, setPassword, locked bool) (created bool, err error) {
	// A room with an archive is caught up from it (mam.go) instead of
	// replaying history: its live messages are held until then.
	feats, ferr := a.roomHasArchive(ctx, room)
	archived := feats.archive
	if archived {
		a.holdRoom(room)
	}
	caughtUp := false
	defer func() {
		if archived && !caughtUp {
			a.release(room.String())
		}
	}()
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	if rs == nil {
		rs = a.rooms.add(room, nick)
	}
	if setPassword {
		rs.password = password
	}
	rs.occIDTrusted = feats.occupantIDs
	if ferr == nil {
		rs.feats, rs.featsKnown = feats, true // OMEMO asks whether the room qualifies (omemoroom.go)
	}
	password = rs.password
	hist := muc.History{MaxStanzas: firstJoinHistory}
	switch {
	case archived:
		hist = muc.History{None: true}
	case !rs.lastMsg.IsZero():
		hist = muc.History{Since: rs.lastMsg, MaxStanzas: rejoinHistoryCap}
	}
	rs.room.StartJoin(nick)
	w := rs.wait(func(c muc.Change) bool {
		_, ok := c.(muc.SelfJoined)
		return ok || selfOut(c)
	})
	ev := a.roomEvent(rs, nil)
	a.rooms.mu.Unlock()
	a.emit(ev)

	a.mu.Lock()
	show, status := a.show, a.status
	a.mu.Unlock()
	stanza, err := muc.JoinPresence(room, nick, password, hist, string(show), status)
	if err == nil {
		err = sess.Send(ctx, stanza)
	}
	if err != nil {
		a.dropRoom(room, rs, w)
		return false, fmt.Errorf("join %s: %w", room, err)
	}
	select {
	case c := <-w.ch:
		switch c := c.(type) {
		case muc.SelfJoined:
			if c.Created && !locked {
				if err := createRoom(ctx, sess, room, password); err != nil {
					return true, err
				}
			}
			if archived {
				caughtUp = true
				go a.catchUpJoined(room)
			}
			return c.Created, nil
		case muc.JoinError:
			return false, &RoomError{Room: room, Text: c.Text, SuggestedNick: c.SuggestedNick}
		case muc.Destroyed:
			return false, &RoomError{Room: room, Text: "the room was destroyed"}
		case muc.OccupantLeft:
			return false, &RoomError{Room: room, Text: "the room removed us while joining (" + c.Cause.String() + ")"}
		}
		return false, nil
	case <-ctx.Done():
		a.rooms.mu.Lock()
		rs.unwait(w)
		a.rooms.mu.Unlock()
		return false, fmt.Errorf("join %s: the room did not answer (%w)", room, ctx.Err())
	}
}

// catchUpJoined catches a joined room up from its archive and releases its
// held live messages (also on failure).
func (a *Account) catchUpJoined(room jid.JID) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*iqTimeout)
	defer cancel()
	if err := a.catchUpRoom(ctx, room); err != nil && !a.isClosing() {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "room " + room.String() + ": " + err.Error()})
	}
}

// dropRoom forgets rs (if it is still the state of room) and reports the
// room as not joined.
func (a *Account) dropRoom(room jid.JID, rs *roomState, w *roomWaiter) {
	a.rooms.mu.Lock()
	if w != nil {
		rs.unwait(w)
	}
	if a.rooms.lookup(room) != rs {
		a.rooms.mu.Unlock()
		return
	}
	delete(a.rooms.rooms, room.String())
	rs.room.Reset()
	ev := a.roomEvent(rs, nil)
	a.rooms.mu.Unlock()
	a.emit(ev)
}

// Part leaves room with an optional reason and waits, bounded by ctx, for
// the room to confirm. When offline, or when the room does not answer, the
// room is forgotten all the same (it will not be rejoined).
func (a *Account) Part(ctx context.Context, room jid.JID, reason string) error {
	room = room.Bare()
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	if rs == nil {
		a.rooms.mu.Unlock()
		return fmt.Errorf("not in room %s", room)
	}
	nick := rs.room.Nick()
	w := rs.wait(selfOut)
	a.rooms.mu.Unlock()

	sess, err := a.online()
	if err == nil {
		var stanza xml.TokenReader
		if stanza, err = muc.LeavePresence(room, nick, reason); err == nil {
			err = sess.Send(ctx, stanza)
		}
	}
	if err == nil {
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
		}
	}
	a.dropRoom(room, rs, w)
	return nil
}

// ChangeNick asks room for a new nick and waits, bounded by ctx, for the
// answer; a refusal is a *RoomError (nick in use, with a suggestion).
func (a *Account) ChangeNick(ctx context.Context, room jid.JID, nick string) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	room = room.Bare()
	stanza, err := muc.NickPresence(room, nick)
	if err != nil {
		return err
	}
	a.rooms.mu.Lock()
	rs := a.rooms.lookup(room)
	if rs == nil || rs.room.State() != muc.Joined {
		a.rooms.mu.Unlock()
		return fmt.Errorf("not in room %s", room)
	}
	if rs.room.Nick() == nick {
		a.rooms.mu.Unlock()
		return nil
	}
	rs.room.RequestNick(nick)
	w := rs.wait(func(c muc.Change) bool {
		switch c := c.(type) {
		case muc.NickChanged:
			return c.Self
		case muc.JoinError:
			return c.NickChange
		}
		return selfOut(c)
	})
	a.rooms.mu.Unlock()
	if err := sess.Send(ctx, stanza); err != nil {
		a.rooms.mu.Lock()
		rs.unwait(w)
		a.rooms.mu.Unlock()
		return err
	}
	select {
	case c := <-w.ch:
		if je, ok := c.(muc.JoinError); ok {
			return &RoomError{Room: room, Text: je.Text, SuggestedNick: je.SuggestedNick}
		}
		if _, ok := c.(muc.NickChanged); !ok {
			return fmt.Errorf("no longer in room %s", room)
		}
		return nil
	case <-ctx.Done():
		a.rooms.mu.Lock()
		rs.unwait(w)
		a.rooms.mu.Unlock()
		return fmt.Errorf("nick change in %s: the room did not answer (%w)", room, ctx.Err())
	}
}

// roomsPresence sends our new show and status to every joined room, so that
// occupants see what our contacts see. Errors are left to the rejoin logic:
// a room we cannot reach is noticed by the self-ping.
func (a *Account) roomsPresence(ctx context.Context, sess *xmpp.Session, show Show, status string) {
	a.rooms.mu.Lock()
	type target struct {
		room jid.JID
		nick string
	}
	var targets []target
	for _, rs := range a.rooms.rooms {
		if rs.room.State() == muc.Joined {
			targets = append(targets, target{rs.room.JID(), rs.room.Nick()})
		}
	}
	a.rooms.mu.Unlock()
	for _, t := range targets {
		p, err := muc.StatusPresence(t.room, t.nick, string(show), status)
		if err != nil {
			continue
		}
		sess.Send(ctx, p)
	}
}
