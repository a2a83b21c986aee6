package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestEditorInTmux: Alt-c (ESC c from tmux) opens the input line in
// $VISUAL with the TUI suspended; the edited text comes back into the
// input line, not sent, and the screen is whole again.
func TestEditorInTmux(t *testing.T) {
	tmuxOrSkip(t)
	s := servertest.Start(t, servertest.Prosody)
	s.AddUser(t, "me", "me-secret")
	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	script := filepath.Join(home, "ed")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nold=$(cat \"$1\")\nprintf 'edited %s\\n' \"$old\" > \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tm := startTmux(t, home, "env", "VISUAL="+script, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")
	tm.run("send-keys", "-t", "e2e", "-l", "draft")
	tm.run("send-keys", "-t", "e2e", "M-c")
	tm.waitFor("the edited text in the input line", "edited draft")
	tm.waitFor("the status bar redrawn", "[me@localhost: online]")
	tm.run("send-keys", "-t", "e2e", "C-u")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
