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
	"parley/uistate"
)

// restoreWindows is the number of windows kept at the last quit.
const restoreWindows = 20

// TestEveryFeature measures, in one run against one Prosody, (a) the real
// binary's start to roster shown (2,000 contacts) with no window kept and
// with 20 windows restored (18 conversations and 2 rooms, 2,000 history
// records each); (b) key echo through tmux during a 10,000-message 1:1
// flood into a background window with every feature on: the bell, the
// terminal title, desktop notifications over a real D-Bus session bus
// (dbus-daemon; nothing answers the notification calls), the light theme,
// the mouse, highlight words, styling, chat states, read markers and the
// 20 windows; and (c) beside it, mcabber 1.1 in the same tmux harness
// flooded the same way (beep on message, history logging), its key echo
// and CPU.
func TestEveryFeature(t *testing.T) {
	benchOnly(t)
	for _, p := range []string{"tmux", "dbus-daemon"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skip(p + " is not installed")
		}
	}
	s := servertest.Start(t, servertest.Prosody)
	me := s.AddUser(t, "me", "me-secret")
	sender := s.AddUser(t, "sender", "sender-secret")
	writeRoster(t, s, "me", rosterSize)

	home := t.TempDir()
	bin := filepath.Join(home, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "parley").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bus := startBus(t)
	histDir := filepath.Join(home, "history")
	cfg := filepath.Join(home, "parley.toml")
	conf := fmt.Sprintf(`history_dir = %q
[ui]
bell = true
desktop_notify = true
highlight_words = ["flood", "parley"]
mouse = true
styling = true
send_chat_states = true
send_read_markers = true
roster_order = "name"
[ui.theme]
name = "light"
[[account]]
jid = %q
password = "me-secret"
host = %q
port = %d
ca_file = %q
nick = "me"
`, histDir, me.String(), s.Host, s.Port, s.CAFile)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 DBUS_SESSION_BUS_ADDRESS=%q ", home, bus)
	cmd := env + fmt.Sprintf("%q -c %q", bin, cfg)
	online := func(s string) bool {
		return strings.Contains(s, "me@localhost: online") && strings.Contains(s, "k0000")
	}

	// (a) Start with no window kept, then with 20.
	// A first start warms the caches (the binary's pages, Prosody's
	// roster) for both measured starts.
	for _, name := range []string{"warm", "p0"} {
		p0 := newPane(t, name, cmd)
		p0.wait("roster", online)
		if name == "p0" {
			report(t, "start_0windows_to_roster", time.Since(p0.started).Seconds(), "s")
		}
		p0.quit()
	}
	writeRestored(t, home, histDir, me, sender, s.MUC)
	p := newPane(t, "p20", cmd)
	p.wait("roster", online)
	report(t, "start_20windows_to_roster", time.Since(p.started).Seconds(), "s")
	p.wait("20 windows", func(s string) bool { return strings.Contains(s, "21:") })
	pid := p.pid("parley")

	// (b) Key echo during the flood, every feature on.
	idle := p.echoes(30, nil)
	med, _, _ := percentiles(idle)
	report(t, "features_echo_idle_p50", float64(med.Microseconds())/1000, "ms")
	ro, err := history.OpenReadOnly(histDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	last := fmt.Sprintf("flood message %d ", floodSize-1)
	done := func() bool {
		recs, _, err := ro.Tail(me.String(), sender.String(), 1)
		return err == nil && len(recs) == 1 && strings.HasPrefix(recs[0].Body+" ", last)
	}
	snd := startSender(t, s, sender)
	floodFigures(t, "features", p, pid, snd, me, done, filepath.Join(histDir, history.EncodeName(me.String()), history.EncodeName(sender.String())+".jsonl"))
	p.quit()

	// (c) mcabber, flooded the same way in the same harness.
	if _, err := exec.LookPath("mcabber"); err != nil {
		t.Log("mcabber is not installed: no side-by-side figures")
		return
	}
	mc := s.AddUser(t, "mc", "mc-secret")
	writeRoster(t, s, "mc", rosterSize)
	mhome := t.TempDir()
	rc := filepath.Join(mhome, ".mcabber", "mcabberrc")
	if err := os.MkdirAll(filepath.Join(mhome, ".mcabber", "histo"), 0o700); err != nil {
		t.Fatal(err)
	}
	mconf := fmt.Sprintf("set jid = %s\nset password = mc-secret\nset server = %s\nset port = %d\nset resource = mcabber\nset tls = 1\nset ssl_ca = %s\nset ssl_ignore_checks = 1\nset logging = 1\nset load_logs = 1\nset logging_dir = %s\nset beep_on_message = 1\n",
		mc.String(), s.Host, s.Port, s.CAFile, filepath.Join(mhome, ".mcabber", "histo"))
	if err := os.WriteFile(rc, []byte(mconf), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newPane(t, "mc", fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 mcabber -f %q", mhome, rc))
	m.wait("mcabber roster", func(s string) bool { return strings.Contains(s, "k0000") })
	report(t, "mcabber_start_to_roster", time.Since(m.started).Seconds(), "s")
	mpid := m.pid("mcabber")
	time.Sleep(time.Second)
	idle = m.echoes(30, nil)
	med, _, _ = percentiles(idle)
	report(t, "mcabber_echo_idle_p50", float64(med.Microseconds())/1000, "ms")
	histo := filepath.Join(mhome, ".mcabber", "histo", sender.String())
	mdone := func() bool {
		b, _ := os.ReadFile(histo)
		return strings.Contains(string(b), strings.TrimSpace(last))
	}
	floodFigures(t, "mcabber", m, mpid, snd, mc, mdone, histo)
}

// floodFigures sends 10,000 messages from snd to to and samples key echo
// in pane p until done says the last is stored; it reports the echo
// percentiles, the CPU of pid, its memory and the size of the history file
// the flood went to, named after what.
func floodFigures(t *testing.T, what string, p *pane, pid int, snd *account.Account, to jid.JID, done func() bool, file string) {
	t.Helper()
	cpu0 := cpuOf(t, pid)
	start := time.Now()
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < floodSize; i++ {
			body := fmt.Sprintf("flood message %d with some ordinary text in it, *bold* and a link https://example.org/%d", i, i)
			if _, err := snd.SendMessage(context.Background(), to, "chat", body); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	echoes := p.echoes(-1, func() bool {
		if time.Since(start) > 8*time.Minute {
			t.Fatalf("%s: flood not stored within 8 minutes", what)
		}
		return done()
	})
	wall := time.Since(start)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	report(t, what+"_flood_wall", wall.Seconds(), "s")
	report(t, what+"_flood_rate", floodSize/wall.Seconds(), "msg/s")
	report(t, what+"_flood_cpu", cpuOf(t, pid)-cpu0, "s")
	p50, p99, mx := percentiles(echoes)
	report(t, what+"_echo_samples", float64(len(echoes)), "")
	report(t, what+"_echo_p50", float64(p50.Microseconds())/1000, "ms")
	report(t, what+"_echo_p99", float64(p99.Microseconds())/1000, "ms")
	report(t, what+"_echo_max", float64(mx.Microseconds())/1000, "ms")
	m := memory(t, pid, "VmRSS", "VmHWM")
	report(t, what+"_rss_after_flood", m[0], "MB")
	report(t, what+"_hwm_after_flood", m[1], "MB")
	reportDisk(t, what+"_flood", file)
}

// reportDisk reports the size of the history file of a 10,000-message
// flood, and per message.
func reportDisk(t *testing.T, what, file string) {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Errorf("history file of the flood: %v", err)
		return
	}
	report(t, what+"_disk", float64(fi.Size())/1e6, "MB")
	report(t, what+"_disk_per_msg", float64(fi.Size())/floodSize, "bytes")
}

// pane is a program running in its own tmux server, 120x40.
type pane struct {
	t       *testing.T
	sock    string
	started time.Time
}

// newPane starts cmd in a new tmux server.
func newPane(t *testing.T, name, cmd string) *pane {
	t.Helper()
	p := &pane{t: t, sock: filepath.Join(mustTemp(t), name)}
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	p.started = time.Now()
	if _, err := p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pane) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).Output()
	return string(out), err
}

