package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSelectionLinks feeds the bytes tmux sends to the selection mode: o
// opens the selected message's link through /url open's path (the
// configured opener, the URL one argument); on a message of two links o
// waits for a digit (or Enter: the first), Esc gives it up; o and s on a
// message without a link say so; s goes to /url save's path.
func TestSelectionLinks(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	script := filepath.Join(dir, "opener")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >> "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	one := "https://one.example/a?b=c"
	two1, two2 := "https://two.example/first", "https://two.example/second;$(rm)"
	tests := []struct {
		name   string
		keys   []string // after Alt-s on the newest message; \x1b[A is Up
		opened []string // the opener's arguments, one call a line
		note   string   // a line of the window after, "" for none
	}{
		{"o on one link", []string{"\x1b[A", "\x1b[A", "o"}, []string{one}, "opening " + one},
		{"o then a digit", []string{"\x1b[A", "o", "2"}, []string{two2}, ""},
		{"o then Enter: the first", []string{"\x1b[A", "o", "\r"}, []string{two1}, ""},
		{"o then a digit too far, Esc", []string{"\x1b[A", "o", "3", "\x1b"}, nil, "no link 3 in this message: 1 to 2"},
		{"o then Esc", []string{"\x1b[A", "o", "\x1b"}, nil, ""},
		{"o without a link", []string{"o"}, nil, "no link in this message"},
		{"s without a link", []string{"s"}, nil, "no link in this message"},
		{"s goes to /url save", []string{"\x1b[A", "\x1b[A", "s"}, nil, "cannot share files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(out)
			h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
			h.sync(func() { h.u.opts.URLOpenCmd = []string{script} })
			f := h.fakes[0]
			h.post(
				msgIn(f, "alice@example.org/phone", "look: "+one, fixedNow()),
				msgIn(f, "alice@example.org/phone", "two "+two1+" and "+two2, fixedNow()),
				msgIn(f, "alice@example.org/phone", "no link here", fixedNow()),
			)
			h.sync(func() { h.u.show(1) })
			tty.send("\x1bs")
			h.waitFor("selected", func() bool { return h.u.curWin().sel != nil })
			for _, k := range tc.keys {
				tty.send(k)
				time.Sleep(60 * time.Millisecond) // a lone ESC is told apart by a pause; keys in order
			}
			if tc.note != "" {
				h.waitFor(tc.note, func() bool { return countContaining(entryTexts(h.u.curWin()), tc.note) == 1 })
			}
			want := strings.Join(tc.opened, "\n")
			if want != "" {
				want += "\n"
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				b, _ := os.ReadFile(out)
				if string(b) == want {
					break
				}
				if time.Now().After(deadline) || len(b) > len(want) {
					t.Fatalf("the opener got %q, want %q", b, want)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if want == "" {
				time.Sleep(50 * time.Millisecond) // nothing started late
				if b, _ := os.ReadFile(out); len(b) > 0 {
					t.Fatalf("the opener ran with %q", b)
				}
			}
			var act *pendingAct
			h.sync(func() { act = h.u.act })
			if act != nil {
				t.Errorf("an action waits after the keys: %+v", act)
			}
		})
	}
}
