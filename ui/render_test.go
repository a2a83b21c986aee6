package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
)

// startRoomHistUI is startRoomUI with a real history store: messages go
// through it first (as chatlog does in parley), so that a window opened by
// a message loads that message from the history.
func startRoomHistUI(t *testing.T, w, h int) (*harness, *roomFake, *history.Store) {
	t.Helper()
	store := openStore(t)
	hs, rf := startRoomUIPrep(t, w, h, func(u *UI) { u.opts.History = store })
	return hs, rf, store
}

// deliver stores m as chatlog would, then posts it.
func deliver(h *harness, store *history.Store, f *fakeAccount, m account.Message) {
	h.t.Helper()
	if _, err := store.Append(f.j.String(), chatlog.Conv(m), chatlog.Record(m)); err != nil {
		h.t.Fatal(err)
	}
	h.post(account.MessageEvent{Base: base(f), Msg: m})
}

// TestHighlights: a message in a 1:1 or private conversation of a window
// not shown is a highlight (!N), also when the window was opened by that
// very message and loaded it from the history; a room message is activity
// (*) unless it names us.
func TestHighlights(t *testing.T) {
	h, f, store := startRoomHistUI(t, 120, 30)
	joinTestRoom(h, f)
	h.sync(func() { h.u.show(0) })
	now := fixedNow()
	deliver(h, store, f.fakeAccount, account.Message{ID: "p1", From: jid.MustParse("dev@conf.example.org/carol"), To: f.j,
		Type: "chat", Body: "psst", Time: now, Dir: account.In, Private: true})
	deliver(h, store, f.fakeAccount, account.Message{ID: "c1", From: jid.MustParse("bob@example.org/x"), To: f.j,
		Type: "chat", Body: "hello", Time: now, Dir: account.In})
	deliver(h, store, f.fakeAccount, account.Message{ID: "r1", From: jid.MustParse("dev@conf.example.org/dave"), To: f.j,
		Type: "groupchat", Nick: "dave", Body: "plain", Time: now, Dir: account.In})
	h.screenHas("[2:dev*] [3:carol/dev!1] [4:bob@example.org!1]")
	deliver(h, store, f.fakeAccount, account.Message{ID: "r2", From: jid.MustParse("dev@conf.example.org/dave"), To: f.j,
		Type: "groupchat", Nick: "dave", Body: "zed: look", Time: now, Dir: account.In})
	h.screenHas("[2:dev!1]")
}

// TestOneRenderer: a message looks the same live and read back from the
// history: our room messages by our nick in our colour, a private
// message's sender by nick.
func TestOneRenderer(t *testing.T) {
	h, f, store := startRoomHistUI(t, 120, 30)
	w := joinTestRoom(h, f)
	now := fixedNow()
	deliver(h, store, f.fakeAccount, account.Message{ID: "o1", From: jid.MustParse("dev@conf.example.org/zed"), To: jid.MustParse("dev@conf.example.org"),
		Type: "groupchat", Nick: "zed", Body: "ours in the room", Time: now, Dir: account.Out})
	deliver(h, store, f.fakeAccount, account.Message{ID: "p1", From: jid.MustParse("dev@conf.example.org/carol"), To: f.j,
		Type: "chat", Body: "a private word", Time: now, Dir: account.In, Private: true})
	deliver(h, store, f.fakeAccount, account.Message{ID: "p2", From: f.j, To: jid.MustParse("dev@conf.example.org/carol"),
		Type: "chat", Nick: "zed", Body: "a private answer", Time: now, Dir: account.Out, Private: true})
	var live []string
	h.on(func() { live = entryTexts(w) })
	pm := func() *window { // on the tview goroutine
		return h.u.findWin(h.u.accts[0], jid.MustParse("dev@conf.example.org/carol"))
	}
	var livePM []string
	h.on(func() { livePM = entryTexts(pm()) })
	for _, want := range []string{"12:34 zed: ours in the room"} {
		if countContaining(live, want) != 1 {
			t.Errorf("live room lacks %q: %q", want, live)
		}
	}
	for _, want := range []string{"12:34 carol: a private word", "12:34 zed: a private answer"} {
		if countContaining(livePM, want) != 1 {
			t.Errorf("live private conversation lacks %q: %q", want, livePM)
		}
	}
	// Read back: close both windows, open them again from the history.
	h.sync(func() {
		for len(h.u.wins) > 1 {
			h.u.closeWin(len(h.u.wins) - 1)
		}
		h.u.reloadTail(h.u.openRoomWin(h.u.accts[0], testRoom))
		h.u.privWin(h.u.accts[0], jid.MustParse("dev@conf.example.org/carol"))
	})
	var back, backPM []string
	h.on(func() {
		back = entryTexts(h.u.roomWin(h.u.accts[0], testRoom))
		backPM = entryTexts(pm())
	})
	if countContaining(back, "12:34 zed: ours in the room") != 1 {
		t.Errorf("room from the history: %q", back)
	}
	if countContaining(backPM, "12:34 carol: a private word") != 1 || countContaining(backPM, "12:34 zed: a private answer") != 1 {
		t.Errorf("private conversation from the history: %q", backPM)
	}
	for _, l := range append(back, backPM...) {
		if strings.Contains(l, "me:") || strings.Contains(l, "dev@conf.example.org/carol:") {
			t.Errorf("line %q names a speaker by the other rule", l)
		}
	}
}

