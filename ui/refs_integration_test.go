package ui

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
	"parley/internal/servertest"
)

// liveWait bounds the waits on a real server.
const liveWait = 40 * time.Second

// startLive runs a UI on a real account of s, its events stored by
// chatlog in store on their way to the UI (as main wires them).
func startLive(t *testing.T, s *servertest.Server, user jid.JID, store *history.Store) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	var u *UI
	online := make(chan struct{})
	var once sync.Once
	rec := chatlog.New(store, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State == account.Online {
			once.Do(func() { close(online) })
		}
		u.Post(e)
	})
	acct := account.New(account.Config{
		JID:      user,
		Password: func(context.Context) (string, error) { return "pw", nil },
		Host:     s.Host, Port: s.Port, CAFile: s.CAFile,
		Resource: "parley", Anchor: rec.Anchor(user),
	}, rec.Sink)
	u = New(Options{Screen: scr, Accounts: []Account{acct}, RosterWidth: 26, History: store})
	u.now = fixedNow
	u.loc = time.UTC
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
	go func() { hs.done <- u.Run(ctx) }()
	runDone := make(chan struct{})
	go func() { acct.Run(ctx); close(runDone) }()
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		acct.Close(cctx)
		hs.close()
		<-runDone
	})
	hs.sync(func() { scr.SetSize(110, 24) })
	select {
	case <-online:
	case <-time.After(liveWait):
		t.Fatalf("%s not online", user)
	}
	return hs
}

// waitScreen waits until the screen shows s.
func (h *harness) waitScreen(s string) {
	h.t.Helper()
	deadline := time.Now().Add(liveWait)
	for !strings.Contains(h.text(), s) {
		if time.Now().After(deadline) {
			h.t.Fatalf("screen lacks %q:\n%s", s, h.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// altS starts the selection mode; keys follows it.
func (h *harness) altS(keys ...rune) {
	h.key(tcell.KeyRune, 's', tcell.ModAlt)
	for _, r := range keys {
		h.key(tcell.KeyRune, r, 0)
	}
}

// TestIntegrationRefsUI: two parley sessions through the server, each UI
// on a real account with its history: bob reacts to alice's message and
// replies to it from the selection mode, alice reacts with /react and
// retracts with /retract; in a room alice (its owner, a moderator) removes
// bob's message from the selection mode. Each side shows the other's
// references, and alice's window opened again from her history files
// shows what it showed live.
func TestIntegrationRefsUI(t *testing.T) { servertest.Each(t, testIntegrationRefsUI) }

func testIntegrationRefsUI(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice, bob := s.AddUser(t, "alice", "pw"), s.AddUser(t, "bob", "pw")
	aStore, bStore := openStore(t), openStore(t)
	a := startLive(t, s, alice, aStore)
	b := startLive(t, s, bob, bStore)

	a.enter("/msg " + bob.String() + " hello bob")
	b.waitFor("alice's window", func() bool { return b.u.findWin(b.u.accts[0], alice) != nil })
	b.enter("/msg " + alice.String())
	b.waitScreen("hello bob")
	b.altS('+', '1')
	a.waitScreen("👍 1")
	b.altS('r')
	b.typeText("hi alice")
	b.key(tcell.KeyEnter, 0, 0)
	a.waitScreen("> me: hello bob")
	a.waitScreen("hi alice")
	a.enter("/react :tada:") // bob's newest: the reply
	b.waitScreen("🎉 1")
	a.enter("/retract")
	b.waitScreen(": (message retracted)")
	b.waitFor("the reply's quote follows", func() bool {
		return strings.Contains(strings.Join(entryTexts(b.u.curWin()), "\n"), ": (message retracted)\n")
	})
	if got := b.text(); strings.Contains(got, "hello bob") {
		t.Errorf("bob's screen still shows the retracted text:\n%s", got)
	}

	// Alice's own window shows her retraction too (applied when the send
	// came back from her account, which can be after bob saw it).
	a.waitScreen("me: (message retracted)")

	// Opened again from alice's files: the same lines.
	var live []string
	a.on(func() { live = messageLines(a.u.curWin()) })
	again := startHistUI(t, 110, 24, aStore, newFake(alice.String()))
	var loaded []string
	again.on(func() { loaded = messageLines(again.u.chatWin(again.u.accts[0], bob)) })
	if !reflect.DeepEqual(live, loaded) {
		t.Errorf("live:\n%s\nfrom the files:\n%s", strings.Join(live, "\n"), strings.Join(loaded, "\n"))
	}

	t.Run("room", func(t *testing.T) {
		s.Require(t, servertest.Moderation)
		room := "lounge@" + s.MUC
		a.enter("/join " + room + "/alice") // creates it: alice owns it and moderates
		a.waitScreen("you joined " + room)
		b.enter("/join " + room + "/bob")
		b.waitScreen("you joined " + room)
		b.enter("buy cheap watches")
		a.waitScreen("bob: buy cheap watches")
		a.waitFor("alice moderates", func() bool { return isModerator(a.u.curWin()) })
		a.altS('d')
		a.waitScreen("moderate, reason (optional):")
		a.typeText("spam")
		a.key(tcell.KeyEnter, 0, 0)
		a.waitScreen("bob: (removed by moderator alice: spam)")
		b.waitScreen("bob: (removed by moderator alice: spam)")
	})
}
