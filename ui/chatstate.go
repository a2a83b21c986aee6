package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/msg"
	"parley/muc"
	"parley/sanitize"
)

// Chat states received (XEP-0085): "bob is typing…" in the status bar and
// the title bar while the other side of a 1:1 or private conversation
// composes, a mark in the window list, and in a room the few occupants
// typing. What is typing is cleared by any other state, by a message from
// the same sender, and typingTTL after the last composing (a client that
// went away without a word). Times come from u.now, so that tests drive
// the clock and call expireTyping; the one timer only triggers the check.
const (
	typingTTL      = 30 * time.Second
	maxTypingNicks = 16 // occupants of one room tracked as typing; past it the oldest goes
	maxTypingShown = 3  // named in the status bar; the others are counted
	maxTypingName  = 16 // cells of one name in the list
	typingMark     = "✎"
)

// typingState is who types in a window (raw nicks, sanitized when drawn).
type typingState struct {
	since time.Time    // 1:1 and private: the last composing; zero: not typing
	nicks []typingNick // rooms: newest last
	heard bool         // the other side sent a chat state here (/close answers with gone)
}

// typingNick is an occupant composing since at.
type typingNick struct {
	nick string
	at   time.Time
}

// setNick records nick's state: composing puts it last, anything else
// drops it.
func (t *typingState) setNick(nick string, composing bool, now time.Time) {
	for i, n := range t.nicks {
		if n.nick == nick {
			t.nicks = append(t.nicks[:i], t.nicks[i+1:]...)
			break
		}
	}
	if !composing {
		return
	}
	if len(t.nicks) >= maxTypingNicks {
		t.nicks = append(t.nicks[:0], t.nicks[1:]...)
	}
	t.nicks = append(t.nicks, typingNick{nick: nick, at: now})
}

// expire drops what has been typing since before cut; it reports whether
// anything was dropped.
func (t *typingState) expire(cut time.Time) bool {
	changed := false
	if !t.since.IsZero() && !t.since.After(cut) {
		t.since, changed = time.Time{}, true
	}
	kept := t.nicks[:0]
	for _, n := range t.nicks {
		if n.at.After(cut) {
			kept = append(kept, n)
		}
	}
	if len(kept) != len(t.nicks) {
		changed = true
	}
	t.nicks = kept
	return changed
}

// oldest returns the earliest time a typing state of t was set, zero when
// none is.
func (t *typingState) oldest() time.Time {
	o := t.since
	for _, n := range t.nicks {
		if o.IsZero() || n.at.Before(o) {
			o = n.at
		}
	}
	return o
}

// applyChatState applies a chat state to the window of its conversation.
// A chat state opens no window, and our own (a sent carbon of another
// client of ours, a room's reflection of us) is not shown.
func (u *UI) applyChatState(a *acctState, ev account.ChatStateEvent) {
	if ev.Peer.Domainpart() == "" || ev.State == msg.NoState {
		return
	}
	composing := ev.State == msg.Composing
	now := u.now()
	if w := u.roomWin(a, ev.Peer); w != nil && ev.Peer.Resourcepart() == "" {
		if ev.Nick == "" || ev.Nick == w.room.nick || len(ev.Nick) > maxName {
			return
		}
		w.typing.setNick(ev.Nick, composing, now)
	} else {
		w := u.findWin(a, ev.Peer)
		if w == nil || w.kind != winChat || ev.Carbon || ev.From.Bare().Equal(a.jid) {
			return
		}
		w.typing.heard = true
		w.typing.since = time.Time{}
		if composing {
			w.typing.since = now
		}
	}
	if composing && !u.states.expiring {
		u.armTyping(typingTTL) // else the check due first arms the next one
	}
}

// typingDone clears the typing state of the sender of m, a message shown
// in w.
func (u *UI) typingDone(w *window, m account.Message) {
	if m.Dir != account.In {
		return
	}
	if w.kind == winRoom {
		w.typing.setNick(m.Nick, false, time.Time{})
		return
	}
	w.typing.since = time.Time{}
}

