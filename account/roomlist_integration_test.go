package account

import (
	"context"
	"testing"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/muc"
)

// TestIntegrationRoomList lists the rooms of the MUC service (names and
// occupant counts as each server says them) and a room's affiliation
// lists, on each server.
func TestIntegrationRoomList(t *testing.T) { servertest.Each(t, testIntegrationRoomList) }

func testIntegrationRoomList(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRoomLocking())
	aliceJID := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
	bob := startOnline(t, testConfig(s, bobJID, "pw", "laptop"))
	lobby, dev := jid.MustParse("lobby@"+s.MUC), jid.MustParse("dev@"+s.MUC)
	for _, r := range []jid.JID{lobby, dev} {
		if err := alice.Join(ctx10(t), r, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, rn := range []struct {
		r    jid.JID
		name string
	}{{lobby, "The Lobby"}, {dev, "Developers"}} {
		name := rn.name
		if err := alice.moderate(ctx10(t), rn.r, func(ctx context.Context, sess *xmpp.Session, room jid.JID) error {
			return muc.Configure(ctx, sess, room, map[string][]string{"muc#roomconfig_roomname": {name}, "muc#roomconfig_publicroom": {"1"}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bob.Join(ctx10(t), lobby, "", ""); err != nil {
		t.Fatal(err)
	}

	t.Run("list", func(t *testing.T) {
		svc, rooms, cut, err := bob.ListRooms(ctx10(t), jid.JID{})
		if err != nil || cut || svc.String() != s.MUC {
			t.Fatalf("ListRooms = %v, %d rooms, cut %v, %v", svc, len(rooms), cut, err)
		}
		found := map[string]muc.RoomItem{}
		for _, r := range rooms {
			found[r.JID.String()] = r
		}
		if _, ok := found[lobby.String()]; !ok {
			t.Fatalf("lobby not listed: %+v", rooms)
		}
		if _, ok := found[dev.String()]; !ok {
			t.Fatalf("dev not listed: %+v", rooms)
		}
		t.Logf("%s lists %+v", kind, rooms)
		info, err := bob.RoomInfo(ctx10(t), lobby)
		if err != nil || info.Name != "The Lobby" || info.Occupants != 2 {
			t.Errorf("lobby info %+v, %v", info, err)
		}
		info, err = bob.RoomInfo(ctx10(t), dev)
		if err != nil || info.Name != "Developers" || info.Occupants != 1 {
			t.Errorf("dev info %+v, %v", info, err)
		}
		if _, _, _, err := bob.ListRooms(ctx10(t), jid.MustParse("nosuch.localhost")); err == nil {
			t.Errorf("a service that does not exist listed rooms")
		}
	})

	t.Run("affiliation lists", func(t *testing.T) {
		troll := jid.MustParse("troll@evil.example")
		if err := alice.SetAffiliation(ctx10(t), lobby, bobJID, "member", ""); err != nil {
			t.Fatal(err)
		}
		if err := alice.SetAffiliation(ctx10(t), lobby, troll, "outcast", "spam"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			aff, want, reason string
		}{
			{"owner", aliceJID.Bare().String(), ""},
			{"member", bobJID.Bare().String(), ""},
			{"outcast", troll.String(), "spam"},
		} {
			items, cut, err := alice.AffiliationList(ctx10(t), lobby, tc.aff)
			if err != nil || cut || len(items) != 1 || items[0].JID.String() != tc.want || items[0].Affiliation != muc.Affiliation(tc.aff) {
				t.Errorf("%s list = %+v, cut %v, %v", tc.aff, items, cut, err)
				continue
			}
			if tc.reason != "" && items[0].Reason != tc.reason {
				t.Logf("%s: the ban's reason is not listed: %+v", kind, items[0])
			}
		}
		if items, _, err := alice.AffiliationList(ctx10(t), lobby, "admin"); err != nil || len(items) != 0 {
			t.Errorf("admin list = %+v, %v", items, err)
		}
		// A member may not see the outcasts.
		if items, _, err := bob.AffiliationList(ctx10(t), lobby, "outcast"); err == nil {
			t.Errorf("a member got the outcast list: %+v", items)
		} else {
			t.Logf("%s refuses: %v", kind, err)
		}
	})
}
