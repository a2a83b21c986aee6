package account

import (
	"context"
	"net"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

const waitLong = 20 * time.Second

// running is an account under test: its events and the result of Run.
type running struct {
	*Account
	rec  *recorder
	done chan error
}

func testConfig(s *servertest.Server, j jid.JID, pass, resource string) Config {
	return Config{
		JID:      j,
		Password: func(context.Context) (string, error) { return pass, nil },
		Host:     s.Host,
		Port:     s.Port,
		CAFile:   s.CAFile,
		Resource: resource,
		Priority: 1,
	}
}

// start runs an account until the test ends (then closes it).
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	rec := newRecorder()
	r := &running{Account: New(cfg, rec.sink), rec: rec, done: make(chan error, 1)}
	go func() { r.done <- r.Run(context.Background()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Close(ctx)
	})
	return r
}

// startOnline starts an account and waits for it to be online.
func startOnline(t *testing.T, cfg Config) *running {
	t.Helper()
	r := start(t, cfg)
	r.waitState(t, Online)
	return r
}

// waitState waits for a StateEvent with state st; it fails on Failed or
// Disconnected unless that is what is awaited.
func (r *running) waitState(t *testing.T, st State) StateEvent {
	t.Helper()
	e := r.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(StateEvent)
		return ok && (se.State == st || se.State == Failed || se.State == Disconnected)
	}).(StateEvent)
	if e.State != st {
		t.Fatalf("state %v (%s, %v), want %v", e.State, e.Text, e.Err, st)
	}
	return e
}

// result waits for Run to return.
func (r *running) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		return err
	case <-time.After(waitLong):
		t.Fatal("Run did not return")
		return nil
	}
}

func lastState(rec *recorder) StateEvent {
	var last StateEvent
	for _, e := range rec.all() {
		if se, ok := e.(StateEvent); ok {
			last = se
		}
	}
	return last
}

func TestIntegrationLoginAndFailures(t *testing.T) {
	servertest.Each(t, testIntegrationLoginAndFailures)
}

