package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorder is a Handler that keeps what it was asked (the real one, the
// UI, is exercised in the root package's test against a server).
type recorder struct {
	mu    sync.Mutex
	calls []string
	fail  error
}

func (r *recorder) note(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
	return r.fail
}

func (r *recorder) Send(_ context.Context, acct, to, text string) (bool, error) {
	return acct == "offline", r.note(fmt.Sprintf("send %q %q %q", acct, to, text))
}

func (r *recorder) SetStatus(_ context.Context, acct, show, text string) error {
	return r.note(fmt.Sprintf("status %q %q %q", acct, show, text))
}

func (r *recorder) Accounts(_ context.Context, acct string) ([]Account, error) {
	return []Account{{JID: "me@example.org", State: "online", Show: "away", Status: "at \x1b[31mlunch"}}, r.note("accounts " + acct)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// serve listens in a fresh private directory and serves h until the test ends.
func serve(t *testing.T, h Handler) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run", "parley", "ctl")
	s, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return path
}

func TestListenModes(t *testing.T) {
	path := serve(t, &recorder{})
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{filepath.Dir(path), 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode().Perm(), c.mode)
		}
	}
	if _, err := Listen(path); !errors.Is(err, ErrRunning) {
		t.Errorf("second Listen: %v, want ErrRunning", err)
	}
}

// TestStaleSocket: a socket left by a parley that died (nobody answers)
// is replaced; a file that is not a socket is left alone.
func TestStaleSocket(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "parley")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ctl")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := Do(context.Background(), path, Request{Op: OpAccounts}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Do on a stale socket: %v, want ErrNotRunning", err)
	}
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	s.Close()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory made private: %v %v", fi.Mode(), err)
	}
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("x"), 0o600)
	if _, err := Listen(plain); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a file: %v", err)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(dir, link)
	if _, err := Listen(filepath.Join(link, "ctl")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Listen in a symlinked directory: %v", err)
	}
}

func TestNotRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl")
	var out, errb bytes.Buffer
	if code := RunSend(path, []string{"bob@example.org", "hi"}, nil, &out, &errb); code != ExitNotRunning {
		t.Errorf("exit %d, want %d", code, ExitNotRunning)
	}
	if !strings.Contains(errb.String(), "no running parley") || !strings.Contains(errb.String(), path) {
		t.Errorf("stderr %q", errb.String())
	}
	if code := RunStatus(path, nil, &out, &errb); code != ExitNotRunning {
		t.Errorf("status: exit %d", code)
	}
}

