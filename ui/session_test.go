package ui

import (
	"fmt"
	"strings"
	"testing"

	"parley/account"
	"parley/muc"
)

// rosterLine returns the roster row of name as drawn ("● Alice").
func (h *harness) rosterLine(name string) string {
	for _, l := range strings.Split(h.text(), "\n") {
		if i := strings.Index(l, "│"); i >= 0 {
			l = l[:i]
		}
		if f := strings.Fields(l); len(f) == 2 && f[1] == name {
			return f[0] + " " + f[1]
		}
	}
	return ""
}

// TestPresenceAcrossSessions: a resumed stream keeps every presence and
// room occupant the UI had (shown as unknown while reconnecting), a fresh
// session starts presence from nothing.
func TestPresenceAcrossSessions(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, false)
	w := joinTestRoom(h, f)
	fillRoster(h, f.fakeAccount)
	state := func(st account.State, resumed bool) {
		h.post(account.StateEvent{Base: base(f.fakeAccount), State: st, Resumed: resumed})
	}
	occupants := func() int {
		n := 0
		h.on(func() { n = w.room.occ.Len() })
		return n
	}
	if got := h.rosterLine("Alice"); got != "● Alice" {
		t.Fatalf("before: %q\n%s", got, h.text())
	}
	n := occupants()

	state(account.Reconnecting, false)
	if got := h.rosterLine("Alice"); got != "○ Alice" {
		t.Errorf("while reconnecting: %q, want presence shown as unknown\n%s", got, h.text())
	}
	h.run("info alice@example.org")
	h.winHas("presence unknown: the account is reconnecting")
	h.screenHas(fmt.Sprintf("as zed, %d occupants (account reconnecting)", n))

	state(account.Connecting, false)
	state(account.Online, true)
	if got := h.rosterLine("Alice"); got != "● Alice" {
		t.Errorf("after a resumed stream: %q\n%s", got, h.text())
	}
	if got := h.rosterLine("Carol"); got != "⊘ Carol" {
		t.Errorf("after a resumed stream: %q\n%s", got, h.text())
	}
	h.run("info alice@example.org")
	h.winHas(`resource laptop: online, priority 5, "at the desk"`)
	if got := occupants(); got != n {
		t.Errorf("occupants after a resumed stream: %d, want %d", got, n)
	}
	h.screenHas(fmt.Sprintf("as zed, %d occupants", n))

	state(account.Reconnecting, false)
	state(account.Online, false)
	if got := h.rosterLine("Alice"); got != "○ Alice" {
		t.Errorf("after a fresh login: %q, want no presence until it comes\n%s", got, h.text())
	}
	h.post(pres(f.fakeAccount, "alice@example.org/laptop", account.ShowOnline, "", 5))
	if got := h.rosterLine("Alice"); got != "● Alice" {
		t.Errorf("after the fresh presence: %q", got)
	}
	h.on(func() {
		if w.room.state != muc.Joined {
			t.Errorf("room state %v", w.room.state)
		}
	})
}

// TestInfoOccupant: /info NICK in a room shows the occupant, not a JID
// lookup of the nick.
func TestInfoOccupant(t *testing.T) {
	h, f := startRoomUI(t, 120, 40, false)
	joinTestRoom(h, f)
	tests := []struct {
		line string
		want []string
	}{
		{"info carol", []string{"info for carol in dev@conf.example.org", "role: participant, affiliation: member", "address: carol@example.org/y", "presence: online"}},
		{"info Bob", []string{"info for bob in dev@conf.example.org", "role: moderator, affiliation: admin", "address: not shown by the room", "presence: away"}},
		{"info zed", []string{"info for zed in dev@conf.example.org (you)"}},
		{"info", []string{"info for room dev@conf.example.org", "you are in it as zed, with 7 occupants"}},
		{"info nobody", []string{`no occupant "nobody" in this room`}},
	}
	for _, tc := range tests {
		h.run(tc.line)
		for _, w := range tc.want {
			h.winHas(w)
		}
	}
}

