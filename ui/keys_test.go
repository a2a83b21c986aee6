package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
)

// chatSetup starts a UI with a roster and two conversations (windows 2, 3).
func chatSetup(t *testing.T) (*harness, *fakeAccount) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	fillRoster(h, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(
		msgIn(f, "alice@example.org/laptop", "one", t0),
		msgIn(f, "bob@example.org/x", "two", t0),
	)
	return h, f
}

func (h *harness) curIs(i int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("window %d", i+1), func() bool { return h.u.cur == i })
}

func TestKeysWindows(t *testing.T) {
	h, _ := chatSetup(t)
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	h.key(tcell.KeyCtrlN, 0, tcell.ModCtrl)
	h.curIs(2)
	h.key(tcell.KeyCtrlN, 0, tcell.ModCtrl)
	h.curIs(0)
	h.key(tcell.KeyCtrlP, 0, tcell.ModCtrl)
	h.curIs(2)
	h.key(tcell.KeyRune, '1', tcell.ModAlt)
	h.curIs(0)
	// Alt-9 with no window 9 does nothing.
	h.key(tcell.KeyRune, '9', tcell.ModAlt)
	h.key(tcell.KeyRune, '3', tcell.ModAlt)
	h.curIs(2)
	if !strings.Contains(h.text(), "[3:bob@example.org]") {
		t.Errorf("window list lacks window 3:\n%s", h.text())
	}
}

func TestKeysCompletion(t *testing.T) {
	h, _ := chatSetup(t)
	h.typeText("/ms")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/msg ")
	h.typeText("a")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/msg alice@example.org ")
	h.key(tcell.KeyTab, 0, 0) // again: the same prefix has no other candidate
	h.inputIs("/msg alice@example.org ")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.inputIs("")
	// Several candidates: repeated Tab cycles through them.
	h.typeText("/roster remove ")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/roster remove alice@example.org")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/roster remove bob@example.org")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/roster remove carol@example.org")
	h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
	h.typeText("/status a")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/status away ")
	h.key(tcell.KeyCtrlW, 0, tcell.ModCtrl)
	h.inputIs("/status ")
	h.key(tcell.KeyCtrlA, 0, tcell.ModCtrl)
	h.typeText("x")
	h.inputIs("x/status ")
}

