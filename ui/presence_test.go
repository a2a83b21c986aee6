package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"
)

// TestPresenceCommands covers /away, /xa, /dnd, /chat, /back and /online:
// /status with the availability in the name, text optional, -a narrowing
// it to one account.
func TestPresenceCommands(t *testing.T) {
	f1, f2 := newFake("me@example.org"), newFake("work@example.com")
	h, tty := startRawUI(t, "tmux-256color", f1, f2)
	tty.send("/away gone fishing\r")
	tty.send("/xa\r")
	tty.send("/dnd -a in a meeting\r") // "-a" not followed by an account: an error
	tty.send("/dnd -a work in a meeting\r")
	tty.send("/chat\r")
	tty.send("/back  here again\r")
	tty.send("/online\r")
	want1 := []string{`presence "away" "gone fishing"`, `presence "xa" ""`, `presence "chat" ""`, `presence "" "here again"`, `presence "" ""`}
	want2 := []string{`presence "away" "gone fishing"`, `presence "xa" ""`, `presence "dnd" "in a meeting"`, `presence "chat" ""`, `presence "" "here again"`, `presence "" ""`}
	h.waitFor("presence calls", func() bool {
		return slices.Equal(f1.callList(), want1) && slices.Equal(f2.callList(), want2)
	})
	h.waitFor("the error", func() bool {
		w := h.u.console()
		for i := 0; i < w.buf.len(); i++ {
			if e := w.buf.at(i); e.kind == lineError && e.text != "" {
				return true
			}
		}
		return false
	})
	h.waitFor("status bar", func() bool { return h.u.accts[0].show == "" && h.u.accts[0].status == "" })
}

// TestAutoAway drives the clock: away after autoaway_minutes without a
// key, extended away after autoxa_minutes, the presence the user had
// (text included) back on the next key; a presence the user chose (dnd)
// is left alone.
func TestAutoAway(t *testing.T) {
	ti, err := terminfo.LookupTerminfo("tmux-256color")
	if err != nil {
		t.Skipf("no tmux-256color terminfo: %v", err)
	}
	tty := newKeyTty(100, 30)
	scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
	if err != nil {
		t.Fatal(err)
	}
	clock := fixedNow() // touched on the tview goroutine only
	f := newFake("me@example.org")
	h := runUI(t, scr, func(u *UI) {
		u.now = func() time.Time { return clock }
		u.opts.AutoAway, u.opts.AutoXA = 10*time.Minute, 30*time.Minute
	}, f)
	after := func(d time.Duration) {
		h.sync(func() {
			clock = clock.Add(d)
			h.u.checkAway()
		})
	}
	calls := func(what string, want ...string) {
		t.Helper()
		h.waitFor(what, func() bool { return slices.Equal(f.callList(), want) })
	}
	tty.send("/chat coffee\r")
	chat := `presence "chat" "coffee"`
	calls("chat", chat)
	after(9 * time.Minute)
	calls("not yet away", chat)
	after(time.Minute)
	calls("away", chat, `presence "away" "coffee"`)
	after(19 * time.Minute)
	calls("not yet xa", chat, `presence "away" "coffee"`)
	after(time.Minute)
	calls("xa", chat, `presence "away" "coffee"`, `presence "xa" "coffee"`)
	after(time.Hour)
	calls("nothing more", chat, `presence "away" "coffee"`, `presence "xa" "coffee"`)
	tty.send("x") // the next key: back to what it was
	calls("restored", chat, `presence "away" "coffee"`, `presence "xa" "coffee"`, chat)
	h.inputIs("x") // the key is typed as well
	tty.send("\x7f")
	h.inputIs("") // that key is in before the clock moves on
	h.waitFor("chat again", func() bool { return h.u.accts[0].show == "chat" })

	// A long idle spell seen at once goes straight to extended away.
	after(45 * time.Minute)
	calls("xa at once", chat, `presence "away" "coffee"`, `presence "xa" "coffee"`, chat,
		`presence "xa" "coffee"`)
	tty.send("\x1b[1;3C") // any key, a window key too
	h.waitFor("restored again", func() bool { return len(f.callList()) == 6 })

	// Do not disturb, set by the user, stays.
	tty.send("/dnd\r")
	h.waitFor("dnd", func() bool { return len(f.callList()) == 7 && h.u.accts[0].show == "dnd" })
	after(time.Hour)
	h.settle()
	if n := len(f.callList()); n != 7 {
		t.Errorf("auto-away changed dnd: %q", f.callList()[7:])
	}
}
