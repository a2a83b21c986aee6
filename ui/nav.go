package ui

import (
	"fmt"
	"strings"
)

// Window navigation beyond Alt-digit and Ctrl-N/Ctrl-P (keys.go): the
// previous window, the most important window with activity, highlights
// within a window, and /wins.

// showPrev shows the window shown before this one (Alt-z).
func (u *UI) showPrev() {
	if u.prev != u.cur {
		u.show(u.prev)
	}
}

// activityRank is how much w's unread activity matters for Alt-e, as in
// poezio: a private or 1:1 message, then a highlight, then any message;
// 0 without activity.
func activityRank(w *window) int {
	switch {
	case w.unread == 0 && w.highlight == 0:
		return 0
	case w.kind == winChat:
		return 3
	case w.highlight > 0:
		return 2
	}
	return 1
}

// showImportant shows the window with the most important activity (Alt-e),
// the first after this one among equals.
func (u *UI) showImportant() {
	best, rank := -1, 0
	for d := 1; d < len(u.wins); d++ {
		i := (u.cur + d) % len(u.wins)
		if r := activityRank(u.wins[i]); r > rank {
			best, rank = i, r
		}
	}
	if best >= 0 {
		u.show(best)
	}
}

// jumpHighlight scrolls the current window to its previous (d < 0) or next
// (d > 0) message that mentions us, counting from the one jumped to last.
// Past the newest it returns to the bottom.
func (u *UI) jumpHighlight(d int) {
	w := u.curWin()
	from := w.buf.len()
	if w.hlAt != nil {
		for i := w.buf.len() - 1; i >= 0; i-- {
			if w.buf.at(i) == w.hlAt {
				from = i
				break
			}
		}
	}
	if d > 0 && from == w.buf.len() {
		return // at the bottom already
	}
	for i := from + d; i >= 0 && i < w.buf.len(); i += d {
		if e := w.buf.at(i); e.kind == lineHigh {
			w.hlAt = e
			u.scrollTo(w, e, true)
			return
		}
	}
	if d > 0 {
		w.hlAt, w.scroll = nil, 0
	}
}

// cmdWins lists the windows with their activity.
func cmdWins(u *UI, c *call) error {
	var b strings.Builder
	b.WriteString("windows:")
	for i, w := range u.wins {
		fmt.Fprintf(&b, "\n%d: %s", i+1, w.name)
		if w.acct != nil && w.kind != winSearch {
			fmt.Fprintf(&b, " (%s)", w.acct.jid)
		}
		switch {
		case i == u.cur:
			b.WriteString(" [current]")
		case w.unread > 0 && w.highlight > 0:
			fmt.Fprintf(&b, " — %d unread, %d highlighted", w.unread, w.highlight)
		case w.unread > 0:
			fmt.Fprintf(&b, " — %d unread", w.unread)
		}
	}
	u.info(c.win, false, b.String())
	return nil
}
