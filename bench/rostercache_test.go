package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"parley/account"
	"parley/internal/servertest"
	"parley/rostercache"
)

// TestRosterCacheLogin measures a login with a 2,000-contact roster
// against Prosody, from Run to Online (TLS, SASL, bind, roster, carbons,
// presence): the roster fetched whole, and with the roster cache current
// (XEP-0237: the server answers that nothing changed). Medians of 7.
func TestRosterCacheLogin(t *testing.T) {
	benchOnly(t)
	s := servertest.Start(t, servertest.Prosody)
	me := s.AddUser(t, "me", "me-secret")
	writeRoster(t, s, "me", rosterSize)
	cache := rostercache.New(t.TempDir(), me)
	login := func(store account.RosterStore) time.Duration {
		online := make(chan int, 1)
		cfg := account.Config{
			JID:      me,
			Password: func(context.Context) (string, error) { return "me-secret", nil },
			Host:     s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "bench",
		}
		if store != nil {
			cfg.Roster = store
		}
		items := 0
		a := account.New(cfg, func(ev account.Event) {
			switch e := ev.(type) {
			case account.RosterEvent:
				if e.Full {
					items = len(e.Items)
				}
			case account.StateEvent:
				if e.State == account.Online {
					online <- items
				}
			}
		})
		start := time.Now()
		go a.Run(context.Background())
		var n int
		select {
		case n = <-online:
		case <-time.After(30 * time.Second):
			t.Fatal("not online")
		}
		d := time.Since(start)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		a.Close(ctx)
		cancel()
		if n != rosterSize {
			t.Fatalf("%d contacts at login", n)
		}
		return d
	}
	login(cache) // fills the cache
	var full, cached []time.Duration
	for range 7 {
		full = append(full, login(nil))
		cached = append(cached, login(cache))
	}
	slices.Sort(full)
	slices.Sort(cached)
	report(t, "login_roster_full", full[3].Seconds()*1000, "ms")
	report(t, "login_roster_cached", cached[3].Seconds()*1000, "ms")
}
