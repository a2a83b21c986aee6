package chatlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
)

// Attacks by a contact on the history (issue 9, "messages that vanish"),
// through a real server, by a raw XMPP peer.

// forged is a chat message from the peer to acct with body, id and a
// stanza-id claiming to be by acct (and extra children).
func forged(acct jid.JID, id, sid, body, extra string) string {
	return "<message to='" + acct.String() + "' type='chat' id='" + id + "'><body>" + body + "</body>" +
		"<stanza-id xmlns='urn:xmpp:sid:0' by='" + acct.String() + "' id='" + sid + "'/>" + extra + "</message>"
}

func records(t *testing.T, store *history.Store, acct, peer jid.JID) []history.Record {
	t.Helper()
	recs, _, err := store.Tail(acct.String(), peer.String(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// waitHistory waits until the history with peer holds n messages.
func waitHistory(t *testing.T, store *history.Store, acct, peer jid.JID, n int) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for len(records(t, store, acct, peer)) < n {
		if time.Now().After(deadline) {
			var heads []string
			for _, b := range historyBodies(t, store, acct, peer) {
				heads = append(heads, b[:min(len(b), 12)])
			}
			t.Fatalf("history with %s: %d messages, want %d: %q", peer, len(heads), n, heads)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntegrationForgedStanzaID: bob sends two different messages with the
// same stanza-id claiming to be by alice's server. Prosody 0.12 passes
// bob's stanza-id through ahead of its own; ejabberd strips it. Either
// way both messages are stored and shown, the forged id is never taken as
// the server's, and the next catch-up does not anchor on it.
func TestIntegrationForgedStanzaID(t *testing.T) { servertest.Each(t, testIntegrationForgedStanzaID) }

func testIntegrationForgedStanzaID(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	bob := servertest.StartPeer(t, s, bobJID, "pw")
	dir := t.TempDir()
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { store.Close() }()
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	bob.SendRaw(forged(alice, "b1", "FORGED-1", "first", ""))
	bob.SendRaw(forged(alice, "b2", "FORGED-1", "second", ""))
	ui.waitBody(t, bobJID, "second")
	if got, want := ui.bodies(bobJID), []string{"first", "second"}; !slices.Equal(got, want) {
		t.Errorf("shown %q, want %q", got, want)
	}
	recs := records(t, store, alice, bobJID)
	if got := historyBodies(t, store, alice, bobJID); !slices.Equal(got, []string{"first", "second"}) {
		t.Fatalf("stored %q, want both", got)
	}
	for _, r := range recs {
		switch {
		case r.StanzaID == "FORGED-1":
			t.Errorf("%q stored with the forged stanza-id as the server's", r.Body)
		case kind == servertest.Prosody:
			// Two stanza-ids claim alice: neither is believed (the parser's
			// tests check that); a stanza-id here is the archive result's,
			// when the message came first with the login catch-up.
			t.Logf("prosody: %q stored with stanza-id %q", r.Body, r.StanzaID)
		case kind == servertest.Ejabberd && r.StanzaID == "":
			// ejabberd removed bob's and added its own, the only one.
			t.Errorf("%q: ejabberd's own stanza-id not kept", r.Body)
		}
	}
	a.stop(t)
	// The next login catches up without loss or duplicates, and its
	// anchor is an id the archive knows.
	anchor, err := rec.Anchor(alice)(alice)
	if err != nil || anchor == "FORGED-1" {
		t.Fatalf("anchor %q, %v", anchor, err)
	}
	bob.SendMessage(alice.String(), "third")
	time.Sleep(300 * time.Millisecond) // archived before the login
	a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	waitHistory(t, store, alice, bobJID, 3)
	a.stop(t)
	if got := historyBodies(t, store, alice, bobJID); !slices.Equal(got, []string{"first", "second", "third"}) {
		t.Errorf("after the catch-up: %q", got)
	}
	if e := ui.info("no longer has"); e != "" {
		t.Errorf("catch-up lost its anchor: %s", e)
	}
}

// info returns the first InfoEvent text containing sub, "" if none.
func (s *seen) info(sub string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events {
		if ie, ok := e.(account.InfoEvent); ok && strings.Contains(ie.Text, sub) {
			return ie.Text
		}
	}
	return ""
}

// TestIntegrationPoisonedAnchor: bob sends a message dated in the year
// 9999 with a forged stanza-id; then carol sends 150 messages while alice
// is offline. At the next login the catch-up anchors on an id the archive
// gave, not on bob's, and all 150 reach history.
func TestIntegrationPoisonedAnchor(t *testing.T) { servertest.Each(t, testIntegrationPoisonedAnchor) }

func testIntegrationPoisonedAnchor(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	carolJID := s.AddUser(t, "carol", "pw")
	bob := servertest.StartPeer(t, s, bobJID, "pw")
	carol := servertest.StartPeer(t, s, carolJID, "pw")
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	carol.SendMessage(alice.String(), "before")
	ui.waitBody(t, carolJID, "before")
	bob.SendRaw(forged(alice, "p1", "FORGED-1", "from the future", "<delay xmlns='urn:xmpp:delay' stamp='9999-01-01T00:00:00Z'/>"))
	ui.waitBody(t, bobJID, "from the future")
	a.stop(t)
	for _, r := range records(t, store, alice, bobJID) {
		if r.Time.Year() > time.Now().Year()+1 {
			t.Errorf("stored with the forged date %v", r.Time)
		}
	}
	anchor, err := rec.Anchor(alice)(alice)
	if err != nil || anchor == "" || anchor == "FORGED-1" {
		t.Fatalf("anchor %q, %v: want the archive's id of a message", anchor, err)
	}

	const n = 150
	for i := 1; i <= n; i++ {
		carol.SendMessageID(alice.String(), fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i))
	}
	carol.SendMessageID(carolJID.String(), "fence", "fence") // to herself, after the others
	carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "fence" })
	time.Sleep(300 * time.Millisecond) // archived before the login
	for range 2 {                      // every later login too
		a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
		waitHistory(t, store, alice, carolJID, n+1)
		a.stop(t)
	}
	want := append([]string{"before"}, func() []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("c%d", i))
		}
		return out
	}()...)
	if got := historyBodies(t, store, alice, carolJID); !slices.Equal(got, want) {
		t.Errorf("history with carol: %d messages %q, want %d", len(got), got, len(want))
	}
	if e := ui.info("no longer has"); e != "" {
		t.Errorf("catch-up lost its anchor: %s", e)
	}
}

