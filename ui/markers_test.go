package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/history"
	"parley/msg"
)

// markable is a markable message from bob with id.
func markable(f *fakeAccount, id, body string) account.MessageEvent {
	ev := msgIn(f, "bob@example.org/phone", body, fixedNow())
	ev.Msg.ID, ev.Msg.Markable = id, true
	return ev
}

// ours is a message of ours to bob with id.
func ours(f *fakeAccount, id, body string) account.MessageEvent {
	return account.MessageEvent{Base: base(f), Msg: account.Message{ID: id, From: f.j, To: jidOf("bob@example.org"),
		Type: "chat", Body: body, Time: fixedNow(), Dir: account.Out}}
}

// markerEv is a marker in the conversation with bob: from bob (dir In) or
// from another client of ours (Out, a carbon).
func markerEv(f *fakeAccount, dir account.Direction, k msg.MarkerKind, id string) account.MessageEvent {
	m := account.Message{From: jidOf("bob@example.org/phone"), To: f.j, Type: "chat", Time: fixedNow(), Dir: dir,
		Marker: msg.Marker{Kind: k, ID: id}}
	if dir == account.Out {
		m.From, m.To, m.Carbon = jidOf("me@example.org/phone"), jidOf("bob@example.org"), true
	}
	return account.MessageEvent{Base: base(f), Msg: m}
}

// TestMarkersOut: displayed goes for the newest markable message of the
// other side in view in the window shown, once, while the terminal has the
// focus: without focus events on the next key; with them, at once while
// focused and when the focus comes back. Not for a window not shown, a
// message not markable, or with ReadMarkers off.
func TestMarkersOut(t *testing.T) {
	f := newFake("me@example.org")
	h := startUIPrep(t, 100, 12, func(u *UI) { u.opts.ReadMarkers = true }, f)
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	h.enter("/msg bob@example.org")
	h.curIs(1)
	var want []string
	expect := func(calls ...string) {
		t.Helper()
		want = append(want, calls...)
		h.waitCalls(f, want...)
	}
	mark := func(id string) string { return "marker bob@example.org chat " + id + " displayed" }

	// No focus events yet: the next key says someone is there.
	h.post(markable(f, "m1", "one"))
	h.sync(func() {})
	h.key(tcell.KeyRune, 'x', 0)
	h.inputIs("x")
	expect(mark("m1"))
	h.key(tcell.KeyRune, 'y', 0) // once
	h.inputIs("xy")

	// Focus events: blurred, nothing until the focus is back.
	h.scr.PostEvent(tcell.NewEventFocus(false))
	h.waitFor("blurred", func() bool { return h.u.alerts.blurred.Load() })
	h.post(markable(f, "m2", "two"))
	h.sync(func() {})
	h.key(tcell.KeyRune, 'z', 0) // a key while blurred: the focus says no
	h.inputIs("xyz")
	h.scr.PostEvent(tcell.NewEventFocus(true))
	expect(mark("m2"))
	// Focused: at once; not for a message that is not markable.
	h.post(markable(f, "m3", "three"))
	expect(mark("m3"))
	h.post(msgIn(f, "bob@example.org/phone", "not markable", fixedNow()))
	h.sync(func() {})
	// A window not shown: when it is shown.
	h.sync(func() { h.u.show(0) })
	h.post(markable(f, "m4", "four"))
	h.sync(func() {})
	h.sync(func() { h.u.show(1) })
	expect(mark("m4"))
	// Scrolled up past the newest: older than one marked, nothing.
	h.post(markable(f, "m5", "five"))
	expect(mark("m5"))
	h.sync(func() { h.u.curWin().scroll = 3 })
	h.sync(func() {})
	h.sync(func() { h.u.curWin().scroll = 0 })
	// Two at once: the newest only.
	h.post(markable(f, "m6", "six"), markable(f, "m7", "seven"))
	expect(mark("m7"))
	// Another client of ours displayed m8: not sent again.
	h.sync(func() { h.u.show(0) })
	h.post(markable(f, "m8", "eight"), markerEv(f, account.Out, msg.Displayed, "m8"))
	h.sync(func() { h.u.show(1) })
	h.sync(func() {})
	h.post(markable(f, "m9", "nine"))
	expect(mark("m9"))
	if got := f.callList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// TestMarkersOff: with ReadMarkers off nothing is sent.
func TestMarkersOff(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	h.enter("/msg bob@example.org")
	h.curIs(1)
	h.scr.PostEvent(tcell.NewEventFocus(true))
	h.post(markable(f, "m1", "one"))
	h.typeText("ok")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitCalls(f, "send bob@example.org ok")
}

// TestMarkersIn: displayed from the contact marks our messages up to the
// one it names read (✓✓, where ✓ is the receipt's mark), and a receipt
// after it adds nothing; received counts as a receipt; a marker for a
// message of theirs, or for one we do not have, changes nothing; a
// correction keeps the marks.
func TestMarkersIn(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 14, f)
	h.post(rosterEv(f, item("bob@example.org", "Bob")))
	h.post(ours(f, "o1", "first"), ours(f, "o2", "second"), ours(f, "o3", "third"), ours(f, "o4", "fourth"))
	h.post(account.DeliveryEvent{Base: base(f), Peer: jidOf("bob@example.org"), ID: "o1", Delivered: true})
	h.post(markable(f, "b1", "from bob"))
	h.post(markerEv(f, account.In, msg.Displayed, "o2"),
		markerEv(f, account.In, msg.Displayed, "b1"),
		markerEv(f, account.In, msg.Displayed, "nope"),
		markerEv(f, account.In, msg.Received, "o3"))
	h.post(account.DeliveryEvent{Base: base(f), Peer: jidOf("bob@example.org"), ID: "o2", Delivered: true})
	corr := ours(f, "c1", "second, corrected")
	corr.Msg.Replaces = "o2"
	h.post(corr)
	h.sync(func() { h.u.show(1) })
	w := h.u.wins[1]
	want := []string{
		"12:34 me: first ✓✓",
		"12:34 me: second, corrected (edited) ✓✓",
		"12:34 me: third ✓",
		"12:34 me: fourth",
		"12:34 Bob: from bob",
	}
	if got := h.lines(w); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	h.post(markerEv(f, account.In, msg.Acknowledged, "o4"))
	h.sync(func() {})
	golden(t, "read_marks", h.text())
}

