package sm

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/internal/servertest"
)

// dialProxy connects acct through addr with STARTTLS, SASL and st.
func dialProxy(t *testing.T, srv *servertest.Server, addr string, acct jid.JID, pass string, st *State) *xmpp.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tcp, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	features := append([]xmpp.StreamFeature{
		st.StartTLS(srv.TLSConfig(t)),
		xmpp.SASL("", pass, sasl.ScramSha256, sasl.ScramSha1),
	}, st.Features("parley")...)
	s, err := xmpp.NewClientSession(ctx, acct, tcp, features...)
	if err != nil {
		tcp.Close()
		t.Fatalf("session: %v", err)
	}
	return s
}

// bodies returns how often each body was received.
func (sv *served) bodies() map[string]int {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	n := map[string]int{}
	for _, b := range sv.msgs {
		n[b]++
	}
	return n
}

func (sv *served) has(body string) bool { return sv.bodies()[body] > 0 }

func sendTo(t *testing.T, s *xmpp.Session, to jid.JID, body string) {
	t.Helper()
	m := stanza.Message{To: to, Type: stanza.ChatMessage, ID: body}
	if err := s.Send(context.Background(), m.Wrap(bodyTokens(body))); err != nil {
		t.Fatalf("send %s: %v", body, err)
	}
}

// peerCounts returns how often the peer received each body.
func peerCounts(p *servertest.Peer) map[string]int {
	n := map[string]int{}
	for _, e := range p.Events() {
		if e.Kind == "message" {
			n[e.Body]++
		}
	}
	return n
}

func TestProsodyResume(t *testing.T) {
	srv := servertest.Start(t, servertest.Prosody, servertest.WithSMTimeout(120*time.Second))
	alice := srv.AddUser(t, "alice", "alice-pw")
	bob := srv.AddUser(t, "bob", "bob-pw")
	peer := servertest.StartPeer(t, srv, bob, "bob-pw")
	px := srv.Proxy(t)
	st := New(Options{})

	s1 := dialProxy(t, srv, px.Addr(), alice, "alice-pw", st)
	if st.Outcome() != Fresh || !st.Enabled() || !st.Stats().Resumable {
		t.Fatalf("first login: %+v", st.Stats())
	}
	full := s1.LocalAddr()
	sv1 := serve(s1, st)
	if err := s1.Send(context.Background(), stanza.Presence{}.Wrap(nil)); err != nil {
		t.Fatal(err)
	}

	// Phase 1: both directions, acknowledgements flow.
	for i := 1; i <= 3; i++ {
		peer.SendMessage(full.String(), fmt.Sprintf("p%d", i))
		sendTo(t, s1, bob, fmt.Sprintf("a%d", i))
	}
	waitFor(t, "p1..p3", func() bool { return sv1.has("p3") })
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Body == "a3" })
	waitFor(t, "our stanzas acknowledged", func() bool { return st.Unacked() == 0 })
	if got := st.Stats(); got.Requests == 0 || got.Answers == 0 || got.InH < 3 {
		t.Fatalf("after phase 1: %+v", got)
	}

	// Phase 2: the link hangs with stanzas in flight both ways, then dies;
	// the peer keeps sending while alice is away.
	px.Pause()
	for i := 4; i <= 6; i++ {
		sendTo(t, s1, bob, fmt.Sprintf("a%d", i))
		peer.SendMessage(full.String(), fmt.Sprintf("p%d", i))
	}
	time.Sleep(300 * time.Millisecond) // let Prosody write p4..p6 into the hung link
	px.Cut()
	px.Resume()
	<-sv1.done
	for i := 7; i <= 9; i++ {
		peer.SendMessage(full.String(), fmt.Sprintf("p%d", i))
	}
	if n := st.Unacked(); n < 3 {
		t.Fatalf("%d unacked after the cut, want a4..a6 at least", n)
	}

	// Resume on a new connection.
	start := time.Now()
	s2 := dialProxy(t, srv, px.Addr(), alice, "alice-pw", st)
	resumeTime := time.Since(start)
	if st.Outcome() != Resumed || !s2.LocalAddr().Equal(full) {
		t.Fatalf("resume: outcome %v, addr %v want %v", st.Outcome(), s2.LocalAddr(), full)
	}
	sv2 := serve(s2, st)
	sendTo(t, s2, bob, "a7")
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Body == "a7" })
	peer.SendMessage(full.String(), "p10")
	waitFor(t, "p10", func() bool { return sv2.has("p10") })
	waitFor(t, "all acknowledged after resume", func() bool { return st.Unacked() == 0 })

	got := sv1.bodies()
	for b, n := range sv2.bodies() {
		got[b] += n
	}
	for i := 1; i <= 10; i++ {
		if b := fmt.Sprintf("p%d", i); got[b] != 1 {
			t.Errorf("alice received %s %d times, want once (all: %v)", b, got[b], got)
		}
	}
	pc := peerCounts(peer)
	for i := 1; i <= 7; i++ {
		if b := fmt.Sprintf("a%d", i); pc[b] != 1 {
			t.Errorf("peer received %s %d times, want once (all: %v)", b, pc[b], pc)
		}
	}
	t.Logf("resume took %v; stats %+v", resumeTime, st.Stats())
}

func TestProsodyResumeFailed(t *testing.T) {
	srv := servertest.Start(t, servertest.Prosody, servertest.WithSMTimeout(2*time.Second))
	alice := srv.AddUser(t, "alice", "alice-pw")
	bob := srv.AddUser(t, "bob", "bob-pw")
	px := srv.Proxy(t)
	st := New(Options{})

	// The server forgets the session when its hibernation time runs out.
	s1 := dialProxy(t, srv, px.Addr(), alice, "alice-pw", st)
	sv1 := serve(s1, st)
	px.Pause()
	sendTo(t, s1, bob, "lost-1")
	px.Cut()
	px.Resume()
	<-sv1.done
	time.Sleep(4 * time.Second)
	s2 := dialProxy(t, srv, px.Addr(), alice, "alice-pw", st)
	if st.Outcome() != ResumeFailed || !st.Enabled() {
		t.Fatalf("after hibernation timeout: %+v", st.Stats())
	}
	if p := st.Pending(); len(p) != 1 || !strings.Contains(string(p[0]), "lost-1") {
		t.Fatalf("pending %q, want lost-1", p)
	}
	sv2 := serve(s2, st)

	// The server restarts: the session is gone again.
	px.Pause()
	sendTo(t, s2, bob, "lost-2")
	srv.Restart(t)
	px.Cut()
	px.Resume()
	<-sv2.done
	s3 := dialProxy(t, srv, px.Addr(), alice, "alice-pw", st)
	if st.Outcome() != ResumeFailed || !st.Enabled() || s3.LocalAddr().Resourcepart() == "" {
		t.Fatalf("after restart: %+v addr %v", st.Stats(), s3.LocalAddr())
	}
	if p := st.Pending(); len(p) != 1 || !strings.Contains(string(p[0]), "lost-2") {
		t.Fatalf("pending %q, want lost-2", p)
	}
	sv3 := serve(s3, st)

	// The fresh session works both ways.
	peer := servertest.StartPeer(t, srv, bob, "bob-pw")
	sendTo(t, s3, bob, "after")
	peer.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Body == "after" })
	peer.SendMessage(s3.LocalAddr().String(), "back")
	waitFor(t, "back", func() bool { return sv3.has("back") })
	waitFor(t, "acknowledged", func() bool { return st.Unacked() == 0 })
}