// TestOwnPresenceShown: /status changes what the status bar and the
// account's roster header say of our own presence.
func TestOwnPresenceShown(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 20, f)
	fillRoster(h, f)
	h.screenHas("[me@example.org: online]")
	h.screenHas("me@example.org [online]")
	h.run("status away busy with the release")
	h.screenHas("[me@example.org: away: busy with the release]")
	h.screenHas("me@example.org [away: bu…") // cut to the roster width
	h.run("status dnd")
	h.screenHas("[me@example.org: dnd]")
	h.post(account.StateEvent{Base: base(f), State: account.Reconnecting, Text: "reconnecting in 2s (attempt 1): connection lost"})
	h.screenHas("[me@example.org: reconnecting in 2s (attempt 1)]")
}

// TestSubscriptionRequestsOnce: a request asked again before an answer adds
// no line; after /sub allow, a new request is news again.
func TestSubscriptionRequestsOnce(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 120, 20, f)
	req := account.SubscriptionEvent{Base: base(f), From: jidOf("nosy@example.org"), Type: "subscribe"}
	for i := 0; i < 200; i++ {
		h.u.Post(req)
	}
	h.settle()
	lines := func() int {
		n := 0
		h.on(func() { n = countContaining(entryTexts(h.u.console()), "nosy@example.org wants to see your presence") })
		return n
	}
	if n := lines(); n != 1 {
		t.Errorf("%d request lines for 200 requests, want 1", n)
	}
	h.run("sub allow nosy@example.org")
	h.winHas("allowed nosy@example.org to see your presence")
	h.post(req)
	if n := lines(); n != 2 {
		t.Errorf("%d request lines after an answer and a new request, want 2", n)
	}
}

// TestPresenceLinesOverall: a conversation shows a contact's change of
// overall presence, not every resource coming and going.
func TestPresenceLinesOverall(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 120, 30, f)
	h.post(account.StateEvent{Base: base(f), State: account.Online}, rosterEv(f, item("bob@example.org", "Bob")))
	h.run("msg bob@example.org")
	off := func(res string) account.PresenceEvent {
		return account.PresenceEvent{Base: base(f), From: jidOf("bob@example.org/" + res)}
	}
	steps := []struct {
		ev   account.PresenceEvent
		line string // the line it adds, "" for none
	}{
		{pres(f, "bob@example.org/laptop", account.ShowOnline, "at the desk", 0), "Bob is online: at the desk"},
		{pres(f, "bob@example.org/phone", account.ShowOnline, "", 0), ""},
		{pres(f, "bob@example.org/tablet", account.ShowAway, "", 0), ""},
		{pres(f, "bob@example.org/phone", account.ShowXA, "asleep", 0), ""},
		{off("phone"), ""},
		{off("tablet"), ""},
		{pres(f, "bob@example.org/laptop", account.ShowDND, "meeting", 0), "Bob is dnd: meeting"},
		{pres(f, "bob@example.org/phone", account.ShowOnline, "", 0), "Bob is online"}, // more available at the same priority
		{off("phone"), "Bob is dnd: meeting"},
		{off("laptop"), "Bob is offline"},
	}
	var lines []string
	for i, s := range steps {
		h.post(s.ev)
		var got []string
		h.on(func() { got = entryTexts(h.u.curWin()) })
		added := got[len(lines):]
		lines = got
		switch {
		case s.line == "" && len(added) > 0:
			t.Errorf("step %d (%s %v): added %q", i, s.ev.From, s.ev.Show, added)
		case s.line != "" && (len(added) != 1 || !strings.HasSuffix(added[0], s.line)):
			t.Errorf("step %d (%s %v): added %q, want %q", i, s.ev.From, s.ev.Show, added, s.line)
		}
	}
}
