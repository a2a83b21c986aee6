package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/msg"
	"parley/muc"
)

// SendChatState records the call, as "state TO TYPE STATE".
func (f *fakeAccount) SendChatState(_ context.Context, to jid.JID, typ string, s msg.ChatState) error {
	f.record("state " + to.String() + " " + typ + " " + s.String())
	return nil
}

// SendMarker records the call, as "marker TO TYPE ID KIND".
func (f *fakeAccount) SendMarker(_ context.Context, to jid.JID, typ, id string, k msg.MarkerKind) error {
	f.record("marker " + to.String() + " " + typ + " " + id + " " + k.String())
	return nil
}

// testClock is a clock the test moves (u.now); safe from any goroutine.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: fixedNow()} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stateEv is a chat state from a contact (or with nick, a room occupant).
func stateEv(f *fakeAccount, peer, from, nick string, s msg.ChatState) account.ChatStateEvent {
	return account.ChatStateEvent{Base: base(f), Peer: jid.MustParse(peer), From: jid.MustParse(from), Nick: nick, State: s}
}

// statusRow returns the status bar's row (the second from the bottom),
// right of the roster.
func (h *harness) statusRow() string {
	rows := strings.Split(strings.TrimSuffix(h.text(), "\n"), "\n")
	r := rows[len(rows)-2]
	if i := strings.Index(r, "│"); i >= 0 {
		r = r[i+len("│"):]
	}
	return r
}

// TestTypingIn: a contact's composing shows "bob is typing…" in the status
// bar, the title bar and (✎) the window list, and goes on paused, active,
// gone, a message from them, and typingTTL after the last composing; a
// chat state opens no window; our own other client's is not shown.
func TestTypingIn(t *testing.T) {
	f := newFake("me@example.org")
	clk := newClock()
	h := startUIPrep(t, 100, 12, func(u *UI) { u.now = clk.now }, f)
	h.post(rosterEv(f, item("bob@example.org", "Bob")))
	h.post(stateEv(f, "carol@example.org", "carol@example.org/x", "", msg.Composing))
	h.on(func() {
		if len(h.u.wins) != 1 {
			t.Errorf("a chat state opened a window: %d windows", len(h.u.wins))
		}
	})
	h.post(msgIn(f, "bob@example.org/phone", "hello", fixedNow()))
	h.sync(func() { h.u.show(1) })
	typing := "Bob is typing…"
	cases := []struct {
		name string
		ev   account.Event
		on   bool
		tick time.Duration // the clock moves, then expireTyping runs
	}{
		{name: "composing", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing), on: true},
		{name: "paused", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Paused)},
		{name: "composing again", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing), on: true},
		{name: "a message", ev: msgIn(f, "bob@example.org/phone", "there", fixedNow())},
		{name: "composing, 29 s", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing), on: true, tick: 29 * time.Second},
		{name: "30 s", tick: time.Second},
		{name: "our other client", ev: account.ChatStateEvent{Base: base(f), Peer: jidOf("bob@example.org"), From: jidOf("me@example.org/phone"), State: msg.Composing, Carbon: true}},
		{name: "composing before active", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing), on: true},
		{name: "active", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Active)},
		{name: "composing before gone", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing), on: true},
		{name: "gone", ev: stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Gone)},
	}
	for _, tc := range cases {
		if tc.ev != nil {
			h.post(tc.ev)
		}
		if tc.tick > 0 {
			clk.add(tc.tick)
			h.sync(h.u.expireTyping)
		}
		h.sync(func() {})
		status, title, bar := h.statusRow(), strings.SplitN(h.text(), "\n", 2)[0], h.barRow()
		if got := strings.Contains(status, typing); got != tc.on {
			t.Errorf("%s: status bar %q, typing %v", tc.name, status, tc.on)
		}
		if got := strings.Contains(title, typing); got != tc.on {
			t.Errorf("%s: title bar %q, typing %v", tc.name, title, tc.on)
		}
		if got := strings.Contains(bar, "[2:Bob✎]"); got != tc.on {
			t.Errorf("%s: window list %q, typing %v", tc.name, bar, tc.on)
		}
	}
	h.post(stateEv(f, "bob@example.org", "bob@example.org/phone", "", msg.Composing))
	h.sync(func() {})
	golden(t, "typing", h.text())
}

