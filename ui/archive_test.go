package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
)

// archiveFake is a fake account with a server archive of older pages,
// keyed by the archive id they come before.
type archiveFake struct {
	*fakeAccount
	mu       sync.Mutex
	calls    []string
	pages    map[string][]account.Message
	complete map[string]bool
}

func (f *archiveFake) FetchOlder(_ context.Context, peer jid.JID, before string, n int) ([]account.Message, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, peer.String()+" before "+before)
	return f.pages[before], f.complete[before], nil
}

func archived(me, peer string, i int) account.Message {
	return account.Message{ID: fmt.Sprintf("o%d", i), From: jid.MustParse(peer + "/x"), To: jid.MustParse(me), Type: "chat",
		Body: fmt.Sprintf("old %02d", i), Time: t0.Add(time.Duration(i) * time.Minute), Dir: account.In, Archived: true,
		StanzaID: fmt.Sprintf("S%d", i), StanzaIDBy: me}
}

func TestArchiveOlderPages(t *testing.T) {
	const me, alice = "me@example.org", "alice@example.org"
	store := openStore(t)
	for i := 10; i < 15; i++ {
		m := archived(me, alice, i)
		if _, err := store.Append(me, alice, history.Record{Time: m.Time, Dir: history.In, From: m.From.String(), Type: "chat",
			Body: fmt.Sprintf("msg %02d", i), ID: m.ID, StanzaID: m.StanzaID, StanzaBy: me}); err != nil {
			t.Fatal(err)
		}
	}
	f := &archiveFake{fakeAccount: newFake(me),
		pages: map[string][]account.Message{
			"S10": {archived(me, alice, 5), archived(me, alice, 6), archived(me, alice, 7), archived(me, alice, 8), archived(me, alice, 9)},
			"S5":  {archived(me, alice, 3), archived(me, alice, 4)},
		},
		complete: map[string]bool{"S5": true},
	}
	scr := tcell.NewSimulationScreen("UTF-8")
	u := New(Options{Screen: scr, Accounts: []Account{f}, RosterWidth: 26, History: store})
	u.now, u.loc = fixedNow, time.UTC
	f.post = u.Post
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, u: u, scr: scr, fakes: []*fakeAccount{f.fakeAccount}, done: make(chan error, 1), stop: cancel}
	go func() { h.done <- u.Run(ctx) }()
	h.sync(func() { scr.SetSize(100, 20) })
	t.Cleanup(h.close)

	h.post(account.StateEvent{Base: account.Base{Account: jid.MustParse(me)}, State: account.Online})
	h.run("msg " + alice)
	h.screenHas("msg 14")
	for range 10 {
		h.key(tcell.KeyPgUp, 0, 0)
		time.Sleep(20 * time.Millisecond)
		h.settle()
		if h.winHasNow("beginning of the history") {
			break
		}
	}
	h.winHas("beginning of the history")
	var lines []string
	h.sync(func() {
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			lines = append(lines, w.buf.at(i).text)
		}
	})
	var want []string
	want = append(want, "-- beginning of the history --")
	for i := 3; i < 10; i++ {
		want = append(want, fmt.Sprintf("old %02d", i))
	}
	for i := 10; i < 15; i++ {
		want = append(want, fmt.Sprintf("msg %02d", i))
	}
	if len(lines) != len(want) {
		t.Fatalf("window lines %q, want %q", lines, want)
	}
	for i := range want {
		if !strings.Contains(lines[i], want[i]) {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	f.mu.Lock()
	calls := slices.Clone(f.calls)
	f.mu.Unlock()
	if wantCalls := []string{alice + " before S10", alice + " before S5"}; !slices.Equal(calls, wantCalls) {
		t.Errorf("FetchOlder calls %q, want %q", calls, wantCalls)
	}
	recs, _, err := store.Tail(me, alice, 100)
	if err != nil || len(recs) != 12 || recs[0].Body != "old 03" || recs[11].Body != "msg 14" {
		t.Errorf("store holds %d records (%v), first %+v", len(recs), err, recs[0])
	}
}

// winHasNow reports whether a line of the current window contains s.
func (h *harness) winHasNow(s string) bool {
	found := false
	h.sync(func() {
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			if strings.Contains(w.buf.at(i).text, s) {
				found = true
			}
		}
	})
	return found
}
