package ui

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
)

// rosterUI is a UI (not running: the test goroutine owns its state) with
// one account and a roster of n contacts: in groups "G0".."G2", every
// seventh in two groups, every eleventh in none, names in mixed case.
func rosterUI(tb testing.TB, n int) (*UI, *fakeAccount) {
	tb.Helper()
	f := newFake("me@example.org")
	u := New(Options{Screen: tcell.NewSimulationScreen("UTF-8"), Accounts: []Account{f}})
	u.now, u.loc = fixedNow, time.UTC
	items := make([]account.RosterItem, n)
	for i := range items {
		it := account.RosterItem{
			JID:          jid.MustParse(fmt.Sprintf("c%04d@example.org", i)),
			Name:         fmt.Sprintf("%contact %d", "Cc"[i%2], (i*7919)%n),
			Subscription: "both",
		}
		switch {
		case i%11 == 0:
		case i%7 == 0:
			it.Groups = []string{fmt.Sprintf("G%d", i%3), "Both"}
		default:
			it.Groups = []string{fmt.Sprintf("G%d", i%3)}
		}
		items[i] = it
	}
	u.apply(account.RosterEvent{Base: account.Base{Account: f.j}, Full: true, Items: items})
	return u, f
}

// freshRows returns the rows a full rebuild computes now, leaving the view
// as it was.
func freshRows(u *UI) []rosterRow {
	r := u.roster
	saved, sel, n := append([]rosterRow(nil), r.rows...), r.sel, r.rebuilds
	r.rows = nil
	r.rebuild()
	fresh := r.rows
	r.rows, r.sel, r.rebuilds = saved, sel, n
	r.reindex(r.selKey())
	return fresh
}

// TestRosterIncremental checks that unread and presence changes, applied
// as touches without a rebuild, leave the same rows and selection as a
// rebuild would, for a seeded random sequence of events.
func TestRosterIncremental(t *testing.T) {
	const n = 300
	u, f := rosterUI(t, n)
	base := account.Base{Account: f.j}
	contact := func(i int) jid.JID { return jid.MustParse(fmt.Sprintf("c%04d@example.org", i)) }
	for i := 0; i < 20; i++ { // windows whose unread counts change
		u.chatWin(u.accts[0], contact(i*13))
	}
	room := jid.MustParse("room@muc.example.org")
	u.openRoomWin(u.accts[0], room)
	u.roster.sync()
	u.roster.sel = 5
	u.roster.move(1)
	rebuilds := u.roster.rebuilds
	rng := rand.New(rand.NewPCG(1, 2))
	shows := []account.Show{account.ShowOnline, account.ShowAway, account.ShowDND, account.ShowXA, account.ShowChat}
	for step := 0; step < 2000; step++ {
		switch k := rng.IntN(10); {
		case k < 5: // presence of a random contact, resource a or b
			from := contact(rng.IntN(n)).String() + "/" + string(rune('a'+rng.IntN(2)))
			u.apply(account.PresenceEvent{Base: base, From: jid.MustParse(from),
				Available: rng.IntN(3) > 0, Show: shows[rng.IntN(len(shows))], Priority: int8(rng.IntN(3))})
		case k < 8: // a message in one of the open windows
			u.apply(account.MessageEvent{Base: base, Msg: account.Message{
				From: contact(rng.IntN(20) * 13), To: f.j, Type: "chat", Dir: account.In,
				Time: fixedNow(), Body: fmt.Sprintf("m%d", step)}})
		case k < 9: // a room message (unread count of the room row)
			w := u.roomWin(u.accts[0], room)
			u.add(w, composeEntry(fixedNow(), "15:04", lineMsg, "x", []string{"hi"}), true)
		default: // switch windows: the shown one has no unread count
			u.show(rng.IntN(len(u.wins)))
		}
		if rng.IntN(4) > 0 {
			continue // several events per frame
		}
		selKey := u.roster.selKey()
		u.roster.sync()
		if got := u.roster.selKey(); got != selKey {
			t.Fatalf("step %d: selection moved from %v to %v", step, selKey, got)
		}
		want := freshRows(u)
		if !reflect.DeepEqual(u.roster.rows, want) {
			for i := range want {
				if i >= len(u.roster.rows) || !reflect.DeepEqual(u.roster.rows[i], want[i]) {
					t.Fatalf("step %d: row %d differs:\n got %+v\nwant %+v", step, i, u.roster.rows[i], want[i])
				}
			}
			t.Fatalf("step %d: %d rows, want %d", step, len(u.roster.rows), len(want))
		}
	}
	if u.roster.rebuilds != rebuilds {
		t.Errorf("%d rebuilds for unread and presence changes, want none", u.roster.rebuilds-rebuilds)
	}
}

// TestRosterTouchBurst checks that a burst of more than maxTouched changes
// (presence at login) costs one rebuild and gives the same rows.
func TestRosterTouchBurst(t *testing.T) {
	u, f := rosterUI(t, 200)
	u.roster.sync()
	rebuilds := u.roster.rebuilds
	for i := 0; i < 150; i++ {
		u.apply(account.PresenceEvent{Base: account.Base{Account: f.j},
			From: jid.MustParse(fmt.Sprintf("c%04d@example.org/r", i)), Available: true})
	}
	u.roster.sync()
	if got := u.roster.rebuilds - rebuilds; got != 1 {
		t.Errorf("%d rebuilds for a burst, want 1", got)
	}
	if !reflect.DeepEqual(u.roster.rows, freshRows(u)) {
		t.Error("rows after the burst differ from a rebuild")
	}
	online := 0
	for _, row := range u.roster.rows {
		if row.online {
			online++
		}
	}
	if online < 150 {
		t.Errorf("%d online rows, want at least 150", online)
	}
}

// BenchmarkRosterUnread is the roster's share of a frame when a message
// changes one unread count, with 2,000 contacts: touch, sync and drawing
// the visible rows.
func BenchmarkRosterUnread(b *testing.B) {
	u, _ := rosterUI(b, 2000)
	scr := u.opts.Screen
	scr.Init()
	scr.SetSize(120, 40)
	u.roster.SetRect(0, 0, 28, 38)
	w := u.chatWin(u.accts[0], jid.MustParse("c0005@example.org"))
	u.roster.Draw(scr)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.unread++
		u.roster.touch(w.acct, w.peer)
		u.roster.Draw(scr)
	}
}

// BenchmarkRosterRebuild is a full rebuild of 2,000 contacts (a roster
// change), for comparison.
func BenchmarkRosterRebuild(b *testing.B) {
	u, _ := rosterUI(b, 2000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		u.roster.rebuild()
	}
}

// TestPresenceResourcesBounded: a contact claiming ever new resources
// keeps at most maxResources of them; their presence still updates.
func TestPresenceResourcesBounded(t *testing.T) {
	u, f := rosterUI(t, 2)
	for i := 0; i < 5000; i++ {
		u.apply(account.PresenceEvent{Base: account.Base{Account: f.j},
			From: jid.MustParse(fmt.Sprintf("c0000@example.org/r%d", i)), Available: true})
	}
	a := u.accts[0]
	if n := len(a.pres["c0000@example.org"]); n != maxResources {
		t.Fatalf("%d resources kept, want %d", n, maxResources)
	}
	u.apply(account.PresenceEvent{Base: account.Base{Account: f.j},
		From: jid.MustParse("c0000@example.org/r1"), Available: true, Show: account.ShowDND})
	if r := a.pres["c0000@example.org"]["r1"]; r == nil || r.show != account.ShowDND {
		t.Errorf("a kept resource no longer updates: %+v", r)
	}
}
