package ui

import "github.com/gdamore/tcell/v2"

// The layout follows the terminal's size at every frame: on a narrow
// terminal the side panes shrink to a share of the width, then hide (and
// come back as it grows); on a short one the title bar and the window list
// go first. The input line and the status bar are always there.
const (
	paneShare   = 30 // percent of the width a side pane may take at most
	minRoster   = 12 // narrower than this, the roster pane hides
	minOccupant = 10 // narrower than this, the occupant pane hides
	titleRows   = 5  // fewer terminal rows than this: no title bar
	winbarRows  = 6  // fewer than this: no window list
)

// layoutState is the geometry the last frame was laid out for.
type layoutState struct {
	w, h   int
	roster int // width given to the roster pane
	title  int // rows of the title bar (0 or 1)
	winbar int // rows of the window list (0 or 1)
}

// sideWidth is the width of a side pane configured to want cells in an
// area total cells wide: at most paneShare percent of it, 0 below least.
func sideWidth(want, total, least int) int {
	w := min(want, total*paneShare/100)
	if w < least {
		return 0
	}
	return w
}

// layout sizes the panes and bars for the screen; tview calls it before
// every frame. It changes the layout only when the size changed.
func (u *UI) layout(scr tcell.Screen) bool {
	w, h := scr.Size()
	l := &u.lay
	if w == l.w && h == l.h {
		return false
	}
	l.w, l.h = w, h
	if u.opts.RosterWidth > 0 {
		if rw := sideWidth(u.opts.RosterWidth, w, minRoster); rw != l.roster {
			l.roster = rw
			u.root.ResizeItem(u.roster, rw, 0)
			if rw == 0 && u.roster.HasFocus() {
				u.app.SetFocus(u.input)
			}
		}
	}
	title, winbar := 0, 0
	if h >= titleRows {
		title = 1
	}
	if h >= winbarRows {
		winbar = 1
	}
	if title != l.title {
		l.title = title
		u.body.ResizeItem(u.title, title, 0)
	}
	if winbar != l.winbar {
		l.winbar = winbar
		u.body.ResizeItem(u.winbar, winbar, 0)
	}
	return false
}

// occWidth is the width of the occupant pane for the current window in a
// split of width w: 0 when there is none or no room for it.
func (u *UI) occWidth(w int) int {
	if u.rm.hideOcc || u.curWin().kind != winRoom {
		return 0
	}
	return sideWidth(u.opts.OccupantWidth, w, minOccupant)
}

// rosterShown reports whether the roster pane is on the screen.
func (u *UI) rosterShown() bool { return u.opts.RosterWidth > 0 && u.lay.roster > 0 }
