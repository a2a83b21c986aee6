package ui

import (
	"strings"

	"mellium.im/xmpp/jid"

	"parley/muc"
	"parley/uistate"
)

// The windows open at quit (conversations, rooms, private conversations,
// in their order, and the current one) and the roster views are kept in the
// state file (package uistate) and restored at start. Rooms restored are
// joined when their account comes online.

// loadState restores the state file's roster views and windows. Runs in
// New, before Run.
func (u *UI) loadState() {
	if u.opts.StateFile == "" {
		return
	}
	st, err := uistate.Load(u.opts.StateFile)
	if err != nil {
		u.info(u.console(), true, "windows not restored: "+err.Error())
		return
	}
	r := u.roster
	switch st.Offline {
	case "hide", "show":
		r.hideOffline, r.offlineSet = st.Offline == "hide", true
	}
	switch st.Order {
	case "name", "presence":
		r.byName, r.orderSet = st.Order == "name", true
	}
	for _, f := range st.Folds {
		if a := u.acctByJID(f.Account); a != nil {
			if r.folded == nil {
				r.folded = make(map[string]bool)
			}
			r.folded[foldKey(a, f.Group)] = true
		}
	}
	index := map[int]int{0: 0} // state's window number - 1 → index in u.wins
	for i, w := range st.Windows {
		a := u.acctByJID(w.Account)
		peer, err := jid.Parse(w.JID)
		if a == nil || err != nil || len(u.wins) >= uistate.MaxWindows {
			continue // an account no longer configured, or a bad address
		}
		switch {
		case w.Kind == uistate.Chat && peer.Resourcepart() == "":
			u.chatWin(a, peer)
		case w.Kind == uistate.Room && peer.Resourcepart() == "" && peer.Localpart() != "":
			rw := u.openRoomWin(a, peer)
			rw.room.nick, rw.room.restore = w.Nick, true
		case w.Kind == uistate.Private && peer.Resourcepart() != "" && peer.Localpart() != "":
			u.privWin(a, peer)
		default:
			continue
		}
		index[i+1] = len(u.wins) - 1
	}
	if i, ok := index[st.Current-1]; ok && st.Current > 0 {
		u.cur = i
		u.enterWin(u.curWin())
	}
}

// acctByJID returns the account whose bare JID is s, or nil.
func (u *UI) acctByJID(s string) *acctState {
	for _, a := range u.accts {
		if a.jid.String() == s {
			return a
		}
	}
	return nil
}

// snapshot returns the state to keep.
func (u *UI) snapshot() uistate.State {
	r := u.roster
	var st uistate.State
	if r.offlineSet {
		st.Offline = map[bool]string{true: "hide", false: "show"}[r.hideOffline]
	}
	if r.orderSet {
		st.Order = map[bool]string{true: "name", false: "presence"}[r.byName]
	}
	for k := range r.folded {
		for _, a := range u.accts {
			if g, ok := strings.CutPrefix(k, a.jid.String()+"\t"); ok {
				st.Folds = append(st.Folds, uistate.Fold{Account: a.jid.String(), Group: g})
			}
		}
	}
	n := 1 // the console
	for i, w := range u.wins {
		var sw uistate.Window
		switch {
		case w.acct == nil:
			continue
		case w.kind == winRoom:
			sw = uistate.Window{Kind: uistate.Room, JID: w.peer.String(), Nick: w.room.nick}
		case w.kind == winChat && w.isPrivate():
			sw = uistate.Window{Kind: uistate.Private, JID: w.peer.String()}
		case w.kind == winChat:
			sw = uistate.Window{Kind: uistate.Chat, JID: w.peer.String()}
		default:
			continue // search windows are not kept
		}
		sw.Account = w.acct.jid.String()
		st.Windows = append(st.Windows, sw)
		n++
		if i == u.cur {
			st.Current = n
		}
	}
	return st
}

// saveState writes the state file; a failure is said in the console.
func (u *UI) saveState() {
	if u.opts.StateFile == "" {
		return
	}
	if err := uistate.Save(u.opts.StateFile, u.snapshot()); err != nil {
		u.info(u.console(), true, "cannot keep the windows: "+err.Error())
	}
}

// joinRestored joins the rooms restored from the state file of account a,
// once, when it comes online; the windows shown do not change.
func (u *UI) joinRestored(a *acctState) {
	ra, err := roomAcct(a)
	if err != nil {
		return
	}
	for _, w := range u.wins {
		if w.acct == a && w.kind == winRoom && w.room.restore {
			w.room.restore = false
			if w.room.state == muc.NotJoined {
				u.joinWin(w, ra, w.room.nick, "")
			}
		}
	}
}
