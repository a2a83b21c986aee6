package ui

import (
	"strconv"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"parley/account"
	"parley/muc"
	"parley/sanitize"
)

// convoSplit holds the conversation widget and, for a room window with the
// pane toggled on, the occupant pane on its right.
type convoSplit struct {
	*tview.Box
	u *UI
}

// newConvoSplit returns the widget that takes the conversation's place in
// the layout.
func (u *UI) newConvoSplit() tview.Primitive {
	u.rm.occ = &occupantView{Box: tview.NewBox(), u: u, cache: paneCache[occKey]{id: paneOccupants}}
	return &convoSplit{Box: tview.NewBox(), u: u}
}

// Draw implements tview.Primitive.
func (s *convoSplit) Draw(scr tcell.Screen) {
	x, y, w, h := s.GetRect()
	ow := s.u.occWidth(w)
	s.u.convo.SetRect(x, y, w-ow, h)
	s.u.convo.Draw(scr)
	if ow > 0 {
		s.u.rm.occ.SetRect(x+w-ow, y, ow, h)
		s.u.rm.occ.Draw(scr)
	}
}

// occupantView draws the occupants of the current room grouped by role,
// only the rows that are visible, straight from the room's muc.List (kept
// in role order, with counts per group): a change in a room of thousands
// costs what changed, never a pass over the list.
type occupantView struct {
	*tview.Box
	u     *UI
	cache paneCache[occKey]
}

// occKey is what the occupant pane drew last (panes.go).
type occKey struct {
	win        *window
	gen        uint64 // the list's (muc.List.Gen)
	offset     int
	nick       string
	x, y, w, h int
}

// roleRank orders roles for the pane, as muc.List groups them.
func roleRank(r muc.Role) int {
	switch r {
	case muc.RoleModerator:
		return 0
	case muc.RoleParticipant:
		return 1
	case muc.RoleVisitor:
		return 2
	}
	return 3
}

var roleTitles = [4]string{"Moderators", "Participants", "Visitors", "Others"}

// occRows is the number of rows of the pane for rs: a header per non-empty
// group plus the occupants.
func occRows(rs *roomState) int {
	n := rs.occ.Len()
	for _, c := range rs.occ.Counts() {
		if c > 0 {
			n++
		}
	}
	return n
}

// Draw implements tview.Primitive.
func (o *occupantView) Draw(scr tcell.Screen) {
	x, y, w, h := o.GetRect()
	win := o.u.curWin()
	key := occKey{win: win, x: x, y: y, w: w, h: h}
	rs := win.room
	if rs != nil {
		rs.occOffset = max(0, min(rs.occOffset, occRows(rs)-h))
		key.gen, key.offset, key.nick = rs.occ.Gen(), rs.occOffset, rs.nick
	}
	if o.cache.begin(scr, key, x, y, w, h) {
		return // drawn as it is (panes.go)
	}
	defer o.cache.end(scr)
	th := o.u.theme
	base := th.base()
	for i := 0; i < h; i++ {
		scr.Put(x, y+i, "│", base.Foreground(th.Offline))
	}
	blank(scr, x+1, y, w-1, h, base)
	if rs == nil || w < 3 {
		return
	}
	x, w = x+1, w-1
	// Skip to the first visible row without walking the hidden ones.
	row, start := 0, 0
	for r, n := range rs.occ.Counts() {
		if n == 0 {
			continue
		}
		if row+1+n <= rs.occOffset {
			row += 1 + n
			start += n
			continue
		}
		for i := -1; i < n; i++ {
			if row < rs.occOffset {
				row++
				continue
			}
			yy := y + row - rs.occOffset
			if yy >= y+h {
				return
			}
			if i < 0 {
				title := roleTitles[r] + " (" + strconv.Itoa(n) + ")"
				put(scr, x, yy, w, sanitize.Truncate(title, w), base.Foreground(th.Header).Bold(true))
			} else {
				o.drawOccupant(scr, x, yy, w, rs.occ.At(start+i), rs)
			}
			row++
		}
		start += n
	}
}

