package servertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const wait = 20 * time.Second

// TestPeers runs two slixmpp peers against one server: messages, raw
// stanzas, errors, subscription and presence, and a MUC room.
func TestPeers(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) { testPeers(t, Start(t, k)) })
}

func testPeers(t *testing.T, s *Server) {
	aliceJID := s.AddUser(t, "alice", "alice-pass")
	bobJID := s.AddUser(t, "bob", "bob-pass")
	alice := StartPeer(t, s, aliceJID, "alice-pass")
	bob := StartPeer(t, s, bobJID, "bob-pass")
	if !alice.JID.Bare().Equal(aliceJID) || alice.JID.Resourcepart() == "" {
		t.Fatalf("alice bound %v", alice.JID)
	}
	a, b := aliceJID.String(), bobJID.String()

	t.Run("message", func(t *testing.T) {
		alice.SendMessageID(b, "hello <bob> & 🎉", "m1")
		ev := bob.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "message" && e.ID == "m1" })
		if ev.Body != "hello <bob> & 🎉" || ev.Type != "chat" || !strings.HasPrefix(ev.From, a+"/") {
			t.Errorf("got %s", ev)
		}
	})
	t.Run("generated ids differ", func(t *testing.T) {
		bob.SendMessage(a, "one")
		bob.SendMessage(a, "two")
		one := alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "message" && e.Body == "one" })
		two := alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "message" && e.Body == "two" })
		if one.ID == "" || one.ID == two.ID {
			t.Errorf("ids %q %q", one.ID, two.ID)
		}
	})
	t.Run("raw", func(t *testing.T) {
		alice.SendRaw(`<message to='` + b + `' type='chat' id='raw1'><body>raw &lt;b&gt;</body><x xmlns='urn:example'/></message>`)
		ev := bob.Wait(t, wait, func(e PeerEvent) bool { return e.ID == "raw1" })
		if ev.Body != "raw <b>" || !strings.Contains(ev.Raw, "urn:example") {
			t.Errorf("got %s raw %s", ev, ev.Raw)
		}
	})
	t.Run("error", func(t *testing.T) {
		alice.SendMessageID("nobody@"+s.Domain, "anyone?", "e1")
		ev := alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "error" && e.ID == "e1" })
		if ev.Error == "" {
			t.Errorf("no condition in %s", ev)
		}
	})
	t.Run("iq", func(t *testing.T) {
		alice.SendRaw("<iq type='get' id='ping1' to='" + s.Domain + "'><ping xmlns='urn:xmpp:ping'/></iq>")
		ev := alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "iq" && e.ID == "ping1" })
		if ev.Type != "result" || ev.Error != "" {
			t.Errorf("got %s", ev)
		}
		// The peer itself answers requests it does not know with an error.
		alice.SendRaw("<iq type='get' id='odd1' to='" + bob.JID.String() + "'><odd xmlns='urn:example:odd'/></iq>")
		ev = alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "iq" && e.ID == "odd1" })
		if ev.Type != "error" || ev.Error == "" {
			t.Errorf("got %s", ev)
		}
	})
	t.Run("subscription and presence", func(t *testing.T) {
		alice.Subscribe(b) // bob approves automatically
		alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "subscribed" && e.From == b })
		bob.SetPresence("away", "lunch", 5)
		ev := alice.Wait(t, wait, func(e PeerEvent) bool {
			return e.Kind == "presence" && e.Show == "away" && strings.HasPrefix(e.From, b+"/")
		})
		if ev.Status != "lunch" || ev.Type != "" {
			t.Errorf("got %s", ev)
		}
	})
	t.Run("manual approval", func(t *testing.T) {
		alice.SetAutoApprove(false)
		bob.Subscribe(a)
		alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "subscribe" && e.From == b })
		alice.Approve(b)
		bob.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "subscribed" && e.From == a })
	})
	t.Run("muc", func(t *testing.T) {
		room := "lobby@" + s.MUC
		alice.JoinRoom(room, "Alice")
		alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "presence" && e.From == room+"/Alice" })
		bob.JoinRoomHistory(room, "Bob", 0)
		ev := alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "presence" && e.Nick == "Bob" })
		if ev.From != room+"/Bob" {
			t.Errorf("got %s", ev)
		}
		bob.SendGroup(room, "hi room")
		ev = alice.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "groupchat" && e.Body == "hi room" })
		if ev.Nick != "Bob" || ev.Type != "groupchat" || ev.Delayed {
			t.Errorf("got %s", ev)
		}
		bob.LeaveRoom(room)
		alice.Wait(t, wait, func(e PeerEvent) bool {
			return e.Kind == "presence" && e.Nick == "Bob" && e.Type == "unavailable"
		})
		// A late joiner gets the message as delayed history.
		carolJID := s.AddUser(t, "carol", "carol-pass")
		carol := StartPeer(t, s, carolJID, "carol-pass")
		carol.JoinRoom(room, "Carol")
		ev = carol.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "groupchat" && e.Body == "hi room" })
		if !ev.Delayed {
			t.Errorf("history replay not marked delayed: %s", ev)
		}
	})
	if got := len(alice.Events()); got == 0 {
		t.Error("Events empty")
	}
}

