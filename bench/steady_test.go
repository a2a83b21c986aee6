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

// TestSteady measures only the steady stream of TestSideBySide, for
// looking into its cost: each client of PARLEY_BENCH_CLIENTS (parley,
// mcabber, parleynr; default parley) on a fresh account with 2,000
// contacts receives steadyRate messages a second for steadyFor, without
// keys typed (PARLEY_BENCH_KEYS=1 types them, as TestSideBySide does).
// With PARLEY_BENCH_PERF=FILE, `perf stat` counts the client's context
// switches and CPU meanwhile into FILE.<client>; with
// PARLEY_BENCH_PERFRECORD=FILE, `perf record -g` samples the client's
// call stacks into FILE.<client> for `perf report -i`.
func TestSteady(t *testing.T) {
	benchOnly(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	clients := []string{"parley"}
	if c := os.Getenv("PARLEY_BENCH_CLIENTS"); c != "" {
		clients = strings.Split(c, ",")
	}
	keys := os.Getenv("PARLEY_BENCH_KEYS") == "1"
	s := servertest.Start(t, servertest.Prosody)
	sender := s.AddUser(t, "sender", "sender-secret")
	snd := startSender(t, s, sender)
	bin := buildParley(t, filepath.Join(t.TempDir(), "parley"))
	for i, c := range clients {
		user := fmt.Sprintf("st%d", i)
		to := s.AddUser(t, user, "pw-"+user)
		writeRoster(t, s, user, rosterSize)
		var p *pane
		var pid int
		var stored func(string) bool
		switch c {
		case "mcabber":
			p, _, stored = startMcabberPane(t, s, to, sender)
			pid = p.pid("mcabber")
		case "parley", "parleynr":
			extra := ""
			if c == "parleynr" {
				extra = "send_receipts = false\n"
			}
			p, _, stored = startParleyPane(t, s, bin, to, sender, extra)
			pid = p.pid("parley")
		default:
			t.Fatalf("unknown client %q", c)
		}
		time.Sleep(5 * time.Second)
		var perf *exec.Cmd
		if f := os.Getenv("PARLEY_BENCH_PERF"); f != "" {
			perf = exec.Command("perf", "stat", "-e", "task-clock,context-switches,cpu-migrations,page-faults", "-o", f+"."+c, "-p", fmt.Sprint(pid))
			if err := perf.Start(); err != nil {
				t.Fatal(err)
			}
		}
		var rec *exec.Cmd
		if f := os.Getenv("PARLEY_BENCH_PERFRECORD"); f != "" {
			rec = exec.Command("perf", "record", "-g", "-F", "4999", "-o", f+"."+c, "-p", fmt.Sprint(pid))
			if err := rec.Start(); err != nil {
				t.Fatal(err)
			}
		}
		steady(t, func(fig string) string { return fmt.Sprintf("steady_%s_%s", c, fig) }, p, pid, snd, to, stored, keys)
		for _, c := range []*exec.Cmd{perf, rec} {
			if c != nil {
				c.Process.Signal(os.Interrupt)
				c.Wait()
			}
		}
		p.quit()
	}
}
