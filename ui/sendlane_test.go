package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
)

// unsentFake is a fake account whose outbox holds n messages.
type unsentFake struct {
	*fakeAccount
	n int
}

func (f unsentFake) Unsent() int { return f.n }

// TestQuitWarnsUnsent: /quit with messages still in an outbox says how many
// and stays; a second /quit leaves. Without unsent messages /quit leaves at
// once.
func TestQuitWarnsUnsent(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		scr := tcell.NewSimulationScreen("UTF-8")
		u := New(Options{Screen: scr, Accounts: []Account{unsentFake{newFake("alice@example.org"), n}}, RosterWidth: 26})
		u.now, u.loc = fixedNow, time.UTC
		ctx, cancel := context.WithCancel(context.Background())
		h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
		go func() { h.done <- u.Run(ctx) }()
		h.sync(func() { scr.SetSize(100, 20) })
		h.typeText("/quit")
		h.key(tcell.KeyEnter, 0, tcell.ModNone)
		if n > 0 {
			h.waitFor("the warning", func() bool { return strings.Contains(screenText(scr), "not sent yet") })
			if got := h.text(); !strings.Contains(got, map[bool]string{true: "1 message is", false: "3 messages are"}[n == 1]) {
				t.Errorf("n=%d: warning not shown:\n%s", n, got)
			}
			h.typeText("/quit")
			h.key(tcell.KeyEnter, 0, tcell.ModNone)
		}
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("n=%d: Run: %v", n, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("n=%d: /quit did not leave", n)
		}
		cancel()
	}
}

// screenText is the screen's text; call it on the tview goroutine.
func screenText(scr tcell.SimulationScreen) string {
	var b strings.Builder
	cells, w, _ := scr.GetContents()
	for i, c := range cells {
		b.Write(c.Bytes)
		if (i+1)%w == 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// gatedFake holds its first send until gate is closed.
type gatedFake struct {
	*fakeAccount
	gate  chan struct{}
	calls atomic.Int32
}

func (f *gatedFake) SendMessage(ctx context.Context, to jid.JID, typ, body string) (account.Message, error) {
	if f.calls.Add(1) == 1 {
		<-f.gate
	}
	return f.fakeAccount.SendMessage(ctx, to, typ, body)
}

// TestSendOrderSlowAccount: while the account is slow to take the first
// line (a write that waits on the network), the lines typed after it wait
// behind it, and the account gets them all in the order typed.
func TestSendOrderSlowAccount(t *testing.T) {
	f := &gatedFake{fakeAccount: newFake("alice@example.org"), gate: make(chan struct{})}
	scr := tcell.NewSimulationScreen("UTF-8")
	u := New(Options{Screen: scr, Accounts: []Account{f}, RosterWidth: 26})
	u.now, u.loc = fixedNow, time.UTC
	f.post = u.Post
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
	go func() { h.done <- u.Run(ctx) }()
	t.Cleanup(h.close)
	h.sync(func() { scr.SetSize(100, 20) })
	h.typeText("/msg bob@example.org")
	h.key(tcell.KeyEnter, 0, tcell.ModNone)
	const n = 100
	for i := range n {
		h.typeText(fmt.Sprintf("line %03d", i))
		h.key(tcell.KeyEnter, 0, tcell.ModNone)
	}
	h.typeText("end")
	h.inputIs("end")
	close(f.gate)
	h.waitFor("every send", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.sent) == n
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, m := range f.sent {
		if m.Body != fmt.Sprintf("line %03d", i) {
			t.Fatalf("send %d is %q: out of order", i, m.Body)
		}
	}
}
