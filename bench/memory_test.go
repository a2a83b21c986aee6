package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
)

// buildParley builds the binary to out, or returns PARLEY_BENCH_BIN when
// set (another build, such as one from before a change).
// PARLEY_BENCH_CGO=0 builds it without cgo (static, no libc), and
// PARLEY_BENCH_LDFLAGS passes -ldflags (such as "-s -w").
func buildParley(t *testing.T, out string) string {
	t.Helper()
	if b := os.Getenv("PARLEY_BENCH_BIN"); b != "" {
		return b
	}
	return buildVariant(t, out, os.Getenv("PARLEY_BENCH_CGO"), os.Getenv("PARLEY_BENCH_LDFLAGS"))
}

// writeMeConfig writes, in home, the config of account me (password
// me-secret) on s with its history in histDir, and returns its path.
func writeMeConfig(t *testing.T, s *servertest.Server, me jid.JID, home, histDir string) string {
	t.Helper()
	cfg := filepath.Join(home, "parley.toml")
	conf := fmt.Sprintf("history_dir = %q\n[[account]]\njid = %q\npassword = \"me-secret\"\nhost = %q\nport = %d\nca_file = %q\n",
		histDir, me.String(), s.Host, s.Port, s.CAFile)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// tmuxAt runs tmux commands on the server of socket sock.
func tmuxAt(sock string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).Output()
		return string(out), err
	}
}

// buildVariant builds parley to out with CGO_ENABLED=cgo (unless "") and
// -ldflags=ldflags (unless "").
func buildVariant(t *testing.T, out, cgo, ldflags string) string {
	t.Helper()
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags="+ldflags)
	}
	cmd := exec.Command("go", append(args, "parley")...)
	cmd.Env = os.Environ()
	if cgo != "" {
		cmd.Env = append(cmd.Env, "CGO_ENABLED="+cgo)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestBinaryMemory measures only (b) of TestBinary, memory after connect
// with 2,000 contacts, for several builds of the binary in one run: the
// default one (cgo, for net and runtime/cgo), CGO_ENABLED=0, and
// -ldflags="-s -w", each in a fresh home (the roster fetched whole), and
// splits the resident memory by mapping: the binary's code and read-only
// data, its data, the Go heap and stacks (anonymous mappings) and libc.
// PARLEY_BENCH_VARIANTS names the builds to measure, in order
// (comma-separated);
// PARLEY_BENCH_ENV adds variables to the binary's environment, as in
// TestBinary; with PARLEY_MEMPROFILE=FILE among them, the binary is sent
// SIGUSR1 once measured and writes its heap profile and memory classes.
func TestBinaryMemory(t *testing.T) {
	benchOnly(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	variants := []struct{ name, cgo, ldflags string }{
		{"default", "", ""},
		{"nocgo", "0", ""},
		{"sw", "", "-s -w"},
		{"nocgo_sw", "0", "-s -w"},
	}
	if want := os.Getenv("PARLEY_BENCH_VARIANTS"); want != "" {
		all := variants
		variants = variants[:0:0]
		for _, name := range strings.Split(want, ",") {
			for _, v := range all {
				if v.name == name {
					variants = append(variants, v)
				}
			}
		}
	}
	for _, v := range variants {
		// A Prosody for each: only the first login on one sees the
		// contacts' disco#info requests (their PEP services then know
		// our features).
		s := servertest.Start(t, servertest.Prosody)
		me := s.AddUser(t, "me", "me-secret")
		s.AddUser(t, "sender", "sender-secret")
		writeRoster(t, s, "me", rosterSize)
		bin := filepath.Join(dir, "parley-"+v.name)
		if v.name == "default" && os.Getenv("PARLEY_BENCH_BIN") != "" {
			bin = os.Getenv("PARLEY_BENCH_BIN")
		} else {
			buildVariant(t, bin, v.cgo, v.ldflags)
		}
		home := t.TempDir()
		cfg := writeMeConfig(t, s, me, home, filepath.Join(home, "history"))
		sock := filepath.Join(mustTemp(t), "s")
		tmux := tmuxAt(sock)
		env := os.Getenv("PARLEY_BENCH_ENV")
		cmd := fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 %s %q -c %q 2>%q", home, env, bin, cfg, filepath.Join(home, "stderr"))
		if _, err := tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		deadline := time.Now().Add(30 * time.Second)
		for {
			out, _ := tmux("capture-pane", "-p", "-t", "b")
			if strings.Contains(out, "me@localhost: online") && strings.Contains(out, "k0000") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: timed out waiting for the roster:\n%s", v.name, out)
			}
			time.Sleep(5 * time.Millisecond)
		}
		pid := parleyPID(t, tmux)
		wait := time.Second // as TestBinary; PARLEY_BENCH_WAIT=2s measures later
		if d, err := time.ParseDuration(os.Getenv("PARLEY_BENCH_WAIT")); err == nil {
			wait = d
		}
		time.Sleep(wait)
		m := memory(t, pid, "VmRSS", "VmHWM", "RssAnon", "RssFile")
		p := "mem_" + v.name + "_"
		report(t, p+"measured_at", time.Since(started).Seconds(), "s")
		report(t, p+"rss", m[0], "MB")
		report(t, p+"hwm", m[1], "MB")
		report(t, p+"rss_anon", m[2], "MB")
		report(t, p+"rss_file", m[3], "MB")
		if os.Getenv("PARLEY_BENCH_SMAPS") == "1" {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
			os.WriteFile(filepath.Join(os.TempDir(), "smaps-"+v.name), b, 0o644)
		}
		for _, g := range smapsByKind(t, pid, bin) {
			report(t, p+g.kind, g.rss, "MB")
		}
		// And once settled, 5 s after connect (as TestSideBySide).
		time.Sleep(5*time.Second - wait)
		m = memory(t, pid, "VmRSS", "VmHWM", "RssAnon")
		report(t, p+"rss_5s", m[0], "MB")
		report(t, p+"hwm_5s", m[1], "MB")
		report(t, p+"rss_anon_5s", m[2], "MB")
		// PARLEY_BENCH_PAGES=N: the N largest owners of the binary's
		// resident pages (packages, sections).
		top, _ := strconv.Atoi(os.Getenv("PARLEY_BENCH_PAGES"))
		for _, o := range residentPages(t, pid, bin, top) {
			t.Logf("resident %s: %.3f MB", o.kind, o.rss)
		}
		// PARLEY_BENCH_FLOOD=N: then two floods of N messages, and the
		// memory 1 s after the last of each is stored (as TestBinary's
		// after_flood2).
		if n, _ := strconv.Atoi(os.Getenv("PARLEY_BENCH_FLOOD")); n > 0 {
			sender := jid.MustParse("sender@" + s.Domain)
			snd := startSender(t, s, sender)
			for round := 1; round <= 2; round++ {
				flood(t, snd, sender, me, filepath.Join(home, "history"), (round-1)*n, n)
				time.Sleep(time.Second)
				m = memory(t, pid, "VmRSS", "VmHWM", "RssAnon")
				q := fmt.Sprintf("_after_flood%d", round)
				report(t, p+"rss"+q, m[0], "MB")
				report(t, p+"hwm"+q, m[1], "MB")
				report(t, p+"rss_anon"+q, m[2], "MB")
				for _, o := range residentPages(t, pid, bin, top) {
					t.Logf("resident%s %s: %.3f MB", q, o.kind, o.rss)
				}
			}
		}
		if strings.Contains(env, "PARLEY_MEMPROFILE=") {
			syscall.Kill(pid, syscall.SIGUSR1) // the heap profile of now
			time.Sleep(time.Second)
		}
		tmux("send-keys", "-t", "b", "-l", "/quit")
		tmux("send-keys", "-t", "b", "Enter")
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
				break
			}
		}
		exec.Command("tmux", "-S", sock, "kill-server").Run()
		if b, _ := os.ReadFile(filepath.Join(home, "stderr")); len(b) > 0 {
			t.Logf("%s stderr:\n%s", v.name, b)
		}
	}
}