func testIntegrationLoginAndFailures(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "secret")

	t.Run("login", func(t *testing.T) {
		r := start(t, testConfig(s, alice, "secret", "parley"))
		online := r.waitState(t, Online)
		if !strings.Contains(online.Text, "alice@localhost/parley") {
			t.Errorf("online text %q", online.Text)
		}
		// The roster arrives before Online.
		var sawRoster bool
		for _, e := range r.rec.all() {
			if re, ok := e.(RosterEvent); ok && re.Full {
				sawRoster = true
			}
			if se, ok := e.(StateEvent); ok && se.State == Online && !sawRoster {
				t.Error("Online before the roster")
			}
		}
		if r.State() != Online {
			t.Errorf("State() = %v", r.State())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := r.result(t); err != nil {
			t.Errorf("Run returned %v after Close", err)
		}
		if st := lastState(r.rec); st.State != Disconnected || st.Err != nil {
			t.Errorf("final state %+v", st)
		}
		if m, err := r.SendMessage(ctx, alice, "chat", "x"); err != nil || !m.Pending {
			t.Errorf("SendMessage while offline: %+v, %v; want a pending message", m, err)
		}
	})

	failures := []struct {
		name  string
		cfg   func() Config
		state State
		text  []string
	}{
		{"wrong password", func() Config { return testConfig(s, alice, "wrong", "") }, Failed,
			[]string{"authentication failed: not-authorized"}},
		{"unknown account", func() Config { return testConfig(s, jid.MustParse("nobody@localhost"), "x", "") }, Failed,
			[]string{"authentication failed: not-authorized"}},
		{"unreachable port", func() Config {
			c := testConfig(s, alice, "secret", "")
			c.Port = closedPort(t)
			return c
		}, Reconnecting, []string{"reconnecting in", "(attempt 1): cannot connect to 127.0.0.1:", "connection refused"}},
		{"untrusted certificate", func() Config {
			c := testConfig(s, alice, "secret", "")
			c.CAFile = ""
			return c
		}, Failed, []string{"certificate for localhost", "unknown authority", "ca_file"}},
		{"domain not served", func() Config {
			return testConfig(s, jid.MustParse("alice@127.0.0.1"), "secret", "")
		}, Failed, []string{"stream error host-unknown"}},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.cfg())
			var st StateEvent
			if tc.state == Reconnecting {
				// A connection that fails is tried again, with backoff.
				st = r.rec.wait(t, waitLong, func(e Event) bool {
					se, ok := e.(StateEvent)
					return ok && se.State != Connecting
				}).(StateEvent)
			} else {
				if err := r.result(t); err == nil {
					t.Fatal("Run returned nil")
				}
				st = lastState(r.rec)
			}
			if st.State != tc.state || st.Err == nil {
				t.Errorf("final state %v (%v), want %v", st.State, st.Err, tc.state)
			}
			for _, want := range tc.text {
				if !strings.Contains(st.Text, want) {
					t.Errorf("text %q does not contain %q", st.Text, want)
				}
			}
			if cert, ok := UntrustedCertificate(st.Err); ok != (tc.name == "untrusted certificate") {
				t.Errorf("UntrustedCertificate: %v", ok)
			} else if ok && !slices.Contains(cert.DNSNames, "localhost") {
				t.Errorf("untrusted certificate %v, want the server's", cert.Subject)
			}
			t.Logf("%s: %s", tc.name, st.Text)
		})
	}

	t.Run("context cancelled", func(t *testing.T) {
		rec := newRecorder()
		a := New(testConfig(s, alice, "secret", "ctx"), rec.sink)
		// Presence chosen while offline is used at login.
		if err := a.SetPresence(context.Background(), ShowXA, "gone"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		rec.wait(t, waitLong, func(e Event) bool {
			pe, ok := e.(PresenceEvent)
			return ok && pe.From.Resourcepart() == "ctx" && pe.Show == ShowXA && pe.Status == "gone"
		})
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel", err)
			}
		case <-time.After(waitLong):
			t.Fatal("Run did not return after cancel")
		}
		if st := lastState(rec); st.State != Disconnected {
			t.Errorf("final state %+v", st)
		}
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("Close after Run: %v", err)
		}
	})

	t.Run("resource conflict", func(t *testing.T) {
		first := startOnline(t, testConfig(s, alice, "secret", "same"))
		startOnline(t, testConfig(s, alice, "secret", "same"))
		if err := first.result(t); err == nil {
			t.Fatal("first session survived a conflict")
		}
		st := lastState(first.rec)
		if st.State != Failed || !strings.Contains(st.Text, "another client logged in with resource same") {
			t.Errorf("final state %v %q", st.State, st.Text)
		}
	})

	t.Run("server closes the stream", func(t *testing.T) {
		// A graceful shutdown (SIGTERM): Prosody 0.12 closes the
		// connections without a stream error, ejabberd sends
		// system-shutdown; the account waits and reconnects once the
		// server is back.
		r := startOnline(t, testConfig(s, alice, "secret", "shut"))
		r.rec.reset()
		s.Stop(t)
		st := r.rec.wait(t, waitLong, func(e Event) bool {
			se, ok := e.(StateEvent)
			return ok && se.State != Online
		}).(StateEvent)
		t.Logf("server close: %v / %s", st.Err, st.Text)
		if st.State != Reconnecting || !strings.Contains(st.Text, "connection lost") && !strings.Contains(st.Text, "server is shutting down") {
			t.Errorf("state %v %q, want reconnecting after a shutdown", st.State, st.Text)
		}
		r.rec.reset()
		s.Restart(t)
		r.waitState(t, Online)
	})
}

func TestIntegrationDirectTLS(t *testing.T) { servertest.Each(t, testIntegrationDirectTLS) }

