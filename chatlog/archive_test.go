package chatlog

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
)

const waitLong = 20 * time.Second

// seen collects the events a Recorder forwards (what the UI would get).
type seen struct {
	mu     sync.Mutex
	events []account.Event
}

func (s *seen) sink(e account.Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

// bodies are the bodies of the forwarded messages with peer, in order.
func (s *seen) bodies(peer jid.JID) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		if me, ok := e.(account.MessageEvent); ok && me.Msg.Peer().Equal(peer) {
			out = append(out, me.Msg.Body)
		}
	}
	return out
}

func (s *seen) waitBody(t *testing.T, peer jid.JID, body string) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		if slices.Contains(s.bodies(peer), body) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%q never forwarded; got %q", body, s.bodies(peer))
}

// session runs an account until stopped.
type session struct {
	*account.Account
	done chan error
}

func runAccount(t *testing.T, s *servertest.Server, j jid.JID, res string, anchor account.AnchorFunc, sink account.Sink) *session {
	t.Helper()
	online := make(chan struct{})
	var once sync.Once
	cfg := account.Config{
		JID:      j,
		Password: func(context.Context) (string, error) { return "pw", nil },
		Host:     s.Host, Port: s.Port, CAFile: s.CAFile,
		Resource: res, Priority: 1, Anchor: anchor,
	}
	a := account.New(cfg, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State == account.Online {
			once.Do(func() { close(online) })
		}
		sink(e)
	})
	ss := &session{Account: a, done: make(chan error, 1)}
	go func() { ss.done <- a.Run(context.Background()) }()
	t.Cleanup(func() { ss.stop(t) })
	select {
	case <-online:
	case err := <-ss.done:
		t.Fatalf("%s/%s: Run returned %v", j, res, err)
	case <-time.After(waitLong):
		t.Fatalf("%s/%s not online", j, res)
	}
	return ss
}

func (ss *session) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ss.Close(ctx)
}

func historyBodies(t *testing.T, store *history.Store, acct, peer jid.JID) []string {
	t.Helper()
	recs, _, err := store.Tail(acct.String(), peer.String(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Body)
	}
	return out
}

func numbered(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("m%d", i))
	}
	return out
}

// TestIntegrationArchiveSync checks, against Prosody with carbons and MAM,
// that every message (received live, as a carbon, while offline; sent here
// and by our other client) is stored exactly once and in order across
// logins that catch up from the archive, including a catch-up that fetches
// everything again; and that older pages fetched backwards land before
// everything else.
func TestIntegrationArchiveSync(t *testing.T) {
	s := servertest.Start(t, servertest.Prosody)
	me := s.AddUser(t, "me", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	bob := servertest.StartPeer(t, s, bobJID, "pw")
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ui := &seen{}
	rec := New(store, ui.sink)
	ctx := context.Background()

	// While we are offline.
	bob.SendMessage(me.String(), "m1")
	bob.SendMessage(me.String(), "m2")
	time.Sleep(300 * time.Millisecond) // archived before we log in

	one := runAccount(t, s, me, "one", rec.Anchor(me), rec.Sink)
	ui.waitBody(t, bobJID, "m2")
	otherSeen := &seen{}
	other := runAccount(t, s, me, "two", nil, otherSeen.sink) // our other client

	otherFull := me.String() + "/two"
	bob.SendMessage(otherFull, "m3") // reaches "one" as a received carbon
	ui.waitBody(t, bobJID, "m3")
	if _, err := other.SendMessage(ctx, bobJID, "chat", "m4"); err != nil { // a sent carbon
		t.Fatal(err)
	}
	ui.waitBody(t, bobJID, "m4")
	bob.SendMessage(me.String(), "m5") // live
	ui.waitBody(t, bobJID, "m5")
	if _, err := one.SendMessage(ctx, bobJID, "chat", "m6"); err != nil { // ours, archived after
		t.Fatal(err)
	}
	bob.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "m6" })
	one.stop(t)

	// Offline again: bob writes, our other client writes.
	bob.SendMessage(me.String(), "m7")
	bob.SendMessage(me.String(), "m8")
	otherSeen.waitBody(t, bobJID, "m8") // the peer sends asynchronously: keep the order
	if _, err := other.SendMessage(ctx, bobJID, "chat", "m9"); err != nil {
		t.Fatal(err)
	}
	bob.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "m9" })

	// Catch up after the anchor.
	one = runAccount(t, s, me, "one", rec.Anchor(me), rec.Sink)
	bob.SendMessage(me.String(), "m10") // live, held until the catch-up ends
	ui.waitBody(t, bobJID, "m10")
	one.stop(t)
	if got, want := historyBodies(t, store, me, bobJID), numbered(1, 10); !slices.Equal(got, want) {
		t.Errorf("history after catch-up = %q, want %q", got, want)
	}

	// A catch-up without anchor fetches the newest page again: all
	// duplicates (live, carbon, sent-here and archive copies) are dropped.
	one = runAccount(t, s, me, "one", func(jid.JID) (string, error) { return "", nil }, rec.Sink)
	bob.SendMessage(me.String(), "m11")
	ui.waitBody(t, bobJID, "m11")
	if got, want := historyBodies(t, store, me, bobJID), numbered(1, 11); !slices.Equal(got, want) {
		t.Errorf("history after a full refetch = %q, want %q", got, want)
	}
	if got, want := ui.bodies(bobJID), numbered(1, 11); !slices.Equal(got, want) {
		t.Errorf("forwarded to the UI = %q, want %q", got, want)
	}
	// Our own m6 learnt its archive id (a link record): the anchor is now m11's.
	anchor, err := rec.Anchor(me)(me)
	if err != nil || anchor == "" {
		t.Fatalf("anchor %q, %v", anchor, err)
	}

	t.Run("older pages", func(t *testing.T) {
		fresh, err := history.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		before := ""
		var pages []int
		for range 10 {
			if before == "" && len(pages) > 0 {
				t.Fatal("no archive id to page from")
			}
			msgs, complete, err := one.FetchOlder(ctx, bobJID, before, 4)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := StoreOlder(fresh, me, bobJID.String(), msgs); err != nil {
				t.Fatal(err)
			}
			pages = append(pages, len(msgs))
			if complete {
				break
			}
			if before, err = fresh.OldestArchiveID(me.String(), bobJID.String(), me.String()); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := historyBodies(t, fresh, me, bobJID), numbered(1, 11); !slices.Equal(got, want) {
			t.Errorf("history from older pages = %q (pages %v), want %q", got, pages, want)
		}
		if got := ui.bodies(bobJID); !slices.Equal(got, numbered(1, 11)) {
			t.Errorf("FetchOlder emitted messages: the UI got %q", got)
		}
		t.Logf("page sizes %v", pages)
	})
}
