package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
)

// connFake adds the connection and client-state capabilities to a fake
// account.
type connFake struct{ *fakeAccount }

// Connect behaves as the account's: an online account says so.
func (c connFake) Connect() error {
	c.record("connect")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == account.Online {
		return account.ErrAlreadyOnline
	}
	c.state = account.Connecting
	return nil
}
func (c connFake) Reconnect() { c.record("reconnect") }
func (c connFake) Disconnect(context.Context) error {
	c.record("disconnect")
	c.mu.Lock()
	c.state = account.Disconnected
	c.mu.Unlock()
	return nil
}
func (c connFake) SetActive(active bool) {
	if active {
		c.record("active")
	} else {
		c.record("inactive")
	}
}

// startConnUI runs a UI whose accounts have the connection capabilities.
func startConnUI(t *testing.T, fakes ...*fakeAccount) *harness {
	return startUIPrep(t, 100, 14, func(u *UI) {
		for i, f := range fakes {
			u.accts[i].a = connFake{f}
		}
	}, fakes...)
}

func (h *harness) waitCalls(f *fakeAccount, want ...string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Join(f.callList(), ",") != strings.Join(want, ",") {
		if time.Now().After(deadline) {
			h.t.Fatalf("calls %q, want %q", f.callList(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnCommands(t *testing.T) {
	me := newFake("me@example.org")
	other := newFake("other@example.net")
	h := startConnUI(t, me, other)
	h.post(account.MessageEvent{Base: base(me), Msg: account.Message{ID: "x", From: jid.MustParse("bob@example.net/a"),
		To: me.j, Type: "chat", Body: "hi", Time: fixedNow(), Dir: account.In}})
	h.sync(func() { h.u.show(1) }) // bob's window, of me@example.org

	tests := []struct {
		line      string
		fake      *fakeAccount
		want      []string
		screenHas string
	}{
		{"/connect", me, []string{"connect"}, "me@example.org: already online (/reconnect reconnects)"},
		{"/disconnect", me, []string{"connect", "disconnect"}, "me@example.org: disconnected (/connect to go online)"},
		{"/connect", me, []string{"connect", "disconnect", "connect"}, "me@example.org: connecting"},
		{"/reconnect", me, []string{"connect", "disconnect", "connect", "reconnect"}, "me@example.org: reconnecting"},
		{"/reconnect other", other, []string{"reconnect"}, "other@example.net: reconnecting"},
		{"/connect nobody", other, []string{"reconnect"}, `no account "nobody"`},
	}
	for _, tc := range tests {
		h.run(tc.line[1:])
		h.waitCalls(tc.fake, tc.want...)
		h.screenHas(tc.screenHas)
	}
	if !strings.Contains(h.helpText("reconnect"), "resumes the stream") {
		t.Error("/help reconnect does not explain the command")
	}
}

// helpText returns the help line of a command as /help shows it.
func (h *harness) helpText(name string) string {
	var s string
	h.sync(func() {
		if c := h.u.lookup(name); c != nil {
			s = "/" + c.name + " " + c.usage + ": " + c.help
		}
	})
	return s
}

func TestConnCommandWithoutCapability(t *testing.T) {
	me := newFake("me@example.org")
	h := startUI(t, 100, 14, me) // a plain fake: no Connect
	h.run("connect")
	h.winHas("cannot be connected or disconnected by hand")
}

func TestPendingMark(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 80, 12, f)
	out := func(id, body string, pending bool) account.MessageEvent {
		return account.MessageEvent{Base: base(f), Msg: account.Message{ID: id, From: jid.MustParse("me@example.org"),
			To: jid.MustParse("bob@example.net"), Type: "chat", Body: body, Time: fixedNow(), Dir: account.Out, Pending: pending}}
	}
	ev := func(id string, sent, delivered bool) account.DeliveryEvent {
		return account.DeliveryEvent{Base: base(f), Peer: jid.MustParse("bob@example.net"), ID: id, Sent: sent, Delivered: delivered}
	}
	h.post(out("p1", "typed offline", true), out("p2", "also offline", true), out("s1", "sent live", false))
	h.sync(func() { h.u.show(1) })
	tests := []struct {
		name string
		ev   account.Event
		want []string
		not  []string
	}{
		{"pending marks", nil, []string{"me: typed offline (pending)", "me: also offline (pending)", "me: sent live"}, []string{"live (pending)"}},
		{"sent elsewhere", account.DeliveryEvent{Base: base(f), Peer: jid.MustParse("eve@example.net"), ID: "p1", Sent: true}, []string{"offline (pending)"}, nil},
		{"sent", ev("p1", true, false), []string{"me: typed offline", "me: also offline (pending)"}, []string{"typed offline (pending)"}},
		{"delivered after sent", ev("p1", false, true), []string{"me: typed offline ✓"}, nil},
		{"second sent", ev("p2", true, false), []string{"me: also offline"}, []string{"(pending)"}},
	}
	for _, tc := range tests {
		if tc.ev != nil {
			h.post(tc.ev)
		}
		screen := h.text()
		for _, w := range tc.want {
			if !strings.Contains(screen, w) {
				t.Errorf("%s: screen lacks %q:\n%s", tc.name, w, screen)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(screen, w) {
				t.Errorf("%s: screen has %q:\n%s", tc.name, w, screen)
			}
		}
	}
}

func TestIdleClientState(t *testing.T) {
	me := newFake("me@example.org")
	h := startConnUI(t, me)
	// Idle long enough: one check makes the accounts inactive, once.
	h.sync(func() {
		h.u.idle.after = time.Minute
		h.u.idle.last = time.Now().Add(-2 * time.Minute)
		h.u.checkIdle()
		h.u.checkIdle()
	})
	h.waitCalls(me, "inactive")
	// A key press makes them active again.
	h.typeText("x")
	h.inputIs("x")
	h.waitCalls(me, "inactive", "active")
	// Not idle long enough: nothing, the check is re-armed.
	h.sync(func() {
		h.u.idle.last = time.Now()
		h.u.checkIdle()
	})
	h.typeText("y")
	h.inputIs("xy")
	h.waitCalls(me, "inactive", "active")
	// The timer itself drives the check through the UI loop.
	h.sync(func() {
		h.u.idle.after = 50 * time.Millisecond
		h.u.idle.last = time.Now()
		h.u.armIdle(50 * time.Millisecond)
	})
	h.waitCalls(me, "inactive", "active", "inactive")
}

func TestStatusBarReconnecting(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	h.post(account.StateEvent{Base: base(f), State: account.Reconnecting, Text: "reconnecting in 8s (attempt 3): connection lost"})
	h.screenHas("[me@example.org: reconnecting in 8s (attempt 3)]")
	h.post(account.StateEvent{Base: base(f), State: account.Online, Text: "online as me@example.org/x"})
	h.screenHas("[me@example.org: online]")
}

// TestStreamErrorShown: a stream error with a long hostile text (as the
// account reports it, already clipped) is one console line, with the bidi
// override dropped and the whole line bounded.
func TestStreamErrorShown(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	text := "reconnecting in 1s (attempt 1): stream error not-authorized: line one \u202e" + strings.Repeat("y", 256) + "…"
	h.post(account.StateEvent{Base: base(f), State: account.Reconnecting, Text: text})
	h.winHas("stream error not-authorized: line one")
	h.sync(func() {
		w := h.u.console()
		for i := 0; i < w.buf.len(); i++ {
			line := w.buf.at(i).text
			if strings.ContainsAny(line, "\u202e\n") || len(line) > 400 {
				t.Errorf("console line %q (%d bytes)", line, len(line))
			}
		}
	})
}
