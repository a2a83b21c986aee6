package ui

import (
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
)

// TestPrivateWindows: a private conversation window follows its occupant
// as the account reports it: renamed with them, marked when they leave, and
// a conversation with someone else under an earlier occupant's nick is a
// window of its own that says so.
func TestPrivateWindows(t *testing.T) {
	h, f := startRoomUI(t, 120, 30, false)
	joinTestRoom(h, f)
	conv := jid.MustParse("dev@conf.example.org/pmA")
	other := jid.MustParse("dev@conf.example.org/pmA (2)")
	priv := func(c jid.JID, nick string, present, started, isOther bool) account.PrivateEvent {
		return account.PrivateEvent{Base: base(f.fakeAccount), Conv: c, Nick: nick, Present: present, Started: started, Other: isOther}
	}
	msg := func(c jid.JID, nick, body string) account.MessageEvent {
		from, _ := c.Bare().WithResource(nick)
		return account.MessageEvent{Base: base(f.fakeAccount), Msg: account.Message{
			From: from, To: f.j, Type: "chat", Nick: nick, Body: body, Time: fixedNow(), Private: true, Conv: c}}
	}
	h.post(priv(conv, "pmA", true, true, false), msg(conv, "pmA", "one"))
	h.post(priv(conv, "pmB", true, false, false))
	h.post(priv(other, "pmA", true, true, true), msg(other, "pmA", "two"))
	h.post(msg(conv, "pmB", "three"))
	h.post(priv(conv, "pmB", false, false, false))
	var first, second *window
	h.on(func() {
		first, second = h.u.findWin(h.u.accts[0], conv), h.u.findWin(h.u.accts[0], other)
	})
	if first == nil || second == nil || first == second {
		t.Fatalf("windows %v %v: want two", first, second)
	}
	var name1, name2 string
	var gone bool
	h.on(func() { name1, name2, gone = first.name, second.name, first.privGone() })
	if name1 != "pmB/dev" || name2 != "pmA/dev" || !gone {
		t.Errorf("names %q %q, first gone %v; want pmB/dev, pmA/dev, gone", name1, name2, gone)
	}
	l1, l2 := h.lines(first), h.lines(second)
	for _, want := range []string{"pmA: one", "pmA is now known as pmB: this conversation follows them", "pmB: three", "pmB left the room"} {
		if countContaining(l1, want) != 1 {
			t.Errorf("first window lacks %q: %q", want, l1)
		}
	}
	if countContaining(l1, "two") != 0 || countContaining(l2, "two") != 1 || countContaining(l2, "is not the pmA of your earlier conversation") != 1 {
		t.Errorf("second window %q, first %q", l2, l1)
	}
}
