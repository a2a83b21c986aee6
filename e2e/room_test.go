package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestRoomSession drives the real binary through the roster and group-chat
// commands: contacts added into groups with /roster and /sub, a room joined
// by its short name (the MUC service comes from disco), an occupant joining,
// a message that mentions us, and our message reaching the other occupant.
func TestRoomSession(t *testing.T) {
	tmuxOrSkip(t)
	s := servertest.Start(t, servertest.Prosody)
	s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	carolJID := s.AddUser(t, "carol", "carol-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")
	carol := servertest.StartPeer(t, s, carolJID, "carol-secret")
	peer.SetPresence("away", "at lunch", 0)

	home := t.TempDir()
	cfg := meConfig(t, s, home, `nick = "me"`)

	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	for _, c := range []struct{ jid, name, group string }{
		{peerJID.String(), "Peer", "Friends"},
		{carolJID.String(), "Carol", "Work"},
	} {
		tm.typeLine("/roster add " + c.jid + " " + c.name)
		tm.typeLine("/roster group " + c.jid + " " + c.group)
		tm.typeLine("/sub request " + c.jid)
		tm.waitFor(c.name+" in "+c.group, c.group)
	}
	tm.waitFor("peer's presence", "◐ Peer")
	tm.waitFor("carol's presence", "● Carol")

	room := "lounge@" + s.MUC
	tm.typeLine("/join lounge")
	tm.waitFor("room window", room)
	carol.JoinRoom(room, "carol")
	tm.waitFor("carol in the occupant list", "carol")

	carol.SendGroup(room, "me: welcome to the lounge")
	tm.waitFor("carol's message", "carol: me: welcome to the lounge")
	tm.typeLine("hello room")
	carol.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "groupchat" && e.Body == "hello room" && e.Nick == "me"
	})
	tm.waitFor("our message in the room", "me: hello room")
	if name := os.Getenv("PARLEY_E2E_ROOM_SCREEN"); name != "" {
		if err := os.WriteFile(name, []byte(tm.capture()), 0o644); err != nil {
			t.Error(err)
		}
	}
	scr := tm.capture()
	for _, want := range []string{"Friends", "Work", "Moderators", "Participants"} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}

	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
	carol.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "presence" && e.Type == "unavailable" && e.From == room+"/me"
	})
}
