package ui

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
)

func TestRoomCommands(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	w := joinTestRoom(h, f)
	for _, tc := range []struct{ in, call string }{
		{"/nick zed2", "nick dev@conf.example.org zed2"},
		{"/kick dave spamming again", "kick dev@conf.example.org dave spamming again"},
		{"/ban alice go away", "ban dev@conf.example.org alice@example.org go away"},
		{"/ban mallory@evil.example", "ban dev@conf.example.org mallory@evil.example "},
		{"/role dave moderator", "role dev@conf.example.org dave moderator"},
		{"/affiliation carol admin", "affiliation dev@conf.example.org carol@example.org admin "},
		{"/topic new topic here", "subject dev@conf.example.org new topic here"},
		{"/invite friend@example.org come see", "invite dev@conf.example.org friend@example.org come see"},
		{"/bookmark add autojoin", "bookmark add dev@conf.example.org zed true"},
		{"/destroy moving", "destroy dev@conf.example.org moving"},
		{"hello room", "send dev@conf.example.org hello room"},
	} {
		h.enter(tc.in)
		h.waitCall(f, tc.call)
	}
	for _, tc := range []struct{ in, want string }{
		{"/kick", "usage: /kick nick [reason]"},
		{"/kick nosuch", `no occupant "nosuch" in this room`},
		{"/ban dave", "the room does not show the address of dave"},
		{"/role dave king", "usage: /role nick none|visitor|participant|moderator"},
		{"/affiliation carol boss", "usage: /affiliation"},
	} {
		h.enter(tc.in)
		h.waitFor("error for "+tc.in, func() bool { return countContaining(entryTexts(w), tc.want) == 1 })
	}
	h.enter("/topic")
	h.waitFor("topic shown", func() bool { return countContaining(entryTexts(w), "topic: release on friday") >= 1 })
	// A private message from the room window opens a window of its own.
	h.enter("/msg carol psst")
	h.waitCall(f, "send dev@conf.example.org/carol psst")
	h.waitFor("private window", func() bool {
		c := h.u.curWin()
		return c.peer.String() == "dev@conf.example.org/carol" && c.name == "carol/dev" && countContaining(entryTexts(c), "zed: psst") == 1
	})
	if s := h.text(); !strings.Contains(s, "carol in dev@conf.example.org: ● online") {
		t.Errorf("private title:\n%s", s)
	}
	h.sync(func() { h.u.showWin(w) })
	h.enter("/part bye")
	h.waitCall(f, "part dev@conf.example.org bye")
	h.waitFor("left", func() bool { return w.room.state == muc.NotJoined })
	h.on(func() {
		if !h.u.isOpen(w) {
			t.Errorf("/part closed the window")
		}
	})
	// Outside a room, room commands say so.
	h.sync(func() { h.u.show(0) })
	h.enter("/kick dave")
	h.waitFor("not a room", func() bool { return countContaining(entryTexts(h.u.console()), "this is not a room window") == 1 })
}

func TestRoomCloseParts(t *testing.T) {
	h, f := startRoomUI(t, 100, 30, true)
	joinTestRoom(h, f)
	h.enter("/close")
	h.waitCall(f, "part dev@conf.example.org ")
	h.waitFor("closed", func() bool { return len(h.u.wins) == 1 })
	// The room's "you left" after the window closed does not reopen it.
	h.post(account.RoomEvent{Base: base(f.fakeAccount), Room: testRoom, State: muc.NotJoined,
		Changes: []muc.Change{muc.OccupantLeft{At: muc.At{Room: testRoom}, Self: true}}})
	h.on(func() {
		if len(h.u.wins) != 1 {
			t.Errorf("a left room reopened its window")
		}
	})
}

// TestInviter names the inviter of every form XEP-0045 allows.
func TestInviter(t *testing.T) {
	room := jid.MustParse("lounge@conf.example.org")
	for _, tc := range []struct{ from, want string }{
		{"alice@example.org", "alice@example.org"},
		{"alice@example.org/desk", "alice@example.org"},
		{"lounge@conf.example.org/alice", "alice (in the room)"},
		{"", "someone"},
	} {
		var from jid.JID
		if tc.from != "" {
			from = jid.MustParse(tc.from)
		}
		if got := inviter(muc.Invite{Room: room, From: from}); got != tc.want {
			t.Errorf("inviter(%q) = %q, want %q", tc.from, got, tc.want)
		}
	}
}
