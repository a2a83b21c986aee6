package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestOutboxKill9: a message typed while parley cannot reach its server is
// kept in the outbox file; parley is killed with SIGKILL (no chance to save
// anything then); the next parley sends it at login, once, and the peer
// gets it with nothing lost or doubled.
func TestOutboxKill9(t *testing.T) { servertest.Each(t, testOutboxKill9) }

func testOutboxKill9(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")
	home := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there: the first parley stays offline
	unreachable := configAt(t, s, home, "dead.toml", "127.0.0.1", dead, "")
	direct := meConfig(t, s, home, "")

	first := startTmux(t, home, bin, "-c", unreachable)
	first.waitFor("the first failure", "connection refused")
	first.typeLine("/msg peer@localhost")
	first.waitFor("the conversation", "[2:peer@localhost]")
	first.typeLine("typed offline, before the kill")
	first.waitFor("the pending mark", "(pending)")
	file := filepath.Join(home, "data", "parley", "outbox", me.String())
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(file)
		if err == nil && strings.Contains(string(b), "before the kill") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox file %s: %v %q", file, err, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	pid := first.programPID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid, 10*time.Second)

	second := startTmux(t, home, bin, "-c", direct)
	second.waitFor("online", "[me@localhost: online]")
	got := peer.Wait(t, 30*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && e.Body == "typed offline, before the kill"
	})
	if !strings.Contains(got.Raw, "origin-id") {
		t.Errorf("sent without its origin-id: %s", got.Raw)
	}
	second.typeLine("/msg peer@localhost")
	second.waitFor("the conversation", "[2:peer@localhost]")
	second.typeLine("marker")
	peer.Wait(t, 30*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body == "marker" })
	n := 0
	for _, e := range peer.Events() {
		if e.Kind == "message" && e.Body == "typed offline, before the kill" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the peer got the message %d times", n)
	}
	second.typeLine("/quit")
	if code := second.exitCode(10 * time.Second); code != 0 {
		t.Errorf("the second parley exited with status %d", code)
	}
}
