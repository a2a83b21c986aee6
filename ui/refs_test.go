package ui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
	"parley/msg"
	"parley/muc"
)

// The account side of the references, as the UI tests see it: like the
// account, each emits what it sent as a MessageEvent with Dir Out (a
// moderation comes back from the room).

func (f *fakeAccount) emit(m account.Message) {
	if f.post != nil {
		f.post(account.MessageEvent{Base: account.Base{Account: f.j}, Msg: m})
	}
}

// React implements ReactAccount.
func (f *fakeAccount) React(_ context.Context, to jid.JID, typ, id string, emojis []string) error {
	f.record(fmt.Sprintf("react %s %s %q", to, id, emojis))
	f.emit(account.Message{ID: "r-" + id, From: f.j, To: to, Type: typ, Dir: account.Out, Time: fixedNow(),
		Reactions: &msg.Reactions{ID: id, Emojis: emojis}})
	return nil
}

// Retract implements RetractAccount.
func (f *fakeAccount) Retract(_ context.Context, to jid.JID, typ, id string) error {
	f.record("retract " + to.String() + " " + id)
	f.emit(account.Message{ID: "x-" + id, From: f.j, To: to, Type: typ, Dir: account.Out, Time: fixedNow(),
		Retraction: &msg.Retraction{ID: id, Gen: 1}})
	return nil
}

// Moderate implements ModerateAccount: the room announces the removal.
func (f *fakeAccount) Moderate(_ context.Context, room jid.JID, id, reason string) error {
	f.record(fmt.Sprintf("moderate %s %s %q", room, id, reason))
	f.emit(account.Message{From: room, To: f.j, Type: "groupchat", Dir: account.In, Time: fixedNow(),
		Moderation: &msg.Moderation{ID: id, By: room.String() + "/zed", Reason: reason, Gen: 1}})
	return nil
}

// Reply implements ReplyAccount.
func (f *fakeAccount) Reply(_ context.Context, to jid.JID, typ, body string, r msg.Reply, quoteAuthor, quoteText string) (account.Message, error) {
	f.record(fmt.Sprintf("reply %s %s %s %q %q %q", to, r.ID, r.To, quoteAuthor, quoteText, body))
	m := account.Message{ID: "re-" + r.ID, From: f.j, To: to, Type: typ, Body: body, Dir: account.Out, Time: fixedNow(),
		Reply: &r, Quote: "> " + quoteAuthor + " wrote:\n> " + quoteText + "\n"}
	f.emit(m)
	return m, nil
}

// The account implements the UI's interfaces of the references.
var (
	_ ReactAccount    = (*account.Account)(nil)
	_ RetractAccount  = (*account.Account)(nil)
	_ ModerateAccount = (*account.Account)(nil)
	_ ReplyAccount    = (*account.Account)(nil)
	_ CorrectAccount  = (*account.Account)(nil)
)

// messageLines are the texts of w's message lines (no notices: they are
// not stored).
func messageLines(w *window) []string {
	var out []string
	for i := 0; i < w.buf.len(); i++ {
		if e := w.buf.at(i); e.isMessage() {
			out = append(out, e.text)
		}
	}
	return out
}

const roomJID = "dev@conf.example.org"

// gcMsg is a message of the test room from nick, with the room's stanza-id.
func gcMsg(f *fakeAccount, nick, occ, id, sid, body string) account.Message {
	from := jidOf(roomJID + "/" + nick)
	return account.Message{From: from, To: f.j, Type: "groupchat", Nick: nick, OccupantID: occ, ID: id,
		StanzaID: sid, StanzaIDBy: roomJID, Body: body, Time: fixedNow(), Dir: account.In}
}

