package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxOrSkip skips the test when tmux is missing, except under CI=true
// where every test must run.
func tmuxOrSkip(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (CI=true: not skipping); ./scripts/test.sh installs it")
		}
		t.Skip("tmux is not installed")
	}
}

// tmux is one tmux server, on a private socket, running one program in a
// 120x40 window.
type tmux struct {
	t      *testing.T
	sock   string
	status string // file the wrapper writes the program's exit status to
}

// startTmux runs argv (a program and its arguments) in a new tmux server
// with the XDG environment of home. t.Cleanup kills the server and, if the
// test failed, logs the last screen.
func startTmux(t *testing.T, home string, argv ...string) *tmux {
	t.Helper()
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "pe2e")
	if err != nil {
		t.Fatal(err)
	}
	tm := &tmux{t: t, sock: filepath.Join(dir, "s"), status: filepath.Join(dir, "status")}
	var cmd strings.Builder
	cmd.WriteString("env -i")
	for _, e := range append(env(home), "TERM=tmux-256color") {
		cmd.WriteString(" " + shellQuote(e))
	}
	for _, a := range argv {
		cmd.WriteString(" " + shellQuote(a))
	}
	cmd.WriteString("; echo $? > " + shellQuote(tm.status) + ".tmp; mv " + shellQuote(tm.status) + ".tmp " + shellQuote(tm.status))
	tm.run("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "sh", "-c", cmd.String())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", tm.capture())
		}
		exec.Command("tmux", "-S", tm.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	return tm
}

// run runs a tmux command against this server.
func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture returns the screen as text ("" once the session is gone).
func (tm *tmux) capture() string {
	out, err := exec.Command("tmux", "-S", tm.sock, "capture-pane", "-p", "-t", "e2e").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitFor polls the screen until it contains text.
func (tm *tmux) waitFor(what, text string) {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(tm.capture(), text) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %s (%q) on screen:\n%s", what, text, tm.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// typeLine types text and Enter. Text goes literally (-l): no key names.
func (tm *tmux) typeLine(text string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", "e2e", "-l", text)
	tm.run("send-keys", "-t", "e2e", "Enter")
}

// exitCode waits for the program to end and returns its exit status.
func (tm *tmux) exitCode(timeout time.Duration) int {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(tm.status)
		if err == nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				tm.t.Fatalf("exit status file: %q", b)
			}
			return n
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("parley did not exit within %v; screen:\n%s", timeout, tm.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