func (p *pane) screen() string { out, _ := p.tmux("capture-pane", "-p", "-t", "b"); return out }

// wait polls the screen until ok.
func (p *pane) wait(what string, ok func(string) bool) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok(p.screen()) {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s:\n%s", what, p.screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// echoes types x and times until the input line shows it, then erases it
// (Ctrl-U): n times, or with n < 0 until stop, every 100 ms.
func (p *pane) echoes(n int, stop func() bool) []time.Duration {
	var out []time.Duration
	for i := 0; n < 0 || i < n; i++ {
		if stop != nil && stop() {
			break
		}
		t0 := time.Now()
		p.tmux("send-keys", "-t", "b", "-l", "x")
		p.wait("echo", func(s string) bool { return bottomLine(s) == "x" })
		out = append(out, time.Since(t0))
		p.tmux("send-keys", "-t", "b", "C-u")
		p.wait("erase", func(s string) bool { return bottomLine(s) == "" })
		time.Sleep(100 * time.Millisecond)
	}
	return out
}

// bottomLine is the input line of a 40-row capture as inputLine reads it,
// an empty bottom row included (mcabber's input line has no pane left of
// it, and capture-pane leaves out the empty rows at the end).
func bottomLine(screen string) string {
	rows := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(rows) < 40 {
		return ""
	}
	return inputLine(screen)
}

// pid is the pane's process, named comm.
func (p *pane) pid(comm string) int {
	p.t.Helper()
	out, err := p.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}")
	if err != nil {
		p.t.Fatal(err)
	}
	pid := strings.TrimSpace(out)
	if c, _ := os.ReadFile("/proc/" + pid + "/comm"); strings.TrimSpace(string(c)) != comm {
		p.t.Fatalf("pane process %s is %q, not %s", pid, c, comm)
	}
	n, _ := strconv.Atoi(pid)
	return n
}

