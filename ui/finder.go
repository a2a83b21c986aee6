package ui

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"
	"mellium.im/xmpp/jid"

	"parley/fuzzy"
	"parley/sanitize"
)

// The quick finder (Ctrl-K with nothing after the cursor, as in senpai and
// gomuks): an overlay with a query line over a ranked list of everything
// one can jump to: the open windows, the roster contacts of every account
// and the bookmarked and joined rooms. Typing narrows it by a fuzzy match
// on the name and the JID; Up/Down (Ctrl-P/Ctrl-N, Tab) move, Enter jumps
// (a contact without a window gets one, a room not joined is joined), Esc
// closes. While it is open it takes every key.

// finderKind is what a finder item jumps to.
type finderKind uint8

const (
	findWindow  finderKind = iota // an open window (any kind)
	findContact                   // a roster contact without a window
	findRoom                      // a bookmarked room without a window
)

// finderItem is one thing the finder can jump to; its texts are sanitized.
type finderItem struct {
	kind  finderKind
	win   *window    // findWindow
	acct  *acctState // findContact, findRoom
	peer  jid.JID
	name  string // what is drawn and matched first
	jid   string // matched too, drawn after the name
	score int
}

// finder is the open finder.
type finder struct {
	query string
	items []finderItem // every candidate, gathered when it opened
	shown []finderItem // those that match the query, best first
	sel   int          // index in shown
	top   int          // first index of shown drawn
}

// maxFinderItems bounds the candidates gathered (rosters of several
// thousand contacts stay instant to rank: fuzzy.Score is bounded per name).
const maxFinderItems = 20000

// maxFinderQuery bounds the query typed, in bytes.
const maxFinderQuery = 4 * fuzzy.MaxQuery

// openFinder opens the finder over the screen.
func (u *UI) openFinder() {
	u.pending = nil
	f := &finder{items: u.finderItems()}
	f.rank()
	u.find = f
}

