package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestEvQueueOrder: events reach the sink in the order they were put, none
// lost, also when many more than maxQueued are put while the sink is stuck
// (the puts wait) and from several goroutines one after another.
func TestEvQueueOrder(t *testing.T) {
	for _, n := range []int{1, maxQueued - 1, maxQueued, 3*maxQueued + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var mu sync.Mutex
			var got []int
			stuck := make(chan struct{})
			q := newEvQueue(func(e Event) {
				<-stuck
				mu.Lock()
				got = append(got, len(e.(InfoEvent).Text))
				mu.Unlock()
			})
			done := make(chan struct{})
			go func() {
				for i := range n {
					q.put(InfoEvent{Text: strings.Repeat("x", i)})
				}
				close(done)
			}()
			close(stuck)
			<-done
			if err := q.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d events delivered, want %d", len(got), n)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("event %d is %d", i, v)
				}
			}
		})
	}
}

// TestIntegrationSlowSink: while the sink is stuck on a message (what the
// history does when the first message of a conversation builds its dedup
// index over a million records), the session still reads: an IQ ping from
// the peer is answered, and the messages behind it are delivered, in
// order, once the sink goes on. Nothing waits under mellium's input lock.
func TestIntegrationSlowSink(t *testing.T) { servertest.Each(t, testIntegrationSlowSink) }

func testIntegrationSlowSink(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	rec := newRecorder()
	stuck, entered := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sink := func(e Event) {
		if me, ok := e.(MessageEvent); ok && me.Msg.Dir == In && me.Msg.Body == "first" {
			close(entered)
			<-stuck // the index build
		}
		rec.sink(e)
	}
	a := New(testConfig(s, alice, "pw", "parley"), sink)
	go a.Run(context.Background())
	t.Cleanup(func() {
		once.Do(func() { close(stuck) })
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		a.Close(ctx)
	})
	r := &running{Account: a, rec: rec}
	r.waitState(t, Online)
	peer := servertest.StartPeer(t, s, bob, "pw")
	// Once this one is through, the login's archive catch-up is over and
	// live messages go from the handler straight to the queue.
	peer.SendMessage(alice.String()+"/parley", "warm-up")
	rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Body == "warm-up"
	})

	peer.SendMessage(alice.String()+"/parley", "first")
	select {
	case <-entered: // the sink is stuck on it: now the ping
	case <-time.After(waitLong):
		t.Fatal("the first message did not reach the sink")
	}
	peer.SendRaw(`<iq type="get" id="ping-under-load" to="` + alice.String() + `/parley"><ping xmlns="urn:xmpp:ping"/></iq>`)
	for i := range 20 {
		peer.SendMessage(alice.String()+"/parley", fmt.Sprint("behind ", i))
	}
	res := peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "iq" && e.ID == "ping-under-load" })
	if res.Type != "result" {
		t.Fatalf("ping answered with %s", res)
	}
	for _, e := range rec.all() {
		if me, ok := e.(MessageEvent); ok && me.Msg.Dir == In && me.Msg.Body != "warm-up" {
			t.Fatalf("a message passed the stuck sink: %+v", me.Msg)
		}
	}
	once.Do(func() { close(stuck) })
	rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Body == "behind 19"
	})
	var bodies []string
	for _, e := range rec.all() {
		if me, ok := e.(MessageEvent); ok && me.Msg.Dir == In && me.Msg.Body != "warm-up" {
			bodies = append(bodies, me.Msg.Body)
		}
	}
	if len(bodies) != 21 || bodies[0] != "first" {
		t.Fatalf("delivered %q", bodies)
	}
	for i, b := range bodies[1:] {
		if b != fmt.Sprint("behind ", i) {
			t.Fatalf("delivered %q", bodies)
		}
	}
}

// TestDiscoFeatures: the account announces its payload registry's features
// (receipts among them, which it used to miss) and its own, each once.
func TestDiscoFeatures(t *testing.T) {
	a := New(Config{JID: testAccount, OMEMODir: t.TempDir()}, nil)
	for _, want := range append(a.reg.Features(), ownFeatures[:]...) {
		if !slices.Contains(a.features, want) {
			t.Errorf("disco lacks %s: %q", want, a.features)
		}
	}
	// Without OMEMO the device-list interest is left out.
	if plain := New(Config{JID: testAccount}, nil); slices.Contains(plain.features, nsOMEMO+".devicelist+notify") {
		t.Errorf("an account without OMEMO announces device-list notifications: %q", plain.features)
	}
	for _, f := range []string{
		"urn:xmpp:bookmarks:1+notify", "http://jabber.org/protocol/caps",
		"urn:xmpp:receipts", "urn:xmpp:reactions:0", "urn:xmpp:message-retract:0", "urn:xmpp:message-retract:1",
		"urn:xmpp:reply:0", "http://jabber.org/protocol/chatstates", "urn:xmpp:chat-markers:0",
		"urn:xmpp:message-moderate:0", "urn:xmpp:message-moderate:1", "urn:xmpp:message-correct:0",
	} {
		if !slices.Contains(a.features, f) {
			t.Errorf("disco lacks %s: %q", f, a.features)
		}
	}
	if !slices.IsSorted(a.features) || len(slices.Compact(slices.Clone(a.features))) != len(a.features) {
		t.Errorf("features not sorted and unique: %q", a.features)
	}
}
