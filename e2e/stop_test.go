package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestStopContinue stops the real binary with SIGSTOP for longer than its
// keepalive and the server's stream-resumption time while the peer keeps
// writing, then continues it: parley must notice, get back online by
// itself, and end with every message of both sides in its history exactly
// once and in order.
func TestStopContinue(t *testing.T) {
	tmuxOrSkip(t)
	s := servertest.Start(t, servertest.Prosody, servertest.WithSMTimeout(3*time.Second))
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")

	home := t.TempDir()
	cfg := meConfig(t, s, home, `keepalive = "5s"`)

	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")
	pid := tm.programPID()

	var want []string
	from := func(i int) string { return fmt.Sprintf("peer says %d", i) }
	mine := func(i int) string { return fmt.Sprintf("parley says %d", i) }
	tm.typeLine("/msg peer@localhost " + mine(1)) // opens the conversation window
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Body == mine(1) })
	peer.SendMessage(me.String(), from(1))
	tm.waitFor("first message", from(1))
	want = append(want, mine(1), from(1))

	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 4; i++ {
		peer.SendMessage(me.String(), from(i))
		want = append(want, from(i))
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(8 * time.Second) // past keepalive (5 s) and resumption (3 s)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("messages sent while stopped", from(4))
	tm.waitFor("online again", "[me@localhost: online]")
	tm.typeLine(mine(2)) // the conversation window is current
	peer.Wait(t, 15*time.Second, func(e servertest.PeerEvent) bool { return e.Body == mine(2) })
	want = append(want, mine(2))
	peer.SendMessage(me.String(), from(5))
	tm.waitFor("a message after the stop", from(5))
	want = append(want, from(5))

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
	var received []string
	for _, e := range peer.Events() {
		if e.Kind == "message" && strings.HasPrefix(e.Body, "parley says") {
			received = append(received, e.Body)
		}
	}
	if strings.Join(received, "|") != mine(1)+"|"+mine(2) {
		t.Errorf("the peer received %q, want each of ours once", received)
	}
	out, errOut, code := parley(t, home, "-c", cfg, "history", "peer@localhost")
	if code != 0 {
		t.Fatalf("parley history: status %d, stderr %q", code, errOut)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if i := strings.Index(l, ": "); i >= 0 {
			got = append(got, l[i+2:])
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("history holds\n%s\nwant, each once and in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// programPID returns the pid of the program tmux runs (the child of the
// pane's shell).
func (tm *tmux) programPID() int {
	tm.t.Helper()
	shell := strings.TrimSpace(tm.run("display-message", "-p", "-t", "e2e", "#{pane_pid}"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + shell + "/task/" + shell + "/children")
		if err == nil {
			if f := strings.Fields(string(b)); len(f) > 0 {
				pid, err := strconv.Atoi(f[0])
				if err == nil {
					return pid
				}
			}
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("no program under the pane's shell %s", shell)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