func testIntegrationDirectTLS(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithDirectTLS())
	alice := s.AddUser(t, "alice", "pw")
	cfg := testConfig(s, alice, "pw", "direct")
	cfg.DirectTLS, cfg.Port = true, s.DirectPort
	r := startOnline(t, cfg)
	if r.State() != Online {
		t.Fatal(r.State())
	}

	// A certificate that does not name the domain.
	cfg = testConfig(s, jid.MustParse("alice@example.net"), "pw", "")
	cfg.DirectTLS, cfg.Port = true, s.DirectPort
	bad := start(t, cfg)
	if err := bad.result(t); err == nil {
		t.Fatal("Run returned nil")
	}
	st := lastState(bad.rec)
	// Prosody has no certificate for the name (a TLS alert), ejabberd
	// sends its own, which does not name it.
	if st.State != Failed || !strings.Contains(st.Text, "certificate") || !strings.Contains(st.Text, "example.net") {
		t.Errorf("final state %v %q", st.State, st.Text)
	}
	t.Log(st.Text)
}

// closedPort returns a loopback port with nothing listening.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestIntegrationRoster(t *testing.T) { servertest.Each(t, testIntegrationRoster) }

func testIntegrationRoster(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	ctx := context.Background()

	a1 := startOnline(t, testConfig(s, alice, "pw", "one"))
	a2 := startOnline(t, testConfig(s, alice, "pw", "two"))
	bob := jid.MustParse("bob@localhost")
	if err := a1.RosterSet(ctx, RosterItem{JID: bob, Name: "Bob", Groups: []string{"Friends", "Work"}}); err != nil {
		t.Fatal(err)
	}
	// Both resources get the push.
	for _, r := range []*running{a1, a2} {
		e := r.rec.wait(t, waitLong, func(e Event) bool {
			re, ok := e.(RosterEvent)
			return ok && !re.Full && len(re.Items) == 1 && re.Items[0].JID.Equal(bob)
		}).(RosterEvent)
		it := e.Items[0]
		groups := append([]string(nil), it.Groups...)
		sort.Strings(groups) // the server keeps groups as a set
		if it.Name != "Bob" || strings.Join(groups, ",") != "Friends,Work" || it.Subscription != "none" {
			t.Errorf("push %+v", it)
		}
	}
	if err := a1.RosterSet(ctx, RosterItem{JID: jid.MustParse("carol@localhost")}); err != nil {
		t.Fatal(err)
	}

	// A new session fetches both items.
	a3 := startOnline(t, testConfig(s, alice, "pw", "three"))
	var full RosterEvent
	for _, e := range a3.rec.all() {
		if re, ok := e.(RosterEvent); ok && re.Full {
			full = re
		}
	}
	var names []string
	for _, it := range full.Items {
		names = append(names, it.JID.String()+"="+it.Name)
	}
	if strings.Join(names, " ") != "bob@localhost=Bob carol@localhost=" && strings.Join(names, " ") != "carol@localhost= bob@localhost=Bob" {
		t.Errorf("fetched roster %v", names)
	}

	if err := a3.RosterRemove(ctx, bob); err != nil {
		t.Fatal(err)
	}
	a1.rec.wait(t, waitLong, func(e Event) bool {
		re, ok := e.(RosterEvent)
		return ok && !re.Full && len(re.Items) == 1 && re.Items[0].JID.Equal(bob) && re.Items[0].Subscription == "remove"
	})
}

func TestIntegrationPeer(t *testing.T) { servertest.Each(t, testIntegrationPeer) }

