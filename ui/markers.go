package ui

import (
	"context"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/msg"
)

// MarkerAccount is an account that sends XEP-0333 chat markers
// (account.Account). A marker is not queued: offline, the account drops
// it.
type MarkerAccount interface {
	// SendMarker sends marker k for the message id to to, in a message of
	// type typ.
	SendMarker(ctx context.Context, to jid.JID, typ, id string, k msg.MarkerKind) error
}

// Chat markers (XEP-0333).
//
// Sent: when Options.ReadMarkers is set, displayed for the newest message
// of the other side that asked for markers (markable) and is in view in
// the window shown of a 1:1 or private conversation, once, while the
// terminal has the focus. A terminal that reports focus (tcell focus
// events) is believed; before one has, the next key tells that someone is
// there. Messages older than one marked are taken as marked too (a marker
// covers every earlier message), so scrolling back sends nothing. Not in
// rooms: a marker there goes to every occupant.
//
// Received: displayed (or acknowledged) from the other side of a 1:1 or
// private conversation marks our messages up to the one it names as read,
// readMark in place of the delivered mark; received counts as a receipt
// (delivery.go). Displayed from another client of ours (Dir Out: a carbon,
// the archive, a room's reflection) means we read the conversation there:
// the window's unread count and highlights drop to the messages after
// the one it names. History keeps markers (history.Fold), so a window
// loaded from it shows the same marks.

// readMark follows the body of our message that the other side displayed:
// two cells, the delivered mark's place and one more.
const readMark = " ✓✓"

// markUI is the UI's marker state, owned by the tview goroutine.
type markUI struct {
	keyed bool // a key came since the last draw: someone is at the terminal
}

// markerID is the id a marker for m names, "" when m did not ask for
// markers (or is ours): the room's stanza-id in a room, else the id.
func markerID(m account.Message) string {
	if !m.Markable || m.Dir != account.In || m.Err != "" {
		return ""
	}
	if m.Type == "groupchat" && !m.Private {
		if m.StanzaIDBy != m.From.Bare().String() {
			return ""
		}
		return m.StanzaID
	}
	return m.ID
}

// ownMsg reports whether e is a message of ours.
func (e *entry) ownMsg() bool { return e.kind == lineOwn || e.kind == lineOwnAct }

// theirMsg reports whether e is a message of someone else.
func (e *entry) theirMsg() bool {
	return e.kind == lineMsg || e.kind == lineAction || e.kind == lineHigh
}

// markRead marks our message e read by the other side. Read says
// delivered too: the delivered mark becomes the read mark, and a receipt
// that comes later adds nothing (delivery.go).
func (e *entry) markRead() {
	if e.read {
		return
	}
	e.read = true
	if e.delivered {
		e.dropMark(deliveredMark) // " ✓" becomes " ✓✓"
	}
	e.addMark(readMark) // before a reactions line (refs.go)
	e.delivered = true
}

// noteMarkable gives the line of m, a message of the other side shown in
// a 1:1 or private window that asked for markers, the id a displayed
// marker for it names.
func (u *UI) noteMarkable(a *acctState, m account.Message) {
	id := markerID(m)
	if id == "" || m.Type == "groupchat" || m.Body == "" || m.Replaces != "" {
		return // not markable, or not a line of its own (markers are not sent in rooms)
	}
	w := u.findWin(a, m.Peer())
	if w == nil || w.kind != winChat {
		return
	}
	if e := w.buf.lookup("i\x00" + id); e != nil && e.theirMsg() && e.markID == "" {
		e.markID = id
	}
}

// keepMarks gives ne, drawn in place of e (a correction) and given its
// delivered mark, e's read mark and marker state.
func keepMarks(ne, e *entry) {
	ne.markID, ne.shown = e.markID, e.shown
	if e.read {
		ne.markRead()
	}
}

// recordMarks sets the marks of e, the line of stored message r, from the
// marker history folded into it: ours displayed by the other side is
// read; theirs displayed by us (here before, or another client of ours)
// needs no marker again when it comes live too.
func recordMarks(e *entry, r history.Record) {
	if r.Folded.Marker != msg.Displayed.String() && r.Folded.Marker != msg.Acknowledged.String() {
		return
	}
	switch {
	case r.Dir == history.Out && e.ownMsg():
		e.markRead()
	case r.Dir == history.In && e.theirMsg():
		e.shown = true
	}
}

