package ui

import (
	"strings"
	"testing"
	"time"
)

// TestEditKeys feeds the bytes tmux sends for the readline editing keys
// (Alt = an ESC prefix, Ctrl-Left = CSI 1;5D) through tcell's input parser
// and the input handler; "|" typed after the keys shows where the cursor is.
func TestEditKeys(t *testing.T) {
	tests := []struct {
		name  string
		bytes []string // each written in one read, as a key press arrives
		want  string
	}{
		{"alt-b", []string{"one two three", "\x1bb", "|"}, "one two |three"},
		{"alt-b twice", []string{"one two, three ", "\x1bb", "\x1bb", "|"}, "one |two, three "},
		{"alt-f", []string{"one two three", "\x01", "\x1bf", "|"}, "one| two three"},
		{"alt-f from a space", []string{"one two", "\x01", "\x1bf", "\x1bf", "|"}, "one two|"},
		{"ctrl-left", []string{"one two", "\x1b[1;5D", "|"}, "one |two"},
		{"ctrl-right", []string{"one two", "\x01", "\x1b[1;5C", "\x1b[1;5C", "|"}, "one two|"},
		{"alt-backspace", []string{"say hello-world", "\x1b\x7f", "|"}, "say hello-|"},
		{"alt-d", []string{"one two three", "\x01", "\x1bf", "\x1bd", "|"}, "one| three"},
		{"ctrl-w then yank", []string{"one two", "\x17", "\x01", "\x19", "|"}, "two|one "},
		{"ctrl-u then yank", []string{"one two", "\x1bb", "\x15", "\x05", "\x19"}, "twoone "},
		{"ctrl-k then yank", []string{"one two", "\x1bb", "\x0b", "\x01", "\x19", "|"}, "two|one "},
		{"kills in a row add up", []string{"a b c", "\x17", "\x17", "\x19"}, "a b c"},
		{"kills apart do not", []string{"a b c", "\x17", "\x1b[D", "\x17", "\x19"}, "a b "},
		{"alt-d twice yanks both", []string{"one two three", "\x01", "\x1bd", "\x1bd", "\x19"}, "one two three"},
		{"ctrl-t mid", []string{"abcd", "\x1b[D", "\x1b[D", "\x14", "|"}, "acb|d"},
		{"ctrl-t at end", []string{"abcd", "\x14", "|"}, "abdc|"},
		{"ctrl-t at start", []string{"abcd", "\x01", "\x14", "|"}, "|abcd"},
		{"ctrl-t graphemes", []string{"ae\u0301", "\x14"}, "e\u0301a"},
		{"word keys over accents", []string{"cafe\u0301 noir", "\x1bb", "\x1bb", "\x1bf", "|"}, "cafe\u0301| noir"},
	}
	for _, term := range []string{"tmux-256color", "screen-256color", "xterm-256color"} {
		for _, tc := range tests {
			t.Run(term+"/"+tc.name, func(t *testing.T) {
				h, tty := startRawUI(t, term, newFake("me@example.org"))
				for _, b := range tc.bytes {
					tty.send(b)
				}
				h.inputIs(tc.want)
			})
		}
	}
}

// TestEditHistorySearch covers Ctrl-R: the newest match as the query
// grows, older ones with Ctrl-R again, Ctrl-G giving the line back, and
// any other key taking the match.
func TestEditHistorySearch(t *testing.T) {
	h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
	for _, l := range []string{"hello world", "foo bar", "Hello there"} {
		tty.send(l)
		tty.send("\r")
	}
	h.inputIs("")
	tty.send("draft")
	tty.send("\x12") // Ctrl-R
	tty.send("hel")
	h.inputIs("Hello there")
	h.waitFor("prompt", func() bool { return h.u.input.searchPrompt() == "(reverse-i-search)'hel': " })
	if !strings.Contains(h.text(), "(reverse-i-search)'hel': Hello there") {
		t.Errorf("the search is not on the input line:\n%s", h.text())
	}
	tty.send("\x12")
	h.inputIs("hello world")
	tty.send("\x12") // no older match: the line stays, the prompt says so
	h.waitFor("failed", func() bool { return h.u.input.srch != nil && h.u.input.srch.failed })
	h.inputIs("hello world")
	tty.send("\x07") // Ctrl-G: cancel
	h.inputIs("draft")
	h.waitFor("search ended", func() bool { return h.u.input.srch == nil })
	tty.send("\x12")
	tty.send("bar")
	h.inputIs("foo bar")
	tty.send("\x7f") // Backspace shortens the query
	tty.send("z")
	h.waitFor("failed", func() bool { return h.u.input.srch.failed })
	tty.send("\x7f")
	tty.send("\x05") // Ctrl-E takes the match and moves to its end
	tty.send("!")
	h.inputIs("foo bar!")
	h.waitFor("search ended", func() bool { return h.u.input.srch == nil })
}

// TestEditDrafts checks that each window keeps its own half-typed line.
func TestEditDrafts(t *testing.T) {
	f := newFake("me@example.org")
	h, tty := startRawUI(t, "tmux-256color", f)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	h.post(msgIn(f, "alice@example.org/laptop", "one", t0), msgIn(f, "bob@example.org/x", "two", t0))
	tty.send("console text")
	tty.send("\x1b2")
	h.curIs(1)
	h.inputIs("")
	tty.send("to alice")
	tty.send("\x1bb")
	tty.send("\x1b3")
	h.curIs(2)
	h.inputIs("")
	tty.send("\x1b2")
	h.curIs(1)
	tty.send("|")
	h.inputIs("to |alice")
	tty.send("\x1b1")
	h.inputIs("console text")
	tty.send("\x1b2")
	tty.send("\x1b3")
	h.curIs(2)
	tty.send("bob draft")
	h.inputIs("bob draft")
	h.sync(func() { h.u.closeWin(2) }) // /close, with its draft in the line
	h.curIs(1)                         // the window shown before
	h.inputIs("to |alice")
}
