package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/keymap"
	"parley/muc"
)

// finderSetup gives a UI a roster, a chat window with alice and a
// bookmarked room.
func finderSetup(h *harness, f *fakeAccount) {
	fillRoster(h, f)
	h.post(account.BookmarksEvent{Base: base(f), Bookmarks: []muc.Bookmark{
		{Room: jid.MustParse("devel@conf.example.org"), Name: "Parley devel", Nick: "me"},
		{Room: jid.MustParse("cafe@conf.example.org"), Nick: "me"},
	}})
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(msgIn(f, "alice@example.org/laptop", "hello", t0))
}

// TestGoldenFinder draws the finder over the screen: all that matches
// "a", windows first among equals, contacts and rooms of the account.
func TestGoldenFinder(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	finderSetup(h, f)
	h.key(tcell.KeyCtrlK, 0, tcell.ModCtrl)
	h.waitFor("finder", func() bool { return h.u.find != nil })
	golden(t, "finder_all", h.text())
	h.typeText("de")
	h.waitFor("query", func() bool { return h.u.find != nil && h.u.find.query == "de" })
	golden(t, "finder_de", h.text())
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("closed", func() bool { return h.u.find == nil })
	if strings.Contains(h.text(), "jump to") {
		t.Errorf("the finder is still drawn after Esc:\n%s", h.text())
	}
}

// TestFinderKeys feeds the bytes tmux sends: Ctrl-K (0x0b) kills when text
// follows the cursor and opens the finder on an empty line or at its end;
// in the finder, typed text narrows, Down (ESC [ B) and Up move, Enter (CR)
// jumps, Esc (a lone ESC) closes.
func TestFinderKeys(t *testing.T) {
	tests := []struct {
		name    string
		bytes   []string
		input   string // the input line after
		finder  bool   // the finder is open after
		current string // the current window's name after ("" : not checked)
	}{
		{"empty line opens", []string{"\x0b"}, "", true, "console"},
		{"text after the cursor: kill", []string{"abc", "\x01", "\x0b"}, "", false, "console"},
		{"kill then open", []string{"abc", "\x01", "\x0b", "\x0b"}, "", true, ""},
		{"at the end of a line: open, the line kept", []string{"abc", "\x0b"}, "abc", true, ""},
		{"mid-line kill", []string{"abcd", "\x02\x02", "\x0b"}, "ab", false, ""},
		{"jump to a contact", []string{"\x0b", "carol", "\r"}, "", false, "Carol"},
		{"jump by JID", []string{"\x0b", "erin@", "\r"}, "", false, "erin@example.org"},
		{"jump to an open window", []string{"\x0b", "alic", "\r"}, "", false, "Alice"},
		{"down then enter", []string{"\x0b", "o", "\x1b[B", "\r"}, "", false, ""},
		{"esc closes", []string{"\x0b", "bo", "\x1b"}, "", false, "console"},
		{"ctrl-k closes", []string{"\x0b", "\x0b"}, "", false, "console"},
		{"backspace widens", []string{"\x0b", "carolx", "\x7f", "\r"}, "", false, "Carol"},
		{"nothing matches: enter closes", []string{"\x0b", "zzzz", "\r"}, "", false, "console"},
		{"alt keys type nothing", []string{"\x0b", "\x1bx", "dav", "\r"}, "", false, "Dave"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
			finderSetup(h, h.fakes[0])
			for _, b := range tc.bytes {
				tty.send(b)
				if b == "\x1b" || strings.HasPrefix(b, "\x1b") && len(b) == 2 {
					time.Sleep(100 * time.Millisecond) // tcell tells a lone ESC from a chord by a pause
				}
			}
			h.waitFor("the keys", func() bool {
				return h.u.input.text == tc.input && (h.u.find != nil) == tc.finder &&
					(tc.current == "" || h.u.curWin().name == tc.current)
			})
		})
	}
}

