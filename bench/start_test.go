package bench

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/chatlog"
	"parley/history"
	"parley/internal/servertest"
	"parley/ui"
)

// TestStartBreakdown splits start to roster shown, in process, into its
// steps: a real account against Prosody with a 2,000-contact roster, the
// history and the UI on a simulation screen. It reports when the account
// started connecting, when the roster arrived (TLS, SASL, bind, roster
// fetch and parse), when it was online (carbons, presence), and when the
// UI had drawn the roster, all from Run; and the UI's own share: applying
// the roster and drawing it.
func TestStartBreakdown(t *testing.T) {
	benchOnly(t)
	s := servertest.Start(t, servertest.Prosody)
	me := s.AddUser(t, "me", "me-secret")
	writeRoster(t, s, "me", rosterSize)
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	var mu sync.Mutex
	stamps := map[string]time.Duration{}
	var start time.Time
	stamp := func(name string) {
		mu.Lock()
		if _, ok := stamps[name]; !ok {
			stamps[name] = time.Since(start)
		}
		mu.Unlock()
	}
	scr := &recScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8")}
	var u *ui.UI
	rec := chatlog.New(store, func(ev account.Event) {
		switch ev := ev.(type) {
		case account.RosterEvent:
			stamp("roster_event")
		case account.StateEvent:
			stamp("state_" + strings.ToLower(ev.State.String()))
		}
		u.Post(ev)
	})
	a := account.New(account.Config{
		JID:      me,
		Password: func(context.Context) (string, error) { return "me-secret", nil },
		Host:     s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "bench",
	}, rec.Sink)
	u = ui.New(ui.Options{Screen: scr, Accounts: []ui.Account{a}, History: store})
	ctx, cancel := context.WithCancel(context.Background())
	uiDone := make(chan error, 1)
	go func() { uiDone <- u.Run(ctx) }()
	defer func() {
		c, done := context.WithTimeout(context.Background(), 3*time.Second)
		defer done()
		a.Close(c)
		cancel()
		<-uiDone
	}()
	waitText := func(what string) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			scr.mu.Lock()
			ok := strings.Contains(scr.text, what)
			scr.mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q", what)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	waitText("parley console")
	scr.SetSize(120, 40)

	start = time.Now()
	go a.Run(ctx)
	waitText("k0000")
	stamp("roster_drawn")
	waitText("me@localhost: online")
	stamp("online_drawn")
	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{"state_connecting", "roster_event", "roster_drawn", "state_online", "online_drawn"} {
		report(t, "start_"+k, stamps[k].Seconds()*1000, "ms")
	}
	report(t, "start_ui_roster", (stamps["roster_drawn"]-stamps["roster_event"]).Seconds()*1000, "ms")
}