// roomRefs are the events of a room conversation with every kind of
// reference; spoofs holds those that must be refused.
func roomRefs(f *fakeAccount) (evs, spoofs []account.Message) {
	room := jidOf(roomJID)
	reply := gcMsg(f, "bob", "o-bob", "b2", "s3", "count me in")
	reply.Reply, reply.Quote = &msg.Reply{ID: "s1", To: jidOf(roomJID + "/ann")}, "> ann wrote:\n> lunch tomorow?\n"
	orphan := gcMsg(f, "carol", "o-carol", "c1", "s4", "at the usual place?")
	orphan.Reply, orphan.Quote = &msg.Reply{ID: "s0", To: jidOf(roomJID + "/dan")}, "> dan wrote:\n> who has the keys?\n"
	react := func(nick, occ, id string, emojis ...string) account.Message {
		m := gcMsg(f, nick, occ, id, "", "")
		m.StanzaIDBy = ""
		m.Reactions = &msg.Reactions{ID: "s2", Emojis: emojis}
		return m
	}
	retract := gcMsg(f, "bob", "o-bob", "b4", "", "")
	retract.StanzaIDBy, retract.Retraction = "", &msg.Retraction{ID: "s5", Gen: 1}
	moderate := account.Message{From: room, To: f.j, Type: "groupchat", Time: fixedNow(), Dir: account.In,
		Moderation: &msg.Moderation{ID: "s6", By: roomJID + "/ann", Reason: "spam", Gen: 1}}
	evs = []account.Message{
		gcMsg(f, "ann", "o-ann", "a1", "s1", "lunch tomorow?"),
		func() account.Message {
			m := gcMsg(f, "ann", "o-ann", "a2", "", "lunch tomorrow?")
			m.Replaces = "a1"
			return m
		}(),
		gcMsg(f, "dave", "o-dave", "d1", "s2", "sure, noon"),
		reply, orphan,
		react("ann", "o-ann", "a3", "👍"),
		react("carol", "o-carol", "c2", "👍", "❤"),
		react("ann", "o-ann", "a4", "🎉"), // ann's new set replaces her 👍
		gcMsg(f, "bob", "o-bob", "b3", "s5", "oops wrong room"),
		func() account.Message { // its quote goes with the retraction
			m := gcMsg(f, "carol", "o-carol", "c3", "s7", "which room?")
			m.Reply, m.Quote = &msg.Reply{ID: "s5", To: jidOf(roomJID + "/bob")}, "> bob wrote:\n> oops wrong room\n"
			return m
		}(),
		retract,
		gcMsg(f, "eve", "o-eve", "e1", "s6", "buy cheap watches"),
		moderate,
	}
	spoofRetract := gcMsg(f, "eve", "o-eve", "e2", "", "")
	spoofRetract.StanzaIDBy, spoofRetract.Retraction = "", &msg.Retraction{ID: "s2", Gen: 1}
	spoofModerate := gcMsg(f, "eve", "o-eve", "e3", "", "")
	spoofModerate.StanzaIDBy, spoofModerate.Moderation = "", &msg.Moderation{ID: "s1", By: roomJID + "/eve", Reason: "mine now"}
	return evs, []account.Message{spoofRetract, spoofModerate}
}

func post(h *harness, f *fakeAccount, ms ...account.Message) {
	for _, m := range ms {
		h.post(account.MessageEvent{Base: base(f), Msg: m})
	}
}

// TestRefsRoomScreen is the golden screen of a room with a correction, a
// reply (its quote taken from the window), a reply to a message the window
// lacks (its fallback quote), reactions (a new set replacing the sender's
// old one), a retraction and a moderation; a retraction by another
// occupant and a moderation by an occupant are refused.
func TestRefsRoomScreen(t *testing.T) {
	h, rf := startRoomUI(t, 100, 28, false)
	f := rf.fakeAccount
	w := joinTestRoom(h, rf)
	evs, spoofs := roomRefs(f)
	post(h, f, evs...)
	post(h, f, spoofs...)
	h.screenHas("(removed by moderator ann: spam)")
	got := h.text()
	for _, want := range []string{
		"> ann: lunch tomorrow?", "count me in", "> dan: who has the keys?",
		"🎉 1  👍 1  ❤ 1", "(message retracted)", "> bob: (message retracted)",
		"refused a retraction by eve", "refused a moderation by",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"oops", "watches", "tomorow"} {
		if strings.Contains(got, gone) {
			t.Errorf("screen shows %q:\n%s", gone, got)
		}
	}
	golden(t, "refs_room", got)
	h.on(func() {
		if e := w.buf.lookup("s\x00s2"); e == nil || e.ext == nil || len(e.ext.sets) != 2 {
			t.Errorf("the reacted line keeps each sender's set: %+v", e)
		}
	})
}

