package e2e

import (
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestAdhocInTmux drives an ad-hoc command (XEP-0050) of the real binary
// in tmux, as the server's admin: /command lists the server's commands in
// a form window (Esc leaves it); /command with the announce node opens its
// form, keys as tmux sends them fill in the message and Ctrl-S sends it;
// an online peer gets the announcement.
func TestAdhocInTmux(t *testing.T) { servertest.Each(t, testAdhocInTmux) }

func testAdhocInTmux(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind, servertest.WithAdmin("me"))
	s.AddUser(t, "me", "me-secret")
	peer := servertest.StartPeer(t, s, s.AddUser(t, "peer", "pw"), "pw")
	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	tm.typeLine("/command")
	tm.waitFor("the list", "Commands of localhost")
	tm.keys("Escape")
	tm.waitFor("the list closed", "parley console: account states")

	tm.typeLine("/command localhost http://jabber.org/protocol/admin#announce")
	tm.waitFor("the form", "[ Complete ]")
	// The first field is the subject, then the message (a multi-line
	// field: Enter edits, M-Enter breaks the line, Enter keeps it).
	tm.keys("Enter")
	tm.run("send-keys", "-t", "e2e", "-l", "Notice")
	tm.keys("Enter", "Tab", "Enter")
	tm.run("send-keys", "-t", "e2e", "-l", "maintenance at noon")
	tm.keys("M-Enter")
	tm.run("send-keys", "-t", "e2e", "-l", "back soon")
	tm.keys("Enter")
	tm.waitFor("the message typed", "back soon")
	tm.keys("C-s")
	tm.waitFor("the command done", "[ Close ]")
	ev := peer.Wait(t, 20*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && strings.Contains(e.Body, "maintenance at noon")
	})
	if !strings.Contains(ev.Body, "maintenance at noon\nback soon") {
		t.Errorf("announcement %q: want both lines", ev.Body)
	}
	tm.keys("Enter") // Close
	tm.waitFor("the form closed", "parley console: account states")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