// TestFinderDownMoves checks the selection moves and wraps at neither end.
func TestFinderDownMoves(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	finderSetup(h, f)
	h.key(tcell.KeyCtrlK, 0, tcell.ModCtrl)
	h.typeText("o")
	h.waitFor("ranked", func() bool { return h.u.find != nil && h.u.find.query == "o" && len(h.u.find.shown) > 2 })
	var second string
	h.sync(func() { second = h.u.find.shown[1].name })
	h.key(tcell.KeyUp, 0, 0) // at the top: stays
	h.key(tcell.KeyDown, 0, 0)
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("jumped", func() bool { return h.u.find == nil && strings.HasSuffix(second, h.u.curWin().name) })
}

// TestFinderRooms checks that Enter on a bookmarked room joins it.
func TestFinderRooms(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	finderSetup(h, f.fakeAccount)
	h.key(tcell.KeyCtrlK, 0, tcell.ModCtrl)
	h.typeText("pdev")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCall(f, "join devel@conf.example.org me ")
}

// TestFinderRebind checks that either action of Ctrl-K can have the key:
// "Ctrl-K" = "kill-line" never opens the finder, "Ctrl-G" = "finder"
// opens it; /help keys shows what is bound.
func TestFinderRebind(t *testing.T) {
	var overrides []keymap.Binding
	for k, a := range map[string]string{"Ctrl-K": "kill-line", "Ctrl-G": "finder"} {
		c, err := keymap.Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		overrides = append(overrides, keymap.Binding{Chord: c, Action: a})
	}
	h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
	h.sync(func() { h.u.keys, _ = keyTable(overrides) })
	finderSetup(h, h.fakes[0])
	tty.send("\x0b") // Ctrl-K on an empty line: kill-line only
	tty.send("x")
	h.inputIs("x")
	var open bool
	h.sync(func() { open = h.u.find != nil })
	if open {
		t.Fatal("Ctrl-K bound to kill-line opened the finder")
	}
	tty.send("\x07") // Ctrl-G
	h.waitFor("finder on Ctrl-G", func() bool { return h.u.find != nil })
	tty.send("\x07")
	h.waitFor("closed", func() bool { return h.u.find == nil })
	tty.send("\x15") // Ctrl-U
	h.inputIs("")
	tty.send("/help keys\r")
	h.waitFor("help", func() bool {
		lines := entryTexts(h.u.curWin())
		return countContaining(lines, "Ctrl-G") > 0 && countContaining(lines, "finder: the quick finder") > 0
	})
	lines := entryTexts(h.u.curWin())
	for _, l := range lines {
		if strings.Contains(l, "finder: the quick finder") && !strings.Contains(l, " Ctrl-G               finder:") {
			t.Errorf("/help keys: %q, want finder on Ctrl-G", l)
		}
		if strings.Contains(l, "kill-line:") && !strings.Contains(l, " Ctrl-K               kill-line:") {
			t.Errorf("/help keys: %q, want kill-line on Ctrl-K", l)
		}
	}
}

// TestFinderHelpDefault checks /help keys names both actions of Ctrl-K.
func TestFinderHelpDefault(t *testing.T) {
	h := startUI(t, 100, 30, newFake("me@example.org"))
	h.enter("/help keys")
	h.waitFor("help", func() bool {
		lines := entryTexts(h.u.curWin())
		return countContaining(lines, "Ctrl-K               finder:") == 1 && countContaining(lines, "Ctrl-K               kill-line:") == 1
	})
}

// TestFinderHostileNames checks that names from the network are drawn
// sanitized and that a huge roster is gathered bounded.
func TestFinderHostileNames(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	h.post(rosterEv(f, item("evil@example.org", "\x1b]0;pwn\x07Ev\u202eil"+strings.Repeat("x", 5000))))
	h.key(tcell.KeyCtrlK, 0, tcell.ModCtrl)
	h.typeText("ev")
	h.waitFor("ranked", func() bool { return h.u.find != nil && len(h.u.find.shown) == 1 })
	if s := h.text(); strings.Contains(s, "\x1b") || strings.Contains(s, "\u202e") {
		t.Errorf("a control character reached the screen:\n%q", s)
	}
}
