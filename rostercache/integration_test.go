package rostercache

import (
	"context"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/internal/servertest"
)

// recording is a File that counts its saves.
type recording struct {
	*File
	mu    sync.Mutex
	saves int
}

func (r *recording) Save(ver string, items []account.RosterItem) error {
	r.mu.Lock()
	r.saves++
	r.mu.Unlock()
	return r.File.Save(ver, items)
}

func (r *recording) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.saves
}

// session is one run of an account, with the roster as its events build
// it.
type session struct {
	*account.Account
	mu     sync.Mutex
	roster map[string]account.RosterItem
	full   int // full roster events
	online chan struct{}
	done   chan struct{}
}

func runSession(t *testing.T, s *servertest.Server, j jid.JID, store account.RosterStore) *session {
	t.Helper()
	se := &session{roster: map[string]account.RosterItem{}, online: make(chan struct{}), done: make(chan struct{})}
	var once sync.Once
	cfg := account.Config{
		JID: j, Password: func(context.Context) (string, error) { return "pw", nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "cache",
	}
	if store != nil {
		cfg.Roster = store
	}
	se.Account = account.New(cfg, func(ev account.Event) {
		switch e := ev.(type) {
		case account.RosterEvent:
			se.mu.Lock()
			if e.Full {
				se.full++
				se.roster = map[string]account.RosterItem{}
			}
			for _, it := range e.Items {
				if it.Subscription == "remove" {
					delete(se.roster, it.JID.String())
				} else {
					se.roster[it.JID.String()] = it
				}
			}
			se.mu.Unlock()
		case account.StateEvent:
			if e.State == account.Online {
				once.Do(func() { close(se.online) })
			}
		}
	})
	go func() { _ = se.Run(context.Background()); close(se.done) }()
	select {
	case <-se.online:
	case <-time.After(30 * time.Second):
		t.Fatal("not online")
	}
	return se
}

func (se *session) close(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = se.Close(ctx)
	<-se.done
}

func (se *session) has(names ...string) bool {
	se.mu.Lock()
	defer se.mu.Unlock()
	for _, n := range names {
		if _, ok := se.roster[n]; !ok {
			return false
		}
	}
	return len(se.roster) == len(names)
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// saved reports whether the file holds exactly the named contacts.
func saved(f *File, names ...string) bool {
	ver, items, err := f.Load()
	if err != nil || ver == "" || len(items) != len(names) {
		return false
	}
	for i, it := range items {
		if it.JID.String() != names[i] {
			return false
		}
	}
	return true
}

// TestIntegrationVersioning runs logins with the roster cache against
// both servers: pushes are saved with their version; a login with the
// current version gets nothing from the server and shows the saved
// roster; changes made meanwhile by another client arrive and are saved;
// a damaged file costs one full fetch.
func TestIntegrationVersioning(t *testing.T) { servertest.Each(t, testIntegrationVersioning) }

func testIntegrationVersioning(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	store := &recording{File: New(t.TempDir(), alice)}
	ctx := context.Background()
	bob, carol, dave := "bob@localhost", "carol@localhost", "dave@localhost"

	one := runSession(t, s, alice, store)
	for _, c := range []string{bob, carol} {
		if err := one.RosterSet(ctx, account.RosterItem{JID: jid.MustParse(c), Name: c[:3], Groups: []string{"Friends"}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the pushes saved", func() bool { return saved(store.File, bob, carol) })
	one.close(t)

	before := store.count()
	two := runSession(t, s, alice, store)
	if !two.has(bob, carol) {
		t.Fatalf("roster at login %v", two.roster)
	}
	time.Sleep(200 * time.Millisecond) // a save would follow the fetch at once
	if n := store.count(); n != before {
		t.Errorf("%d saves after a login with the current version: the server sent the roster again", n-before)
	}
	two.close(t)

	// Another client (no cache) changes the roster while we are away.
	other := runSession(t, s, alice, nil)
	if err := other.RosterSet(ctx, account.RosterItem{JID: jid.MustParse(dave)}); err != nil {
		t.Fatal(err)
	}
	if err := other.RosterRemove(ctx, jid.MustParse(bob)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other client's pushes", func() bool { return other.has(carol, dave) })
	other.close(t)

	three := runSession(t, s, alice, store)
	waitFor(t, "the changes at login", func() bool { return three.has(carol, dave) })
	waitFor(t, "the changes saved", func() bool { return saved(store.File, carol, dave) })
	three.close(t)

	if err := writeFile(store.Path(), "garbage\n"); err != nil {
		t.Fatal(err)
	}
	four := runSession(t, s, alice, store)
	if !four.has(carol, dave) {
		t.Errorf("roster after a damaged cache %v", four.roster)
	}
	waitFor(t, "the cache repaired", func() bool { return saved(store.File, carol, dave) })
	four.close(t)
}
