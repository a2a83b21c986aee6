package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
)

const (
	rosterSize = 2000
	floodSize  = 10000
)

// TestBinary measures the real binary in tmux against Prosody: start to
// roster shown with 2,000 contacts, memory after connect, CPU seconds to
// ingest 10,000 messages, and key echo (through tmux) during that flood.
func TestBinary(t *testing.T) {
	benchOnly(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	s := servertest.Start(t, servertest.Prosody)
	me := s.AddUser(t, "me", "me-secret")
	sender := s.AddUser(t, "sender", "sender-secret")
	writeRoster(t, s, "me", rosterSize)

	home := t.TempDir()
	bin := buildParley(t, filepath.Join(home, "parley"))
	histDir := filepath.Join(home, "history")
	cfg := writeMeConfig(t, s, me, home, histDir)

	// The floor of (a): tmux starting a server and a pane that prints a
	// line, seen by capture-pane; and starting the binary for --version.
	report(t, "tmux_floor", tmuxFloor(t).Seconds(), "s")
	var runs []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if err := exec.Command(bin, "--version").Run(); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, time.Since(t0))
	}
	med, _, _ := percentiles(runs)
	report(t, "exec_version", med.Seconds()*1000, "ms")

	// (a) start to roster shown.
	sock := filepath.Join(mustTemp(t), "s")
	tmux := tmuxAt(sock)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	start := time.Now()
	// PARLEY_BENCH_PROFILE=FILE has the binary write a CPU profile of the
	// whole run (start, flood, keys) to FILE.
	prof := ""
	if f := os.Getenv("PARLEY_BENCH_PROFILE"); f != "" {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		prof = fmt.Sprintf("PARLEY_CPUPROFILE=%q ", abs)
	}
	// PARLEY_BENCH_ENV adds variables to the binary's environment (such
	// as GOGC=50 or GOMEMLIMIT=8MiB, to measure the runtime's settings).
	if e := os.Getenv("PARLEY_BENCH_ENV"); e != "" {
		prof += e + " "
	}
	cmd := fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 %s%q -c %q", home, prof, bin, cfg)
	if _, err := tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd); err != nil {
		t.Fatal(err)
	}
	screen := func() string { out, _ := tmux("capture-pane", "-p", "-t", "b"); return out }
	waitScreen := func(what string, ok func(string) bool) {
		deadline := time.Now().Add(30 * time.Second)
		for !ok(screen()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s:\n%s", what, screen())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitScreen("roster", func(s string) bool {
		return strings.Contains(s, "me@localhost: online") && strings.Contains(s, "k0000")
	})
	report(t, "start_to_roster", time.Since(start).Seconds(), "s")
	pid := parleyPID(t, tmux)

	// (b) memory after connect.
	time.Sleep(time.Second)
	// VmRSS, VmHWM, and RssAnon (heap, stacks, runtime) and RssFile (the
	// binary's pages) that make up VmRSS.
	m := memory(t, pid, "VmRSS", "VmHWM", "RssAnon", "RssFile")
	report(t, "rss_after_connect", m[0], "MB")
	report(t, "hwm_after_connect", m[1], "MB")
	report(t, "rss_anon_after_connect", m[2], "MB")
	report(t, "rss_file_after_connect", m[3], "MB")

	// Key echo through tmux: type x, poll the input line until it shows,
	// erase it. First without a flood: the floor of (d).
	echo := func() time.Duration {
		t0 := time.Now()
		tmux("send-keys", "-t", "b", "-l", "x")
		waitScreen("echo", func(s string) bool { return inputLine(s) == "x" })
		d := time.Since(t0)
		tmux("send-keys", "-t", "b", "C-u")
		waitScreen("erase", func(s string) bool { return inputLine(s) == "" })
		return d
	}
	var idle []time.Duration
	for i := 0; i < 30; i++ {
		idle = append(idle, echo())
		time.Sleep(50 * time.Millisecond)
	}
	med, _, _ = percentiles(idle)
	report(t, "tmux_echo_idle_p50", float64(med.Microseconds())/1000, "ms")

	// (c) CPU to ingest 10,000 messages, and (d) key echo meanwhile; a
	// second flood of 10,000 more, for the memory after two.
	snd := startSender(t, s, sender)
	ro, err := history.OpenReadOnly(histDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for round := 0; round < 2; round++ {
		cpu0 := cpuOf(t, pid)
		floodStart := time.Now()
		sent := make(chan error, 1)
		go func() {
			ctx := context.Background()
			for i := round * floodSize; i < (round+1)*floodSize; i++ {
				if _, err := snd.SendMessage(ctx, me, "chat", fmt.Sprintf("flood message %d with some ordinary text in it", i)); err != nil {
					sent <- err
					return
				}
			}
			sent <- nil
		}()
		last := fmt.Sprintf("flood message %d ", (round+1)*floodSize-1)
		var echoes []time.Duration
		for {
			recs, _, err := ro.Tail(me.String(), sender.String(), 1)
			if err == nil && len(recs) == 1 && strings.HasPrefix(recs[0].Body+" ", last) {
				break
			}
			if time.Since(floodStart) > 12*time.Minute {
				t.Fatal("flood not stored within 12 minutes")
			}
			echoes = append(echoes, echo())
			time.Sleep(100 * time.Millisecond)
		}
		floodWall := time.Since(floodStart)
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		if round == 1 {
			time.Sleep(time.Second) // as after connect: the last frames drawn
			m = memory(t, pid, "VmRSS", "VmHWM", "RssAnon")
			report(t, "rss_after_flood2", m[0], "MB")
			report(t, "hwm_after_flood2", m[1], "MB")
			report(t, "rss_anon_after_flood2", m[2], "MB")
			break
		}
		cpu := cpuOf(t, pid) - cpu0
		report(t, "flood_wall", floodWall.Seconds(), "s")
		report(t, "flood_rate", floodSize/floodWall.Seconds(), "msg/s")
		report(t, "flood_cpu", cpu, "s")
		p50, p99, mx := percentiles(echoes)
		report(t, "tmux_echo_samples", float64(len(echoes)), "")
		report(t, "tmux_echo_p50", float64(p50.Microseconds())/1000, "ms")
		report(t, "tmux_echo_p99", float64(p99.Microseconds())/1000, "ms")
		report(t, "tmux_echo_max", float64(mx.Microseconds())/1000, "ms")
		m = memory(t, pid, "VmRSS", "VmHWM", "RssAnon")
		report(t, "rss_after_flood", m[0], "MB")
		report(t, "hwm_after_flood", m[1], "MB")
		report(t, "rss_anon_after_flood", m[2], "MB")
		reportDisk(t, "flood", filepath.Join(histDir, history.EncodeName(me.String()), history.EncodeName(sender.String())+".jsonl"))
	}
	tmux("send-keys", "-t", "b", "-l", "/quit")
	tmux("send-keys", "-t", "b", "Enter")
	// Wait for the process to end (it writes its profile on the way out).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			break
		}
	}
}

