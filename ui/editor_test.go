package ui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestEditor runs a fake $EDITOR script through Alt-c and Ctrl-X Ctrl-E:
// the text comes back into the input line, not sent; a failing editor
// leaves the line alone; EDITOR with arguments goes through the shell.
func TestEditor(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ed")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nold=$(cat \"$1\")\nprintf 'edited: %s\\r\\nsecond\\033[2J line\\n' \"$old\" > \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	f := newFake("me@example.org")
	h := startUI(t, 80, 20, f)
	tests := []struct {
		name, visual, editor string
		keys                 func()
		start, want          string
	}{
		{"Alt-c", script, "", func() { h.key(tcell.KeyRune, 'c', tcell.ModAlt) }, "draft", "edited: draft\nsecond line"},
		{"Ctrl-X Ctrl-E", script, "", func() { h.key(tcell.KeyCtrlX, 0, 0); h.key(tcell.KeyCtrlE, 0, 0) }, "x", "edited: x\nsecond line"},
		{"EDITOR with arguments", "", "/bin/sh " + script, func() { h.key(tcell.KeyRune, 'c', tcell.ModAlt) }, "y", "edited: y\nsecond line"},
		{"Ctrl-X then a letter", script, "", func() { h.key(tcell.KeyCtrlX, 0, 0); h.key(tcell.KeyRune, 'a', 0) }, "b", "ba"},
		// Last: its input is the one it started with, so only the error
		// line below says the editor ran (keys sent while the terminal is
		// suspended for it would be lost).
		{"failing editor", "false", "", func() { h.key(tcell.KeyRune, 'c', tcell.ModAlt) }, "kept", "kept"},
	}
	for _, tc := range tests {
		t.Setenv("VISUAL", tc.visual)
		t.Setenv("EDITOR", tc.editor)
		h.sync(func() { h.u.input.set(tc.start) })
		tc.keys()
		h.waitFor(tc.name+": input "+tc.want, func() bool { return h.u.input.text == tc.want })
	}
	h.winHas("editor: false: exit status 1")
	if calls := f.callList(); len(calls) != 0 {
		t.Errorf("the editor sent something: %q", calls)
	}
}
