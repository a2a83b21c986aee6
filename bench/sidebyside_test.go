package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
)

// steadyRate and steadyFor are the steady stream of issue 16: 100 messages
// a second, here for 30 s (the CPU per second is what is compared).
const (
	steadyRate = 100
	steadyFor  = 30 * time.Second
)

// TestSideBySide measures parley and mcabber 1.1 in one run against one
// Prosody, interleaved (rounds of parley, mcabber and parley without
// receipts (parleynr: mcabber answers no receipt requests), the next round
// the other way round, so that machine noise hits them alike), each round with
// fresh accounts of 2,000 contacts: start to roster shown, memory 5 s after
// connect, key echo through tmux without a flood (the measuring floor) and
// during a 10,000-message 1:1 flood, the flood's CPU, memory after it, the
// disk its history takes, and the CPU per second of a steady stream of 100
// messages a second. PARLEY_BENCH_ROUNDS sets the rounds (default 2).
// Figures are BENCH lines named sbs_<client>_r<round>_<figure>; bench.sh
// prints the table of issue 16 from them.
func TestSideBySide(t *testing.T) {
	benchOnly(t)
	for _, p := range []string{"tmux", "mcabber"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skip(p + " is not installed")
		}
	}
	rounds := 2
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	s := servertest.Start(t, servertest.Prosody)
	sender := s.AddUser(t, "sender", "sender-secret")
	snd := startSender(t, s, sender)
	bin := filepath.Join(t.TempDir(), "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "parley").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for r := 1; r <= rounds; r++ {
		// parleynr is parley with send_receipts = false: mcabber 1.1 answers
		// no receipt requests, and Prosody archives each receipt twice, so
		// receipts halve the rate Prosody routes a flood at.
		clients := []string{"parley", "mcabber", "parleynr"}
		if r%2 == 0 {
			slices.Reverse(clients)
		}
		for _, c := range clients {
			user := fmt.Sprintf("%s%d", map[string]string{"parley": "pa", "mcabber": "mc", "parleynr": "pn"}[c], r)
			to := s.AddUser(t, user, "pw-"+user)
			writeRoster(t, s, user, rosterSize)
			var p *pane
			var pid int
			var histo string
			var stored func(body string) bool
			if c != "mcabber" {
				extra := ""
				if c == "parleynr" {
					extra = "send_receipts = false\n"
				}
				p, histo, stored = startParleyPane(t, s, bin, to, sender, extra)
				pid = p.pid("parley")
			} else {
				p, histo, stored = startMcabberPane(t, s, to, sender)
				pid = p.pid("mcabber")
			}
			name := func(fig string) string { return fmt.Sprintf("sbs_%s_r%d_%s", c, r, fig) }
			report(t, name("start_to_roster"), time.Since(p.started).Seconds(), "s")
			time.Sleep(5 * time.Second)
			m := memory(t, pid, "VmRSS", "VmHWM")
			report(t, name("rss_after_connect"), m[0], "MB")
			report(t, name("hwm_after_connect"), m[1], "MB")
			idle := p.echoes(20, nil)
			med, _, _ := percentiles(idle)
			report(t, name("echo_idle_p50"), float64(med.Microseconds())/1000, "ms")
			last := fmt.Sprintf("flood message %d ", floodSize-1)
			floodFigures(t, fmt.Sprintf("sbs_%s_r%d", c, r), p, pid, snd, to, func() bool { return stored(last) }, histo)
			steady(t, name, p, pid, snd, to, stored, true)
			p.quit()
		}
	}
}

// steady sends steadyRate messages a second for steadyFor and reports the
// CPU of pid per second of it, and with keys the key echo meanwhile
// (without, it only waits for the stream to be stored).
func steady(t *testing.T, name func(string) string, p *pane, pid int, snd interface {
	SendMessage(ctx context.Context, to jid.JID, typ, body string) (account.Message, error)
}, to jid.JID, stored func(string) bool, keys bool) {
	t.Helper()
	n := int(steadyFor.Seconds()) * steadyRate
	cpu0 := cpuOf(t, pid)
	start := time.Now()
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / steadyRate)))
			body := fmt.Sprintf("steady message %d with some ordinary text in it", i)
			if _, err := snd.SendMessage(context.Background(), to, "chat", body); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	last := fmt.Sprintf("steady message %d ", n-1)
	done := func() bool {
		if time.Since(start) > steadyFor+5*time.Minute {
			t.Fatalf("steady stream not stored in time")
		}
		return stored(last)
	}
	var echoes []time.Duration
	if keys {
		echoes = p.echoes(-1, done)
	} else {
		for !done() {
			time.Sleep(100 * time.Millisecond)
		}
	}
	wall := time.Since(start)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	// On a busy machine Prosody routes fewer than steadyRate a second:
	// the rate it reached is reported beside the CPU per second.
	report(t, name("steady_rate"), float64(n)/wall.Seconds(), "msg/s")
	report(t, name("steady_cpu_per_s"), (cpuOf(t, pid)-cpu0)/wall.Seconds()*1000, "ms")
	if keys {
		p50, p99, _ := percentiles(echoes)
		report(t, name("steady_echo_p50"), float64(p50.Microseconds())/1000, "ms")
		report(t, name("steady_echo_p99"), float64(p99.Microseconds())/1000, "ms")
	}
	m := memory(t, pid, "VmRSS", "VmHWM")
	report(t, name("rss_after_both"), m[0], "MB")
}

