package ui

import (
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
	"parley/sanitize"
)

// roomState is what a room window knows of its room. Network strings are
// kept raw (nicks are compared with what the room sends) and sanitized when
// drawn; occ is kept by applying every change of every RoomEvent.
type roomState struct {
	state     muc.State
	nick      string // our nick in the room (raw)
	nickClean string // sanitized, for mentions
	subject   string // sanitized
	subjectBy string // sanitized
	occ       muc.List
	password  string   // the one we joined with, for bookmarks and rejoins
	speakers  []string // raw nicks, most recent first (completion)
	errSeq    uint64   // join/nick errors shown so far, see joinResult
	loaded    bool     // a RoomEvent arrived: nick and occupants are known
	occOffset int      // first row of the occupant pane shown
	restore   bool     // restored at start (state.go): join when the account is online
	configure bool     // the next join creates a new room from its form (/join -configure, room_config.go)
}

// roomUI is the group-chat state of the UI, owned by the tview goroutine.
type roomUI struct {
	occ       *occupantView
	hideOcc   bool                          // occupant pane toggled off
	bookmarks map[*acctState][]muc.Bookmark // by account, as the server sent them
	invite    *pendingInvite                // the newest invitation, for Alt-j
}

// pendingInvite is an invitation waiting for Alt-j.
type pendingInvite struct {
	acct *acctState
	inv  muc.Invite
}

// winRoom is the kind of a group chat window (its window has room set).
const winRoom winKind = 32

// postFunc queues f to run on the tview goroutine, in order with the
// account events posted before it.
func (u *UI) postFunc(f func()) { u.Post(histFunc{f: func(*UI) { f() }}) }

// roomWin returns the room window of account a for room (bare), or nil.
func (u *UI) roomWin(a *acctState, room jid.JID) *window {
	for _, w := range u.wins {
		if w.acct == a && w.kind == winRoom && w.peer.Equal(room) {
			return w
		}
	}
	return nil
}

// openRoomWin returns the room window of a for room, creating it.
func (u *UI) openRoomWin(a *acctState, room jid.JID) *window {
	room = room.Bare()
	if w := u.roomWin(a, room); w != nil {
		return w
	}
	w := newWindow(winRoom, a, room, u.roomName(a, room))
	w.room = &roomState{}
	u.loadTail(w) // before any live message: see skipLive
	u.wins = append(u.wins, w)
	u.roster.dirty = true
	return w
}

// roomName is the window name of a room: its bookmark name, else its local
// part, else the JID.
func (u *UI) roomName(a *acctState, room jid.JID) string {
	for _, b := range u.rm.bookmarks[a] {
		if name := strings.TrimSpace(cleanName(b.Name)); b.Room.Equal(room) && name != "" {
			return name
		}
	}
	if lp := room.Localpart(); lp != "" {
		return cleanName(lp)
	}
	return cleanName(room.String())
}

// privWin returns the window of a private conversation with a room occupant
// (peer is room@service/nick), creating it.
func (u *UI) privWin(a *acctState, peer jid.JID) *window {
	if w := u.findWin(a, peer); w != nil {
		return w
	}
	name := cleanName(peer.Resourcepart()) + "/" + u.roomName(a, peer.Bare())
	w := newWindow(winChat, a, peer, name)
	w.priv = &privState{nick: peer.Resourcepart()}
	u.loadTail(w)
	u.wins = append(u.wins, w)
	u.roster.dirty = true
	return w
}

// isPrivate reports whether w is a private conversation with a room occupant.
func (w *window) isPrivate() bool {
	return w.kind == winChat && w.peer.Resourcepart() != ""
}