// TestPeerSeesServerStop checks that a peer reports the end of its stream.
func TestPeerSeesServerStop(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) { testPeerSeesServerStop(t, Start(t, k)) })
}

func testPeerSeesServerStop(t *testing.T, s *Server) {
	j := s.AddUser(t, "dave", "dave-pass")
	p := StartPeer(t, s, j, "dave-pass")
	s.Kill(t)
	p.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "disconnected" })
}

// errorMarks are how each server logs an error.
var errorMarks = map[Kind]string{Prosody: "\terror\t", Ejabberd: "[error]"}

// TestArchive checks that MAM works on the SQLite archive store, for 1:1
// and for a room, by querying with raw IQs from a peer.
func TestArchive(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) { testArchive(t, Start(t, k)) })
}

func testArchive(t *testing.T, s *Server) {
	hJID, iJID := s.AddUser(t, "hana", "pw-h"), s.AddUser(t, "ivan", "pw-i")
	hana, ivan := StartPeer(t, s, hJID, "pw-h"), StartPeer(t, s, iJID, "pw-i")
	room := "archived@" + s.MUC
	hana.JoinRoom(room, "hana")
	hana.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "presence" && e.From == room+"/hana" })
	hana.SendGroup(room, "room line")
	hana.Wait(t, wait, func(e PeerEvent) bool { return e.Kind == "groupchat" && e.Body == "room line" })
	hana.SendMessageID(iJID.String(), "archived line", "arch1")
	ivan.Wait(t, wait, func(e PeerEvent) bool { return e.ID == "arch1" })

	for _, tc := range []struct {
		name, to, want string
	}{
		{"account", "", "archived line"},
		{"room", room, "room line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to := ""
			if tc.to != "" {
				to = " to='" + tc.to + "'"
			}
			q := "q-" + tc.name
			hana.SendRaw("<iq type='set' id='" + q + "'" + to + "><query xmlns='urn:xmpp:mam:2' queryid='" + q + "'/></iq>")
			ev := hana.Wait(t, wait, func(e PeerEvent) bool {
				return e.Kind == "message" && strings.Contains(e.Raw, "queryid=\""+q+"\"")
			})
			if !strings.Contains(ev.Raw, tc.want) {
				t.Errorf("archive result lacks %q: %s", tc.want, ev.Raw)
			}
		})
	}
	if s.Kind == Prosody {
		if fi, err := os.Stat(filepath.Join(s.Dir, "data", "prosody.sqlite")); err != nil || fi.Size() == 0 {
			t.Errorf("archive not in SQLite: %v", err)
		}
	}
	if log := s.Log(); strings.Contains(log, errorMarks[s.Kind]) {
		t.Errorf("errors in the %s log:\n%s", s.Kind, log)
	}
}
