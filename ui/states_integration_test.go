package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/internal/servertest"
)

// TestIntegrationStatesMarkers runs a UI on a real account against the
// server with a slixmpp peer: the peer's composing shows as typing, and
// its message clears it; our typing reaches the peer as composing, the
// message is followed by active, /close sends gone; the peer's markable
// message is marked displayed once the terminal has the focus, and the
// peer's displayed marker for our message draws ✓✓.
func TestIntegrationStatesMarkers(t *testing.T) { servertest.Each(t, testIntegrationStatesMarkers) }

func testIntegrationStatesMarkers(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	peer := servertest.StartPeer(t, s, bob, "pw")

	var u *UI
	online := make(chan struct{})
	acct := account.New(account.Config{
		JID:      alice,
		Password: func(context.Context) (string, error) { return "pw", nil },
		Host:     s.Host,
		Port:     s.Port,
		CAFile:   s.CAFile,
		Resource: "parley",
	}, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State == account.Online {
			select {
			case <-online:
			default:
				close(online)
			}
		}
		u.Post(e)
	})
	scr := tcell.NewSimulationScreen("UTF-8")
	u = New(Options{Screen: scr, Accounts: []Account{acct}, RosterWidth: 26, ChatStates: true, ReadMarkers: true})
	u.loc = time.UTC
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
	go func() { h.done <- u.Run(ctx) }()
	go acct.Run(ctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		acct.Close(cctx)
		h.close()
	})
	h.sync(func() { scr.SetSize(100, 20) })
	select {
	case <-online:
	case <-time.After(30 * time.Second):
		t.Fatal("account not online")
	}
	fromAlice := func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && strings.HasPrefix(e.From, alice.String()+"/")
	}
	waitPeer := func(what string, match func(servertest.PeerEvent) bool) servertest.PeerEvent {
		t.Helper()
		return peer.Wait(t, 30*time.Second, func(e servertest.PeerEvent) bool { return fromAlice(e) && match(e) })
	}
	has := func(s string) func(servertest.PeerEvent) bool {
		return func(e servertest.PeerEvent) bool { return strings.Contains(e.Raw, s) }
	}

	h.enter("/msg " + bob.String())
	h.curIs(1)
	w := h.u.wins[1]
	typing := func() (s string) {
		h.on(func() { s = h.u.typingText(w) })
		return s
	}

	// Their typing, cleared by their message (markable: raw XML, slixmpp
	// adds no <markable/> by itself).
	peer.ChatState(alice.String(), "chat", "composing")
	h.waitFor("typing", func() bool { return strings.HasSuffix(h.u.typingText(w), " is typing…") })
	peer.SendRaw(`<message xmlns="jabber:client" to="` + alice.String() + `" type="chat" id="p1"><body>read me</body>` +
		`<markable xmlns="urn:xmpp:chat-markers:0"/><active xmlns="http://jabber.org/protocol/chatstates"/></message>`)
	h.winHas("read me")
	if s := typing(); s != "" {
		t.Errorf("typing after their message: %q", s)
	}

	// Displayed once the terminal has the focus.
	h.scr.PostEvent(tcell.NewEventFocus(true))
	waitPeer("displayed", func(e servertest.PeerEvent) bool {
		return strings.Contains(e.Raw, "<displayed") && strings.Contains(e.Raw, `id="p1"`)
	})

	// Our typing.
	h.typeText("hello")
	h.inputIs("hello")
	waitPeer("composing", has("composing"))
	h.key(tcell.KeyEnter, 0, 0)
	sent := waitPeer("our message", func(e servertest.PeerEvent) bool { return e.Body == "hello" })
	waitPeer("active", func(e servertest.PeerEvent) bool { return e.Body == "" && strings.Contains(e.Raw, "<active") })

	// Their displayed marker for our message.
	if sent.ID == "" {
		t.Fatalf("our message has no id: %s", sent.Raw)
	}
	peer.Marker(alice.String(), "chat", sent.ID, "displayed")
	h.winHas("me: hello ✓✓")

	h.enter("/close")
	waitPeer("gone", has("<gone"))
}