// TestDatesAndOrder: a delayed message from another day is placed in time
// order among the lines shown, shows its date, and a day change gets a
// separator line.
func TestDatesAndOrder(t *testing.T) {
	h, f := chatSetup(t) // now is 2024-05-01 12:34 UTC
	h.sync(func() { h.u.show(1) })
	now := fixedNow()
	h.post(
		msgIn(f, "alice@example.org/laptop", "today, a bit ago", now.Add(-4*time.Minute)),
		msgIn(f, "alice@example.org/laptop", "today, now", now),
	)
	old := msgIn(f, "alice@example.org/laptop", "ten days ago", time.Date(2024, 4, 21, 10, 0, 0, 0, time.UTC))
	old.Msg.Delayed = true
	h.post(old)
	got := strings.Split(h.text(), "\n")
	var convo []string
	for _, l := range got {
		if i := strings.Index(l, "│"); i >= 0 && strings.TrimSpace(l[i+len("│"):]) != "" {
			convo = append(convo, strings.TrimSpace(l[i+len("│"):]))
		}
	}
	want := []string{
		"2024-04-21 10:00 Alice: ten days ago",
		"-- Wednesday 1 May 2024 --",
		"09:00 Alice: one",
		"12:30 Alice: today, a bit ago",
		"12:34 Alice: today, now",
	}
	at := 0
	for _, l := range convo {
		if at < len(want) && l == want[at] {
			at++
		}
	}
	if at != len(want) {
		t.Errorf("conversation pane, want these lines in this order %q:\n%s", want, strings.Join(convo, "\n"))
	}
	// A message from the future goes at the bottom, not past later ones.
	h.post(msgIn(f, "alice@example.org/laptop", "from the future", now.Add(48*time.Hour)))
	h.post(msgIn(f, "alice@example.org/laptop", "after it", now))
	var last []string
	h.on(func() { last = entryTexts(h.u.curWin()) })
	if n := len(last); n < 2 || !strings.HasSuffix(last[n-1], "after it") {
		t.Errorf("a stamp from the future holds the bottom: %q", last)
	}
}

// TestRingInsert: entries go in time order, also in a full ring that has
// wrapped around (the oldest gives way), and day separators follow.
func TestRingInsert(t *testing.T) {
	day := func(d, h int) *entry {
		at := time.Date(2024, 5, d, h, 0, 0, 0, time.UTC)
		return &entry{t: at, key: at, text: at.Format("02/15")}
	}
	r := newRing(5)
	r.days = true
	for h := 1; h <= 7; h++ { // wraps: 3..7 stay
		r.push(day(2, h))
	}
	r.insert(day(2, 5))  // a second 05 goes after the first
	r.insert(day(1, 23)) // older than all kept in a full ring: not kept
	var got []string
	for i := 0; i < r.len(); i++ {
		e := r.at(i)
		s := e.text
		if e.dayHead {
			s = "|" + s
		}
		got = append(got, s)
	}
	if want := "02/05 02/05 02/06 02/07"; strings.Join(got[1:], " ") != want || len(got) != 5 {
		t.Errorf("ring %q", got)
	}
	r2 := newRing(10)
	r2.days = true
	r2.push(day(2, 9))
	r2.insert(day(1, 9))
	r2.push(day(3, 9))
	var heads []bool
	for i := 0; i < r2.len(); i++ {
		heads = append(heads, r2.at(i).dayHead)
	}
	if fmt.Sprint(heads) != "[false true true]" {
		t.Errorf("day separators %v", heads)
	}
}
