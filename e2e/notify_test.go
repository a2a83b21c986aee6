package e2e

import (
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestBellAndTitle: a message in a window not in front rings the bell
// (tmux's window_bell_flag) and puts the unread highlights in the terminal
// title (tmux's pane_title); showing the window takes them out again.
func TestBellAndTitle(t *testing.T) { servertest.Each(t, testBellAndTitle) }

func testBellAndTitle(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")

	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")
	flags := func() string {
		return strings.TrimSpace(tm.run("display-message", "-p", "-t", "e2e", "#{window_bell_flag} #{pane_title}"))
	}
	waitFlags := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for flags() != want {
			if time.Now().After(deadline) {
				t.Fatalf("bell flag and title %q, want %q", flags(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFlags("0 parley")

	peer.SendMessage(me.String(), "ping from the peer")
	tm.waitFor("the new window", "[2:peer@localhost!1]")
	waitFlags("1 parley (1)")

	tm.run("send-keys", "-t", "e2e", "M-2")
	tm.waitFor("the message", "peer@localhost: ping from the peer")
	tm.run("kill-session", "-C", "-t", "e2e") // clears the alerts flags (-C)
	waitFlags("0 parley")

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
