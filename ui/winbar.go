package ui

import (
	"slices"
	"strconv"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"parley/sanitize"
)

// winBar draws the window list: [1:console] [2:alice*] [3:room!2]. "*"
// marks unread messages, "!N" N highlights (mentions of us, messages in 1:1
// and private conversations, errors), "✎" that the other side of a 1:1 or
// private conversation is typing. Windows of the same name get their
// account (or the room's service) added. When the list does not fit, the
// current window and those with activity are kept, the others give way to
// a mark "+3 more" (", 2 active" when any of those has activity).
type winBar struct {
	*tview.Box
	u *UI

	names map[string]int // scratch: windows per name, for collisions
	order []int          // scratch: window indexes by priority
	hits  []barHit       // where the last draw put each label, for the mouse (mouse.go)
}

// barHit is the columns from..to (exclusive) of window index win's label.
type barHit struct{ from, to, win int }

// barLabel is one window's label in the list.
type barLabel struct {
	text  string
	style tcell.Style
	width int
}

// Draw implements tview.Primitive.
func (b *winBar) Draw(scr tcell.Screen) {
	defer barsScope(scr)() // its changes pace as background activity (panes.go)
	// Not Box.DrawForSubclass: the bar paints its whole row (titleBar).
	x, y, w, h := b.GetInnerRect()
	if w <= 0 || h <= 0 {
		return // hidden by the layout (layout.go)
	}
	u := b.u
	th := u.theme
	bar := th.bar()
	u.row.paint(scr, x, y, w, bar, func(scr tcell.Screen) { // each cell put once a frame (draw.go)
		labels := b.labels()
		total := 0
		for _, l := range labels {
			total += l.width + 1
		}
		shown := make([]bool, len(labels))
		if total-1 <= w {
			for i := range shown {
				shown[i] = true
			}
		} else {
			b.fit(labels, shown, w)
		}
		end, col := x+w, x
		hidden, active := 0, 0
		b.hits = b.hits[:0]
		for i, l := range labels {
			if !shown[i] {
				hidden++
				if u.wins[i].unread > 0 {
					active++
				}
				continue
			}
			from := col
			col = put(scr, col, y, end-col, l.text, l.style)
			b.hits = append(b.hits, barHit{from, col, i})
			col = put(scr, col, y, end-col, " ", bar)
		}
		if hidden > 0 {
			put(scr, col, y, end-col, moreMark(hidden, active), markStyle(th, bar, active))
		}
	})
}

// moreMark is the mark of the windows the list has no room for.
func moreMark(hidden, active int) string {
	s := "+" + strconv.Itoa(hidden) + " more"
	if active > 0 {
		s += ", " + strconv.Itoa(active) + " active"
	}
	return s
}

func markStyle(th Theme, bar tcell.Style, active int) tcell.Style {
	if active > 0 {
		return bar.Foreground(th.Activity).Bold(true)
	}
	return bar
}

// fit chooses the labels shown in w cells: the current window first, then
// those with highlights, then those with unread messages, then the others
// nearest to the current one, as long as they fit beside the "+N more"
// mark.
func (b *winBar) fit(labels []barLabel, shown []bool, w int) {
	u := b.u
	rank := func(i int) int {
		win := u.wins[i]
		switch {
		case i == u.cur:
			return 0
		case win.highlight > 0:
			return 1
		case win.unread > 0:
			return 2
		}
		return 3
	}
	dist := func(i int) int { return max(i-u.cur, u.cur-i) }
	b.order = b.order[:0]
	for i := range labels {
		b.order = append(b.order, i)
	}
	slices.SortStableFunc(b.order, func(i, j int) int {
		if r := rank(i) - rank(j); r != 0 {
			return r
		}
		return dist(i) - dist(j)
	})
	used := 0
	room := w - len(moreMark(len(labels), len(labels))) // the widest mark
	for _, i := range b.order {
		need := labels[i].width + 1
		if used+need > room && i != u.cur {
			continue
		}
		shown[i] = true
		used += need
	}
}

// labels computes the window labels, with their marks and styles.
func (b *winBar) labels() []barLabel {
	u := b.u
	th := u.theme
	bar := th.bar()
	if b.names == nil {
		b.names = make(map[string]int)
	}
	clear(b.names)
	for _, win := range u.wins {
		b.names[win.name]++
	}
	out := make([]barLabel, len(u.wins))
	for i, win := range u.wins {
		st := bar
		mark := ""
		switch {
		case win.highlight > 0:
			st, mark = bar.Foreground(th.HighMark).Bold(true), "!"+strconv.Itoa(win.highlight)
		case win.unread > 0:
			st, mark = bar.Foreground(th.Activity).Bold(true), "*"
		}
		if i == u.cur {
			st = th.current(st)
		}
		name := sanitize.Truncate(win.name, 16)
		if b.names[win.name] > 1 {
			name += " (" + sanitize.Truncate(u.qualifier(win), 24) + ")"
		}
		text := "[" + strconv.Itoa(i+1) + ":" + name + typingLabel(win) + mark + "]" // ✎: typing (chatstate.go)
		out[i] = barLabel{text: text, style: st, width: sanitize.Width(text)}
	}
	return out
}

// qualifier tells a window from others of the same name: its account, or
// for windows of one account its peer's domain (the service of a room).
func (u *UI) qualifier(w *window) string {
	if w.acct == nil {
		return "parley"
	}
	for _, x := range u.wins {
		if x != w && x.name == w.name && x.acct != w.acct {
			return w.acct.name
		}
	}
	return cleanName(w.peer.Domainpart())
}