// kindRSS is the resident memory of one kind of mapping, in MB.
type kindRSS struct {
	kind string
	rss  float64
}

// smapsByKind sums /proc/PID/smaps by kind of mapping: the binary's
// text (r-x), read-only data (r--), data (rw-), libc and the loader,
// the Go heap and other anonymous memory, and the rest.
func smapsByKind(t *testing.T, pid int, bin string) []kindRSS {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	order := []string{"bin_text", "bin_rodata", "bin_data", "bin_data_anon", "libs", "anon", "other"}
	sums := map[string]float64{}
	kind, binary := "", false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) == 0 {
			continue
		}
		if !strings.HasSuffix(fl[0], ":") || strings.Contains(fl[0], "-") { // a mapping's header
			path := ""
			if len(fl) >= 6 {
				path = fl[5]
			}
			binary = path == bin
			switch {
			case binary && strings.HasPrefix(fl[1], "r-x"):
				kind = "bin_text"
			case binary && strings.HasPrefix(fl[1], "r--"):
				kind = "bin_rodata"
			case binary:
				kind = "bin_data"
			case strings.HasPrefix(path, "/"):
				kind = "libs"
			case path == "" || path == "[heap]" || path == "[stack]":
				kind = "anon"
			default:
				kind = "other"
			}
			continue
		}
		var kb float64
		if len(fl) >= 2 {
			fmt.Sscan(fl[1], &kb)
		}
		switch fl[0] {
		case "Rss:":
			sums[kind] += kb / 1024
		case "Anonymous:":
			if binary && kind == "bin_data" {
				sums["bin_data_anon"] += kb / 1024
			}
		}
	}
	var out []kindRSS
	for _, k := range order {
		out = append(out, kindRSS{k, sums[k]})
	}
	return out
}

// flood has snd (account sender) send n messages to me, numbered from
// first, and waits until the last is in me's history.
func flood(t *testing.T, snd *account.Account, sender, me jid.JID, histDir string, first, n int) {
	t.Helper()
	ro, err := history.OpenReadOnly(histDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for i := first; i < first+n; i++ {
		if _, err := snd.SendMessage(context.Background(), me, "chat", fmt.Sprintf("flood message %d with some ordinary text in it", i)); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprintf("flood message %d ", first+n-1)
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		recs, _, err := ro.Tail(me.String(), sender.String(), 1)
		if err == nil && len(recs) == 1 && strings.HasPrefix(recs[0].Body+" ", last) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("flood not stored within 5 minutes")
		}
	}
}