// tmuxFloor is how long tmux takes from new-session (a new server) to a
// capture-pane showing what the pane's command printed.
func tmuxFloor(t *testing.T) time.Duration {
	sock := filepath.Join(mustTemp(t), "f")
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	t0 := time.Now()
	if err := exec.Command("tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "f", "-x", "120", "-y", "40",
		"env -i TERM=tmux-256color sh -c 'echo ready; sleep 60'").Run(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		out, _ := exec.Command("tmux", "-S", sock, "capture-pane", "-p", "-t", "f").Output()
		if strings.Contains(string(out), "ready") {
			return time.Since(t0)
		}
	}
	t.Fatal("tmux pane never showed its output")
	return 0
}

// inputLine is the text of the input line (the last row, right of the
// roster pane) of a 40-row tmux capture.
func inputLine(screen string) string {
	rows := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(rows) < 40 {
		return "?"
	}
	row := rows[39]
	if i := strings.LastIndex(row, "│"); i >= 0 {
		row = row[i+len("│"):]
	}
	return strings.TrimSpace(row)
}

func mustTemp(t *testing.T) string {
	dir, err := os.MkdirTemp("", "pbench")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// writeRoster writes user's roster with n contacts k0000.. straight into
// Prosody's internal storage (a Lua table file), which Prosody reads at login.
func writeRoster(t *testing.T, s *servertest.Server, user string, n int) {
	t.Helper()
	accts, err := filepath.Glob(filepath.Join(s.Dir, "data", "*", "accounts", user+".dat"))
	if err != nil || len(accts) != 1 {
		t.Fatalf("account file of %s not found under %s (%v)", user, s.Dir, err)
	}
	var b strings.Builder
	b.WriteString("return {\n\t[false] = {\n\t\t[\"version\"] = 1;\n\t\t[\"pending\"] = {};\n\t};\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\t[\"k%04d@localhost\"] = {\n\t\t[\"subscription\"] = \"both\";\n\t\t[\"name\"] = \"k%04d\";\n\t\t[\"groups\"] = { [\"Contacts %d\"] = true; };\n\t};\n", i, i, i/500)
	}
	b.WriteString("};\n")
	dir := filepath.Join(filepath.Dir(filepath.Dir(accts[0])), "roster")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, user+".dat"), []byte(b.String()), 0o640); err != nil {
		t.Fatal(err)
	}
}

// parleyPID finds the parley process: the child of the pane's shell.
func parleyPID(t *testing.T, tmux func(...string) (string, error)) int {
	t.Helper()
	out, err := tmux("list-panes", "-t", "b", "-F", "#{pane_pid}")
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(out)
	comm, _ := os.ReadFile("/proc/" + pid + "/comm")
	if strings.TrimSpace(string(comm)) == "parley" {
		n, _ := strconv.Atoi(pid)
		return n
	}
	kids, err := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
	if err != nil || len(strings.Fields(string(kids))) == 0 {
		t.Fatalf("no parley process under pane pid %s", pid)
	}
	n, _ := strconv.Atoi(strings.Fields(string(kids))[0])
	return n
}

// memory returns the /proc/PID/status fields named in keys (such as
// "VmRSS"), in MB, in the order of keys.
func memory(t *testing.T, pid int, keys ...string) []float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(keys))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		for i, k := range keys {
			if f[0] == k+":" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				out[i] = kb / 1024
			}
		}
	}
	return out
}

// cpuOf returns utime+stime of pid in seconds (from /proc/PID/stat, in
// clock ticks of 1/100 s).
func cpuOf(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// startSender logs in a second account that floods parley.
func startSender(t *testing.T, s *servertest.Server, j jid.JID) *account.Account {
	t.Helper()
	online := make(chan struct{}, 1)
	a := account.New(account.Config{
		JID:      j,
		Password: func(context.Context) (string, error) { return "sender-secret", nil },
		Host:     s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "flood",
	}, func(ev account.Event) {
		if se, ok := ev.(account.StateEvent); ok && se.State == account.Online {
			select {
			case online <- struct{}{}:
			default:
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go a.Run(ctx)
	t.Cleanup(func() {
		c, done := context.WithTimeout(context.Background(), 3*time.Second)
		defer done()
		a.Close(c)
		cancel()
	})
	select {
	case <-online:
	case <-time.After(30 * time.Second):
		t.Fatal("sender did not get online")
	}
	return a
}
