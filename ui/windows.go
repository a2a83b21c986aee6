package ui

import (
	"strconv"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
)

// winKind is the kind of a window. Room and search windows slot in here.
type winKind uint8

const (
	winConsole winKind = iota // window 1: account states, errors, /help
	winChat                   // a 1:1 conversation
)

// window is one conversation (or the console) and its lines.
type window struct {
	kind     winKind
	acct     *acctState // nil for the console
	peer     jid.JID    // bare JID (full for a room private chat)
	name     string     // sanitized display name
	peerText string     // peer sanitized once, for titles
	buf      *ring
	scroll   int // rows scrolled up from the bottom

	draft     draft  // the input line's text while another window is shown (ui/edit.go)
	hlAt      *entry // the highlight Alt-p/Alt-n jumped to last (ui/nav.go)
	unread    int    // messages not seen
	highlight int    // of which mention us (counted separately)

	typing typingState // who is typing here (ui/chatstate.go)
	cs     chatOut     // the chat state we sent here (ui/chatstate_out.go)

	hist  *histState     // paging through history (ui/history.go); nil without
	srch  *searchState   // for search windows (ui/search.go)
	rlist *roomListState // for the room list window (ui/roomlist.go)
	room  *roomState     // for room windows (ui/room.go)
	priv  *privState     // for private conversations with an occupant (ui/private.go)
	own   ownLast        // our newest message here, for /correct (ui/correct.go)
	// omemo is the conversation's OMEMO state for its title (ui/omemo.go);
	// nil: unknown, or no OMEMO.
	omemo *account.OMEMOStatus
	sel   *entry     // the selected message in the selection mode, or nil (ui/select.go)
	form  *formState // for form windows (ui/form.go)
	xml   *xmlState  // for XML console windows (ui/xmlconsole.go)
}

func newWindow(kind winKind, a *acctState, peer jid.JID, name string) *window {
	w := &window{kind: kind, acct: a, peer: peer, name: name, peerText: sanitize.Text(peer.String()), buf: newRing(maxEntries)}
	w.buf.days = kind != winSearch // search hits come in the order found
	return w
}

// curWin returns the current window.
func (u *UI) curWin() *window { return u.wins[u.cur] }

// console returns window 1.
func (u *UI) console() *window { return u.wins[0] }

// findWin returns the chat window of account a with peer, or nil.
func (u *UI) findWin(a *acctState, peer jid.JID) *window {
	for _, w := range u.wins {
		if w.acct == a && w.peer.Equal(peer) {
			return w
		}
	}
	return nil
}

// chatWin returns the chat window of account a with peer, creating it.
func (u *UI) chatWin(a *acctState, peer jid.JID) *window {
	if w := u.findWin(a, peer); w != nil {
		return w
	}
	w := newWindow(winChat, a, peer, a.displayName(peer))
	u.loadTail(w) // before any live message: see skipLive
	u.wins = append(u.wins, w)
	u.refreshOMEMO(w) // the title's OMEMO state (omemo.go)
	u.roster.dirty = true
	return w
}

// show makes window index i current.
func (u *UI) show(i int) {
	if i < 0 || i >= len(u.wins) || i == u.cur {
		return
	}
	u.leaveWin(u.curWin())
	u.leaveSelect(u.curWin()) // ui/select.go
	u.prev, u.cur = u.cur, i
	w := u.wins[i]
	u.enterWin(w)
	w.hlAt = nil
	w.unread, w.highlight = 0, 0
	u.comp.reset()
	u.roster.touch(w.acct, w.peer) // its unread count (roster.go)
}

// showWin makes w current.
func (u *UI) showWin(w *window) {
	for i, x := range u.wins {
		if x == w {
			u.show(i)
			return
		}
	}
}

