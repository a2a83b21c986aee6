package account

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

// reset forgets the events so far.
func (r *recorder) reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// states returns the sequence of states reported so far.
func (r *recorder) states() []State {
	var out []State
	for _, e := range r.all() {
		if se, ok := e.(StateEvent); ok {
			out = append(out, se.State)
		}
	}
	return out
}

// waitNext waits for a StateEvent other than skip and returns it.
func (r *running) waitNext(t *testing.T, skip ...State) StateEvent {
	t.Helper()
	return r.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(StateEvent)
		if !ok {
			return false
		}
		for _, s := range skip {
			if se.State == s {
				return false
			}
		}
		return true
	}).(StateEvent)
}

func TestBackoff(t *testing.T) {
	top := func(k int64) int64 { return k - 1 } // the largest delay the jitter can pick
	low := func(int64) int64 { return 0 }
	tests := []struct {
		n    int
		rnd  func(int64) int64
		want time.Duration
	}{
		{1, top, time.Second - 1},
		{2, top, 2*time.Second - 1},
		{4, top, 8*time.Second - 1},
		{7, top, 60*time.Second - 1}, // 64 s capped at 60 s
		{100, top, 60*time.Second - 1},
		{1, low, backoffFloor},
		{30, low, backoffFloor},
	}
	for _, tc := range tests {
		if got := backoff(tc.n, time.Second, 60*time.Second, tc.rnd); got != tc.want {
			t.Errorf("backoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestNextDelay(t *testing.T) {
	a := New(Config{JID: jid.MustParse("a@example.org")}, nil)
	for i := 1; i <= 8; i++ {
		d, n := a.nextDelay()
		limit := time.Second << (i - 1)
		if limit > backoffCap {
			limit = backoffCap
		}
		if n != i || d < backoffFloor || d >= limit {
			t.Fatalf("attempt %d: %v (n=%d), want below %v", i, d, n, limit)
		}
	}
	// Reconnect: at once, and the count starts over.
	a.mu.Lock()
	a.rc.now = true
	a.mu.Unlock()
	if d, n := a.nextDelay(); d != 0 || n != 1 {
		t.Errorf("after Reconnect: %v (n=%d)", d, n)
	}
	// A connection that stayed online long enough resets the count.
	a.mu.Lock()
	a.rc.attempt, a.rc.onlineAt = 6, time.Now().Add(-2*stableAfter)
	a.mu.Unlock()
	if _, n := a.nextDelay(); n != 1 {
		t.Errorf("after a stable connection: attempt %d", n)
	}
}

// proxyConfig is testConfig through the proxy px.
func proxyConfig(t *testing.T, s *servertest.Server, px *servertest.Proxy, j jid.JID, pass, resource string) Config {
	t.Helper()
	host, port, err := net.SplitHostPort(px.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c := testConfig(s, j, pass, resource)
	c.Host = host
	c.Port, _ = strconv.Atoi(port)
	return c
}

func TestIntegrationReconnect(t *testing.T) { servertest.Each(t, testIntegrationReconnect) }

func testIntegrationReconnect(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithSMTimeout(60*time.Second))
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	px := s.Proxy(t)
	cfg := proxyConfig(t, s, px, alice, "pw", "parley")
	cfg.Keepalive = 4 * time.Second
	r := start(t, cfg)
	r.waitState(t, Online)
	r.mu.Lock()
	r.rc.base = 200 * time.Millisecond // short backoff
	r.mu.Unlock()
	peer := servertest.StartPeer(t, s, bob, "pw")
	ctx := context.Background()

	t.Run("Connect while online says so", func(t *testing.T) {
		if err := r.Connect(); !errors.Is(err, ErrAlreadyOnline) {
			t.Fatalf("Connect while online: %v, want ErrAlreadyOnline", err)
		}
	})

	t.Run("cut resumes the stream", func(t *testing.T) {
		r.rec.reset()
		px.Cut()
		st := r.waitNext(t, Online)
		if st.State != Reconnecting || !strings.Contains(st.Text, "connection lost") ||
			!strings.Contains(st.Cause, "connection lost") || strings.Contains(st.Cause, "reconnecting") {
			t.Fatalf("after a cut: %v %q", st.State, st.Text)
		}
		on := r.waitNext(t, Reconnecting, Connecting)
		if on.State != Online || !strings.Contains(on.Text, "(stream resumed)") || !on.Resumed {
			t.Fatalf("after the cut: %v %q resumed %v", on.State, on.Text, on.Resumed)
		}
		t.Logf("states %v; %s", r.rec.states(), st.Text)
	})

	t.Run("hung link found by the keepalive", func(t *testing.T) {
		r.rec.reset()
		px.Pause()
		st := r.waitNext(t, Online)
		px.Resume()
		if st.State != Reconnecting || !strings.Contains(st.Text, "no answer from the server within 4s") {
			t.Fatalf("hung link: %v %q", st.State, st.Text)
		}
		on := r.waitNext(t, Reconnecting, Connecting)
		if on.State != Online {
			t.Fatalf("after the hang: %v %q", on.State, on.Text)
		}
		t.Logf("states %v; %s; %s", r.rec.states(), st.Text, on.Text)
	})

	t.Run("a failed read on a live link keeps the stream resumable", func(t *testing.T) {
		// As after a suspend longer than the keepalive: the probe's read
		// deadline has passed when the process runs again, the blocked
		// read fails at once, the link itself is fine. Writing
		// </stream:stream> on it would end the session on the server.
		r.rec.reset()
		r.mu.Lock()
		conn := r.conn
		r.mu.Unlock()
		_ = conn.SetReadDeadline(time.Now().Add(-time.Second))
		if st := r.waitNext(t, Online); st.State != Reconnecting {
			t.Fatalf("after the failed read: %v %q", st.State, st.Text)
		}
		if on := r.waitNext(t, Reconnecting, Connecting); on.State != Online || !strings.Contains(on.Text, "(stream resumed)") {
			t.Fatalf("after the failed read: %v %q, want the stream resumed", on.State, on.Text)
		}
	})

	t.Run("Reconnect drops and resumes", func(t *testing.T) {
		r.rec.reset()
		r.Reconnect()
		st := r.waitNext(t, Online)
		if st.State != Reconnecting || !strings.Contains(st.Text, "reconnecting now") {
			t.Fatalf("Reconnect: %v %q", st.State, st.Text)
		}
		if on := r.waitNext(t, Reconnecting, Connecting); on.State != Online || !strings.Contains(on.Text, "resumed") || !on.Resumed {
			t.Fatalf("after Reconnect: %v %q resumed %v", on.State, on.Text, on.Resumed)
		}
	})

	t.Run("outbox while disconnected", func(t *testing.T) {
		dctx, cancel := context.WithTimeout(ctx, waitLong)
		defer cancel()
		if err := r.Disconnect(dctx); err != nil {
			t.Fatal(err)
		}
		if r.State() != Disconnected {
			t.Fatalf("state %v after Disconnect", r.State())
		}
		r.rec.reset()
		var ids []string
		for _, body := range []string{"queued-1", "queued-2", "queued-3"} {
			m, err := r.SendMessage(ctx, bob, "chat", body)
			if err != nil || !m.Pending {
				t.Fatalf("offline send: %+v %v", m, err)
			}
			ids = append(ids, m.ID)
		}
		time.Sleep(500 * time.Millisecond)
		if r.State() != Disconnected {
			t.Fatalf("reconnected by itself after Disconnect: %v", r.rec.states())
		}
		if err := r.Connect(); err != nil {
			t.Fatalf("Connect after Disconnect: %v", err)
		}
		on := r.waitNext(t, Disconnected, Connecting)
		if on.State != Online || strings.Contains(on.Text, "resumed") || on.Resumed {
			t.Fatalf("after Connect: %v %q resumed %v, want a fresh session", on.State, on.Text, on.Resumed)
		}
		// A fresh session's presence (here the server's copy of our own)
		// comes after its Online event: the UI starts presence from
		// nothing there and must lose none of it.
		r.rec.wait(t, waitLong, func(e Event) bool {
			pe, ok := e.(PresenceEvent)
			return ok && pe.Available && pe.From.Bare().Equal(alice)
		})
		online := false
		for _, e := range r.rec.all() {
			switch e := e.(type) {
			case StateEvent:
				online = e.State == Online
			case PresenceEvent:
				if !online {
					t.Errorf("presence from %s before the fresh session's Online event", e.From)
				}
			}
		}
		for _, id := range ids {
			r.rec.wait(t, waitLong, func(e Event) bool {
				de, ok := e.(DeliveryEvent)
				return ok && de.ID == id && de.Sent && de.Peer.Equal(bob)
			})
		}
		peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "queued-3" })
		// Sent once each, in order; a live message goes after them.
		if _, err := r.SendMessage(ctx, bob, "chat", "live"); err != nil {
			t.Fatal(err)
		}
		peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "live" })
		var got []string
		for _, e := range peer.Events() {
			if e.Kind == "message" && (strings.HasPrefix(e.Body, "queued-") || e.Body == "live") {
				got = append(got, e.Body)
			}
		}
		if strings.Join(got, " ") != "queued-1 queued-2 queued-3 live" {
			t.Errorf("peer received %v", got)
		}
	})
}

