package e2e

import (
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestRoomListInTmux drives the real binary through /list: a room made
// public and named by its owner (a slixmpp peer) is listed with its name
// and occupants, Down and Enter (the keys tmux sends) join the selected
// room, and /names prints who is there.
func TestRoomListInTmux(t *testing.T) { servertest.Each(t, testRoomListInTmux) }

func testRoomListInTmux(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	s.AddUser(t, "me", "me-secret")
	carolJID := s.AddUser(t, "carol", "carol-secret")
	carol := servertest.StartPeer(t, s, carolJID, "carol-secret")
	for _, r := range []struct{ local, name string }{{"cafe", "Carol's Café"}, {"attic", "The Attic"}} {
		room := r.local + "@" + s.MUC
		carol.JoinRoom(room, "carol")
		carol.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "presence" && e.From == room+"/carol" })
		id := "cfg-" + r.local
		carol.SendRaw("<iq type='set' id='" + id + "' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
			"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>" +
			"<field var='muc#roomconfig_roomname'><value>" + r.name + "</value></field>" +
			"<field var='muc#roomconfig_publicroom'><value>1</value></field></x></query></iq>")
		if ev := carol.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "iq" && e.ID == id }); ev.Type != "result" {
			t.Fatalf("configuring %s: %s", room, ev)
		}
	}

	home := t.TempDir()
	tm := startTmux(t, home, bin, "-c", meConfig(t, s, home, `nick = "me"`))
	tm.waitFor("online", "[me@localhost: online]")
	tm.typeLine("/list")
	tm.waitFor("the list", "rooms of "+s.MUC+" (2)")
	tm.waitFor("the café", "Carol's Café")
	tm.waitFor("the attic", "The Attic")
	scr := tm.capture()
	for _, line := range strings.Split(scr, "\n") {
		if strings.Contains(line, "Carol's Café") && !strings.Contains(line, "1  cafe@"+s.MUC) {
			t.Errorf("the café's row lacks its count: %q", line)
		}
	}
	// Sorted by occupants, then address: attic, cafe (one each). Down
	// selects the café, Enter joins it.
	tm.keys("Down")
	tm.keys("Enter")
	tm.waitFor("the room window", "cafe <cafe@"+s.MUC+"> as me")
	tm.typeLine("/names")
	tm.waitFor("the names", "2 occupants in cafe@"+s.MUC)
	tm.waitFor("carol listed", "~carol")
	tm.typeLine("/quit")
	if code := tm.exitCode(10 * time.Second); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
