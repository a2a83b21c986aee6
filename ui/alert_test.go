package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/internal/dbustest"
	"parley/notify"
)

// bellScreen counts the bells rung on a screen.
type bellScreen struct {
	tcell.Screen
	beeps atomic.Int32
}

func (s *bellScreen) Beep() error {
	s.beeps.Add(1)
	return nil
}

// TestAlerts runs the notifications against a real session bus with a
// notification daemon that records what it gets: which messages notify
// (rooms: mentions and highlight words; 1:1: every message; not archived
// ones; not in the window in front unless the terminal lost the focus),
// the bell, the title, /notify and its file.
func TestAlerts(t *testing.T) {
	addr := dbustest.StartBus(t)
	notes := dbustest.Notifier(t, addr, false)
	d := notify.NewDesktop(addr)
	t.Cleanup(d.Close)
	modesFile := filepath.Join(t.TempDir(), "notify")
	var bell *bellScreen
	h, f := startRoomUIPrep(t, 100, 30, func(u *UI) {
		bell = &bellScreen{Screen: u.opts.Screen}
		u.opts.Screen = bell
		u.opts.Bell, u.opts.DesktopNotify, u.opts.Desktop = true, true, d
		u.opts.HighlightWords = []string{"deploy"}
		u.alerts.modes, _ = notify.LoadModes(modesFile)
		u.alerts.gap = 0 // every message rings; TestAlertGap tests the gap
	})
	w := joinTestRoom(h, f)
	h.sync(func() { h.u.show(0) })
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	next := func(want string) {
		t.Helper()
		select {
		case n := <-notes:
			if got := n.Summary + " | " + n.Body; got != want {
				t.Errorf("notification %q, want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no notification (want %q); desktop error %v", want, d.Err())
		}
	}
	title := func(want string) {
		t.Helper()
		var got string
		h.on(func() { got = h.scr.GetTitle() })
		if got != want {
			t.Errorf("title %q, want %q", got, want)
		}
	}
	title("parley")

	// A plain room message does not notify, a mention does.
	h.post(roomMsg(f, "alice", "plain <message>", t0), roomMsg(f, "carol", "zed: ping <b>\x1b[2J", t0))
	next("carol in dev | zed: ping &lt;b&gt;")
	if n := bell.beeps.Load(); n != 1 {
		t.Errorf("%d bells, want 1", n)
	}
	title("parley (1)")
	h.post(roomMsg(f, "dave", "we Deploy today", t0))
	next("dave in dev | we Deploy today")
	title("parley (2)")

	// 1:1: every message; an archived one does not notify.
	old := msgIn(f.fakeAccount, "bob@example.org/phone", "from the archive", t0)
	old.Msg.Archived = true
	h.post(old, msgIn(f.fakeAccount, "bob@example.org/phone", "/me waves", t0))
	next("bob@example.org | * waves")
	if n := bell.beeps.Load(); n != 3 {
		t.Errorf("%d bells, want 3", n)
	}

	// /notify off in the room: its mentions are quiet, and it is kept.
	h.sync(func() { h.u.showWin(w) })
	title("parley (2)") // bob's two messages
	h.typeText("/notify off")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("mode set", func() bool { return h.u.notifyMode(w) == notify.Off })
	h.sync(func() { h.u.show(0) })
	h.post(roomMsg(f, "carol", "zed: again", t0), msgIn(f.fakeAccount, "bob@example.org/phone", "still there?", t0))
	next("bob@example.org | still there?")
	data, _ := os.ReadFile(modesFile)
	if string(data) != "me@example.org\tdev@conf.example.org\toff\n" {
		t.Errorf("modes file %q", data)
	}

	// The window in front notifies while the terminal has no focus.
	bob := jid.MustParse("bob@example.org")
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], bob)) })
	h.post(msgIn(f.fakeAccount, "bob@example.org/phone", "in front, focused", t0))
	h.scr.PostEvent(tcell.NewEventFocus(false))
	h.waitFor("blurred", func() bool { return h.u.alerts.blurred.Load() })
	h.post(msgIn(f.fakeAccount, "bob@example.org/phone", "in front, away", t0))
	next("bob@example.org | in front, away")
	title("parley (2)") // carol's mention in the quiet room, and this one
	h.scr.PostEvent(tcell.NewEventFocus(true))
	h.waitFor("focused", func() bool { return !h.u.alerts.blurred.Load() })
	h.settle()
	title("parley (1)")
}

// TestNotifyCommand: /notify shows the mode, refuses unknown modes, needs
// a file to keep a mode in, and a conversation window.
func TestNotifyCommand(t *testing.T) {
	h, f := startRoomUIPrep(t, 100, 30, func(u *UI) {})
	joinTestRoom(h, f)
	for _, tc := range []struct{ in, want string }{
		{"/notify", "notify: default (mentions only notifies here)"},
		{"/notify loud", `unknown notify mode "loud"`},
		{"/notify on", "/notify: no data directory"},
	} {
		h.run(strings.TrimPrefix(tc.in, "/"))
		h.winHas(tc.want)
	}
	h.sync(func() { h.u.show(0) })
	h.run("notify")
	h.winHas("/notify works in a conversation")
	h.post(msgIn(f.fakeAccount, "bob@example.org/phone", "hi", time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)))
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jid.MustParse("bob@example.org"))) })
	h.run("notify")
	h.winHas("notify: default (every message notifies here)")
}

// TestAlertGap: a flood of messages rings the bell once, and the next
// notification after the gap says how many more came.
func TestAlertGap(t *testing.T) {
	addr := dbustest.StartBus(t)
	notes := dbustest.Notifier(t, addr, false)
	d := notify.NewDesktop(addr)
	t.Cleanup(d.Close)
	var bell *bellScreen
	f := newFake("me@example.org")
	h := startUIPrep(t, 80, 20, func(u *UI) {
		bell = &bellScreen{Screen: u.opts.Screen}
		u.opts.Screen = bell
		u.opts.Bell, u.opts.DesktopNotify, u.opts.Desktop = true, true, d
		u.alerts.gap = time.Hour
	}, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range 50 {
		h.post(msgIn(f, "bob@example.org/phone", "flood "+strconv.Itoa(i), t0))
	}
	if n := bell.beeps.Load(); n != 1 {
		t.Errorf("%d bells for a flood, want 1", n)
	}
	h.sync(func() { h.u.alerts.gap = 0 })
	h.post(msgIn(f, "bob@example.org/phone", "after", t0))
	for _, want := range []string{"bob@example.org | flood 0", "bob@example.org | after (and 49 more)"} {
		select {
		case n := <-notes:
			if got := n.Summary + " | " + n.Body; got != want {
				t.Errorf("notification %q, want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no notification %q", want)
		}
	}
}
