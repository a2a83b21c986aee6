package ui

import (
	"parley/account"
)

// privState is what a private conversation window knows of its occupant:
// the conversation (the window's peer) follows them through nick changes,
// so their nick now can differ from the one it is named after.
type privState struct {
	nick string // their nick now (raw), or when they left
	gone bool   // they left: what is typed is refused by the account
}

// privNick returns the nick the occupant of a private window has now.
func (w *window) privNick() string {
	if w.priv != nil && w.priv.nick != "" {
		return w.priv.nick
	}
	return w.peer.Resourcepart()
}

// privGone reports whether the occupant of a private window left.
func (w *window) privGone() bool { return w.priv != nil && w.priv.gone }

// otherOccupant is the line that starts a conversation with someone who has
// the nick of an earlier conversation's occupant.
func otherOccupant(nick string) string {
	return "a new private conversation: " + cleanName(nick) + " here is not the " + cleanName(nick) +
		" of your earlier conversation in this room (someone else has that nick now)"
}

// applyPrivate applies a PrivateEvent: the window of the conversation
// follows its occupant's nick and says when they leave or come back, and a
// conversation with someone who has an earlier occupant's nick says so.
func (u *UI) applyPrivate(a *acctState, ev account.PrivateEvent) {
	if ev.Conv.Resourcepart() == "" {
		return
	}
	w := u.findWin(a, ev.Conv)
	if w == nil {
		if !ev.Started {
			return
		}
		w = u.privWin(a, ev.Conv) // its message follows
	}
	if w.priv == nil {
		w.priv = &privState{}
	}
	p := w.priv
	old, wasGone := w.privNick(), p.gone
	p.nick, p.gone = ev.Nick, !ev.Present
	w.name = cleanName(ev.Nick) + "/" + u.roomName(a, ev.Conv.Bare())
	switch {
	case ev.Started && ev.Other:
		u.info(w, false, otherOccupant(ev.Nick))
	case ev.Started:
	case !ev.Present && !wasGone:
		u.info(w, true, cleanName(ev.Nick)+" left the room: what you type here is not sent (a new occupant with that nick is someone else)")
	case ev.Present && wasGone:
		u.info(w, false, cleanName(ev.Nick)+" is back in the room")
	case ev.Nick != old:
		u.info(w, false, cleanName(old)+" is now known as "+cleanName(ev.Nick)+": this conversation follows them")
	}
	u.roster.dirty = true
}
