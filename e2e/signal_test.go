package e2e

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestRestartAfterHangup: parley's terminal closes (or it gets SIGHUP or
// SIGTERM), also while its server has stopped answering, and the user
// starts parley again at once: the new parley waits for the history lock
// that the first gives up as it exits, and comes online with what the
// first one received in its history. How long the first took to exit is
// logged (a figure, not asserted).
func TestRestartAfterHangup(t *testing.T) { servertest.Each(t, testRestartAfterHangup) }

func testRestartAfterHangup(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	tests := []struct {
		name string
		sig  syscall.Signal // 0: the terminal closes (tmux goes away)
		hung bool           // the first parley's server stopped answering
	}{
		{"SIGHUP, server not answering", syscall.SIGHUP, true},
		{"SIGTERM", syscall.SIGTERM, false},
		{"terminal closed, server not answering", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := servertest.Start(t, kind)
			me := s.AddUser(t, "me", "me-secret")
			peerJID := s.AddUser(t, "peer", "peer-secret")
			peer := servertest.StartPeer(t, s, peerJID, "peer-secret")
			home := t.TempDir()
			px := s.Proxy(t)
			host, port, _ := net.SplitHostPort(px.Addr())
			n, _ := strconv.Atoi(port)
			viaProxy := configAt(t, s, home, "proxied.toml", host, n, "")
			direct := meConfig(t, s, home, "")

			first := startTmux(t, home, bin, "-c", viaProxy)
			first.waitFor("online", "[me@localhost: online]")
			peer.SendMessage(me.String(), "before the hangup")
			first.waitFor("the message", "[2:peer@localhost!1]")
			pid := first.programPID()
			if tc.hung {
				px.Pause()
			}
			start := time.Now()
			if tc.sig != 0 {
				if err := syscall.Kill(pid, tc.sig); err != nil {
					t.Fatal(err)
				}
			} else {
				first.run("kill-server")
			}
			second := startTmux(t, home, bin, "-c", direct)
			gone := waitGone(t, pid, 10*time.Second)
			t.Logf("%s: the first parley was gone %v after it", tc.name, gone.Sub(start).Round(time.Millisecond))
			second.waitFor("the second parley online", "[me@localhost: online]")
			second.typeLine("/msg peer@localhost")
			second.waitFor("the message in the history", "before the hangup")
			second.typeLine("/quit")
			if code := second.exitCode(10 * time.Second); code != 0 {
				t.Errorf("the second parley exited with status %d", code)
			}
			px.Resume()
		})
	}
}

// waitGone waits until process pid has exited (gone, or a zombie whose
// parent has not reaped it) and returns when it saw that.
func waitGone(t *testing.T, pid int, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running after %v", pid, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}