// TestIntegrationReusedID: bob's client (resource phone) sends id msg1;
// alice's parley restarts (history is read back from the file) and bob's
// client, restarted with its id counter, sends a new message with id msg1.
// It is stored and shown.
func TestIntegrationReusedID(t *testing.T) { servertest.Each(t, testIntegrationReusedID) }

func testIntegrationReusedID(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	phone := jid.MustParse(bobJID.String() + "/phone")
	dir := t.TempDir()
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	bob := servertest.StartPeer(t, s, phone, "pw")
	if !bob.JID.Equal(phone) {
		t.Fatalf("peer bound %s, want %s", bob.JID, phone)
	}
	bob.SendMessageID(alice.String(), "see you at 5", "msg1")
	ui.waitBody(t, bobJID, "see you at 5")
	a.stop(t)
	bob.Close()
	store.Close()

	store, err = history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ui = &seen{}
	rec = New(store, ui.sink)
	a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	bob = servertest.StartPeer(t, s, phone, "pw")
	bob.SendMessageID(alice.String(), "URGENT", "msg1")
	ui.waitBody(t, bobJID, "URGENT")
	bob.SendMessageID(alice.String(), "fence", "msg2")
	ui.waitBody(t, bobJID, "fence")
	a.stop(t)
	if got, want := historyBodies(t, store, alice, bobJID), []string{"see you at 5", "URGENT", "fence"}; !slices.Equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	if got, want := ui.bodies(bobJID), []string{"URGENT", "fence"}; !slices.Equal(got, want) {
		t.Errorf("shown after the restart %q, want %q", got, want)
	}
}