// drawOccupant draws one occupant row: presence symbol, mark (~ owner,
// & admin, @ moderator, + member: muc.Occupant.Mark), nick; ours in the
// own colour.
func (o *occupantView) drawOccupant(scr tcell.Screen, x, y, w int, oc muc.Occupant, rs *roomState) {
	th := o.u.theme
	base := th.base()
	sym, col := th.presenceSymbol(occShow(oc.Show), true)
	c := put(scr, x, y, w, sym+" ", base.Foreground(col))
	mark := oc.Mark()
	if mark == "" {
		mark = " "
	}
	c = put(scr, c, y, x+w-c, mark, base.Foreground(th.Header).Bold(true))
	nick := cleanName(oc.Nick)
	st := base.Foreground(o.u.nickColor(nick))
	if oc.Nick == rs.nick {
		st = base.Foreground(th.Own).Bold(true)
	}
	room := x + w - c
	put(scr, c, y, room, sanitize.Truncate(nick, room), st)
}

// occShow maps an occupant's show to a presence Show.
func occShow(s string) account.Show {
	switch s {
	case "away", "xa", "dnd", "chat":
		return account.Show(s)
	}
	return account.ShowOnline
}

// scrollOccupants scrolls the occupant pane of the current room by d rows.
func (u *UI) scrollOccupants(d int) {
	if w := u.curWin(); w.room != nil {
		w.room.occOffset = max(0, w.room.occOffset+d)
	}
}

// toggleOccupants shows or hides the occupant pane of room windows.
func (u *UI) toggleOccupants() {
	u.rm.hideOcc = !u.rm.hideOcc
}

// drawRoomTitle draws the title of a room window (name, JID, our nick,
// state, occupant count, subject) or of a private conversation with an
// occupant (nick, room, their presence in the room).
func (t *titleBar) drawRoomTitle(scr tcell.Screen, win *window) {
	x, y, w, _ := t.GetInnerRect()
	w -= t.reserve // the typing text (drawTyping)
	u := t.u
	th := u.theme
	bar := th.bar()
	end := x + w
	col := x + 1
	if win.isPrivate() {
		col = put(scr, col, y, end-col, sanitize.Truncate(cleanName(win.privNick()), w/2), bar.Bold(true))
		col = put(scr, col, y, end-col, " in "+cleanName(win.peer.Bare().String())+": ", bar)
		rs := u.roomOf(win.acct, win.peer.Bare())
		var o muc.Occupant
		ok := false
		if rs != nil {
			nick := win.privNick()
			o, ok = rs.occupant(nick)
			ok = ok && o.Nick == nick && !win.privGone()
		}
		if !ok {
			put(scr, col, y, end-col, "not in the room", bar)
			return
		}
		sym, color := th.presenceSymbol(occShow(o.Show), true)
		col = put(scr, col, y, end-col, sym, bar.Foreground(color))
		col = put(scr, col, y, end-col, " "+showWord(occShow(o.Show), true), bar)
		if o.Status != "" {
			put(scr, col, y, end-col, ": "+sanitize.Truncate(cleanName(o.Status), max(end-col-2, 0)), bar)
		}
		return
	}
	rs := win.room
	col = put(scr, col, y, end-col, sanitize.Truncate(win.name, w/3), bar.Bold(true))
	if win.name != win.peerText {
		col = put(scr, col, y, end-col, " <"+sanitize.Truncate(win.peerText, w/3)+">", bar)
	}
	switch rs.state {
	case muc.Joined:
		if rs.nickClean != "" {
			col = put(scr, col, y, end-col, " as "+sanitize.Truncate(rs.nickClean, w/4), bar)
		}
		n := rs.occ.Len()
		word := " occupants"
		if n == 1 {
			word = " occupant"
		}
		col = put(scr, col, y, end-col, ", "+strconv.Itoa(n)+word, bar)
		if !win.acct.presenceKnown() {
			// Kept for a resumed stream; unknown until then.
			col = put(scr, col, y, end-col, " (account "+win.acct.state.String()+")", bar.Foreground(th.Away))
		}
	case muc.Joining:
		col = put(scr, col, y, end-col, " (joining…)", bar.Foreground(th.Away))
	default:
		col = put(scr, col, y, end-col, " (not in the room)", bar.Foreground(th.Offline))
	}
	label := ""
	if len(u.accts) > 1 {
		label = " [" + win.acct.name + "]"
	}
	lw := sanitize.Width(label)
	if rs.subject != "" && end-lw-col > 4 {
		col = put(scr, col, y, end-lw-col, " — "+sanitize.Truncate(rs.subject, end-lw-col-3), bar)
	}
	if label != "" && end-col > lw {
		put(scr, end-lw, y, lw, label, bar.Foreground(th.Header))
	}
}