// quit types /quit and waits for the pane's process to end.
func (p *pane) quit() {
	out, _ := p.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}")
	pid := strings.TrimSpace(out)
	p.tmux("send-keys", "-t", "b", "-l", "/quit")
	p.tmux("send-keys", "-t", "b", "Enter")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat("/proc/" + pid); err != nil {
			return
		}
	}
	p.t.Fatalf("the pane's process %s did not quit", pid)
}

// startBus starts a D-Bus session bus and returns its address.
func startBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, 512)
	n, err := out.Read(buf)
	if err != nil || n == 0 {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(string(buf[:n]))
}

// writeRestored writes the state of 20 windows kept at the last quit (18
// conversations, the sender's the first, and 2 rooms of the MUC service;
// the last current), with 2,000 history records each.
func writeRestored(t *testing.T, home, histDir string, me, sender jid.JID, muc string) {
	t.Helper()
	store, err := history.Open(histDir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var st uistate.State
	for i := range restoreWindows {
		w := uistate.Window{Kind: uistate.Chat, Account: me.String(), JID: fmt.Sprintf("k%04d@localhost", i)}
		switch {
		case i == 0:
			w.JID = sender.String()
		case i >= restoreWindows-2:
			w = uistate.Window{Kind: uistate.Room, Account: me.String(), JID: fmt.Sprintf("room%d@%s", i, muc), Nick: "me"}
		}
		st.Windows = append(st.Windows, w)
		for j := range 2000 {
			r := history.Record{Time: t0.Add(time.Duration(j) * time.Minute), Dir: history.In, From: w.JID + "/x",
				Type: "chat", Body: fmt.Sprintf("message %d of a conversation kept across restarts", j), ID: fmt.Sprint(i, "-", j)}
			if w.Kind == uistate.Room {
				r.Type = "groupchat"
			}
			if _, err := store.Append(w.Account, w.JID, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Current = restoreWindows + 1
	dir := filepath.Join(home, ".local", "share", "parley")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := uistate.Save(filepath.Join(dir, "state"), st); err != nil {
		t.Fatal(err)
	}
}
