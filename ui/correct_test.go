package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
)

// Correct implements CorrectAccount for the UI tests: like the account, it
// emits the correction as our message, with a fresh id and Replaces set.
func (f *fakeAccount) Correct(_ context.Context, to jid.JID, typ, replaces, body string) (account.Message, error) {
	m := account.Message{ID: "fix-" + replaces, From: f.j, To: to, Type: typ, Body: body, Dir: account.Out, Time: fixedNow(), Replaces: replaces}
	f.record("correct " + to.String() + " " + replaces + " " + body)
	if f.post != nil {
		f.post(account.MessageEvent{Base: account.Base{Account: f.j}, Msg: m})
	}
	return m, nil
}

// TestCorrectionScreen: a contact's correction replaces their line in place
// with "(edited)"; one from another resource is refused with a warning and
// changes nothing; /correct, after Tab filled in our last message's text,
// sends a correction of it and our line shows the new text, edited.
func TestCorrectionScreen(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 80, 10, f)
	bob := "bob@example.org/phone"
	in := func(from, id, body, replaces string) account.MessageEvent {
		ev := msgIn(f, from, body, fixedNow())
		ev.Msg.ID, ev.Msg.Replaces = id, replaces
		return ev
	}
	h.post(in(bob, "m1", "see you at noom", ""))
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jid.MustParse("bob@example.org"))) })
	own := account.MessageEvent{Base: base(f), Msg: account.Message{ID: "o1", From: f.j, To: jidOf("bob@example.org"), Type: "chat",
		Body: "ok, the usual plase", Dir: account.Out, Time: fixedNow()}}
	h.post(own)
	h.post(in(bob, "c1", "see you at noon", "m1"))
	h.post(in("bob@example.org/evil", "c2", "see you at midnight", "m1"))
	h.post(in(bob, "c3", "the target is gone", "nowhere"))
	h.screenHas("see you at noon (edited)")
	h.screenHas("refused a correction")
	h.typeText("/correct ")
	h.key(tcell.KeyTab, 0, 0)
	h.inputIs("/correct ok, the usual plase")
	h.key(tcell.KeyBackspace2, 0, 0)
	h.key(tcell.KeyBackspace2, 0, 0)
	h.key(tcell.KeyBackspace2, 0, 0)
	h.typeText("ace")
	h.key(tcell.KeyEnter, 0, 0)
	h.screenHas("ok, the usual place (edited)")
	got := h.text()
	for _, gone := range []string{"noom", "midnight", "plase", "target is gone"} {
		if strings.Contains(got, gone) {
			t.Errorf("screen shows %q:\n%s", gone, got)
		}
	}
	if calls := strings.Join(f.callList(), "\n"); !strings.Contains(calls, "correct bob@example.org o1 ok, the usual place") {
		t.Errorf("calls: %s", calls)
	}
	golden(t, "correction", got)
}

// TestSameAuthor: who may correct a line, as history.Fold decides.
func TestSameAuthor(t *testing.T) {
	room := "room@conf.example.org/"
	line := func(kind lineKind, from, occ string) *entry { return &entry{kind: kind, from: from, occ: occ} }
	msg := func(dir account.Direction, from, occ string) account.Message {
		j := jid.MustParse(from)
		return account.Message{Dir: dir, From: j, Nick: j.Resourcepart(), OccupantID: occ}
	}
	tests := []struct {
		name  string
		e     *entry
		m     account.Message
		group bool
		want  bool
	}{
		{"1:1 same full JID", line(lineMsg, "bob@x/phone", ""), msg(account.In, "bob@x/phone", ""), false, true},
		{"1:1 other resource", line(lineMsg, "bob@x/phone", ""), msg(account.In, "bob@x/evil", ""), false, false},
		{"1:1 highlighted line", line(lineHigh, "bob@x/phone", ""), msg(account.In, "bob@x/phone", ""), false, true},
		{"ours by us", line(lineOwn, "me@x/parley", ""), msg(account.Out, "me@x/other", ""), false, true},
		{"ours by them", line(lineOwn, "me@x/parley", ""), msg(account.In, "me@x/parley", ""), false, false},
		{"theirs by us", line(lineMsg, "bob@x/phone", ""), msg(account.Out, "bob@x/phone", ""), false, false},
		{"a notice", line(lineInfo, "", ""), msg(account.In, "bob@x/phone", ""), false, false},
		{"room same nick", line(lineMsg, room+"ann", ""), msg(account.In, room+"ann", ""), true, true},
		{"room other nick", line(lineMsg, room+"ann", ""), msg(account.In, room+"eve", ""), true, false},
		{"room same occupant-id, new nick", line(lineMsg, room+"ann", "o-ann"), msg(account.In, room+"annie", "o-ann"), true, true},
		{"room nick taken over", line(lineMsg, room+"ann", "o-ann"), msg(account.In, room+"ann", "o-eve"), true, false},
		{"room one occupant-id missing: nick", line(lineMsg, room+"ann", ""), msg(account.In, room+"ann", "o-ann"), true, true},
	}
	for _, tc := range tests {
		if got := sameAuthor(tc.e, tc.m, tc.group); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRoomCorrectionScreen: in a room window a correction replaces the line
// when it comes from the same occupant (by occupant-id, which follows a
// nick change); one from another occupant-id under the same nick, or from
// another nick, is refused.
func TestRoomCorrectionScreen(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 16, f)
	const room = "room@conf.example.org/"
	gc := func(nick, occ, id, body, replaces string) account.MessageEvent {
		return account.MessageEvent{Base: base(f), Msg: account.Message{From: jidOf(room + nick), To: f.j, Type: "groupchat",
			Nick: nick, OccupantID: occ, ID: id, Body: body, Replaces: replaces, Time: fixedNow()}}
	}
	h.post(gc("carol", "o-carol", "c1", "lunch tomorow?", ""))
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("room@conf.example.org"))) })
	h.post(gc("carol", "o-eve", "e1", "no lunch", "c1"))             // nick taken over
	h.post(gc("mallory", "", "m1", "never lunch", "c1"))             // another nick
	h.post(gc("caroline", "o-carol", "c2", "lunch tomorrow?", "c1")) // carol, renamed
	h.screenHas("lunch tomorrow? (edited)")
	got := h.text()
	if strings.Contains(got, "no lunch") || strings.Contains(got, "never lunch") || strings.Count(got, "refused a correction") != 2 {
		t.Errorf("screen:\n%s", got)
	}
}