// closeWin closes window index i (never the console).
func (u *UI) closeWin(i int) {
	if i <= 0 || i >= len(u.wins) {
		return
	}
	if st := u.wins[i].rlist; st != nil && st.cancel != nil {
		st.cancel() // the room list's requests (roomlist.go)
	}
	wasCur := i == u.cur
	u.formClosed(u.wins[i]) // a form not sent is cancelled (form.go)
	closeXML(u.wins[i])     // an XML console stops capturing (xmlconsole.go)
	if wasCur {
		u.leaveWin(u.curWin()) // the closed window's draft goes with it
	}
	u.wins = append(u.wins[:i], u.wins[i+1:]...)
	adj := func(k int) int {
		switch {
		case k > i:
			return k - 1
		case k == i:
			return i - 1
		}
		return k
	}
	if u.cur == i {
		u.cur = adj(u.prev)
		if u.prev == i {
			u.cur = i - 1
		}
	} else {
		u.cur = adj(u.cur)
	}
	u.cur = min(max(u.cur, 0), len(u.wins)-1)
	u.prev = 0
	w := u.curWin()
	if wasCur {
		u.enterWin(w)
	}
	w.unread, w.highlight = 0, 0
	u.roster.dirty = true
}

// add puts an entry in w in time order (a delayed or archived message
// lands among those of its time; search hits keep their order), keeping a
// scrolled view where it was, and with notify counts it as unread in a
// window not shown.
func (u *UI) add(w *window, e *entry, notify bool) {
	i := w.buf.n
	if w.buf.days {
		i = w.buf.insert(e)
	} else {
		w.buf.push(e)
	}
	if i >= 0 && w.scroll > 0 && u.convo.width > 0 {
		// Rows that appear below the view push it up: follow them.
		below := 0
		for j := w.buf.len() - 1; j > i && below < w.scroll; j-- {
			below += len(w.buf.at(j).wrapped(u.convo.width))
		}
		if below < w.scroll {
			w.scroll += len(e.wrapped(u.convo.width))
			if j := i + 1; j < w.buf.len() && w.buf.at(j).dayHead {
				w.scroll++ // the next entry's day separator came with it
			}
		}
	}
	if notify {
		u.notify(w, e)
	}
}

// notify counts entry e of w as unread when w is not shown: a highlight
// when it mentions us, is an error, or is a message in a 1:1 or private
// conversation (addressed to us, as in profanity).
func (u *UI) notify(w *window, e *entry) {
	if w == u.curWin() {
		return
	}
	w.unread++
	switch {
	case e.kind == lineHigh || e.kind == lineError:
		w.highlight++
	case w.kind == winChat && e.kind != lineInfo:
		w.highlight++
	}
	u.roster.touch(w.acct, w.peer) // its unread count (roster.go)
}

// info adds an info (or error) line to w.
func (u *UI) info(w *window, isErr bool, text string) {
	kind := lineInfo
	if isErr {
		kind = lineError
	}
	lines := sanitize.Lines(text)
	u.add(w, composeEntry(u.now().In(u.loc), u.opts.TimeFormat, kind, "", lines), w.kind == winConsole && isErr)
}

// scroll moves the current window by delta rows (positive: up, older).
func (u *UI) scroll(delta int) {
	w := u.curWin()
	w.scroll += delta
	if w.scroll < 0 {
		w.scroll = 0
	}
}

// winByName finds a window by number or by name/JID prefix.
func (u *UI) winByName(arg string) (int, error) {
	if n, err := strconv.Atoi(arg); err == nil {
		if n < 1 || n > len(u.wins) {
			return 0, errorf("no window %d (there are %d)", n, len(u.wins))
		}
		return n - 1, nil
	}
	found := -1
	for i, w := range u.wins {
		if w.name == arg || w.peer.String() == arg {
			return i, nil
		}
		if strings.HasPrefix(w.name, arg) || strings.HasPrefix(w.peer.String(), arg) {
			if found >= 0 {
				return 0, errorf("%q matches several windows", arg)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, errorf("no window named %q", arg)
	}
	return found, nil
}