func TestKeysEnterSends(t *testing.T) {
	h, f := chatSetup(t)
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	h.typeText("hello alice")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("sent message shown", func() bool {
		w := h.u.curWin()
		return w.buf.len() == 2 && strings.HasSuffix(w.buf.at(1).text, "me: hello alice")
	})
	h.typeText("//etc/passwd is a path")
	h.key(tcell.KeyEnter, 0, 0)
	h.typeText("/me waves")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("three sends", func() bool { return len(f.callList()) == 3 })
	want := []string{
		"send alice@example.org hello alice",
		"send alice@example.org /etc/passwd is a path",
		"send alice@example.org /me waves",
	}
	if got := f.callList(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	h.waitFor("action shown", func() bool {
		w := h.u.curWin()
		return w.buf.len() == 4 && strings.HasSuffix(w.buf.at(3).text, "* me waves")
	})
	// Up recalls the history.
	h.key(tcell.KeyUp, 0, 0)
	h.inputIs("/me waves")
	h.key(tcell.KeyUp, 0, 0)
	h.inputIs("//etc/passwd is a path")
	h.key(tcell.KeyDown, 0, 0)
	h.key(tcell.KeyDown, 0, 0)
	h.inputIs("")
}

func TestCommandErrorsInline(t *testing.T) {
	h, f := chatSetup(t)
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	for _, tc := range []struct{ in, want string }{
		{"/status", "usage: /status [-a ACCOUNT] online|chat|away|xa|dnd [text]"},
		{"/status sleepy", "usage: /status"},
		{"/win 9", "no window 9"},
		{"/nosuch", "unknown command /nosuch"},
		{"/msg a@b@c hi", "not a valid JID"},
		{"/roster nick alice@example.org", "usage: /roster"},
		{"/sub maybe alice@example.org", "usage: /sub"},
	} {
		h.typeText(tc.in)
		h.key(tcell.KeyEnter, 0, 0)
		h.waitFor("error for "+tc.in, func() bool {
			w := h.u.curWin()
			if w.buf.len() == 0 {
				return false
			}
			l := w.buf.at(w.buf.len() - 1)
			return l.kind == lineError && strings.Contains(l.text, tc.want)
		})
	}
	if !strings.Contains(h.text(), "-!- usage: /status [-a ACCOUNT] online|chat|away|xa|dnd [text]") {
		t.Errorf("usage not on screen:\n%s", h.text())
	}
	if calls := f.callList(); len(calls) != 0 {
		t.Errorf("failed commands called the account: %q", calls)
	}
}

func TestCommandsCallAccount(t *testing.T) {
	h, f := chatSetup(t)
	for _, in := range []string{
		"/status away gone fishing",
		"/sub allow carol@example.org",
		"/sub request new@example.org",
		"/roster add new@example.org New Person",
		"/roster nick alice@example.org Ally",
		"/roster group alice@example.org Friends Family",
		"/roster group new@example.org Work",
		"/roster remove dave@example.org",
		"/msg -a me@example.org zed@example.org hi zed",
	} {
		h.typeText(in)
		h.key(tcell.KeyEnter, 0, 0)
	}
	want := []string{
		`presence "away" "gone fishing"`,
		"sub subscribed carol@example.org",
		"sub subscribe new@example.org",
		`rosterset new@example.org "New Person" []`,
		`rosterset alice@example.org "Ally" ["Friends"]`,
		// Edits build on the previous edit before the server's push is back.
		`rosterset alice@example.org "Ally" ["Friends" "Family"]`,
		`rosterset new@example.org "New Person" ["Work"]`,
		"rosterremove dave@example.org",
		"send zed@example.org hi zed",
	}
	h.waitFor("all calls", func() bool { return len(f.callList()) == len(want) })
	got := f.callList()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("calls:\n%q\nwant\n%q", got, want)
	}
	// The sent message comes back as an event after the call: wait for it,
	// or it could reopen the window after the /close below.
	h.waitFor("zed window current with the sent message", func() bool {
		w := h.u.curWin()
		return w.peer.String() == "zed@example.org" && w.buf.len() > 0 && strings.HasSuffix(w.buf.at(w.buf.len()-1).text, "hi zed")
	})
	// /info, /close, /clear, /help.
	h.typeText("/info alice@example.org")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("info lines", func() bool {
		s := ""
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			s += w.buf.at(i).text + "\n"
		}
		return strings.Contains(s, "resource laptop: online, priority 5, \"at the desk\"") &&
			strings.Contains(s, "resource phone: away, priority 0, \"lunch\"") &&
			strings.Contains(s, "subscription: both") && strings.Contains(s, "groups: Friends")
	})
	h.typeText("/close")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("closed", func() bool { return len(h.u.wins) == 3 })
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	h.typeText("/help keys")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("/help keys in the current window, which stays", func() bool {
		w := h.u.curWin()
		return h.u.cur == 1 && strings.Contains(w.buf.at(w.buf.len()-1).text, "Ctrl-R")
	})
	h.key(tcell.KeyRune, '1', tcell.ModAlt)
	h.curIs(0)
	h.typeText("/close")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("console not closed", func() bool {
		w := h.u.curWin()
		return strings.Contains(w.buf.at(w.buf.len()-1).text, "console cannot be closed")
	})
}

func TestPasteIsOneMessage(t *testing.T) {
	h, f := chatSetup(t)
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	h.scr.PostEventWait(tcell.NewEventPaste(true))
	for _, r := range "first line" {
		h.key(tcell.KeyRune, r, 0)
	}
	h.key(tcell.KeyEnter, 0, 0)
	for _, r := range "second line" {
		h.key(tcell.KeyRune, r, 0)
	}
	h.scr.PostEventWait(tcell.NewEventPaste(false))
	h.inputIs("first line\nsecond line")
	if !strings.Contains(h.text(), "first line↵second line") {
		t.Errorf("input line does not show the paste:\n%s", h.text())
	}
	// Alt-Enter adds a line too.
	h.key(tcell.KeyEnter, 0, tcell.ModAlt)
	h.typeText("third")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("one send", func() bool { return len(f.callList()) == 1 })
	if got := f.callList()[0]; got != "send alice@example.org first line\nsecond line\nthird" {
		t.Errorf("sent %q", got)
	}
	h.waitFor("shown as one message", func() bool {
		w := h.u.curWin()
		return w.buf.len() == 2 && strings.Contains(w.buf.at(1).text, "me: first line\nsecond line\nthird")
	})
}

