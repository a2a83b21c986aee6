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
		h.on(func() { n = len(w.room.occupants) })
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