func TestCLI(t *testing.T) {
	rec := &recorder{}
	path := serve(t, rec)
	tests := []struct {
		name  string
		send  bool
		args  []string
		stdin string
		code  int
		out   string
		err   string
		call  string
	}{
		{"words", true, []string{"bob@example.org", "hello", "there"}, "", 0, "", "", `send "" "bob@example.org" "hello there"`},
		{"-a", true, []string{"-a", "me@", "bob", "hi"}, "", 0, "", "", `send "me@" "bob" "hi"`},
		{"stdin", true, []string{"bob@example.org"}, "line one\nline two\n\n", 0, "", "", `send "" "bob@example.org" "line one\nline two"`},
		{"stdin by -", true, []string{"--account=x", "bob@example.org", "-"}, "from a pipe\n", 0, "", "", `send "x" "bob@example.org" "from a pipe"`},
		{"pending", true, []string{"-a", "offline", "bob@example.org", "later"}, "", 0, "pending: offline: kept in the outbox", "", `send "offline" "bob@example.org" "later"`},
		{"empty stdin", true, []string{"bob@example.org"}, "\n", 2, "", "nothing to send", ""},
		{"too long", true, []string{"bob@example.org"}, strings.Repeat("x", MaxText+1), 2, "", "longer than", ""},
		{"no JID", true, nil, "", 2, "", "usage: parley send", ""},
		{"unknown flag", true, []string{"-x", "bob"}, "", 2, "", "usage: parley send", ""},
		{"-a without account", true, []string{"-a"}, "", 2, "", "needs an account", ""},
		{"list", false, nil, "", 0, "me@example.org online away: at lunch\n", "", "accounts "},
		{"set", false, []string{"away", "gone", "fishing"}, "", 0, "", "", `status "" "away" "gone fishing"`},
		{"set one", false, []string{"-a", "me", "dnd"}, "", 0, "", "", `status "me" "dnd" ""`},
		{"bad show", false, []string{"sleeping"}, "", 2, "", `unknown presence "sleeping"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.list())
			var out, errb bytes.Buffer
			var code int
			if tt.send {
				code = RunSend(path, tt.args, strings.NewReader(tt.stdin), &out, &errb)
			} else {
				code = RunStatus(path, tt.args, &out, &errb)
			}
			if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errb.String(), tt.err) {
				t.Errorf("exit %d stdout %q stderr %q; want %d, %q, %q", code, out.String(), errb.String(), tt.code, tt.out, tt.err)
			}
			calls := rec.list()[before:]
			switch {
			case tt.call == "" && len(calls) > 0:
				t.Errorf("handler called: %q", calls)
			case tt.call != "" && (len(calls) != 1 || calls[0] != tt.call):
				t.Errorf("handler calls %q, want %q", calls, tt.call)
			}
		})
	}
	rec.fail = errors.New("no contact \x1b[2Jnamed bob")
	var out, errb bytes.Buffer
	if code := RunSend(path, []string{"bob", "x"}, nil, &out, &errb); code != ExitFailed || errb.String() != "parley send: no contact named bob\n" {
		t.Errorf("a refused send: exit %d, stderr %q (sanitized)", code, errb.String())
	}
}

// rawExchange writes b to the socket and returns what comes back.
func rawExchange(t *testing.T, path string, b []byte) string {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write(b)
		c.(*net.UnixConn).CloseWrite()
	}()
	var out bytes.Buffer
	out.ReadFrom(c)
	return out.String()
}

// TestHostileRequests: whatever a client writes, it gets one reply line and
// the handler sees only checked requests.
func TestHostileRequests(t *testing.T) {
	rec := &recorder{}
	path := serve(t, rec)
	tests := []struct {
		name, in, want string
	}{
		{"unknown op", `{"v":1,"op":"exec","text":"rm -rf"}` + "\n", `unknown operation`},
		{"unknown key", `{"v":1,"op":"send","to":"b@x","text":"hi","cmd":"/quit"}` + "\n", `unknown field`},
		{"old version", `{"op":"send","to":"b@x","text":"hi"}` + "\n", `protocol version 0`},
		{"two objects", `{"v":1,"op":"accounts"}{"v":1,"op":"accounts"}` + "\n", `more than one`},
		{"no newline", `{"v":1,"op":"accounts"}`, `not ended by a newline`},
		{"not UTF-8", "{\"v\":1,\"op\":\"send\",\"to\":\"b@x\",\"text\":\"\xff\"}\n", `not UTF-8`},
		{"overlong", strings.Repeat("x", 10<<20), `request too long`},
		{"long text", `{"v":1,"op":"send","to":"b@x","text":"` + strings.Repeat("x", MaxText+1) + `"}` + "\n", `longer than`},
		{"send without text", `{"v":1,"op":"send","to":"b@x"}` + "\n", `needs a text`},
		{"status with a recipient", `{"v":1,"op":"status","show":"away","to":"b@x"}` + "\n", `no recipient`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rawExchange(t, path, []byte(tt.in))
			if strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, `{"ok":false`) || !strings.Contains(got, tt.want) {
				t.Errorf("reply %q, want one error line with %q", got, tt.want)
			}
		})
	}
	if calls := rec.list(); len(calls) != 0 {
		t.Errorf("handler called with %q", calls)
	}
}

// TestOtherUserRefused: another user cannot open the socket (0600 in a
// 0700 directory), and one who could (the modes loosened by hand) is
// refused by its peer credentials before anything it writes is read.
func TestOtherUserRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("needs python3 for the other user's client")
	}
	rec := &recorder{}
	base := t.TempDir()
	os.Chmod(filepath.Dir(base), 0o755) // the test's own directories: reachable by nobody
	os.Chmod(base, 0o755)
	path := filepath.Join(base, "parley", "ctl")
	s, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, rec)
	client := `import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e.strerror); sys.exit(0)
try:
    s.sendall(b'{"v":1,"op":"send","to":"b@x","text":"from nobody"}\n')
except OSError:
    pass # refused before it was read
print(s.makefile().readline().strip())
`
	asNobody := func() string {
		cmd := exec.Command(py, "-c", client, path)
		cmd.SysProcAttr = nobody()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python as nobody: %v %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := asNobody(); got != "connect: Permission denied" {
		t.Errorf("with the modes parley sets: %q, want permission denied", got)
	}
	os.Chmod(filepath.Dir(path), 0o755)
	os.Chmod(path, 0o666)
	if got := asNobody(); !strings.Contains(got, "refused: not the user running parley") {
		t.Errorf("with the modes loosened: %q, want refused by peer credentials", got)
	}
	if calls := rec.list(); len(calls) != 0 {
		t.Errorf("handler called: %q", calls)
	}
}

func TestSocketPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := Dir(env(map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"})); got != "/run/user/1000/parley" {
		t.Errorf("Dir = %q", got)
	}
	want := filepath.Join("/tmp", fmt.Sprintf("parley-%d", os.Getuid()))
	for _, m := range []map[string]string{{}, {"XDG_RUNTIME_DIR": "relative"}} {
		if got := Dir(env(m)); got != want {
			t.Errorf("Dir(%v) = %q, want %q", m, got, want)
		}
	}
	if got := SocketPath("/d", "/home/me/.config/parley/config.toml", true); got != "/d/ctl" {
		t.Errorf("default: %q", got)
	}
	a, b := SocketPath("/d", "/x/a.toml", false), SocketPath("/d", "/x/b.toml", false)
	if a == b || !strings.HasPrefix(a, "/d/ctl-") || a != SocketPath("/d", "/x/./a.toml", false) {
		t.Errorf("per config: %q %q", a, b)
	}
}