// applyRoom applies a RoomEvent: the state, nick, subject and occupant
// snapshot, and an info line per change worth one.
func (u *UI) applyRoom(a *acctState, ev account.RoomEvent) {
	room := ev.Room.Bare()
	w := u.roomWin(a, room)
	if w == nil {
		if ev.State == muc.NotJoined {
			// A room whose window was closed, or a failed autojoin.
			for _, ch := range ev.Changes {
				if je, ok := ch.(muc.JoinError); ok {
					u.info(u.console(), true, fmt.Sprintf("%s: could not join %s: %s", a.jid, cleanName(room.String()), cleanName(je.Text)))
				}
			}
			return
		}
		w = u.openRoomWin(a, room)
	}
	rs := w.room
	was := rs.state
	prevSubject := rs.subject
	rs.state = ev.State
	rs.nick = ev.Nick
	rs.nickClean = cleanName(ev.Nick)
	rs.subject = cleanSubject(ev.Subject)
	rs.loaded = true
	explained := false
	for _, ch := range ev.Changes {
		rs.occ.Apply(ch)
	}
	if ev.State != muc.Joined {
		rs.occ.Clear()
	}
	for _, ch := range ev.Changes {
		if sc, ok := ch.(muc.SubjectChanged); ok && sc.Subject == "" && prevSubject == "" {
			continue // rooms send an empty subject on every join: nothing was cleared
		}
		u.applyChange(w, ch)
		roomTyping(w, ch) // who left stops typing (chatstate.go)
		switch c := ch.(type) {
		case muc.OccupantLeft:
			explained = explained || c.Self
		case muc.Destroyed, muc.JoinError:
			explained = true
		}
	}
	if was == muc.Joined && ev.State == muc.NotJoined && !explained {
		u.info(w, true, "you are no longer in this room (/join to come back)")
	}
	u.roster.dirty = true
}

// cleanSubject sanitizes and bounds a room subject for one line.
func cleanSubject(s string) string {
	if len(s) > muc.MaxSubject {
		s = s[:muc.MaxSubject]
	}
	return sanitize.Text(s)
}

// applyChange shows one room change as an info line in w.
func (u *UI) applyChange(w *window, ch muc.Change) {
	rs := w.room
	by := func(actor, reason string) string {
		s := ""
		if actor != "" {
			s = " by " + cleanName(actor)
		}
		if reason != "" {
			s += " (" + cleanName(reason) + ")"
		}
		return s
	}
	switch c := ch.(type) {
	case muc.SelfJoined:
		line := "you joined " + cleanName(c.RoomJID().String()) + " as " + cleanName(c.Self.Nick)
		var notes []string
		if c.Created {
			note := "a new room was created"
			if !w.room.configure {
				note += " (/configure sets it up)" // else its form is on the way (room_config.go)
			}
			notes = append(notes, note)
		}
		if c.NickModified {
			notes = append(notes, "the room changed your nick")
		}
		if c.NonAnonymous {
			notes = append(notes, "everyone here can see your address")
		}
		if c.Logging {
			notes = append(notes, "this room is logged publicly")
		}
		if len(notes) > 0 {
			line += ": " + strings.Join(notes, ", ")
		}
		u.info(w, false, line)
	case muc.OccupantJoined:
		if c.Initial || !u.opts.ShowJoins {
			return
		}
		line := cleanName(c.Occupant.Nick)
		if c.Occupant.JID.String() != "" {
			line += " (" + cleanName(c.Occupant.JID.String()) + ")"
		}
		u.info(w, false, line+" has joined")
	case muc.OccupantLeft:
		u.applyLeft(w, c, by)
	case muc.NickChanged:
		if c.Self {
			u.info(w, false, "you are now known as "+cleanName(c.New))
			return
		}
		for i, s := range rs.speakers {
			if s == c.Old {
				rs.speakers[i] = c.New
			}
		}
		u.info(w, false, cleanName(c.Old)+" is now known as "+cleanName(c.New))
	case muc.RoleChanged:
		who := cleanName(c.Nick)
		if c.Self {
			who = "you"
		}
		u.info(w, false, fmt.Sprintf("%s: role %s → %s%s", who, c.Old, c.New, by(c.Actor, c.Reason)))
	case muc.AffiliationChanged:
		who := cleanName(c.Nick)
		if c.Self {
			who = "you"
		} else if who == "" {
			who = cleanName(c.JID.String())
		}
		u.info(w, false, fmt.Sprintf("%s: affiliation %s → %s%s", who, c.Old, c.New, by(c.Actor, c.Reason)))
	case muc.SubjectChanged:
		rs.subjectBy = cleanName(c.By)
		switch {
		case c.Subject == "":
			u.info(w, false, "the topic was cleared"+by(c.By, ""))
		case c.By != "":
			u.info(w, false, cleanName(c.By)+" changed the topic to: "+cleanSubject(c.Subject))
		default:
			u.info(w, false, "topic: "+cleanSubject(c.Subject))
		}
	case muc.Destroyed:
		line := "the room was destroyed"
		if c.Reason != "" {
			line += ": " + cleanName(c.Reason)
		}
		if c.Alternate.String() != "" {
			alt := cleanName(c.Alternate.Bare().String())
			line += "; it moved to " + alt + " (/join " + alt
			if c.Password != "" {
				line += " " + cleanName(c.Password)
			}
			line += ")"
		}
		u.info(w, true, line)
	case muc.JoinError:
		rs.errSeq++
		line := cleanName(c.Text)
		if c.ServerText != "" {
			line += " (the room says: " + cleanName(c.ServerText) + ")"
		}
		if c.SuggestedNick != "" {
			retry := u.retryCommand(w, c.SuggestedNick, c.NickChange)
			line += " — " + retry + " to retry"
			if w == u.curWin() && u.input.text == "" {
				u.input.set(retry) // a one-key accept: Enter
				line += " (typed for you: press Enter)"
			}
		}
		u.info(w, true, line)
	}
}