// chatRefs are the events of a 1:1 conversation with references: bob
// replies to our message and reacts to it from two devices (one set per
// contact), we react to his, he retracts one by its origin-id.
func chatRefs(f *fakeAccount) []account.Message {
	bob := func(res, id, body string) account.Message {
		return account.Message{From: jidOf("bob@example.org/" + res), To: f.j, Type: "chat", ID: id, OriginID: id,
			Body: body, Time: fixedNow(), Dir: account.In}
	}
	ours := account.Message{From: jidOf("me@example.org/parley"), To: jidOf("bob@example.org"), Type: "chat", ID: "o1",
		OriginID: "o1", Body: "shall we *meet* at noon?", Time: fixedNow(), Dir: account.Out}
	reply := bob("phone", "b2", "yes, at the station")
	reply.Reply, reply.Quote = &msg.Reply{ID: "o1", To: jidOf("me@example.org/parley")}, "> shall we *meet* at noon?\n"
	react := func(m account.Message, id string, emojis ...string) account.Message {
		m.Body, m.Reactions = "", &msg.Reactions{ID: id, Emojis: emojis}
		return m
	}
	mine := react(ours, "b1", "🎉")
	mine.ID = "o2"
	retract := bob("phone", "b5", "")
	retract.Retraction = &msg.Retraction{ID: "b4"}
	return []account.Message{
		bob("phone", "b1", "hello"),
		ours,
		reply,
		react(bob("phone", "b3", ""), "o1", "👍"),
		func() account.Message { // the reply quotes the new text
			m := ours
			m.ID, m.OriginID, m.Replaces, m.Body = "o3", "o3", "o1", "shall we *meet* at one?"
			return m
		}(),
		react(bob("laptop", "b6", ""), "o1", "❤"), // replaces the phone's set: one set per contact
		mine,
		bob("phone", "b4", "wrong chat, sorry"),
		retract,
	}
}

// TestRefsRestart: what a window showed live is what it shows when opened
// from the history files that the same events wrote, in a room and in 1:1
// (the restart rule of issue 11: the window and history.Fold agree).
func TestRefsRestart(t *testing.T) {
	const me = "me@example.org"
	cases := []struct {
		name, conv string
		evs        func(f *fakeAccount) []account.Message
	}{
		{"room", roomJID, func(f *fakeAccount) []account.Message { evs, _ := roomRefs(f); return evs }},
		{"chat", "bob@example.org", chatRefs},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			f := newFake(me)
			live := startHistUI(t, 100, 20, s, f)
			evs := tc.evs(f)
			var w *window
			for _, m := range evs {
				// The order of the real sink: stored, then shown.
				if _, err := s.Append(me, tc.conv, chatlog.Record(m)); err != nil {
					t.Fatal(err)
				}
				post(live, f, m)
			}
			conv := jidOf(tc.conv)
			live.on(func() {
				if tc.name == "room" {
					w = live.u.roomWin(live.u.accts[0], conv)
				} else {
					w = live.u.findWin(live.u.accts[0], conv)
				}
			})
			var shown []string
			live.on(func() { shown = messageLines(w) })

			f2 := newFake(me)
			again := startHistUI(t, 100, 20, s, f2)
			var loaded []string
			again.on(func() {
				a := again.u.accts[0]
				var w2 *window
				if tc.name == "room" {
					w2 = again.u.openRoomWin(a, conv)
				} else {
					w2 = again.u.chatWin(a, conv)
				}
				loaded = messageLines(w2)
				again.u.showWin(w2)
			})
			again.sync(func() {})
			if !reflect.DeepEqual(shown, loaded) {
				t.Errorf("live:\n%s\nfrom the files:\n%s", strings.Join(shown, "\n"), strings.Join(loaded, "\n"))
			}
			if tc.name == "chat" {
				again.screenHas("(message retracted)")
				golden(t, "refs_chat", again.text())
			}
		})
	}
}

// TestRoomModeratorRole: the moderation commands ask for the role.
func TestRoomModeratorRole(t *testing.T) {
	h, rf := startRoomUI(t, 100, 20, false)
	w := joinTestRoom(h, rf)
	h.on(func() {
		if isModerator(w) {
			t.Error("a participant is a moderator")
		}
	})
	h.post(roomChange(rf, nil, muc.RoleChanged{At: muc.At{Room: testRoom}, Nick: "zed", Self: true, Old: muc.RoleParticipant, New: muc.RoleModerator}))
	h.on(func() {
		if !isModerator(w) {
			t.Error("a moderator is not")
		}
	})
}

