package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestSelectionInTmux: the selection mode of the real binary in tmux with
// a slixmpp peer: Alt-s selects the peer's message, y copies it with OSC
// 52 (tmux, with set-clipboard on, makes it its paste buffer), + 1 reacts
// with 👍 and r replies; the peer receives the reaction and the reply
// with its XEP-0461 reference.
func TestSelectionInTmux(t *testing.T) { servertest.Each(t, testSelectionInTmux) }

func testSelectionInTmux(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")

	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.run("set-option", "-s", "set-clipboard", "on") // applications may set tmux's buffers
	tm.waitFor("online", "[me@localhost: online]")

	peer.SendMessageID(me.String(), "copy me please", "pm1")
	tm.waitFor("the new window", "[2:peer@localhost")
	tm.run("send-keys", "-t", "e2e", "M-2")
	tm.waitFor("the message", "peer@localhost: copy me please")

	tm.run("send-keys", "-t", "e2e", "M-s")
	tm.waitFor("the selection mode", "select ↑↓")
	tm.run("send-keys", "-t", "e2e", "y")
	tm.waitFor("the copy", "copied the message to the clipboard")
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf, _ := tmuxOutput(tm, "show-buffer")
		if buf == "copy me please" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tmux buffer %q, want the message's text", buf)
		}
		time.Sleep(50 * time.Millisecond)
	}

	tm.run("send-keys", "-t", "e2e", "M-s", "+", "1")
	peer.Wait(t, 20*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && strings.Contains(e.Raw, "urn:xmpp:reactions:0") && strings.Contains(e.Raw, `id="pm1"`) &&
			strings.Contains(e.Raw, "👍")
	})
	tm.waitFor("our reaction", "👍 1*")

	tm.run("send-keys", "-t", "e2e", "M-s", "r")
	tm.waitFor("the reply prompt", "reply to peer@localhost:")
	tm.typeLine("a reply")
	peer.Wait(t, 20*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && strings.Contains(e.Raw, "urn:xmpp:reply:0") && strings.Contains(e.Raw, `id="pm1"`) &&
			strings.Contains(e.Body, "a reply")
	})
	tm.waitFor("our reply with its quote", "> peer@localhost: copy me please")

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}

// tmuxOutput runs a tmux command that may fail (show-buffer before there
// is a buffer) and returns its output.
func tmuxOutput(tm *tmux, args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).Output()
	return string(out), err
}
