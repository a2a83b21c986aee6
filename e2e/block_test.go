package e2e

import (
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestBlockInTmux drives the block keys of the real binary in tmux, as
// tmux sends them: a stranger's message says how to block, Alt-k in its
// window blocks and reports it (its next message is refused by the server
// and never shown), Alt-x on the console blocks the sender of a
// subscription request and refuses it; /blocked lists both.
func TestBlockInTmux(t *testing.T) { servertest.Each(t, testBlockInTmux) }

func testBlockInTmux(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	spammer := servertest.StartPeer(t, s, s.AddUser(t, "spammer", "pw"), "pw")
	pest := servertest.StartPeer(t, s, s.AddUser(t, "pest", "pw"), "pw")
	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	spammer.SendMessage(me.String(), "cheap pills")
	tm.waitFor("the stranger's window", "[2:spammer@localho")
	tm.typeLine("/win spammer")
	tm.waitFor("the hint", "· not in roster: Alt-x blocks, Alt-k")
	tm.keys("M-k")
	tm.waitFor("the report", "reported spammer@localhost to localhost for spam")
	tm.waitFor("the block", "spammer@localhost is blocked")

	spammer.SendMessage(me.String(), "more pills")
	bounce := spammer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "error" })
	t.Logf("%s refuses a blocked sender's message: %s", kind, bounce.Error)

	tm.typeLine("/win 1")
	pest.Subscribe(me.String())
	tm.waitFor("the request", "pest@localhost wants to see your presence")
	tm.keys("M-x")
	tm.waitFor("the block", "blocked pest@localhost")
	pest.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "unsubscribed" })

	tm.typeLine("/blocked")
	tm.waitFor("the list", "2 blocked")
	tm.typeLine("/win spammer")
	time.Sleep(200 * time.Millisecond)
	if scr := tm.capture(); strings.Contains(scr, "more pills") || !strings.Contains(scr, "cheap pills") {
		t.Errorf("the stranger's window:\n%s", scr)
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