// TestRetractTarget: a 1:1 retraction names the origin-id, or the id of a
// message that has none; never the id of one that has an origin-id.
func TestRetractTarget(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	bob := func(id, oid, body string) account.Message {
		return account.Message{From: jidOf("bob@example.org/phone"), To: f.j, Type: "chat", ID: id, OriginID: oid,
			Body: body, Time: fixedNow(), Dir: account.In}
	}
	retract := func(id string) account.Message {
		m := bob("x-"+id, "", "")
		m.Retraction = &msg.Retraction{ID: id}
		return m
	}
	post(h, f, bob("a1", "", "no origin-id"), bob("b1", "ob1", "with origin-id"), bob("c1", "oc1", "kept"))
	post(h, f, retract("a1"), retract("ob1"), retract("c1"))
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	h.screenHas("kept")
	var lines []string
	h.on(func() { lines = messageLines(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	if n := countContaining(lines, "(message retracted)"); n != 2 || !strings.Contains(lines[2], "kept") {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
}

// TestArchiveTombstone: an archive's tombstone stands for the message it
// removed (it carries its ids): that line becomes the tombstone, as the
// history stores it (a retraction or moderation); one for a message the
// window lacks adds nothing.
func TestArchiveTombstone(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	orig := msgIn(f, "bob@example.org/phone", "a secret", fixedNow())
	orig.Msg.ID, orig.Msg.OriginID = "t1", "ot1"
	h.post(orig)
	ts := msgIn(f, "bob@example.org/phone", "", fixedNow())
	ts.Msg.ID, ts.Msg.OriginID, ts.Msg.Archived, ts.Msg.Tombstone = "t1", "ot1", true, &msg.Tombstone{}
	lost := ts
	lost.Msg.ID, lost.Msg.OriginID = "t0", ""
	h.post(ts, lost)
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	h.screenHas("bob@example.org: (message retracted)")
	if got := h.text(); strings.Count(got, "(message retracted)") != 1 || strings.Contains(got, "secret") {
		t.Errorf("screen:\n%s", got)
	}
	eve := gcMsg(f, "eve", "", "e1", "s1", "buy watches")
	h.post(account.MessageEvent{Base: base(f), Msg: eve})
	mod := gcMsg(f, "eve", "", "e1", "s1", "")
	mod.Tombstone = &msg.Tombstone{Moderated: true, By: roomJID + "/ann", Reason: "spam"}
	h.post(account.MessageEvent{Base: base(f), Msg: mod})
	h.sync(func() { h.u.showWin(h.u.roomWin(h.u.accts[0], jidOf(roomJID))) })
	h.screenHas("eve: (removed by moderator ann: spam)")
}

// TestRequote: a reply loaded without the message it answers (older than
// the last screenful) shows its author; PgUp brings that message and the
// reply quotes it.
func TestRequote(t *testing.T) {
	s := openStore(t)
	const me, peer = "me@example.org", "bob@example.org"
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	recs := []history.Record{{Time: at(0), Dir: history.In, From: peer + "/phone", Type: "chat", ID: "q1", Body: "where are the *keys*?"}}
	for i := 1; i <= 60; i++ {
		recs = append(recs, history.Record{Time: at(i), Dir: history.In, From: peer + "/phone", Type: "chat", ID: fmt.Sprintf("f%d", i), Body: fmt.Sprintf("filler %d", i)})
	}
	recs = append(recs, history.Record{Time: at(61), Dir: history.Out, From: me + "/parley", Type: "chat", ID: "r1", Body: "in the *drawer*",
		ReplyID: "q1", ReplyTo: peer + "/phone"})
	for _, r := range recs {
		if _, err := s.Append(me, peer, r); err != nil {
			t.Fatal(err)
		}
	}
	f := newFake(me)
	h := startHistUI(t, 100, 12, s, f)
	var w *window
	h.sync(func() {
		w = h.u.chatWin(h.u.accts[0], jidOf(peer))
		h.u.showWin(w)
	})
	h.screenHas("> bob@example.org: …")
	for range 8 {
		h.key(tcell.KeyPgUp, 0, 0)
	}
	h.waitFor("requoted", func() bool {
		e := w.buf.lookup("i\x00r1")
		return e != nil && strings.Contains(e.text, "> bob@example.org: where are the *keys*?\n") && e.ext.quoted
	})
	h.on(func() {
		e := w.buf.lookup("i\x00r1")
		if len(e.spans) == 0 || e.text[e.spans[0].Start:e.spans[0].End] != "*" {
			t.Errorf("the reply's styling moved with its quote: %+v in %q", e.spans, e.text)
		}
	})
}

// TestReactionSendersBounded: ever new nicks reacting to one message do
// not grow its line without bound; a sender already counted still changes
// their set.
func TestReactionSendersBounded(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	post(h, f, gcMsg(f, "ann", "", "a1", "s1", "hi"))
	var evs []account.Event
	for i := range maxReactionSenders + 50 {
		m := gcMsg(f, fmt.Sprintf("n%03d", i), "", "", "", "")
		m.StanzaIDBy, m.Reactions = "", &msg.Reactions{ID: "s1", Emojis: []string{"👍"}}
		evs = append(evs, account.MessageEvent{Base: base(f), Msg: m})
	}
	again := gcMsg(f, "n000", "", "", "", "")
	again.StanzaIDBy, again.Reactions = "", &msg.Reactions{ID: "s1", Emojis: []string{"❤"}}
	evs = append(evs, account.MessageEvent{Base: base(f), Msg: again})
	h.post(evs...)
	h.on(func() {
		e := h.u.roomWin(h.u.accts[0], jidOf(roomJID)).buf.lookup("s\x00s1")
		if n := len(e.ext.sets); n != maxReactionSenders {
			t.Errorf("%d senders kept, want %d", n, maxReactionSenders)
		}
		if want := fmt.Sprintf("❤ 1  👍 %d", maxReactionSenders-1); e.ext.react != want {
			t.Errorf("reactions %q, want %q", e.ext.react, want)
		}
	})
}

// TestMarksAndReactions: the delivered and pending marks go after the
// message's text, before its reactions line, whichever came first; a mark
// appended after that line is put back before it with the next reactions.
func TestMarksAndReactions(t *testing.T) {
	e := composeEntry(fixedNow(), "15:04", lineOwn, "me", []string{"hi"})
	e.ids = []string{"i\x00m1"}
	sets := []history.ReactionSet{{Sender: "j\x00bob@x", Emojis: []string{"👍"}}}
	setReactions(e, sets)
	e.delivered = true
	e.addMark(deliveredMark)
	if want := "12:34 me: hi ✓\n👍 1"; e.text != want {
		t.Fatalf("text %q, want %q", e.text, want)
	}
	if got := e.bodyText(); got != "hi" {
		t.Errorf("body %q", got)
	}
	e.text += " (x)" // a mark added the old way
	setReactions(e, history.SetReactions(sets, "\x00me", []string{"👍"}))
	if want := "12:34 me: hi ✓ (x)\n👍 2*"; e.text != want {
		t.Fatalf("text %q, want %q", e.text, want)
	}
	setReactions(e, nil)
	if want := "12:34 me: hi ✓ (x)"; e.text != want || e.ext.react != "" {
		t.Fatalf("text %q, want %q", e.text, want)
	}
}

// BenchmarkApplyReaction is the cost of a live reaction to the oldest of
// the 10,000 lines a window keeps: the line is found by its id (not by a
// scan) and its reactions line redrawn.
func BenchmarkApplyReaction(b *testing.B) {
	f := newFake("me@example.org")
	h := startUIPrep(b, 100, 30, nil, f)
	evs := make([]account.Event, maxEntries)
	for i := range evs {
		m := gcMsg(f, fmt.Sprintf("n%d", i%50), "", fmt.Sprintf("m%d", i), fmt.Sprintf("s%d", i), fmt.Sprintf("message %d", i))
		evs[i] = account.MessageEvent{Base: base(f), Msg: m}
	}
	h.post(evs...)
	reacts := make([]account.Message, 64)
	for i := range reacts {
		m := gcMsg(f, fmt.Sprintf("r%d", i), "", "", "", "")
		m.StanzaIDBy, m.Reactions = "", &msg.Reactions{ID: "s0", Emojis: []string{"👍", "🎉"}[i%2:]}
		reacts[i] = m
	}
	h.sync(func() {
		a := h.u.accts[0]
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			h.u.applyReference(a, reacts[i%len(reacts)])
		}
	})
}