// TestMarkersElsewhere: displayed from another client of ours clears the
// unread count and highlights of the window down to what came after the
// message it names (read on the phone, read here); one for a message the
// window does not hold clears them.
func TestMarkersElsewhere(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 12, f)
	h.post(markable(f, "b1", "one"), markable(f, "b2", "two"), markable(f, "b3", "three"))
	w := h.u.wins[1]
	if u, hi := h.counts(w); u != 3 || hi != 3 {
		t.Fatalf("counts %d/%d, want 3/3", u, hi)
	}
	steps := []struct {
		ev           account.Event
		unread, high int
	}{
		{markerEv(f, account.Out, msg.Received, "b3"), 3, 3}, // received says nothing of reading
		{markerEv(f, account.Out, msg.Displayed, "b2"), 1, 1},
		{markerEv(f, account.Out, msg.Displayed, "b1"), 1, 1}, // older: no more unread
		{markable(f, "b4", "four"), 2, 2},
		{markerEv(f, account.Out, msg.Displayed, "gone"), 0, 0},
	}
	for i, s := range steps {
		h.post(s.ev)
		if u, hi := h.counts(w); u != s.unread || hi != s.high {
			t.Errorf("step %d: counts %d/%d, want %d/%d", i, u, hi, s.unread, s.high)
		}
	}
	if bar := h.barRow(); strings.Contains(bar, "[2:bob@example.org") && strings.ContainsAny(bar, "*!") {
		t.Errorf("window list still marks the window: %q", bar)
	}
}