// startParleyPane starts the parley binary for account to (its password
// "pw-" and its localpart) with history on, and waits for its roster. It
// returns the pane, the history file of the conversation with from, and a
// test of whether a message starting with a text is stored last there.
func startParleyPane(t *testing.T, s *servertest.Server, bin string, to, from jid.JID, extra string) (*pane, string, func(string) bool) {
	t.Helper()
	home := t.TempDir()
	histDir := filepath.Join(home, "history")
	cfg := filepath.Join(home, "parley.toml")
	conf := fmt.Sprintf("history_dir = %q\n[[account]]\njid = %q\npassword = %q\nhost = %q\nport = %d\nca_file = %q\n%s",
		histDir, to.String(), "pw-"+to.Localpart(), s.Host, s.Port, s.CAFile, extra)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// PARLEY_BENCH_PROFILE=FILE: each parley writes a CPU profile of its
	// whole run to FILE.<account>.
	prof := ""
	if f := os.Getenv("PARLEY_BENCH_PROFILE"); f != "" {
		abs, err := filepath.Abs(f + "." + to.Localpart())
		if err != nil {
			t.Fatal(err)
		}
		prof = fmt.Sprintf("PARLEY_CPUPROFILE=%q ", abs)
	}
	// PARLEY_BENCH_GOMAXPROCS=N runs each parley with GOMAXPROCS=N.
	if n := os.Getenv("PARLEY_BENCH_GOMAXPROCS"); n != "" {
		prof += fmt.Sprintf("GOMAXPROCS=%q ", n)
	}
	p := newPane(t, "p-"+to.Localpart(), fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 %s%q -c %q", home, prof, bin, cfg))
	p.wait("roster", func(sc string) bool {
		return strings.Contains(sc, to.String()+": online") && strings.Contains(sc, "k0000")
	})
	file := filepath.Join(histDir, history.EncodeName(to.String()), history.EncodeName(from.String())+".jsonl")
	var ro *history.Store
	stored := func(prefix string) bool {
		if ro == nil {
			r, err := history.OpenReadOnly(histDir)
			if err != nil {
				return false
			}
			ro = r
			t.Cleanup(func() { ro.Close() })
		}
		recs, _, err := ro.Tail(to.String(), from.String(), 1)
		return err == nil && len(recs) == 1 && strings.HasPrefix(recs[0].Body+" ", prefix)
	}
	return p, file, stored
}

// startMcabberPane starts mcabber for account to with history logging, as
// startParleyPane does parley.
func startMcabberPane(t *testing.T, s *servertest.Server, to, from jid.JID) (*pane, string, func(string) bool) {
	t.Helper()
	home := t.TempDir()
	histDir := filepath.Join(home, ".mcabber", "histo")
	if err := os.MkdirAll(histDir, 0o700); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(home, ".mcabber", "mcabberrc")
	conf := fmt.Sprintf("set jid = %s\nset password = %s\nset server = %s\nset port = %d\nset resource = mcabber\nset tls = 1\nset ssl_ca = %s\nset ssl_ignore_checks = 1\nset logging = 1\nset load_logs = 1\nset logging_dir = %s\n",
		to.String(), "pw-"+to.Localpart(), s.Host, s.Port, s.CAFile, histDir)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPane(t, "m-"+to.Localpart(), fmt.Sprintf("env -i HOME=%q TERM=tmux-256color LANG=C.UTF-8 mcabber -f %q", home, rc))
	p.wait("mcabber roster", func(sc string) bool { return strings.Contains(sc, "k0000") })
	file := filepath.Join(histDir, from.String())
	stored := func(prefix string) bool {
		b, _ := os.ReadFile(file)
		return strings.Contains(string(b), strings.TrimSpace(prefix))
	}
	return p, file, stored
}
