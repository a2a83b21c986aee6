package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestBinaryUpload: the real binary in tmux uploads a 10 MB and then a
// 100 MB file to a local Prosody's http_file_share over https (/upload):
// throughput, parley's CPU per upload, its peak memory (VmHWM) after each
// (flat in the file size: the file is streamed, never held), and key echo
// through tmux during the 100 MB upload.
func TestBinaryUpload(t *testing.T) {
	benchOnly(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	const big = 100 << 20
	s := servertest.Start(t, servertest.Prosody, servertest.WithFileShare(big+(1<<20), "https"))
	s.Require(t, servertest.FileShare)
	me := s.AddUser(t, "me", "me-secret")
	peer := s.AddUser(t, "peer", "peer-secret")

	home := t.TempDir()
	bin := filepath.Join(home, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "parley").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	files := map[string]int64{"ten.bin": 10 << 20, "hundred.bin": big}
	for name, n := range files {
		f, err := os.Create(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		for w := int64(0); w < n; w += int64(len(buf)) {
			if _, err := f.Write(buf); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	cfg := writeMeConfig(t, s, me, home, filepath.Join(home, "history"))
	sock := filepath.Join(mustTemp(t), "s")
	tmux := tmuxAt(sock)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	cmd := fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 %q -c %q", home, bin, cfg)
	if _, err := tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd); err != nil {
		t.Fatal(err)
	}
	screen := func() string { out, _ := tmux("capture-pane", "-p", "-t", "b"); return out }
	waitScreen := func(what string, limit time.Duration, ok func(string) bool) {
		deadline := time.Now().Add(limit)
		for !ok(screen()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s:\n%s", what, screen())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	line := func(s string) {
		tmux("send-keys", "-t", "b", "-l", s)
		tmux("send-keys", "-t", "b", "Enter")
	}
	waitScreen("online", 30*time.Second, func(s string) bool { return strings.Contains(s, "me@localhost: online") })
	pid := parleyPID(t, tmux)
	line("/msg " + peer.String())
	time.Sleep(time.Second)
	report(t, "upload_hwm_before", memory(t, pid, "VmHWM")[0], "MB")

	echo := func() time.Duration {
		t0 := time.Now()
		tmux("send-keys", "-t", "b", "-l", "x")
		waitScreen("echo", 10*time.Second, func(s string) bool { return inputLine(s) == "x" })
		d := time.Since(t0)
		tmux("send-keys", "-t", "b", "C-u")
		waitScreen("erase", 10*time.Second, func(s string) bool { return inputLine(s) == "" })
		return d
	}
	for _, name := range []string{"ten.bin", "hundred.bin"} {
		mb := files[name] >> 20
		cpu0 := cpuOf(t, pid)
		t0 := time.Now()
		line("/upload " + filepath.Join(home, name))
		done := func(s string) bool {
			return strings.Contains(s, "uploaded "+name) || strings.Contains(s, name+" failed")
		}
		var echoes []time.Duration
		for !done(screen()) {
			if mb == 100 {
				echoes = append(echoes, echo())
			}
			time.Sleep(20 * time.Millisecond)
			if time.Since(t0) > 15*time.Minute {
				t.Fatalf("upload of %s did not end:\n%s", name, screen())
			}
		}
		el := time.Since(t0)
		if strings.Contains(screen(), name+" failed") {
			t.Fatalf("upload failed:\n%s", screen())
		}
		cpu := cpuOf(t, pid) - cpu0
		report(t, fmt.Sprintf("upload_%dMB_seconds", mb), el.Seconds(), "s")
		report(t, fmt.Sprintf("upload_%dMB_throughput", mb), float64(mb)/el.Seconds(), "MB/s")
		report(t, fmt.Sprintf("upload_%dMB_cpu", mb), cpu, "s")
		report(t, fmt.Sprintf("upload_%dMB_hwm", mb), memory(t, pid, "VmHWM")[0], "MB")
		if len(echoes) > 0 {
			p50, p99, mx := percentiles(echoes)
			report(t, "upload_echo_samples", float64(len(echoes)), "")
			report(t, "upload_echo_p50", float64(p50.Microseconds())/1000, "ms")
			report(t, "upload_echo_p99", float64(p99.Microseconds())/1000, "ms")
			report(t, "upload_echo_max", float64(mx.Microseconds())/1000, "ms")
		}
	}
	line("/quit")
}
