package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// bin is the parley binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "parley")
	out, err := exec.Command("go", "build", "-o", bin, "parley").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// parley runs the binary with args and a private environment (XDG dirs in
// home) and returns its stdout, stderr and exit status.
func parley(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env(home)
	cmd.Stdin = nil // not a terminal: no first-run setup
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run parley: %v", err)
	}
	return o.String(), e.String(), code
}

// env is a minimal environment with the XDG directories under home.
func env(home string) []string {
	return []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"TZ=UTC",
	}
}

func TestVersionAndHelp(t *testing.T) {
	home := t.TempDir()
	out, _, code := parley(t, home, "--version")
	if code != 0 || !strings.HasPrefix(out, "parley ") {
		t.Errorf("--version: status %d, output %q", code, out)
	}
	out, _, code = parley(t, home, "--help")
	if code != 0 || !strings.Contains(out, "parley history [--account ACCOUNT] PEER") || !strings.Contains(out, "parley [-c FILE]") {
		t.Errorf("--help: status %d, output %q", code, out)
	}
	_, errOut, code := parley(t, home, "--no-such-flag")
	if code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("bad flag: status %d, stderr %q", code, errOut)
	}
	_, errOut, code = parley(t, home)
	if code != 2 || !strings.Contains(errOut, "no config file at "+filepath.Join(home, "config", "parley", "config.toml")) {
		t.Errorf("no config, no terminal: status %d, stderr %q", code, errOut)
	}
}

func TestConfigErrors(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "bad.toml")
	cfg := "history_dir = 3\ncolour = \"red\"\n[[account]]\njid = \"not a jid@@\"\npassword = \"x\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := parley(t, home, "-c", path)
	if code != 2 {
		t.Errorf("status %d, want 2; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{path + ":1: history_dir:", path + ":2: colour:", path + ":4: account[1].jid:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestWorldReadableConfigRefused(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "open.toml")
	if err := os.WriteFile(path, []byte("[[account]]\njid = \"me@example.org\"\npassword = \"secret\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // past the umask
		t.Fatal(err)
	}
	_, errOut, code := parley(t, home, "-c", path)
	if code != 2 || !strings.Contains(errOut, "chmod 600 "+path) || strings.Contains(errOut, "secret") {
		t.Errorf("status %d, stderr %q: want 2 and the chmod fix, without the password", code, errOut)
	}
}

// TestSession runs parley in tmux against each server: subscription both ways,
// a message to the slixmpp peer and its reply on screen, /quit (clean exit,
// unavailable presence), then `parley history` prints both messages.
func TestSession(t *testing.T) { servertest.Each(t, testSession) }

func testSession(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")

	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)

	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	// The peer asks for our presence; we allow it and ask for theirs.
	peer.Subscribe(me.String())
	tm.waitFor("subscription request", "peer@localhost wants to see your presence")
	tm.typeLine("/sub allow peer@localhost")
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "subscribed" })
	tm.typeLine("/sub request peer@localhost")
	tm.waitFor("peer in the roster", "● peer@localhost")

	tm.typeLine("/msg peer@localhost hello from parley")
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && e.Body == "hello from parley"
	})
	peer.SendMessage(me.String(), "hello back from the peer")
	tm.waitFor("reply", "peer@localhost: hello back from the peer")
	if scr := tm.capture(); !strings.Contains(scr, "me: hello from parley") {
		t.Errorf("own message not on screen:\n%s", scr)
	}
	if name := os.Getenv("PARLEY_E2E_SCREEN"); name != "" {
		if err := os.WriteFile(name, []byte(tm.capture()), 0o644); err != nil {
			t.Error(err)
		}
	}

	// A second parley on the same history directory is refused.
	_, errOut, code := parley(t, home, "-c", cfg)
	if code != 1 || !strings.Contains(errOut, filepath.Join(home, "history")+" is in use by process") {
		t.Errorf("second parley: status %d, stderr %q; want 1 and the lock holder", code, errOut)
	}

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "presence" && e.Type == "unavailable" && strings.HasPrefix(e.From, me.String())
	})

	out, errOut, code := parley(t, home, "-c", cfg, "history", "peer@localhost")
	if code != 0 {
		t.Fatalf("parley history: status %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "me@localhost: hello from parley") ||
		!strings.HasSuffix(lines[1], "peer@localhost: hello back from the peer") {
		t.Errorf("parley history printed:\n%s", out)
	}
}

// meConfig writes a private config for the account me@localhost (password
// me-secret) on s, with history in home and the extra account lines given,
// and returns its path.
func meConfig(t *testing.T, s *servertest.Server, home, extra string) string {
	t.Helper()
	return configAt(t, s, home, "parley.toml", s.Host, s.Port, extra)
}

// configAt writes a config for me@localhost named name in home, reaching
// the server s at host:port, with history in home/history.
func configAt(t *testing.T, s *servertest.Server, home, name, host string, port int, extra string) string {
	t.Helper()
	cfg := filepath.Join(home, name)
	writeConfig(t, cfg, fmt.Sprintf(`history_dir = %q
[[account]]
jid = "me@localhost"
password = "me-secret"
host = %q
port = %d
ca_file = %q
%s
`, filepath.Join(home, "history"), host, port, s.CAFile, extra))
	return cfg
}

// writeConfig writes a config file readable by its owner only.
func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
