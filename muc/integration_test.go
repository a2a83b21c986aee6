package muc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/internal/servertest"
)

func TestIntegrationRoom(t *testing.T) { servertest.Each(t, testIntegrationRoom) }

func testIntegrationRoom(t *testing.T, kind servertest.Kind) {
	srv := servertest.Start(t, kind)
	srv.AddUser(t, "alice", "pw-alice")
	srv.AddUser(t, "carol", "pw-carol")
	bobJID := srv.AddUser(t, "bob", "pw-bob")
	alice := dialClient(t, srv, "alice", "pw-alice")
	carol := dialClient(t, srv, "carol", "pw-carol")
	bob := servertest.StartPeer(t, srv, bobJID, "pw-bob")
	room := jid.MustParse("witches@" + srv.MUC)

	t.Run("find service and create", func(t *testing.T) {
		svc, err := FindService(alice.ctx(t), alice.s, jid.MustParse(srv.Domain))
		if err != nil || svc.String() != srv.MUC {
			t.Fatalf("FindService: %v %v", svc, err)
		}
		_, err = RoomInfo(alice.ctx(t), alice.s, room)
		if !errors.Is(err, stanza.Error{Condition: stanza.ItemNotFound}) {
			t.Fatalf("RoomInfo of a missing room: %v", err)
		}
		sj := alice.joined(t, room, "alice", "")
		if !sj.Created || sj.Self.Role != RoleModerator || sj.Self.Affiliation != AffOwner {
			t.Fatalf("self joined %+v", sj)
		}
		if err := CreateInstant(alice.ctx(t), alice.s, room); err != nil {
			t.Fatalf("CreateInstant: %v", err)
		}
		alice.send(t, SubjectMessage(room, "Double, double toil and trouble"), nil)
		wait(t, alice, func(c SubjectChanged) bool { return c.Subject == "Double, double toil and trouble" && c.By == "alice" })
	})

	t.Run("occupants", func(t *testing.T) {
		bob.JoinRoom(room.String(), "bob")
		wait(t, alice, func(c OccupantJoined) bool { return c.Occupant.Nick == "bob" && !c.Initial })
		carol.join(t, room, "carol", "")
		j := wait(t, carol, func(c OccupantJoined) bool { return c.Occupant.Nick == "alice" })
		if !j.Initial || j.Occupant.Role != RoleModerator || j.Occupant.Affiliation != AffOwner {
			t.Errorf("alice as carol sees her: %+v", j)
		}
		wait(t, carol, func(SelfJoined) bool { return true })
		wait(t, carol, func(c SubjectChanged) bool { return c.Subject == "Double, double toil and trouble" })
		wait(t, alice, func(c OccupantJoined) bool { return c.Occupant.Nick == "carol" })
		carol.with(room, func(r *Room) {
			if got := nicks(r.Occupants()); got != "alice,bob,carol" {
				t.Errorf("carol's occupants %s", got)
			}
		})
		bob.Wait(t, waitFor, func(e servertest.PeerEvent) bool { return e.Kind == "presence" && e.Nick == "carol" })
	})

	t.Run("nick change", func(t *testing.T) {
		carol.with(room, func(r *Room) { r.RequestNick("Carolyn") })
		{
			p, err := NickPresence(room, "Carolyn")
			carol.send(t, p, err)
		}
		n := wait(t, carol, func(NickChanged) bool { return true })
		if !n.Self || n.Old != "carol" || n.New != "Carolyn" {
			t.Errorf("carol sees %+v", n)
		}
		n = wait(t, alice, func(NickChanged) bool { return true })
		if n.Self || n.New != "Carolyn" {
			t.Errorf("alice sees %+v", n)
		}
		bob.Wait(t, waitFor, func(e servertest.PeerEvent) bool { return e.Kind == "presence" && e.Nick == "Carolyn" })
		// conflict: bob's nick is taken
		carol.with(room, func(r *Room) { r.RequestNick("bob") })
		{
			p, err := NickPresence(room, "bob")
			carol.send(t, p, err)
		}
		e := wait(t, carol, func(JoinError) bool { return true })
		if !e.NickChange || e.Condition != stanza.Conflict || e.SuggestedNick != "bob_" {
			t.Errorf("nick conflict %+v", e)
		}
		carol.with(room, func(r *Room) {
			if r.State() != Joined || r.Nick() != "Carolyn" {
				t.Errorf("after conflict: %s %s", r.State(), r.Nick())
			}
		})
	})

	t.Run("voice and membership", func(t *testing.T) {
		if err := SetRole(alice.ctx(t), alice.s, room, "Carolyn", RoleVisitor, "hush"); err != nil {
			t.Fatal(err)
		}
		rc := wait(t, carol, func(c RoleChanged) bool { return c.Self })
		if rc.New != RoleVisitor {
			t.Errorf("role %+v", rc)
		}
		if err := SetAffiliation(alice.ctx(t), alice.s, room, carol.jid, AffMember, ""); err != nil {
			t.Fatal(err)
		}
		wait(t, alice, func(c AffiliationChanged) bool { return c.Nick == "Carolyn" && c.New == AffMember })
		// a visitor may not kick
		err := Kick(carol.ctx(t), carol.s, room, "alice", "")
		if err == nil || !strings.Contains(RequestErrorText(err), "not") {
			t.Errorf("visitor kick: %v", err)
		}
	})

	t.Run("kick", func(t *testing.T) {
		if err := Kick(alice.ctx(t), alice.s, room, "Carolyn", "out you go"); err != nil {
			t.Fatal(err)
		}
		l := wait(t, carol, func(OccupantLeft) bool { return true })
		if !l.Self || l.Cause != Kicked || l.Reason != "out you go" {
			t.Errorf("carol sees %+v", l)
		}
		l = wait(t, alice, func(c OccupantLeft) bool { return c.Occupant.Nick == "Carolyn" })
		if l.Self || l.Cause != Kicked {
			t.Errorf("alice sees %+v", l)
		}
		ev := bob.Wait(t, waitFor, func(e servertest.PeerEvent) bool {
			return e.Kind == "presence" && e.Nick == "Carolyn" && e.Type == "unavailable"
		})
		if !strings.Contains(ev.Raw, "307") {
			t.Errorf("bob sees no 307: %s", ev.Raw)
		}
		carol.with(room, func(r *Room) {
			if r.State() != NotJoined || r.Len() != 0 {
				t.Errorf("after kick %s %d", r.State(), r.Len())
			}
		})
		// self-ping from outside the room
		res, _ := SelfPing(carol.ctx(t), carol.s, jid.MustParse(room.String()+"/Carolyn"))
		if res != PingNotJoined {
			t.Errorf("self-ping after kick: %s", res)
		}
		res, err := SelfPing(alice.ctx(t), alice.s, jid.MustParse(room.String()+"/alice"))
		if res != PingJoined {
			t.Errorf("self-ping in room: %s %v", res, err)
		}
	})

	t.Run("ban", func(t *testing.T) {
		carol.joined(t, room, "carol", "")
		if err := Ban(alice.ctx(t), alice.s, room, carol.jid, "enough"); err != nil {
			t.Fatal(err)
		}
		l := wait(t, carol, func(OccupantLeft) bool { return true })
		if !l.Self || l.Cause != Banned {
			t.Errorf("carol sees %+v", l)
		}
		l = wait(t, alice, func(c OccupantLeft) bool { return c.Occupant.Nick == "carol" })
		if l.Cause != Banned {
			t.Errorf("alice sees %+v", l)
		}
		t.Run("the banned user cannot enter again", func(t *testing.T) {
			srv.Require(t, servertest.BanHolds)
			carol.join(t, room, "carol", "")
			e := wait(t, carol, func(JoinError) bool { return true })
			if e.Condition != stanza.Forbidden || e.NickChange {
				t.Errorf("banned rejoin %+v", e)
			}
		})
		if err := SetAffiliation(alice.ctx(t), alice.s, room, carol.jid, AffNone, ""); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("invites", func(t *testing.T) {
		alice.send(t, MediatedInvite(room, carol.jid.Bare(), "come back"), nil)
		// XEP-0045 §7.8.2: the room names the inviter by bare or full JID
		// (ejabberd: full), or by occupant JID in a semi-anonymous room
		// (Prosody's default).
		m := waitMsg(t, carol, func(m Message) bool { return m.Invite != nil && !m.Invite.Direct })
		if !m.Invite.Room.Equal(room) || (m.Invite.From.Bare().String() != "alice@"+srv.Domain && m.Invite.From.String() != room.String()+"/alice") || m.Invite.Reason != "come back" {
			t.Errorf("mediated %+v", m.Invite)
		}
		alice.send(t, DirectInvite(room, carol.jid.Bare(), "really", ""), nil)
		m = waitMsg(t, carol, func(m Message) bool { return m.Invite != nil && m.Invite.Direct })
		if !m.Invite.Room.Equal(room) || m.Invite.Reason != "really" {
			t.Errorf("direct %+v", m.Invite)
		}
	})

	t.Run("password room and conflict", func(t *testing.T) {
		locked := jid.MustParse("locked@" + srv.MUC)
		alice.joined(t, locked, "alice", "")
		err := Configure(alice.ctx(t), alice.s, locked, map[string][]string{
			"muc#roomconfig_passwordprotectedroom": {"1"},
			"muc#roomconfig_roomsecret":            {"cauldron"},
		})
		if err != nil {
			t.Fatalf("configure: %v", err)
		}
		info, err := RoomInfo(carol.ctx(t), carol.s, locked)
		if err != nil || !info.PasswordProtected || !info.MAM {
			t.Errorf("room info %+v %v", info, err)
		}
		carol.join(t, locked, "carol", "")
		e := wait(t, carol, func(JoinError) bool { return true })
		if e.Condition != stanza.NotAuthorized {
			t.Errorf("no password: %+v", e)
		}
		carol.join(t, locked, "alice", "cauldron")
		e = wait(t, carol, func(JoinError) bool { return true })
		if e.Condition != stanza.Conflict || e.SuggestedNick != "alice_" || e.NickChange {
			t.Errorf("conflict: %+v", e)
		}
		carol.joined(t, locked, e.SuggestedNick, "cauldron")
	})

	t.Run("destroy", func(t *testing.T) {
		carol.joined(t, room, "carol", "")
		alt := jid.MustParse("locked@" + srv.MUC)
		if err := Destroy(alice.ctx(t), alice.s, room, "the play is over", alt); err != nil {
			t.Fatal(err)
		}
		d := wait(t, carol, func(Destroyed) bool { return true })
		if d.Reason != "the play is over" || !d.Alternate.Equal(alt) {
			t.Errorf("destroyed %+v", d)
		}
		carol.with(room, func(r *Room) {
			if r.State() != NotJoined {
				t.Errorf("state %s", r.State())
			}
		})
		bob.Wait(t, waitFor, func(e servertest.PeerEvent) bool {
			return e.Kind == "presence" && e.Type == "unavailable" && strings.Contains(e.Raw, "destroy")
		})
	})
}

func nicks(os []Occupant) string {
	var n []string
	for _, o := range os {
		n = append(n, o.Nick)
	}
	return strings.Join(n, ",")
}

func TestIntegrationBookmarks(t *testing.T) { servertest.Each(t, testIntegrationBookmarks) }

func testIntegrationBookmarks(t *testing.T, kind servertest.Kind) {
	srv := servertest.Start(t, kind)
	srv.AddUser(t, "alice", "pw-alice")
	one := dialClient(t, srv, "alice", "pw-alice")
	// Prosody keeps XEP-0048 and XEP-0402 in step; ejabberd does not.
	want := map[servertest.Kind]BookmarkStore{servertest.Prosody: StorePEPCompat, servertest.Ejabberd: StorePEP}[kind]
	store, err := DetectBookmarkStore(one.ctx(t), one.s)
	if err != nil || store != want {
		t.Fatalf("store %d %v, want %d", store, err, want)
	}
	for _, store := range []BookmarkStore{store, StorePrivate} {
		t.Run(store.String(), func(t *testing.T) {
			room := jid.MustParse(fmt.Sprintf("room%d@%s", store, srv.MUC))
			b := Bookmark{Room: room, Name: "The Room", Nick: "al", Password: "pw", Autojoin: true}
			if used, err := PublishBookmark(one.ctx(t), one.s, store, b); err != nil || used != store {
				t.Fatalf("stored in %d (%v), want %d", used, err, store)
			}
			b.Name = "Renamed"
			if _, err := PublishBookmark(one.ctx(t), one.s, store, b); err != nil {
				t.Fatal(err)
			}
			list, err := FetchBookmarks(one.ctx(t), one.s, store)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list, func(x Bookmark) bool { return x.Room.Equal(room) })
			if i < 0 || list[i].Name != b.Name || list[i].Nick != b.Nick || list[i].Password != b.Password || !list[i].Autojoin {
				t.Fatalf("fetched %+v", list)
			}
			if n := countRoom(list, room); n != 1 {
				t.Errorf("%d bookmarks for the room", n)
			}
			if err := RemoveBookmark(one.ctx(t), one.s, store, room); err != nil {
				t.Fatal(err)
			}
			list, err = FetchBookmarks(one.ctx(t), one.s, store)
			if err != nil || countRoom(list, room) != 0 {
				t.Fatalf("after remove %+v %v", list, err)
			}
		})
	}
	t.Run("push", func(t *testing.T) {
		if err := SubscribeBookmarks(one.ctx(t), one.s); err != nil {
			t.Fatal(err)
		}
		two := dialClient(t, srv, "alice", "pw-alice")
		room := jid.MustParse("pushed@" + srv.MUC)
		if _, err := PublishBookmark(two.ctx(t), two.s, StorePEP, Bookmark{Room: room, Nick: "al", Autojoin: true}); err != nil {
			t.Fatal(err)
		}
		account := one.jid.Bare()
		// ejabberd also notified us of the publishes above.
		m := waitMsg(t, one, func(m Message) bool {
			ev, ok := m.Bookmarks(account)
			return ok && len(ev.Published) > 0 && ev.Published[0].Room.Equal(room)
		})
		ev, _ := m.Bookmarks(account)
		if len(ev.Published) != 1 || !ev.Published[0].Room.Equal(room) || ev.Published[0].Nick != "al" {
			t.Errorf("push %+v", ev)
		}
		if err := RemoveBookmark(two.ctx(t), two.s, StorePEP, room); err != nil {
			t.Fatal(err)
		}
		m = waitMsg(t, one, func(m Message) bool { ev, ok := m.Bookmarks(account); return ok && len(ev.Retracted) > 0 })
		ev, _ = m.Bookmarks(account)
		if !ev.Retracted[0].Equal(room) {
			t.Errorf("retract %+v", ev)
		}
	})
}

// TestIntegrationBookmarkFallback makes the PEP service refuse every
// publish-options parley sends (the node exists, open to all, so the
// whitelist precondition fails): the bookmark goes to XEP-0048 private
// storage, is listed from there and removed from there.
func TestIntegrationBookmarkFallback(t *testing.T) {
	servertest.Each(t, testIntegrationBookmarkFallback)
}

func testIntegrationBookmarkFallback(t *testing.T, kind servertest.Kind) {
	srv := servertest.Start(t, kind)
	srv.AddUser(t, "erin", "pw-erin")
	c := dialClient(t, srv, "erin", "pw-erin")
	var q pubsubPublish
	q.Publish.Node = NSBookmarks
	q.Publish.Item = publishItem{ID: "open@" + srv.MUC, Conf: wireConference{Name: "open node"}}
	q.Options.X = dataForm{Type: "submit", Fields: []formField{
		{Var: "FORM_TYPE", Type: "hidden", Values: []string{NSPublishOptions}},
		{Var: "pubsub#access_model", Values: []string{"open"}},
	}}
	if err := request(c.ctx(t), c.s, stanza.SetIQ, jid.JID{}, q, nil); err != nil {
		t.Fatal(err)
	}
	room := jid.MustParse("refuge@" + srv.MUC)
	used, err := PublishBookmark(c.ctx(t), c.s, StorePEP, Bookmark{Room: room, Name: "Refuge", Autojoin: true})
	if err != nil || used != StorePrivate {
		t.Fatalf("stored in %d (%v), want private storage", used, err)
	}
	list, err := FetchBookmarks(c.ctx(t), c.s, StorePEP)
	if err != nil || countRoom(list, room) != 1 {
		t.Fatalf("fetched %+v %v", list, err)
	}
	if err := RemoveBookmark(c.ctx(t), c.s, StorePEP, room); err != nil {
		t.Fatal(err)
	}
	if list, err = FetchBookmarks(c.ctx(t), c.s, StorePEP); err != nil || countRoom(list, room) != 0 {
		t.Fatalf("after remove %+v %v", list, err)
	}
}

// TestStoreErrorText checks that a refusal names the service that refused
// and its reason, never "the room".
func TestStoreErrorText(t *testing.T) {
	err := &StoreError{Store: StorePEP,
		Err:  stanza.Error{Condition: stanza.ResourceConstraint, Text: map[string]string{"en": "Unknown field 'pubsub#max_items'"}},
		Then: &StoreError{Store: StorePrivate, Err: stanza.Error{Condition: stanza.Condition("\x1bevil")}}}
	want := "your server's PEP (XEP-0402) refused it (resource-constraint: Unknown field 'pubsub#max_items'); then your server's private storage (XEP-0048) refused it (undefined-condition)"
	if got := err.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func countRoom(list []Bookmark, room jid.JID) int {
	n := 0
	for _, b := range list {
		if b.Room.Equal(room) {
			n++
		}
	}
	return n
}

func TestIntegrationFiftyOccupants(t *testing.T) { servertest.Each(t, testIntegrationFiftyOccupants) }

func testIntegrationFiftyOccupants(t *testing.T, kind servertest.Kind) {
	srv := servertest.Start(t, kind)
	const n = 50
	for i := 0; i < n; i++ {
		srv.AddUser(t, fmt.Sprintf("u%02d", i), "pw")
	}
	room := jid.MustParse("crowd@" + srv.MUC)
	clients := make([]*client, n)
	clients[0] = dialClient(t, srv, "u00", "pw")
	clients[0].joined(t, room, "u00", "")
	for i := 1; i < n; i++ {
		clients[i] = dialClient(t, srv, fmt.Sprintf("u%02d", i), "pw")
	}
	start := time.Now()
	for i := 1; i < n; i++ {
		clients[i].join(t, room, fmt.Sprintf("U%02d", i), "")
	}
	for i := 1; i < n; i++ {
		wait(t, clients[i], func(SelfJoined) bool { return true })
	}
	t.Logf("49 joins took %v", time.Since(start))
	deadline := time.Now().Add(waitFor)
	for {
		var count int
		clients[0].with(room, func(r *Room) { count = r.Len() })
		if count == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var first, last []Occupant
	clients[0].with(room, func(r *Room) { first = r.Occupants() })
	if len(first) != n || first[0].Nick != "u00" || first[0].Role != RoleModerator {
		t.Fatalf("u00 sees %d occupants: %s", len(first), nicks(first))
	}
	for i := 1; i < n; i++ {
		if want := fmt.Sprintf("U%02d", i); first[i].Nick != want {
			t.Errorf("occupant %d is %s, want %s", i, first[i].Nick, want)
		}
	}
	// The last to join sees everyone once the presences of those whose
	// joins the server handled after its own have come in: in its initial
	// list or after it, never fewer for good.
	deadline = time.Now().Add(waitFor)
	for {
		clients[n-1].with(room, func(r *Room) { last = r.Occupants() })
		if len(last) == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(last) != n {
		t.Errorf("last joiner sees %d occupants: %s", len(last), nicks(last))
	}
}
