package ui

import "github.com/gdamore/tcell/v2"

// pickList is the selectable rows of a list window (the hits of a search
// window, the rooms of a room list): entries parallel to the window's own
// items, one of them selected and drawn reversed.
type pickList struct {
	entries []*entry
	sel     int  // the selected row, -1 before the first
	moved   bool // the user moved the selection
}

// pick selects row i of l (clamped to the rows), shown in w.
func (u *UI) pick(w *window, l *pickList, i int) {
	if len(l.entries) == 0 {
		return
	}
	i = min(max(i, 0), len(l.entries)-1)
	if l.sel >= 0 {
		l.entries[l.sel].selected = false
	}
	l.sel = i
	l.entries[i].selected = true
	u.scrollTo(w, l.entries[i], false)
}

// pickKey handles the keys of list window w: arrows and PgUp/PgDn move the
// selection, Home/End too on an empty input line, Esc closes the window
// (after cancel), Enter on an empty input line calls open with the selected
// row (its error shown in the window). It reports whether it used the key.
func (u *UI) pickKey(w *window, l *pickList, ev *tcell.EventKey, open func(i int) error, cancel func()) bool {
	page := max(u.convo.height-2, 1)
	switch ev.Key() {
	case tcell.KeyUp:
		u.pick(w, l, l.sel-1)
	case tcell.KeyDown:
		u.pick(w, l, l.sel+1)
	case tcell.KeyPgUp:
		u.pick(w, l, l.sel-page)
	case tcell.KeyPgDn:
		u.pick(w, l, l.sel+page)
	case tcell.KeyHome, tcell.KeyEnd:
		if u.input.text != "" {
			return false
		}
		if ev.Key() == tcell.KeyHome {
			u.pick(w, l, 0)
		} else {
			u.pick(w, l, len(l.entries)-1)
		}
	case tcell.KeyEscape:
		cancel()
		u.closeWin(u.cur)
		return true
	case tcell.KeyEnter:
		if u.input.text != "" || l.sel < 0 {
			return false
		}
		if err := open(l.sel); err != nil {
			u.info(w, true, err.Error())
		}
		return true
	default:
		return false
	}
	l.moved = true
	return true
}
