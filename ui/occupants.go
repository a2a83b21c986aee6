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
	u.rm.occ = &occupantView{Box: tview.NewBox(), u: u}
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

// occGroup is one role group of the pane: occupants [start, start+n) of the
// ordered list.
type occGroup struct {
	title string
	start int
	n     int
}

// occupantView draws the occupants of the current room grouped by role,
// only the rows that are visible. The grouping is computed once per
// snapshot, not per draw.
type occupantView struct {
	*tview.Box
	u *UI

	snap   []muc.Occupant // the snapshot the groups were computed for
	order  []int          // indexes into snap in role order; nil if snap is already in order
	groups []occGroup
	nicks  []string // sanitized nicks by snap index, filled as rows are drawn
}

// roleRank orders roles for the pane.
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

// group computes the role groups of snap (kept in the snapshot's own order
// when it is already grouped, as package muc delivers it).
func (o *occupantView) group(snap []muc.Occupant) {
	if len(snap) == len(o.snap) && (len(snap) == 0 || &snap[0] == &o.snap[0]) {
		return
	}
	o.snap = snap
	o.order = nil
	o.nicks = make([]string, len(snap))
	var counts [4]int
	sorted := true
	last := 0
	for _, oc := range snap {
		r := roleRank(oc.Role)
		counts[r]++
		if r < last {
			sorted = false
		}
		last = r
	}
	if !sorted {
		o.order = make([]int, 0, len(snap))
		for r := 0; r < 4; r++ {
			for i, oc := range snap {
				if roleRank(oc.Role) == r {
					o.order = append(o.order, i)
				}
			}
		}
	}
	o.groups = o.groups[:0]
	start := 0
	for r, n := range counts {
		if n > 0 {
			o.groups = append(o.groups, occGroup{title: roleTitles[r], start: start, n: n})
		}
		start += n
	}
}

// at returns the index in snap of the i-th occupant in role order.
func (o *occupantView) at(i int) int {
	if o.order != nil {
		return o.order[i]
	}
	return i
}

// nick returns the sanitized nick of snap[i], sanitizing it once per
// snapshot rather than once per draw.
func (o *occupantView) nick(i int) string {
	if o.nicks[i] == "" {
		o.nicks[i] = cleanName(o.snap[i].Nick)
	}
	return o.nicks[i]
}

// rows is the number of rows of the pane: a header per group plus the
// occupants.
func (o *occupantView) rows() int { return len(o.groups) + len(o.snap) }

// Draw implements tview.Primitive.
func (o *occupantView) Draw(scr tcell.Screen) {
	x, y, w, h := o.GetRect()
	th := o.u.theme
	base := th.base()
	for i := 0; i < h; i++ {
		scr.Put(x, y+i, "│", base.Foreground(th.Offline))
		fill(scr, x+1, y+i, w-1, base)
	}
	win := o.u.curWin()
	if win.room == nil || w < 3 {
		return
	}
	rs := win.room
	o.group(rs.occupants)
	rs.occOffset = max(0, min(rs.occOffset, o.rows()-h))
	x, w = x+1, w-1
	// Skip to the first visible row without walking the hidden ones.
	row := 0
	for _, g := range o.groups {
		if row+1+g.n <= rs.occOffset {
			row += 1 + g.n
			continue
		}
		for i := -1; i < g.n; i++ {
			if row < rs.occOffset {
				row++
				continue
			}
			yy := y + row - rs.occOffset
			if yy >= y+h {
				return
			}
			if i < 0 {
				title := g.title + " (" + strconv.Itoa(g.n) + ")"
				put(scr, x, yy, w, sanitize.Truncate(title, w), base.Foreground(th.Header).Bold(true))
			} else {
				o.drawOccupant(scr, x, yy, w, o.at(g.start+i), rs)
			}
			row++
		}
	}
}

// drawOccupant draws one occupant row: presence symbol, mark (~ owner,
// & admin, @ moderator, + member: muc.Occupant.Mark), nick; ours in the
// own colour.
func (o *occupantView) drawOccupant(scr tcell.Screen, x, y, w, i int, rs *roomState) {
	oc := o.snap[i]
	th := o.u.theme
	base := th.base()
	sym, col := th.presenceSymbol(occShow(oc.Show), true)
	c := put(scr, x, y, w, sym+" ", base.Foreground(col))
	mark := oc.Mark()
	if mark == "" {
		mark = " "
	}
	c = put(scr, c, y, x+w-c, mark, base.Foreground(th.Header).Bold(true))
	nick := o.nick(i)
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
	u := t.u
	th := u.theme
	bar := th.bar()
	end := x + w
	col := x + 1
	if win.isPrivate() {
		col = put(scr, col, y, end-col, sanitize.Truncate(cleanName(win.peer.Resourcepart()), w/2), bar.Bold(true))
		col = put(scr, col, y, end-col, " in "+cleanName(win.peer.Bare().String())+": ", bar)
		rs := u.roomOf(win.acct, win.peer.Bare())
		var o muc.Occupant
		ok := false
		if rs != nil {
			o, ok = rs.occupant(win.peer.Resourcepart())
			ok = ok && o.Nick == win.peer.Resourcepart()
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
		n := len(rs.occupants)
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