// TestMarkersFromHistory: a window loaded from history shows the read
// marks the stored markers give (folded by history), on the message named
// and on ours before it, also on a page loaded with PgUp.
func TestMarkersFromHistory(t *testing.T) {
	store := openStore(t)
	const acct, peer = "me@example.org", "bob@example.org"
	add := func(r history.Record) {
		t.Helper()
		if _, err := store.Append(acct, peer, r); err != nil {
			t.Fatal(err)
		}
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	idx := map[string]int{}
	for i := range 60 {
		id := "o" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		idx[id] = i
		add(history.Record{Time: at(i), Dir: history.Out, From: acct + "/parley", Type: "chat", Body: "ours " + id, ID: id})
	}
	add(history.Record{Time: at(60), Dir: history.In, From: peer + "/x", Type: "chat", Kind: history.KindMarker, Ref: "oCc", Body: "displayed"})
	add(history.Record{Time: at(61), Dir: history.Out, From: acct + "/parley", Type: "chat", Body: "after", ID: "after"})
	f := newFake(acct)
	h := startHistUI(t, 100, 20, store, f)
	h.enter("/msg " + peer)
	h.curIs(1)
	w := h.u.curWin()
	check := func(what string) {
		t.Helper()
		n := 0
		for _, l := range h.lines(w) {
			_, rest, ok := strings.Cut(l, "me: ")
			if !ok {
				continue
			}
			n++
			read := strings.HasSuffix(rest, " ✓✓")
			want := rest != "after" && idx[strings.TrimSuffix(strings.TrimPrefix(rest, "ours "), " ✓✓")] <= 54 // up to oCc
			if read != want {
				t.Errorf("%s: %q read %v, want %v", what, l, read, want)
			}
		}
		if n == 0 {
			t.Errorf("%s: no message of ours shown", what)
		}
	}
	check("tail")
	h.key(tcell.KeyPgUp, 0, 0)
	h.key(tcell.KeyPgUp, 0, 0)
	h.waitFor("an older page", func() bool { return w.buf.len() > 45 })
	check("older page")
}

// TestMarkersElsewhereRoom: in a room a marker names the room's
// stanza-id; ours from another client clears what it covers, the
// occupants' own markers change nothing.
func TestMarkersElsewhereRoom(t *testing.T) {
	h, f := startRoomUI(t, 100, 14, false)
	w := joinTestRoom(h, f)
	h.sync(func() { h.u.show(0) })
	sid := func(ev account.MessageEvent, id string) account.MessageEvent {
		ev.Msg.StanzaID, ev.Msg.StanzaIDBy = id, testRoom.String()
		return ev
	}
	h.post(sid(roomMsg(f, "alice", "one", fixedNow()), "s1"), sid(roomMsg(f, "bob", "zed: two", fixedNow()), "s2"),
		sid(roomMsg(f, "carol", "three", fixedNow()), "s3"))
	if u, hi := h.counts(w); u != 3 || hi != 1 {
		t.Fatalf("counts %d/%d, want 3/1", u, hi)
	}
	marker := func(dir account.Direction, nick, id string) account.MessageEvent {
		ev := roomMsg(f, nick, "", fixedNow())
		ev.Msg.Dir, ev.Msg.Marker = dir, msg.Marker{Kind: msg.Displayed, ID: id}
		if dir == account.Out { // the room's reflection of ours
			ev.Msg.To = testRoom
		}
		return ev
	}
	h.post(marker(account.In, "alice", "s3"))
	if u, hi := h.counts(w); u != 3 || hi != 1 {
		t.Errorf("an occupant's marker: counts %d/%d, want 3/1", u, hi)
	}
	h.post(marker(account.Out, "zed", "s1"))
	if u, hi := h.counts(w); u != 2 || hi != 1 {
		t.Errorf("ours for s1: counts %d/%d, want 2/1", u, hi)
	}
	h.post(marker(account.Out, "zed", "s2"))
	if u, hi := h.counts(w); u != 1 || hi != 0 {
		t.Errorf("ours for s2: counts %d/%d, want 1/0", u, hi)
	}
}

// TestMarkersHistoryShown: a message the history says we displayed (a
// marker of ours folded into it) gets no marker again when it also comes
// live (the archive's copy after a restart).
func TestMarkersHistoryShown(t *testing.T) {
	store := openStore(t)
	const acct, peer = "me@example.org", "bob@example.org"
	for _, r := range []history.Record{
		{Time: t0, Dir: history.In, From: peer + "/x", Type: "chat", Body: "seen", ID: "b1"},
		{Time: t0.Add(time.Minute), Dir: history.Out, From: acct + "/phone", Type: "chat", Kind: history.KindMarker, Ref: "b1", Body: "displayed"},
	} {
		if _, err := store.Append(acct, peer, r); err != nil {
			t.Fatal(err)
		}
	}
	f := newFake(acct)
	h := startHistUI(t, 100, 20, store, f)
	h.sync(func() { h.u.opts.ReadMarkers = true })
	h.post(account.StateEvent{Base: base(f), State: account.Online})
	h.enter("/msg " + peer)
	h.curIs(1)
	h.scr.PostEvent(tcell.NewEventFocus(true))
	h.waitFor("focus", func() bool { return h.u.alerts.focusKnown.Load() })
	again := msgIn(f, peer+"/x", "seen", t0)
	again.Msg.ID, again.Msg.Markable, again.Msg.Archived = "b1", true, true
	h.post(again)
	h.sync(func() {})
	h.post(markable(f, "b2", "new"))
	h.waitCalls(f, "marker bob@example.org chat b2 displayed")
}