func testIntegrationPeer(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	ctx := context.Background()
	a := startOnline(t, testConfig(s, alice, "pw", "parley"))
	peer := servertest.StartPeer(t, s, bob, "pw")

	// Mutual subscription: the peer approves ours automatically; we approve
	// the peer's.
	if err := a.Subscription(ctx, bob, "subscribe"); err != nil {
		t.Fatal(err)
	}
	a.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribed" && se.From.Equal(bob)
	})
	peer.Subscribe(alice.String())
	a.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribe" && se.From.Equal(bob)
	})
	if err := a.Subscription(ctx, bob, "subscribed"); err != nil {
		t.Fatal(err)
	}

	// Presence both ways.
	if err := a.SetPresence(ctx, ShowAway, "lunch"); err != nil {
		t.Fatal(err)
	}
	peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		return e.Kind == "presence" && strings.HasPrefix(e.From, "alice@localhost/parley") && e.Show == "away" && e.Status == "lunch"
	})
	a.rec.wait(t, waitLong, func(e Event) bool { // our own presence, for the status bar
		op, ok := e.(OwnPresenceEvent)
		return ok && op.Show == ShowAway && op.Status == "lunch"
	})
	peer.SetPresence("dnd", "coding", 3)
	p := a.rec.wait(t, waitLong, func(e Event) bool {
		pe, ok := e.(PresenceEvent)
		return ok && pe.From.Equal(peer.JID) && pe.Show == ShowDND
	}).(PresenceEvent)
	if p.Status != "coding" || p.Priority != 3 || !p.Available {
		t.Errorf("peer presence %+v", p)
	}

	// Messages both ways.
	peer.SendMessage(alice.String(), "hello [red]alice")
	m := a.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Dir == In
	}).(MessageEvent).Msg
	if m.Body != "hello [red]alice" {
		t.Errorf("body %q", m.Body)
	}
	if !m.From.Equal(peer.JID) || m.Type != "chat" || !m.Peer().Equal(bob) {
		t.Errorf("message %+v", m)
	}
	sent, err := a.SendMessage(ctx, bob, "chat", "hi bob <&>")
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID == "" || sent.OriginID != sent.ID || sent.Dir != Out || !sent.Peer().Equal(bob) {
		t.Errorf("sent %+v", sent)
	}
	out := a.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Dir == Out
	}).(MessageEvent).Msg
	if out.ID != sent.ID {
		t.Errorf("emitted %+v, returned %+v", out, sent)
	}
	got := peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body == "hi bob <&>" })
	if got.ID != sent.ID || !strings.Contains(got.Raw, `urn:xmpp:sid:0`) {
		t.Errorf("peer got %s (raw %s)", got, got.Raw)
	}

	// A message to a nonexistent user comes back as an error message.
	if _, err := a.SendMessage(ctx, jid.MustParse("ghost@localhost"), "chat", "boo"); err != nil {
		t.Fatal(err)
	}
	em := a.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Type == "error"
	}).(MessageEvent).Msg
	if em.Err == "" {
		t.Errorf("error message without text: %+v", em)
	}
	t.Logf("error message text: %s", em.Err)

	// Close sends unavailable presence, and Run returns nil.
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if err := a.result(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		return e.Kind == "presence" && strings.HasPrefix(e.From, "alice@localhost/parley") && e.Type == "unavailable"
	})
}

func TestIntegrationTwoAccounts(t *testing.T) { servertest.Each(t, testIntegrationTwoAccounts) }

func testIntegrationTwoAccounts(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	ctx := context.Background()
	a := startOnline(t, testConfig(s, alice, "pw", "a"))
	b := startOnline(t, testConfig(s, bob, "pw", "b"))

	for i, tc := range []struct {
		from, to *running
		typ      string
	}{{a, b, "chat"}, {b, a, "normal"}, {a, b, "normal"}} {
		body := "message " + string(rune('A'+i)) + " 😀"
		sent, err := tc.from.SendMessage(ctx, tc.to.JID(), tc.typ, body)
		if err != nil {
			t.Fatal(err)
		}
		m := tc.to.rec.wait(t, waitLong, func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Dir == In && me.Msg.Body == body
		}).(MessageEvent).Msg
		// Delayed may be set: a message that overtakes the recipient's
		// initial presence in the server is stored offline for a moment.
		if m.ID != sent.ID || m.OriginID != sent.ID || m.Type != tc.typ || !m.From.Equal(sent.From) {
			t.Errorf("received %+v, sent %+v", m, sent)
		}
	}
}
