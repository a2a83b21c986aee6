package ui

import (
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/history"
)

// TestFoldedScreen is the golden screen of a conversation opened from a
// history holding references: a corrected message with its mark, reactions
// under a message, a retracted and a moderated one as tombstones; each line
// findable by its ids.
func TestFoldedScreen(t *testing.T) {
	s := openStore(t)
	const me, room = "me@example.org", "room@conf.example.org"
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, r := range []history.Record{
		{Time: at(0), Dir: history.In, From: room + "/ann", Nick: "ann", Type: "groupchat", ID: "a1", StanzaID: "s1", StanzaBy: room, Body: "lunch tomorow?"},
		{Time: at(1), Dir: history.In, From: room + "/ann", Nick: "ann", Type: "groupchat", ID: "a2", Kind: history.KindCorrection, Replaces: "a1", Body: "lunch tomorrow?"},
		{Time: at(2), Dir: history.In, From: room + "/bob", Nick: "bob", Type: "groupchat", ID: "b1", StanzaID: "s2", StanzaBy: room, Body: "sure, noon"},
		{Time: at(3), Dir: history.Out, From: room + "/me", Nick: "me", Type: "groupchat", ID: "m1", Kind: history.KindReactions, Ref: "s2", Emojis: []string{"👍"}},
		{Time: at(3), Dir: history.In, From: room + "/ann", Nick: "ann", Type: "groupchat", ID: "a3", Kind: history.KindReactions, Ref: "s2", Emojis: []string{"👍", "❤"}},
		{Time: at(4), Dir: history.In, From: room + "/bob", Nick: "bob", Type: "groupchat", ID: "b2", StanzaID: "s3", StanzaBy: room, Body: "oops wrong room"},
		{Time: at(5), Dir: history.In, From: room + "/bob", Nick: "bob", Type: "groupchat", ID: "b3", Kind: history.KindRetract, Ref: "s3"},
		{Time: at(6), Dir: history.In, From: room + "/eve", Nick: "eve", Type: "groupchat", ID: "e1", StanzaID: "s4", StanzaBy: room, Body: "buy cheap watches"},
		{Time: at(7), Dir: history.In, From: room, Type: "groupchat", Kind: history.KindModerate, Ref: "s4", By: room + "/ann", Body: "spam"},
	} {
		if _, err := s.Append(me, room, r); err != nil {
			t.Fatal(err)
		}
	}
	f := newFake(me)
	h := startHistUI(t, 100, 12, s, f)
	h.sync(func() {
		h.u.showWin(h.u.openRoomWin(h.u.accts[0], jid.MustParse(room)))
	})
	h.screenHas("(removed by moderator ann: spam)")
	golden(t, "folded", h.text())
	h.sync(func() {
		w := h.u.curWin()
		if e := w.buf.lookup("s\x00s2"); e == nil || e != w.buf.at(1) {
			t.Errorf("the reacted line is not found by its stanza-id: %v", e)
		}
		if e := w.buf.lookup("i\x00a1"); e == nil || e != w.buf.at(0) {
			t.Errorf("the corrected line is not found by its id: %v", e)
		}
	})
}