// applyMarker applies marker m to window w.
func (u *UI) applyMarker(w *window, m account.Message) {
	key := "i\x00" + m.Marker.ID
	if w.kind == winRoom {
		key = "s\x00" + m.Marker.ID
	}
	e := w.buf.lookup(key)
	if m.Dir == account.Out {
		if m.Marker.Kind != msg.Received && (e == nil || e.theirMsg()) {
			u.readElsewhere(w, e)
		}
		return
	}
	if w.kind == winRoom || e == nil || !e.ownMsg() {
		return // in a room, who read what is not shown
	}
	switch m.Marker.Kind {
	case msg.Received:
		if !e.delivered {
			e.delivered = true
			e.addMark(deliveredMark)
		}
	case msg.Displayed, msg.Acknowledged:
		u.readUpTo(w, e)
	}
}

// lineIndex returns the index of e in w, -1 when it is not there.
func lineIndex(w *window, e *entry) int {
	for i := w.buf.len() - 1; i >= 0; i-- {
		if w.buf.at(i) == e {
			return i
		}
	}
	return -1
}

// readUpTo marks our messages up to e (one of them) read, back to the
// last one already read.
func (u *UI) readUpTo(w *window, e *entry) {
	if e.read {
		return
	}
	for i := lineIndex(w, e); i >= 0; i-- {
		x := w.buf.at(i)
		if !x.ownMsg() {
			continue
		}
		if x.read {
			break
		}
		x.markRead()
	}
}

// settleRead marks read our messages older than the newest one read in w:
// after lines were loaded from history, whose markers name only the
// newest message they cover.
func (u *UI) settleRead(w *window) {
	read := false
	for i := w.buf.len() - 1; i >= 0; i-- {
		x := w.buf.at(i)
		switch {
		case !x.ownMsg():
		case read:
			x.markRead()
		case x.read:
			read = true
		}
	}
}

// markShown records that the messages of the other side up to e (one of
// them) were displayed: no marker is sent for them.
func markShown(w *window, e *entry) {
	for i := lineIndex(w, e); i >= 0; i-- {
		x := w.buf.at(i)
		if x.markID == "" {
			continue
		}
		if x.shown && x != e {
			break
		}
		x.shown = true
	}
}

// readElsewhere applies a displayed marker of another client of ours for
// e (nil: a message w does not hold): what it covers is read, so the
// unread count and the highlights of w keep only the messages after e.
func (u *UI) readElsewhere(w *window, e *entry) {
	unread, high := 0, 0
	if e != nil {
		if e.markID != "" {
			markShown(w, e)
		}
		for i := w.buf.len() - 1; i >= 0; i-- {
			x := w.buf.at(i)
			if x == e {
				break
			}
			if x.theirMsg() || x.kind == lineError {
				unread++
				if x.kind != lineMsg && x.kind != lineAction || w.kind == winChat {
					high++
				}
			}
		}
	}
	if unread >= w.unread && high >= w.highlight {
		return
	}
	w.unread, w.highlight = min(w.unread, unread), min(w.highlight, high)
	if w.hlAt != nil && w.highlight == 0 {
		w.hlAt = nil
	}
	u.roster.touch(w.acct, w.peer) // its unread count (roster.go)
}

// checkDisplayed sends displayed for the newest markable message of the
// other side in view, when it has not been marked yet and someone is at
// the terminal. It runs after each draw, which found that message
// (convoView.Draw).
func (u *UI) checkDisplayed() {
	keyed := u.marks.keyed
	u.marks.keyed = false
	e := u.convo.markable
	w := u.curWin()
	if !u.opts.ReadMarkers || e == nil || e.shown || u.convo.markWin != w || w.kind != winChat || w.acct == nil || w.privGone() {
		return
	}
	if u.alerts.focusKnown.Load() {
		if u.alerts.blurred.Load() {
			return
		}
	} else if !keyed {
		return // no focus events: wait for a key
	}
	ma, ok := w.acct.a.(MarkerAccount)
	if !ok || w.acct.state != account.Online {
		return // offline it would be dropped: marked once back online
	}
	markShown(w, e)
	ctx, to, id := u.ctx, w.peer, e.markID
	w.acct.sends.push(func() {
		_ = ma.SendMarker(ctx, to, "chat", id, msg.Displayed) // a lost marker is not worth a line
	})
}
