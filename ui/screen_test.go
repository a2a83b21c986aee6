package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
)

// fillRoster posts a roster of two groups with presences.
func fillRoster(h *harness, f *fakeAccount) {
	h.post(
		account.StateEvent{Base: base(f), State: account.Online},
		rosterEv(f,
			item("alice@example.org", "Alice", "Friends"),
			item("bob@example.org", "", "Friends"),
			item("carol@example.org", "Carol", "Work"),
			item("dave@example.org", "Dave", "Work"),
			item("erin@example.org", ""),
		),
		pres(f, "alice@example.org/phone", account.ShowAway, "lunch", 0),
		pres(f, "alice@example.org/laptop", account.ShowOnline, "at the desk", 5),
		pres(f, "carol@example.org/x", account.ShowDND, "", 0),
		pres(f, "erin@example.org/x", account.ShowChat, "", 0),
	)
}

func TestGoldenLayout(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(
		msgIn(f, "alice@example.org/laptop", "hi there! are you around?", t0),
		msgIn(f, "bob@example.org/x", "unread one", t0.Add(time.Minute)),
	)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "msg alice@example.org") })
	h.typeText("yes, here")
	h.inputIs("yes, here")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("own message", func() bool { return h.u.curWin().buf.len() == 2 })
	h.post(
		msgIn(f, "alice@example.org/laptop", "a long line that has to wrap because it is much longer than the conversation pane is wide, so it goes on", t0.Add(2*time.Minute)),
		msgIn(f, "alice@example.org/laptop", "/me waves", t0.Add(3*time.Minute)),
		account.PresenceEvent{Base: base(f), From: jid.MustParse("alice@example.org/laptop"), Available: false},
	)
	golden(t, "layout", h.text())
	golden(t, "layout_colors", h.colors(0, 2, 4, 27, 28))
}

func TestGoldenHostileText(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(
		msgIn(f, "alice@example.org/laptop", "[red]x[-] [::b]bold[::-] [\"r\"]region[\"\"] [:::https://evil]link", t0),
		msgIn(f, "alice@example.org/laptop", "\x1b[31mansi red\x1b[0m \x1b]0;title\a\x1b[2J\x1b[Hno clear", t0),
		msgIn(f, "alice@example.org/laptop", "ctl:\x00\x07\x08\x7f\u0085\u009b31m|bidi:\u202eabc\u202c|zw:a\u200bb|tab:\tx", t0),
		msgIn(f, "alice@example.org/laptop", "emoji 👍🏽 👩‍💻 🇫🇷 | CJK 漢字かな | 한국어 | end", t0),
		msgIn(f, "alice@example.org/laptop", "line one\nline two\r\nline three", t0),
		msgIn(f, "alice@example.org/laptop", "漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字", t0),
		rosterEv(f, item("alice@example.org", "[red]Ali\x1b[1mce\u202e", "[blue]G")),
	)
	h.sync(func() { h.u.show(1) })
	got := h.text()
	golden(t, "hostile", got)
	for _, bad := range []string{"\x1b", "\u202e", "\x07", "[31m"} {
		if strings.Contains(got, bad) {
			t.Errorf("screen contains %q", bad)
		}
	}
}

func TestGoldenTwoAccounts(t *testing.T) {
	f1 := newFake("me@example.org")
	f2 := newFake("work@corp.example")
	h := startUI(t, 100, 30, f1, f2)
	fillRoster(h, f1)
	h.post(
		account.StateEvent{Base: base(f2), State: account.Failed, Err: errText("auth"), Text: "wrong password"},
		rosterEv(f2, item("boss@corp.example", "Boss", "Team"), item("peer@corp.example", "")),
		msgIn(f2, "boss@corp.example/desk", "status report?", time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)),
	)
	golden(t, "two_accounts", h.text())
}

func TestGoldenResize(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(msgIn(f, "alice@example.org/laptop", "a fairly long message that will need to wrap differently once the terminal gets narrower", t0))
	h.sync(func() { h.u.show(1) })
	h.sync(func() { h.scr.SetSize(60, 12) })
	h.settle()
	golden(t, "resized", h.text())
}

type errText string

func (e errText) Error() string { return string(e) }

// TestGoldenSmallTerminals: on small terminals the side panes shrink, then
// hide, the bars above the conversation go before the input line and the
// status bar, and all comes back when the terminal grows.
func TestGoldenSmallTerminals(t *testing.T) {
	h, rf := startRoomUIPrep(t, 120, 40, func(u *UI) { u.opts.RosterWidth = 28 })
	fillRoster(h, rf.fakeAccount)
	joinTestRoom(h, rf)
	h.post(roomMsg(rf, "alice", "hello all, a message long enough to wrap on a small screen", fixedNow()))
	for _, sz := range []struct{ w, h int }{{20, 8}, {60, 20}, {40, 4}, {30, 2}, {120, 40}} {
		h.sync(func() { h.scr.SetSize(sz.w, sz.h) })
		h.settle()
		got := h.text()
		golden(t, fmt.Sprintf("small_%dx%d", sz.w, sz.h), got)
		rows := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(rows) != sz.h {
			t.Fatalf("%dx%d: %d rows", sz.w, sz.h, len(rows))
		}
		if !strings.Contains(rows[len(rows)-2], "[12:34]") {
			t.Errorf("%dx%d: no status bar above the input line:\n%s", sz.w, sz.h, got)
		}
		var cursorX, cursorY int
		h.sync(func() { cursorX, cursorY, _ = h.scr.GetCursor() })
		if cursorY != sz.h-1 || cursorX < 0 || cursorX >= sz.w {
			t.Errorf("%dx%d: input cursor at %d,%d", sz.w, sz.h, cursorX, cursorY)
		}
	}
}
