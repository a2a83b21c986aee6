package ui

import (
	"fmt"
	"strconv"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"parley/account"
	"parley/sanitize"
)

// titleBar draws the current window's title: peer name, JID, presence and
// status.
type titleBar struct {
	*tview.Box
	u       *UI
	reserve int // cells at the right end taken by the typing text (drawTyping)
}

// Draw implements tview.Primitive.
func (t *titleBar) Draw(scr tcell.Screen) {
	// Not Box.DrawForSubclass: it would blank the row in the Box's
	// background first, a second put of every cell per frame; the bar
	// paints its whole row itself.
	x, y, w, h := t.GetInnerRect()
	if w <= 0 || h <= 0 {
		return // hidden by the layout (layout.go)
	}
	th := t.u.theme
	bar := th.bar()
	t.u.row.paint(scr, x, y, w, bar, func(scr tcell.Screen) { // each cell put once a frame (draw.go)
		win := t.u.curWin()
		t.reserve = t.drawTyping(scr, x, y, w, win)
		w -= t.reserve
		end := x + w
		if win.kind == winConsole {
			put(scr, x+1, y, w-1, "parley console: account states and errors; /help for commands", bar)
			return
		}
		if win.kind == winRoom || win.isPrivate() {
			t.drawRoomTitle(scr, win) // ui/room.go
			return
		}
		if win.kind == winXML {
			put(scr, x+1, y, w-1, xmlTitle(win), bar)
			return
		}
		if title := formTitle(win); title != "" { // ui/form.go
			put(scr, x+1, y, w-1, title, bar)
			return
		}
		if title := searchTitle(win); title != "" {
			put(scr, x+1, y, w-1, title, bar)
			return
		}
		col := put(scr, x+1, y, w-1, sanitize.Truncate(win.name, w/2), bar.Bold(true))
		if win.name != win.peerText {
			col = put(scr, col, y, end-col, " <"+sanitize.Truncate(win.peerText, w/2)+">", bar)
		}
		a := win.acct
		b := a.presence(win.peer.Bare().String())
		symbol, color := th.presenceSymbol("", b != nil)
		word := showWord("", false)
		status := ""
		if b != nil {
			symbol, color = th.presenceSymbol(b.show, true)
			word = showWord(b.show, true)
			status = b.status
		}
		col = put(scr, col, y, end-col, " ", bar)
		col = put(scr, col, y, end-col, symbol, bar.Foreground(color))
		col = put(scr, col, y, end-col, " "+word, bar)
		if note := t.u.strangerTitle(win); note != "" { // ui/cmd_block.go
			col = put(scr, col, y, end-col, note, bar)
		}
		if om := omemoTitle(win); om != "" { // ui/omemo.go
			col = put(scr, col, y, end-col, om, bar)
		}
		if status != "" {
			col = put(scr, col, y, end-col, ": "+sanitize.Truncate(status, max(end-col-2, 0)), bar)
		}
		if len(t.u.accts) > 1 {
			label := " [" + a.name + "]"
			if end-col > sanitize.Width(label) {
				put(scr, end-sanitize.Width(label), y, sanitize.Width(label), label, bar.Foreground(th.Header))
			}
		}
	})
}

// statusBar draws the accounts with their connection states, the current
// window number and name, and the time.
type statusBar struct {
	*tview.Box
	u *UI
}

// Draw implements tview.Primitive.
func (s *statusBar) Draw(scr tcell.Screen) {
	defer barsScope(scr)() // its changes pace as background activity (panes.go)
	// Not Box.DrawForSubclass: the bar paints its whole row (titleBar).
	x, y, w, h := s.GetInnerRect()
	if w <= 0 || h <= 0 {
		return // hidden by the layout (layout.go)
	}
	u := s.u
	th := u.theme
	bar := th.bar()
	u.row.paint(scr, x, y, w, bar, func(scr tcell.Screen) { // each cell put once a frame (draw.go)
		end := x + w
		clock := "[" + u.now().In(u.loc).Format(u.opts.TimeFormat) + "] "
		col := put(scr, x, y, w, clock, bar)
		for _, a := range u.accts {
			st := bar
			switch a.state {
			case account.Online:
				_, c := th.presenceSymbol(a.show, true)
				st = bar.Foreground(c)
			case account.Failed:
				st = th.line(bar.Foreground(th.Error), lineError)
			case account.Connecting, account.Reconnecting:
				st = bar.Foreground(th.Away)
			}
			col = put(scr, col, y, end-col, "["+a.name+": ", bar)
			col = put(scr, col, y, end-col, ownLabel(a), st)
			col = put(scr, col, y, end-col, "] ", bar)
		}
		col = put(scr, col, y, end-col, u.transferLabel(), bar) // uploads, downloads (files.go)
		win := u.curWin()
		label := "[" + strconv.Itoa(u.cur+1) + ":" + sanitize.Truncate(win.name, 24) + "]"
		if win.scroll > 0 {
			label += " -MORE-"
		}
		col = put(scr, col, y, end-col, label, bar.Bold(true))
		if typing := u.typingText(win); typing != "" { // chatstate.go
			put(scr, col, y, end-col, " "+typing, bar.Foreground(th.Activity))
		}
	})
}

// maxOwnStatus bounds, in cells, our status text in the status bar and
// the roster header.
const maxOwnStatus = 24

// ownLabel is an account's label in the status bar and its roster header:
// while online, its own presence as set with /status ("away: at lunch");
// otherwise its connection state ("reconnecting in 8s (attempt 3)").
func ownLabel(a *acctState) string {
	if a.state != account.Online {
		return stateLabel(a) // cmd_conn.go
	}
	label := showWord(a.show, true)
	if a.status != "" {
		label += ": " + sanitize.Truncate(a.status, maxOwnStatus)
	}
	return label
}

// errorf makes a command error, shown inline in the current window.
func errorf(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}
