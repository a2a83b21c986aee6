package ui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// The mouse, with mouse = true in the config (Options.Mouse): a click on a
// window's label in the window list shows it, a click on a contact or room
// in the roster opens it (on a group header: folds or unfolds it), the
// wheel scrolls the conversation or the occupant pane. The keyboard focus
// stays where it was. Without the option parley never asks the terminal
// for mouse reports, so the terminal's own selection keeps working.

// wheelRows is how many rows one wheel step scrolls.
const wheelRows = 3

// captureMouse is the application's mouse capture: it handles clicks and
// the wheel itself (nil: consumed, redrawn); the widgets see every other
// action as a mere move, so that none takes the focus. (tview derives
// several actions from one event, down, up, click, and gives the next one
// the event the capture returned: it must not be nil before the click.)
func (u *UI) captureMouse(ev *tcell.EventMouse, action tview.MouseAction) (*tcell.EventMouse, tview.MouseAction) {
	if ev == nil {
		return nil, action
	}
	if len(u.certs.queue) > 0 { // a certificate prompt is answered with keys only (tlsprompt.go)
		return nil, action
	}
	if u.find != nil { // a click outside the keys closes the finder (finder.go)
		if action == tview.MouseLeftClick {
			u.find = nil
		}
		return nil, action
	}
	x, y := ev.Position()
	switch action {
	case tview.MouseLeftClick, tview.MouseLeftDoubleClick: // a second click soon after is a double click
		switch {
		case u.winbar.InRect(x, y):
			for _, h := range u.winbar.hits {
				if x >= h.from && x < h.to {
					u.show(h.win)
				}
			}
		case u.rosterShown() && u.roster.InRect(x, y):
			u.roster.click(y)
		}
	case tview.MouseScrollUp, tview.MouseScrollDown:
		d := wheelRows
		if action == tview.MouseScrollDown {
			d = -d
		}
		switch {
		case u.convo.InRect(x, y):
			u.scroll(d)
		case u.curWin().room != nil && u.rm.occ.InRect(x, y):
			u.scrollOccupants(-d)
		}
	default:
		return ev, tview.MouseMove
	}
	return nil, action
}

// click opens the row drawn at screen row y: a contact's conversation, a
// room, or folds a group.
func (r *rosterView) click(y int) {
	_, top, _, _ := r.GetInnerRect()
	i := r.offset + y - top
	if i < 0 || i >= len(r.rows) {
		return
	}
	row := r.rows[i]
	switch {
	case row.top:
	case row.header:
		r.u.toggleFold(row.acct, row.group)
	case row.room:
		r.u.openRoom(row.acct, row.jid)
	default:
		r.u.showWin(r.u.chatWin(row.acct, row.jid))
	}
}
