package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
)

// TestFramePacing posts a trickle of messages (one every 5 ms for 1.5 s,
// as a busy contact or room would) and counts event-driven redraws: with
// streamFrame pacing that is about ten a second, not one per message. The
// count can only be lower on a slow machine, so the bound is safe; and no
// message is lost to the pacing.
func TestFramePacing(t *testing.T) {
	draws, elapsed := trickle(t, true, 300)
	if limit := int64(elapsed/streamFrame) + 3; draws > limit {
		t.Errorf("%d redraws in %v, want at most %d", draws, elapsed, limit)
	}
}

// TestBackgroundPacing posts the same trickle to a window that is not shown:
// the frames change nothing but the window bar's count, so they come
// backgroundFrame apart, not streamFrame; no message is lost, and the count
// shown is the last one.
func TestBackgroundPacing(t *testing.T) {
	draws, elapsed := trickle(t, false, 300)
	if limit := int64(elapsed/backgroundFrame) + 3; draws > limit {
		t.Errorf("%d redraws in %v, want at most %d", draws, elapsed, limit)
	}
}

// TestFloodPacing: a trickle that goes on past floodAfter (a flood) is
// drawn floodFrame apart once floodAfter has passed, in the window shown
// too; no message is lost.
func TestFloodPacing(t *testing.T) {
	draws, elapsed := trickle(t, true, 800)
	limit := int64(floodAfter/streamFrame) + int64((elapsed-floodAfter)/floodFrame) + 3
	if draws > limit {
		t.Errorf("%d redraws in %v, want at most %d", draws, elapsed, limit)
	}
}

// trickle posts n messages of one contact, 5 ms apart, to its window,
// shown or left in the background, checks that every one was applied (and,
// in the background, that the window bar counts them), and returns the
// redraws they cost and the time they took.
func trickle(t *testing.T, show bool, n int) (int64, time.Duration) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	h.post(account.StateEvent{Base: account.Base{Account: f.j}, State: account.Online})
	peer := jid.MustParse("trickle@example.org/x")
	msg := func(i int) account.Event {
		return account.MessageEvent{Base: account.Base{Account: f.j}, Msg: account.Message{
			From: peer, To: f.j, Type: "chat", Dir: account.In, Time: fixedNow(), Body: fmt.Sprintf("trickle %d", i)}}
	}
	h.post(msg(0)) // opens window 2, in the background
	if show {
		h.sync(func() { h.u.show(1) })
	}
	time.Sleep(2 * streamFrame) // a quiet spell
	before := h.u.draws.Load()
	start := time.Now()
	for i := 1; i <= n; i++ {
		h.u.Post(msg(i))
		time.Sleep(time.Until(start.Add(time.Duration(i) * 5 * time.Millisecond)))
	}
	h.waitFor("the last message applied", func() bool {
		w := h.u.wins[1]
		return w.buf.len() == n+1 && w.buf.at(n).text == fmt.Sprintf("12:34 trickle@example.org: trickle %d", n)
	})
	draws := h.u.draws.Load() - before
	elapsed := time.Since(start)
	t.Logf("%d messages (window shown: %v) in %v cost %d redraws", n, show, elapsed, draws)
	if !show {
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(h.text(), fmt.Sprint(n+1)); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the window bar does not count %d:\n%s", n+1, h.text())
			}
		}
	}
	return draws, elapsed
}