// retryCommand is the command that retries a refused join or nick change
// with the suggested nick.
func (u *UI) retryCommand(w *window, nick string, nickChange bool) string {
	if nickChange {
		return "/nick " + cleanName(nick)
	}
	cmd := "/join " + w.peer.String() + "/" + cleanName(nick)
	if w.room.password != "" {
		cmd += " " + w.room.password
	}
	return cmd
}

// applyLeft shows an occupant leaving, or us leaving.
func (u *UI) applyLeft(w *window, c muc.OccupantLeft, by func(actor, reason string) string) {
	who := cleanName(c.Occupant.Nick)
	if c.Self {
		who = "you"
	}
	var line string
	isErr := c.Self
	switch c.Cause {
	case muc.Kicked:
		line = who + " were kicked" + by(c.Actor, c.Reason)
		if !c.Self {
			line = who + " was kicked" + by(c.Actor, c.Reason)
		}
	case muc.Banned:
		line = who + " were banned" + by(c.Actor, c.Reason)
		if !c.Self {
			line = who + " was banned" + by(c.Actor, c.Reason)
		}
	case muc.Left:
		if !c.Self && !u.opts.ShowJoins {
			return
		}
		isErr = false
		line = who + " left"
		if c.Self {
			line = "you left the room (/join to come back, /close to close this window)"
		}
		if c.Reason != "" {
			line += " (" + cleanName(c.Reason) + ")"
		}
	default:
		line = fmt.Sprintf("%s removed from the room: %s%s", who, c.Cause, by(c.Actor, c.Reason))
	}
	u.info(w, isErr, line)
}

// roomOf returns the state of a's room window for room, or nil.
func (u *UI) roomOf(a *acctState, room jid.JID) *roomState {
	if w := u.roomWin(a, room); w != nil {
		return w.room
	}
	return nil
}

// applyInvite shows an invitation in the console and the current window,
// and remembers it for Alt-j.
func (u *UI) applyInvite(a *acctState, inv muc.Invite) {
	if inv.Room.String() == "" {
		return
	}
	inv.Room = inv.Room.Bare()
	u.rm.invite = &pendingInvite{acct: a, inv: inv}
	from := cleanName(inviter(inv))
	line := from + " invites you to " + cleanName(inv.Room.String())
	if inv.Reason != "" {
		line += " (" + cleanName(inv.Reason) + ")"
	}
	if inv.Password != "" {
		line += ", with its password"
	}
	line += " — press Alt-j to join"
	if len(u.accts) > 1 {
		line = a.name + ": " + line
	}
	u.add(u.console(), u.notice(line), true)
	if u.cur != 0 {
		u.add(u.curWin(), u.notice(line), false)
	}
}

// notice is an info line drawn in the highlight colour (and counted as a
// highlight in a window not shown). line must be sanitized.
func (u *UI) notice(line string) *entry {
	e := composeEntry(u.now().In(u.loc), u.opts.TimeFormat, lineInfo, "", []string{line})
	e.kind = lineHigh
	return e
}

// applyBookmarks replaces the bookmarks of account a.
func (u *UI) applyBookmarks(a *acctState, bms []muc.Bookmark) {
	if u.rm.bookmarks == nil {
		u.rm.bookmarks = make(map[*acctState][]muc.Bookmark)
	}
	if len(bms) > muc.MaxItems {
		bms = bms[:muc.MaxItems]
	}
	u.rm.bookmarks[a] = bms
	for _, w := range u.wins {
		if w.acct == a && w.kind == winRoom {
			w.name = u.roomName(a, w.peer)
		}
	}
	u.roster.dirty = true
}

// bookmark returns a's bookmark of room, if any.
func (u *UI) bookmark(a *acctState, room jid.JID) (muc.Bookmark, bool) {
	for _, b := range u.rm.bookmarks[a] {
		if b.Room.Equal(room) {
			return b, true
		}
	}
	return muc.Bookmark{}, false
}