// TestTypingRoom: in a room, the newest few occupants typing are named
// (sanitized, bounded) and the others counted; our own reflected state is
// not shown, and who leaves or renames stops typing.
func TestTypingRoom(t *testing.T) {
	clk := newClock()
	h, f := startRoomUIPrep(t, 100, 14, func(u *UI) { u.now = clk.now })
	w := joinTestRoom(h, f)
	st := func(nick string, s msg.ChatState) account.ChatStateEvent {
		return stateEv(f.fakeAccount, "dev@conf.example.org", "dev@conf.example.org/x", nick, s)
	}
	text := func() (s string) {
		h.on(func() { s = h.u.typingText(w) })
		return s
	}
	steps := []struct {
		name string
		evs  []account.Event
		want string
	}{
		{"one", []account.Event{st("alice", msg.Composing)}, "alice is typing…"},
		{"ours is not shown", []account.Event{st("zed", msg.Composing)}, "alice is typing…"},
		{"two", []account.Event{st("bob", msg.Composing)}, "bob and alice are typing…"},
		{"hostile nick", []account.Event{st("\x1b[31mcarol\u202e"+strings.Repeat("x", 40), msg.Composing)},
			"carolxxxxxxxxxx…, bob and alice are typing…"},
		{"more than shown", []account.Event{st("dave", msg.Composing)},
			"dave, carolxxxxxxxxxx…, bob and 1 other are typing…"},
		{"paused", []account.Event{st("dave", msg.Paused)}, "carolxxxxxxxxxx…, bob and alice are typing…"},
		{"a message", []account.Event{roomMsg(f, "bob", "hi", fixedNow())}, "carolxxxxxxxxxx… and alice are typing…"},
		{"left", []account.Event{roomChange(f, nil, muc.OccupantLeft{At: muc.At{Room: testRoom}, Occupant: muc.Occupant{Nick: "alice"}, Cause: muc.Left})},
			"carolxxxxxxxxxx… is typing…"},
	}
	for _, s := range steps {
		h.post(s.evs...)
		if got := text(); got != s.want {
			t.Errorf("%s: %q, want %q", s.name, got, s.want)
		}
	}
	// Many occupants: bounded.
	for i := range 40 {
		h.post(st("n"+strings.Repeat("x", i), msg.Composing))
	}
	h.on(func() {
		if n := len(w.typing.nicks); n != maxTypingNicks {
			t.Errorf("%d typing nicks kept, want %d", n, maxTypingNicks)
		}
	})
	h.post(st("nine", msg.Gone))
	clk.add(typingTTL)
	h.sync(h.u.expireTyping)
	if got := text(); got != "" {
		t.Errorf("after %v: %q", typingTTL, got)
	}
	h.post(st("alice", msg.Composing), st("bob", msg.Composing))
	h.sync(func() {})
	golden(t, "typing_room", h.text())
}

// TestChatStatesOut drives the input line with keys and checks what chat
// states are sent: composing once per spell of typing, paused after 5 s
// without a key (by the test's clock) or when another window is shown,
// active after the message or when the line is emptied, nothing for a
// command, gone on /close; in rooms only with RoomChatStates.
func TestChatStatesOut(t *testing.T) {
	clk := newClock()
	f := newFake("me@example.org")
	h := startUIPrep(t, 100, 12, func(u *UI) {
		u.now = clk.now
		u.opts.ChatStates = true
	}, f)
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	h.enter("/msg bob@example.org")
	h.curIs(1)
	const (
		composing = "state bob@example.org chat composing"
		paused    = "state bob@example.org chat paused"
		active    = "state bob@example.org chat active"
		gone      = "state bob@example.org chat gone"
	)
	var want []string
	expect := func(calls ...string) {
		t.Helper()
		want = append(want, calls...)
		h.waitCalls(f, want...)
	}
	h.typeText("hel")
	h.inputIs("hel")
	expect(composing)
	clk.add(3 * time.Second)
	h.sync(h.u.checkPause)
	h.typeText("lo")
	h.inputIs("hello")
	clk.add(4 * time.Second) // 4 s after the last key
	h.sync(h.u.checkPause)
	clk.add(time.Second)
	h.sync(h.u.checkPause)
	expect(paused)
	h.typeText("!")
	h.inputIs("hello!")
	expect(composing)
	h.key(tcell.KeyEnter, 0, 0)
	expect("send bob@example.org hello!", active)
	h.typeText("x")
	h.inputIs("x")
	h.key(tcell.KeyCtrlU, 0, 0)
	h.inputIs("")
	expect(composing, active)
	h.typeText("/win 1") // a command is not a message
	h.inputIs("/win 1")
	h.key(tcell.KeyCtrlU, 0, 0)
	h.typeText("/me waves")
	h.inputIs("/me waves")
	expect(composing)
	h.key(tcell.KeyRune, '1', tcell.ModAlt) // another window: paused
	h.curIs(0)
	expect(paused)
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.curIs(1)
	h.key(tcell.KeyCtrlU, 0, 0)
	h.enter("/close")
	h.curIs(0)
	expect(active, gone)

	// A window where no chat state went either way: /close sends nothing.
	h.enter("/msg carol@example.org")
	h.curIs(1)
	h.enter("/close")
	h.curIs(0)
	// Offline: nothing, and composing again once back online.
	h.enter("/msg dave@example.org")
	h.post(account.StateEvent{Base: base(f), State: account.Reconnecting})
	h.typeText("a")
	h.inputIs("a")
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	h.typeText("b")
	h.inputIs("ab")
	expect("state dave@example.org chat composing")
}

