package ui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/internal/servertest"
)

// TestIntegrationRoomConfigUI drives the room commands of a UI on a real
// account, on each server (rooms locked until configured where the server
// does that): /join -configure creates a room from its form (name,
// password, public), a slixmpp peer is refused without the password and
// let in with it; /list shows the room with its name and occupants; /names
// and /affiliation list print; /configure makes it members-only and a
// second peer, not a member, is refused.
func TestIntegrationRoomConfigUI(t *testing.T) { servertest.Each(t, testIntegrationRoomConfigUI) }

func testIntegrationRoomConfigUI(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRoomLocking())
	alice := s.AddUser(t, "alice", "pw")
	carolJID, daveJID := s.AddUser(t, "carol", "pw"), s.AddUser(t, "dave", "pw")
	h := startLive(t, s, alice, openStore(t))
	vault := "vault@" + s.MUC

	// fill sets fields of the form window shown (their order differs
	// between servers: the keys that fill a form are tested in
	// form_test.go) and submits it with Ctrl-S.
	fill := func(values map[string]string) {
		t.Helper()
		h.waitFor("form window", func() bool {
			w := h.u.curWin()
			return w.kind == winForm && w.form.form.Field("muc#roomconfig_roomsecret") != nil
		})
		h.sync(func() {
			f := h.u.curWin().form.form
			for v, val := range values {
				if fd := f.Field(v); fd != nil {
					fd.Values = []string{val}
				}
			}
		})
		h.key(tcell.KeyCtrlS, 0, 0)
		h.waitFor("form submitted", func() bool { return h.u.curWin().kind != winForm })
	}

	// said waits for a line containing text in any window.
	said := func(text string) {
		t.Helper()
		h.waitFor("a line "+text, func() bool {
			for _, w := range h.u.wins {
				if countContaining(entryTexts(w), text) > 0 {
					return true
				}
			}
			return false
		})
	}
	h.enter("/join " + vault + " -configure")
	said("Submit opens the room so configured, Cancel destroys it")
	fill(map[string]string{
		"muc#roomconfig_roomname":              "The Vault",
		"muc#roomconfig_roomsecret":            "s3cret",
		"muc#roomconfig_passwordprotectedroom": "1", // ejabberd; Prosody has the secret only
		"muc#roomconfig_publicroom":            "1",
		"muc#roomconfig_persistentroom":        "1",
	})
	said("the configuration of " + vault + " was saved")

	carol := servertest.StartPeer(t, s, carolJID, "pw")
	carol.JoinRoom(vault, "carol")
	refused := carol.Wait(t, liveWait, func(e servertest.PeerEvent) bool { return e.Kind == "error" && strings.HasPrefix(e.From, vault) })
	if refused.Error != "not-authorized" {
		t.Errorf("carol without the password: %s", refused)
	}
	carol.SendRaw("<presence to='" + vault + "/carol'><x xmlns='http://jabber.org/protocol/muc'><password>s3cret</password></x></presence>")
	h.waitFor("carol in the room", func() bool {
		for _, w := range h.u.wins {
			if w.kind == winRoom {
				if _, ok := w.room.occ.Get("carol"); ok {
					return true
				}
			}
		}
		return false
	})

	h.enter("/names")
	h.waitScreen("2 occupants in " + vault)
	h.enter("/affiliation list owner")
	h.waitScreen("owners (1):")
	if !strings.Contains(h.text(), alice.Bare().String()) {
		t.Errorf("the owner list lacks alice:\n%s", h.text())
	}
	h.enter("/list")
	h.waitFor("room listed", func() bool {
		w := h.u.curWin()
		if w.kind != winRooms || w.rlist == nil {
			return false
		}
		for _, r := range w.rlist.rooms {
			if r.JID.String() == vault && r.Name == "The Vault" && r.Occupants == 2 {
				return true
			}
		}
		return false
	})
	h.waitScreen("The Vault")
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("room window", func() bool { return h.u.curWin().kind == winRoom })

	h.enter("/configure")
	fill(map[string]string{"muc#roomconfig_membersonly": "1"})
	said("the configuration of " + vault + " was saved")
	dave := servertest.StartPeer(t, s, daveJID, "pw")
	dave.SendRaw("<presence to='" + vault + "/dave'><x xmlns='http://jabber.org/protocol/muc'><password>s3cret</password></x></presence>")
	refused = dave.Wait(t, liveWait, func(e servertest.PeerEvent) bool { return e.Kind == "error" && strings.HasPrefix(e.From, vault) })
	if refused.Error != "registration-required" {
		t.Errorf("dave, not a member: %s", refused)
	}

	// A new room whose form is cancelled is destroyed.
	gone := "gone@" + s.MUC
	h.enter("/join " + gone + " -configure")
	h.waitFor("form window", func() bool { return h.u.curWin().kind == winForm })
	h.key(tcell.KeyEscape, 0, 0)
	said("creation of " + gone + " cancelled: the room is destroyed")
}