// finderItems gathers the candidates: windows first (in their order),
// then each account's contacts and rooms that have no window.
func (u *UI) finderItems() []finderItem {
	var out []finderItem
	has := make(map[*acctState]map[string]bool)
	for i, w := range u.wins {
		name := strconv.Itoa(i+1) + " " + w.name
		out = append(out, finderItem{kind: findWindow, win: w, name: name, jid: w.peerText})
		if w.acct != nil && (w.kind == winChat || w.kind == winRoom) {
			if has[w.acct] == nil {
				has[w.acct] = make(map[string]bool)
			}
			has[w.acct][w.peer.String()] = true
		}
	}
	for _, a := range u.accts {
		keys := make([]string, 0, len(a.items))
		for k := range a.items {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a stable order among equal scores
		for _, k := range keys {
			if has[a][k] || len(out) >= maxFinderItems {
				continue
			}
			it := a.items[k]
			out = append(out, finderItem{kind: findContact, acct: a, peer: it.JID, name: a.displayName(it.JID), jid: sanitize.Text(k)})
		}
		for _, b := range u.rm.bookmarks[a] {
			k := b.Room.String()
			if k == "" || has[a][k] || len(out) >= maxFinderItems {
				continue
			}
			if has[a] == nil {
				has[a] = make(map[string]bool)
			}
			has[a][k] = true
			out = append(out, finderItem{kind: findRoom, acct: a, peer: b.Room, name: u.roomName(a, b.Room), jid: sanitize.Text(k)})
		}
	}
	return out
}

// rank fills shown with the items matching the query, best first (the
// name's score, or the JID's a little lower; ties keep the gathering
// order: windows first).
func (f *finder) rank() {
	f.shown = f.shown[:0]
	for _, it := range f.items {
		s, ok := fuzzy.Score(f.query, it.name)
		if js, jok := fuzzy.Score(f.query, it.jid); jok && (!ok || js-4 > s) {
			s, ok = js-4, true
		}
		if ok {
			it.score = s
			f.shown = append(f.shown, it)
		}
	}
	slices.SortStableFunc(f.shown, func(a, b finderItem) int { return b.score - a.score })
	f.sel, f.top = 0, 0
}

// finderKey handles a key while the finder is open; it takes every key.
func (u *UI) finderKey(ev *tcell.EventKey) {
	f := u.find
	switch ev.Key() {
	case tcell.KeyEscape, tcell.KeyCtrlG, tcell.KeyCtrlK:
		u.find = nil
	case tcell.KeyEnter:
		u.find = nil
		if f.sel < len(f.shown) {
			u.jumpTo(f.shown[f.sel])
		}
	case tcell.KeyUp, tcell.KeyCtrlP, tcell.KeyBacktab:
		f.move(-1)
	case tcell.KeyDown, tcell.KeyCtrlN, tcell.KeyTab:
		f.move(1)
	case tcell.KeyPgUp:
		f.move(-max(u.finderRows()-1, 1))
	case tcell.KeyPgDn:
		f.move(max(u.finderRows()-1, 1))
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if f.query != "" {
			_, n := utf8.DecodeLastRuneInString(f.query)
			f.query = f.query[:len(f.query)-n]
			f.rank()
		}
	case tcell.KeyCtrlU, tcell.KeyCtrlW:
		f.query = ""
		f.rank()
	case tcell.KeyRune:
		if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != 0 || len(f.query)+utf8.RuneLen(ev.Rune()) > maxFinderQuery {
			return
		}
		f.query += sanitize.Text(string(ev.Rune()))
		f.rank()
	}
}

// move moves the selection by d, within the matches.
func (f *finder) move(d int) {
	f.sel = max(0, min(f.sel+d, len(f.shown)-1))
}

// jumpTo shows what it stands for.
func (u *UI) jumpTo(it finderItem) {
	switch it.kind {
	case findWindow:
		if slices.Contains(u.wins, it.win) {
			u.showWin(it.win)
		}
	case findContact:
		u.showWin(u.chatWin(it.acct, it.peer))
	case findRoom:
		u.openRoom(it.acct, it.peer)
	}
	if u.roster.HasFocus() {
		u.app.SetFocus(u.input)
	}
}

// finderBox is the overlay's rectangle on a w×h screen: centred, at most
// 70 columns and 16 rows, a margin around it where the screen has room.
func finderBox(w, h int) (x, y, bw, bh int) {
	bw, bh = min(70, w-4), min(16, h-2)
	if bw < 20 {
		bw = w
	}
	if bh < 4 {
		bh = h
	}
	return (w - bw) / 2, (h - bh) / 3, bw, bh
}

// finderRows is how many matches the overlay shows at once.
func (u *UI) finderRows() int {
	if u.screen == nil {
		return 1
	}
	_, _, _, bh := finderBox(u.screen.Size())
	return max(bh-3, 1) // the frame's two rows and the query's
}

// drawFinder draws the open finder over the frame (after the widgets, so
// that it is on top), with the cursor in its query line.
func (u *UI) drawFinder(scr tcell.Screen) {
	f := u.find
	if f == nil {
		return
	}
	th := u.theme
	x, y, bw, bh := finderBox(scr.Size())
	if bw < 3 || bh < 3 {
		return
	}
	base := th.base()
	if base == tcell.StyleDefault {
		base = base.Background(tcell.ColorDefault)
	}
	frame := base.Foreground(th.Header)
	for r := 0; r < bh; r++ {
		fill(scr, x, y+r, bw, base)
		scr.Put(x, y+r, "│", frame)
		scr.Put(x+bw-1, y+r, "│", frame)
	}
	for c := 1; c < bw-1; c++ {
		scr.Put(x+c, y, "─", frame)
		scr.Put(x+c, y+bh-1, "─", frame)
	}
	scr.Put(x, y, "┌", frame)
	scr.Put(x+bw-1, y, "┐", frame)
	scr.Put(x, y+bh-1, "└", frame)
	scr.Put(x+bw-1, y+bh-1, "┘", frame)
	put(scr, x+2, y, bw-4, " jump to ", frame)
	count := " " + strconv.Itoa(len(f.shown)) + "/" + strconv.Itoa(len(f.items)) + " "
	if len(count) < bw-14 {
		put(scr, x+bw-1-len(count), y, len(count), count, frame)
	}
	// The query line.
	inner := bw - 2
	qx := put(scr, x+1, y+1, inner, "> ", base.Foreground(th.Info))
	q, room := f.query, x+1+inner-qx-1            // one cell for the cursor
	for uniseg.StringWidth(q) > room && q != "" { // keep the end in view
		_, n := utf8.DecodeRuneInString(q)
		q = q[n:]
	}
	cx := put(scr, qx, y+1, room, q, base)
	scr.ShowCursor(min(cx, x+inner), y+1)
	// The matches.
	rows := bh - 3
	if f.sel < f.top {
		f.top = f.sel
	}
	if f.sel >= f.top+rows {
		f.top = f.sel - rows + 1
	}
	if len(f.shown) == 0 {
		put(scr, x+2, y+2, inner-1, "nothing matches", base.Foreground(th.Info))
		return
	}
	multi := len(u.accts) > 1
	for r := 0; r < rows && f.top+r < len(f.shown); r++ {
		it := f.shown[f.top+r]
		st := base
		if f.top+r == f.sel {
			st = th.current(st).Bold(th.Mono)
		}
		ry := y + 2 + r
		fill(scr, x+1, ry, inner, st)
		if f.top+r == f.sel {
			scr.Put(x+1, ry, "▸", st) // the selection, in any theme and in text
		}
		nx := put(scr, x+2, ry, inner-2, it.name, st)
		extra := it.jid
		if it.jid == "" || strings.HasSuffix(it.name, it.jid) {
			extra = ""
		}
		tag := finderTag(it, multi)
		if extra != "" {
			nx = put(scr, nx+2, ry, x+1+inner-nx-2, extra, st.Foreground(th.Time))
		}
		if tw := uniseg.StringWidth(tag); tag != "" && x+inner-tw > nx+1 {
			put(scr, x+inner-tw, ry, tw, tag, st.Foreground(th.Info))
		}
	}
}

// finderTag is the right-hand note of an item: what Enter does, and the
// account when there are several.
func finderTag(it finderItem, multi bool) string {
	var tag string
	switch it.kind {
	case findContact:
		tag = "contact"
	case findRoom:
		tag = "room"
	}
	a := it.acct
	if it.win != nil {
		a = it.win.acct
	}
	if multi && a != nil {
		tag = strings.TrimSpace(tag + " " + a.name)
	}
	if tag == "" {
		return ""
	}
	return tag + " "
}
