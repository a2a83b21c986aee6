package ui

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/notify"
)

// alertState is what notifications keep (ui/alert.go). blurred is written
// by tview's event goroutine (focusScreen), the rest is owned by the tview
// goroutine.
type alertState struct {
	blurred atomic.Bool   // the terminal reported that it lost the focus
	away    int           // notifying messages in the current window while blurred
	title   string        // the terminal title last set
	modes   *notify.Modes // per-conversation /notify modes; nil without a file
	gap     time.Duration // at most one bell and notification per this time (alertGap; tests: 0)
	last    time.Time     // of the last bell and notification
	held    int           // messages that notified since then without a bell

	// focusKnown: a focus event came, so the terminal reports focus and
	// blurred can be believed (markers.go).
	focusKnown atomic.Bool
}

// alertGap is the least time between two bells (and desktop notifications):
// a flood rings once, and the next notification says how many came.
const alertGap = 2 * time.Second

// alert tells the user about message m, shown as e in w: a bell, the
// terminal title (see updateTitle) and a desktop notification, for a live
// message from someone else in a window not in front or while the terminal
// has no focus, when the conversation's /notify mode wants it (rooms: only
// mentions by default).
func (u *UI) alert(w *window, e *entry, m account.Message) {
	if m.Archived || m.Delayed || m.Dir == account.Out || m.Err != "" {
		return
	}
	if e.kind != lineMsg && e.kind != lineHigh && e.kind != lineAction {
		return
	}
	front := w == u.curWin()
	if front && !u.alerts.blurred.Load() {
		return
	}
	room := w.kind == winRoom && !m.Private
	if !u.notifyMode(w).Wants(room, e.kind == lineHigh) {
		return
	}
	if front {
		u.alerts.away++
	}
	if u.screen == nil {
		return
	}
	now := time.Now()
	if !u.alerts.last.IsZero() && now.Sub(u.alerts.last) < u.alerts.gap {
		u.alerts.held++ // counted in the title; the next notification says so
		return
	}
	u.alerts.last = now
	held := u.alerts.held
	u.alerts.held = 0
	if u.opts.Bell {
		u.screen.Beep()
	}
	if !u.opts.DesktopNotify {
		return
	}
	summary := w.name
	if room {
		summary = cleanName(m.Nick) + " in " + w.name
	}
	body := m.Body
	if rest, ok := strings.CutPrefix(body, "/me "); ok {
		body = "* " + cleanName(m.Nick) + " " + rest
	}
	if held > 0 {
		body = notify.Shorten(body, notify.MaxBody-24) + " (and " + strconv.Itoa(held) + " more)"
	}
	if u.opts.Desktop.Available() {
		u.opts.Desktop.Send(summary, body) // never blocks (notify.Desktop)
		return
	}
	seq := notify.OSC(u.opts.OSC, notify.Shorten(summary, notify.MaxSummary), notify.Shorten(body, notify.MaxBody))
	if tty, ok := u.screen.Tty(); ok && seq != "" {
		tty.Write([]byte(seq)) // between frames: on the tview goroutine, as tcell's own writes
	}
}

// notifyMode returns the /notify mode of w's conversation.
func (u *UI) notifyMode(w *window) notify.Mode {
	if w.acct == nil {
		return notify.Default
	}
	return u.alerts.modes.Get(w.acct.jid.String(), w.peer.String())
}

// updateTitle sets the terminal title to "parley", or "parley (N)" with N
// unread highlights; tcell restores the previous title at exit. Called
// before each draw.
func (u *UI) updateTitle() {
	if u.screen == nil {
		return
	}
	if !u.alerts.blurred.Load() {
		u.alerts.away = 0 // the terminal has the focus back: seen
	}
	n := u.alerts.away
	for _, w := range u.wins {
		n += w.highlight
	}
	t := "parley"
	if n > 0 {
		t += " (" + strconv.Itoa(n) + ")"
	}
	if t != u.alerts.title {
		u.alerts.title = t
		u.screen.SetTitle(t)
	}
}

// mentionsWord reports whether the (sanitized) lines hold one of the
// highlight_words as a word.
func (u *UI) mentionsWord(lines []string) bool {
	for _, word := range u.opts.HighlightWords {
		if mentionsNick(lines, word) {
			return true
		}
	}
	return false
}

// focusScreen reports the terminal's focus events (which tview drops) to
// the UI: while the terminal has no focus, messages in the current window
// notify too.
type focusScreen struct {
	tcell.Screen
	u *UI
}

// PollEvent implements tcell.Screen.
func (s focusScreen) PollEvent() tcell.Event {
	ev := s.Screen.PollEvent()
	if f, ok := ev.(*tcell.EventFocus); ok {
		s.u.alerts.blurred.Store(!f.Focused)
		s.u.alerts.focusKnown.Store(true)
		select {
		case s.u.wake <- struct{}{}: // a frame, so that the title follows
		default:
		}
	}
	return ev
}

// cmdNotify shows or sets the /notify mode of this conversation.
func cmdNotify(u *UI, c *call) error {
	w := c.win
	if w.acct == nil || w.kind == winSearch {
		return errorf("/notify works in a conversation or room window")
	}
	if len(c.args) == 0 {
		m := u.notifyMode(w)
		eff := "every message"
		if !m.Wants(w.kind == winRoom, false) {
			eff = "mentions only"
			if !m.Wants(w.kind == winRoom, true) {
				eff = "nothing"
			}
		}
		u.info(w, false, "notify: "+m.String()+" ("+eff+" notifies here)")
		return nil
	}
	m, err := notify.ParseMode(c.args[0])
	if err != nil {
		return err
	}
	if u.alerts.modes == nil {
		return errorf("/notify: no data directory to keep the setting in")
	}
	if err := u.alerts.modes.Set(w.acct.jid.String(), w.peer.String(), m); err != nil {
		return errorf("/notify: %v", err)
	}
	u.info(w, false, "notify: "+m.String())
	return nil
}
