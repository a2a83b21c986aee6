package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/internal/servertest"
)

// TestIntegrationSendOrder: 100 lines typed as fast as keys go, each with
// Enter, through the input handler of a UI on a real account, reach a
// slixmpp peer through the server in the order typed (each Enter used to
// start its own goroutine, so two quick lines could be swapped).
func TestIntegrationSendOrder(t *testing.T) { servertest.Each(t, testIntegrationSendOrder) }

func testIntegrationSendOrder(t *testing.T, kind servertest.Kind) {
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
	u = New(Options{Screen: scr, Accounts: []Account{acct}, RosterWidth: 26})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	go acct.Run(ctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		acct.Close(cctx)
		cancel()
		<-done
	})
	u.app.QueueUpdateDraw(func() { scr.SetSize(100, 30) })
	select {
	case <-online:
	case <-time.After(30 * time.Second):
		t.Fatal("account not online")
	}

	typeLine := func(s string) {
		for _, r := range s {
			scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
		}
		scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	}
	typeLine("/msg " + bob.String())
	const n = 100
	for i := range n {
		typeLine(fmt.Sprintf("line %03d", i))
	}
	peer.Wait(t, 30*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && e.Body == fmt.Sprintf("line %03d", n-1)
	})
	var got []string
	for _, e := range peer.Events() {
		if e.Kind == "message" && jid.MustParse(e.From).Bare().Equal(alice) {
			got = append(got, e.Body)
		}
	}
	if len(got) != n {
		t.Fatalf("peer got %d messages, want %d: %q", len(got), n, got)
	}
	for i, b := range got {
		if b != fmt.Sprintf("line %03d", i) {
			t.Fatalf("message %d is %q: out of order: %q", i, b, got)
		}
	}
}