func TestPgUpScrolls(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		h.u.Post(msgIn(f, "alice@example.org/x", fmt.Sprintf("message %03d", i), t0))
	}
	h.settle()
	h.sync(func() { h.u.show(1) })
	if !strings.Contains(h.text(), "message 199") {
		t.Fatalf("last message not shown:\n%s", h.text())
	}
	h.key(tcell.KeyPgUp, 0, 0)
	h.waitFor("scrolled", func() bool { return h.u.curWin().scroll > 0 })
	scr := h.text()
	if strings.Contains(scr, "message 199") || !strings.Contains(scr, "message 174") || !strings.Contains(scr, "-MORE-") {
		t.Errorf("PgUp did not scroll one page:\n%s", scr)
	}
	// New messages keep the scrolled view where it is.
	h.post(msgIn(f, "alice@example.org/x", "message 200", t0))
	if got := h.text(); got != scr {
		t.Errorf("a new message moved the scrolled view:\n%s", got)
	}
	for i := 0; i < 20; i++ {
		h.key(tcell.KeyPgUp, 0, 0)
	}
	h.typeText("z") // keys are handled in order: once z is in, the PgUps are done
	h.inputIs("z")
	if !strings.Contains(h.text(), "09:00 alice@example.org: message 000") {
		t.Errorf("PgUp does not reach the top:\n%s", h.text())
	}
	for i := 0; i < 20; i++ {
		h.key(tcell.KeyPgDn, 0, 0)
	}
	h.waitFor("at the bottom", func() bool { return h.u.curWin().scroll == 0 })
	if !strings.Contains(h.text(), "message 200") {
		t.Errorf("PgDn did not return to the end")
	}
}

func TestRosterFocus(t *testing.T) {
	h, _ := chatSetup(t)
	h.key(tcell.KeyRune, 'r', tcell.ModAlt)
	h.waitFor("roster focus", func() bool { return h.u.roster.HasFocus() })
	h.key(tcell.KeyDown, 0, 0)
	h.key(tcell.KeyRune, 'j', 0)
	h.key(tcell.KeyRune, 'j', 0)
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("input focus", func() bool { return h.u.input.HasFocus() })
	// Rows: Friends, Alice, bob, Work, Carol...: Alice, then bob, the Work
	// header (Enter would fold it), then Carol.
	h.waitFor("carol window", func() bool { return h.u.curWin().peer.String() == "carol@example.org" })
}

func TestEventsConsole(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	h.post(
		account.SubscriptionEvent{Base: base(f), From: jidOf("new@example.org"), Type: "subscribe"},
		account.InfoEvent{Base: base(f), Error: true, Text: "roster push \x1b[31mrejected"},
		account.StateEvent{Base: base(f), State: account.Reconnecting, Err: errText("EOF"), Text: "connection lost"},
		account.FileWarningEvent{Text: "history: /h/me/bob.jsonl: skipped a line of 2000000 bytes at byte 7\x1b[2J"},
	)
	var scr string
	h.sync(func() {
		w := h.u.console()
		for i := 0; i < w.buf.len(); i++ {
			scr += w.buf.at(i).text + "\n"
		}
	})
	scr += h.text()
	for _, want := range []string{
		"new@example.org wants to see your presence: /sub allow new@example.org or /sub deny new@example.org",
		"me@example.org: roster push rejected",
		"me@example.org: reconnecting: connection lost",
		"[me@example.org: reconnecting]",
		"history: /h/me/bob.jsonl: skipped a line of 2000000 bytes at byte 7", // no account, sanitized
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("console lacks %q:\n%s", want, scr)
		}
	}
}