func TestIntegrationClientState(t *testing.T) { servertest.Each(t, testIntegrationClientState) }

func testIntegrationClientState(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithDebugLog())
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	ctx := context.Background()
	r := startOnline(t, testConfig(s, alice, "pw", "parley"))
	peer := servertest.StartPeer(t, s, bob, "pw")
	if err := r.Subscription(ctx, bob, "subscribe"); err != nil {
		t.Fatal(err)
	}
	peer.Subscribe(alice.String())
	r.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribe"
	})
	if err := r.Subscription(ctx, bob, "subscribed"); err != nil {
		t.Fatal(err)
	}
	presence := func(status string) func(Event) bool {
		return func(e Event) bool {
			pe, ok := e.(PresenceEvent)
			return ok && pe.From.Equal(peer.JID) && pe.Status == status
		}
	}
	peer.SetPresence("", "before", 0)
	r.rec.wait(t, waitLong, presence("before"))
	if s.Logged(t, servertest.LogCSIHeld) {
		t.Fatal("the server held stanzas while we were active")
	}

	// Inactive: the server (Prosody mod_csi_simple, ejabberd mod_client_state) holds the peer's presence back;
	// active again: it flushes.
	r.SetActive(false)
	if r.Active() {
		t.Fatal("Active after SetActive(false)")
	}
	waitUntil(t, "<inactive/> sent", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.csi.sent
	})
	// The server has read it (a round trip would not do: its answer is
	// "important" and opens a flush window).
	waitUntil(t, "the server reading <inactive/>", func() bool { return s.Logged(t, servertest.LogCSIInactiveRead) })
	// Under load the server may still process a presence before it treats
	// the session as inactive: send updates until it holds one back.
	held := ""
	for i := 0; held == "" && i < 10; i++ {
		status := fmt.Sprintf("while-inactive-%d", i)
		peer.SetPresence("away", status, 0)
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if s.Logged(t, servertest.LogCSIHeld) {
				held = status
				break
			}
		}
	}
	if held == "" {
		t.Fatal("the server never held a presence while we were inactive")
	}
	r.SetActive(true)
	r.rec.wait(t, waitLong, presence(held))
	waitUntil(t, "the server flushing", func() bool { return s.Logged(t, servertest.LogCSIFlushed) })
}

// waitUntil polls cond until it holds or fails the test after waitLong.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