// TestChatStatesRooms: rooms send no chat states unless RoomChatStates,
// and no one sends any with ChatStates off.
func TestChatStatesRooms(t *testing.T) {
	for _, tc := range []struct {
		name        string
		states      bool
		rooms       bool
		wantStates  bool
		wantInRooms bool
	}{
		{"default", true, false, true, false},
		{"rooms too", true, true, true, true},
		{"off", false, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := startRoomUIPrep(t, 100, 14, func(u *UI) {
				u.opts.ChatStates, u.opts.RoomChatStates = tc.states, tc.rooms
			})
			joinTestRoom(h, f)
			h.typeText("hi")
			h.inputIs("hi")
			h.key(tcell.KeyEnter, 0, 0)
			h.enter("/msg bob@example.org")
			h.typeText("yo")
			h.inputIs("yo")
			h.key(tcell.KeyEnter, 0, 0)
			want := []string{"join dev@conf.example.org zed ", "send dev@conf.example.org hi"}
			if tc.wantInRooms {
				want = []string{"join dev@conf.example.org zed ", "state dev@conf.example.org groupchat composing",
					"send dev@conf.example.org hi", "state dev@conf.example.org groupchat active"}
			}
			if tc.wantStates {
				want = append(want, "state bob@example.org chat composing", "send bob@example.org yo", "state bob@example.org chat active")
			} else {
				want = append(want, "send bob@example.org yo")
			}
			h.waitCalls(f.fakeAccount, want...)
		})
	}
}

// TestTypingPrivate: in a private conversation with a room occupant the
// occupant's nick (now) types, and the window's chat states and markers go
// to the occupant's full room address.
func TestTypingPrivate(t *testing.T) {
	h, f := startRoomUIPrep(t, 100, 14, func(u *UI) { u.opts.ChatStates, u.opts.ReadMarkers = true, true })
	joinTestRoom(h, f)
	conv := jid.MustParse("dev@conf.example.org/carol")
	h.post(account.PrivateEvent{Base: base(f.fakeAccount), Conv: conv, Nick: "carol", Present: true, Started: true},
		account.MessageEvent{Base: base(f.fakeAccount), Msg: account.Message{ID: "p1", From: conv, To: f.j, Type: "chat",
			Nick: "carol", Body: "psst", Time: fixedNow(), Private: true, Conv: conv, Markable: true}})
	var w *window
	h.on(func() { w = h.u.findWin(h.u.accts[0], conv) })
	h.sync(func() { h.u.showWin(w) })
	h.post(account.ChatStateEvent{Base: base(f.fakeAccount), Peer: conv, From: conv, Nick: "carol", State: msg.Composing})
	h.sync(func() {})
	if s := h.statusRow(); !strings.Contains(s, "carol is typing…") {
		t.Errorf("status bar %q", s)
	}
	h.typeText("hi")
	h.inputIs("hi")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCalls(f.fakeAccount, "join dev@conf.example.org zed ", "state dev@conf.example.org/carol chat composing",
		"marker dev@conf.example.org/carol chat p1 displayed", "send dev@conf.example.org/carol hi", "state dev@conf.example.org/carol chat active")
}
