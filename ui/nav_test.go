package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"
)

// startRawRoomUI is startRawUI with the account able to join rooms.
func startRawRoomUI(t *testing.T) (*harness, *keyTty, *roomFake) {
	t.Helper()
	ti, err := terminfo.LookupTerminfo("tmux-256color")
	if err != nil {
		t.Skipf("no tmux-256color terminfo: %v", err)
	}
	tty := newKeyTty(100, 30)
	scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake("me@example.org")
	rf := newRoomFake(f)
	h := runUI(t, scr, func(u *UI) { u.accts[0].a = rf }, f)
	return h, tty, rf
}

// TestNavKeys feeds the bytes tmux sends for the window keys: Alt-Left and
// Alt-Right (CSI 1;3D/C, and ESC ESC [D of older setups), F1..F10 but F4,
// Alt-q..Alt-o for windows 11 up, and Alt-z back to the window before.
func TestNavKeys(t *testing.T) {
	for _, term := range []string{"tmux-256color", "screen-256color", "xterm-256color"} {
		t.Run(term, func(t *testing.T) { testNavKeys(t, term) })
	}
}

func testNavKeys(t *testing.T, term string) {
	f := newFake("me@example.org")
	h, tty := startRawUI(t, term, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 14; i++ { // windows 2..15
		h.post(msgIn(f, fmt.Sprintf("c%02d@example.org/x", i), "hi", t0))
	}
	steps := []struct {
		name, bytes string
		want        int // window number
	}{
		{"alt-right", "\x1b[1;3C", 2},
		{"alt-right again", "\x1b[1;3C", 3},
		{"alt-left", "\x1b[1;3D", 2},
		{"alt-left as esc esc [D", "\x1b\x1b[D", 1},
		{"alt-left wraps", "\x1b[1;3D", 15},
		{"alt-right wraps", "\x1b[1;3C", 1},
		{"f2", "\x1bOQ", 2},
		{"f3", "\x1bOR", 3},
		{"f5", "\x1b[15~", 5},
		{"f10", "\x1b[21~", 10},
		{"f1", "\x1bOP", 1},
		{"alt-q", "\x1bq", 11},
		{"alt-w", "\x1bw", 12},
		{"alt-z", "\x1bz", 11},
		{"alt-z again", "\x1bz", 12},
		{"alt-t", "\x1bt", 15},
		{"alt-y: no window 16", "\x1by", 15},
		{"f4 is the occupant pane", "\x1bOS", 15},
	}
	for _, s := range steps {
		tty.send(s.bytes)
		h.waitFor(s.name, func() bool { return h.u.cur == s.want-1 })
	}
	h.inputIs("") // none of them typed anything
}

// TestNavActivity covers Alt-e (a private message first, then a
// highlight, then any message), Alt-p/Alt-n through the highlights of a
// room window, and /wins.
func TestNavActivity(t *testing.T) {
	h, tty, rf := startRawRoomUI(t)
	f := rf.fakeAccount
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(msgIn(f, "alice@example.org/x", "hi", t0)) // window 2
	tty.send("/join dev@conf.example.org/zed\r")      // window 3
	h.waitFor("joined", func() bool { return h.u.cur == 2 && h.u.curWin().kind == winRoom })
	h.post(roomChange(rf, withSelf(rf.occupants, testOccupants()[0])))
	room := h.u.curWin()
	tty.send("\x1b2")
	h.curIs(1)
	tty.send("\x1b1")
	h.curIs(0)

	h.post(roomMsg(rf, "bob", "plain", t0))
	tty.send("\x1be") // only the room has activity
	h.curIs(2)
	tty.send("\x1b1")
	h.curIs(0)
	h.post(roomMsg(rf, "bob", "zed: look", t0.Add(time.Minute)), msgIn(f, "alice@example.org/x", "psst", t0.Add(time.Minute)))
	tty.send("/wins\r")
	h.waitFor("/wins", func() bool {
		w := h.u.console()
		if w.buf.len() == 0 {
			return false
		}
		l := w.buf.at(w.buf.len() - 1).text
		return strings.Contains(l, "1: console [current]") &&
			strings.Contains(l, "2: alice@example.org (me@example.org) — 1 unread, 1 highlighted") &&
			strings.Contains(l, "3: dev (me@example.org) — 1 unread, 1 highlighted")
	})
	tty.send("\x1be") // the private message first
	h.curIs(1)
	tty.send("\x1be") // then the highlight
	h.curIs(2)
	tty.send("\x1be") // nothing left: it stays
	h.curIs(2)

	// Highlights within the room: two among many lines.
	for i := 0; i < 80; i++ {
		body := fmt.Sprintf("line %d", i)
		switch i {
		case 20:
			body = "zed: first"
		case 60:
			body = "zed: second"
		}
		h.post(roomMsg(rf, "bob", body, t0.Add(time.Duration(i+2)*time.Minute)))
	}
	at := func(what, text string) {
		t.Helper()
		h.waitFor(what, func() bool {
			if text == "" {
				return room.hlAt == nil && room.scroll == 0
			}
			return room.hlAt != nil && strings.Contains(room.hlAt.text, text) && room.scroll > 0
		})
		if text != "" && !strings.Contains(h.text(), "bob: zed: "+strings.TrimPrefix(text, "zed: ")) {
			t.Errorf("%s: %q not on screen:\n%s", what, text, h.text())
		}
	}
	tty.send("\x1bn") // at the bottom: nothing newer
	at("alt-n at the bottom", "")
	tty.send("\x1bp")
	at("alt-p", "second")
	tty.send("\x1bp")
	at("alt-p again", "first")
	tty.send("\x1bp")
	at("alt-p: no older", "zed: look")
	tty.send("\x1bp")
	at("alt-p stays", "zed: look")
	tty.send("\x1bn")
	at("alt-n", "first")
	tty.send("\x1bn")
	at("alt-n again", "second")
	tty.send("\x1bn")
	at("alt-n past the last", "")
}