// messageStates is what a message event does to the chat states and the
// markers of its conversation, before the message itself is shown: the
// sender stops typing, and a marker applies (markers.go). It opens no
// window.
func (u *UI) messageStates(a *acctState, m account.Message) {
	peer := m.Peer()
	var w *window
	if m.Type == "groupchat" && !m.Private {
		w = u.roomWin(a, peer.Bare())
	} else if w = u.findWin(a, peer); w != nil && w.kind != winChat {
		return // a chat message from a room's own address is not the room's
	}
	if w == nil {
		return
	}
	if m.Body != "" {
		u.typingDone(w, m)
	}
	if m.Marker.Kind != msg.NoMarker && m.Marker.ID != "" {
		u.applyMarker(w, m) // markers.go
	}
}

// armTyping schedules one expiry check in d.
func (u *UI) armTyping(d time.Duration) {
	u.states.expiring = true
	time.AfterFunc(d, func() {
		u.Post(histFunc{f: func(u *UI) { u.expireTyping() }})
	})
}

// expireTyping clears the typing states older than typingTTL and arms the
// check for the next one due.
func (u *UI) expireTyping() {
	u.states.expiring = false
	now := u.now()
	var next time.Time
	for _, w := range u.wins {
		w.typing.expire(now.Add(-typingTTL))
		if o := w.typing.oldest(); !o.IsZero() && (next.IsZero() || o.Before(next)) {
			next = o
		}
	}
	if !next.IsZero() {
		u.armTyping(max(next.Add(typingTTL).Sub(now), time.Second))
	}
}

// typingText is what the status bar and the title bar say of w's chat
// states: "bob is typing…", in a room "alice, bob and 2 others are
// typing…"; "" when nobody types. Names are sanitized and bounded.
func (u *UI) typingText(w *window) string {
	switch {
	case w.kind == winChat && !w.typing.since.IsZero():
		name := w.name
		if w.isPrivate() {
			name = cleanName(w.privNick())
		}
		return sanitize.Truncate(name, maxTypingName) + " is typing…"
	case w.kind == winRoom && len(w.typing.nicks) > 0:
		var names []string
		for i := len(w.typing.nicks) - 1; i >= 0 && len(names) < maxTypingShown; i-- {
			names = append(names, sanitize.Truncate(cleanName(w.typing.nicks[i].nick), maxTypingName))
		}
		rest := len(w.typing.nicks) - len(names)
		var s string
		switch {
		case rest > 0:
			s = strings.Join(names, ", ") + " and " + strconv.Itoa(rest) + " " + plural(rest, "other", "others")
		case len(names) == 1:
			return names[0] + " is typing…"
		default:
			s = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		}
		return s + " are typing…"
	}
	return ""
}

// typingLabel is the mark of w in the window list: the other side of a
// 1:1 or private conversation is typing.
func typingLabel(w *window) string {
	if w.kind == winChat && !w.typing.since.IsZero() {
		return typingMark
	}
	return ""
}

// drawTyping draws w's typing text at the right end of the title bar row
// (x, y, width) and returns the cells it took, 0 when nobody types.
func (t *titleBar) drawTyping(scr tcell.Screen, x, y, width int, w *window) int {
	typing := t.u.typingText(w)
	if typing == "" || width < 20 {
		return 0
	}
	typing = sanitize.Truncate(typing, width/2)
	tw := sanitize.Width(typing) + 1
	put(scr, x+width-tw, y, tw, typing, t.u.theme.bar().Foreground(t.u.theme.Activity))
	return tw
}

// roomTyping follows a change of room w: an occupant who leaves or takes
// another nick is no longer typing, and out of the room nobody is.
func roomTyping(w *window, ch muc.Change) {
	switch c := ch.(type) {
	case muc.OccupantLeft:
		w.typing.setNick(c.Occupant.Nick, false, time.Time{})
	case muc.NickChanged:
		w.typing.setNick(c.Old, false, time.Time{})
	}
	if w.room.state != muc.Joined {
		w.typing.nicks = nil
	}
}
