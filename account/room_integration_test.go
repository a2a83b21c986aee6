package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/muc"
)

// roomEventWith waits for a RoomEvent of room that has a change accepted by
// match (and, when match is nil, any event of room accepted by cond).
func (r *running) roomChange(t *testing.T, room jid.JID, match func(muc.Change) bool) RoomEvent {
	t.Helper()
	return r.rec.wait(t, waitLong, func(e Event) bool {
		re, ok := e.(RoomEvent)
		if !ok || !re.Room.Equal(room) {
			return false
		}
		for _, c := range re.Changes {
			if match(c) {
				return true
			}
		}
		return false
	}).(RoomEvent)
}

func (r *running) groupMessage(t *testing.T, room jid.JID, body string) Message {
	t.Helper()
	return r.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Body == body && me.Msg.Peer().Bare().Equal(room)
	}).(MessageEvent).Msg
}

func (r *running) count(match func(Event) bool) int {
	n := 0
	for _, e := range r.rec.all() {
		if match(e) {
			n++
		}
	}
	return n
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func selfJoined(c muc.Change) bool { _, ok := c.(muc.SelfJoined); return ok }

func roomErr(t *testing.T, err error, want string) *RoomError {
	t.Helper()
	var re *RoomError
	if !errors.As(err, &re) || !strings.Contains(re.Text, want) {
		t.Fatalf("error %v, want a RoomError with %q", err, want)
	}
	return re
}

// TestIntegrationRooms runs the group-chat features against each server
// (room locking on, so creation goes through the instant-room form) with
// parley accounts and a slixmpp peer as occupants.
func TestIntegrationRooms(t *testing.T) { servertest.Each(t, testIntegrationRooms) }

func testIntegrationRooms(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRoomLocking())
	aliceJID := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	carolJID := s.AddUser(t, "carol", "pw")
	alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
	bob := startOnline(t, testConfig(s, bobJID, "pw", "laptop"))
	carol := servertest.StartPeer(t, s, carolJID, "pw")
	room := func(name string) jid.JID { return jid.MustParse(name + "@" + s.MUC) }
	lounge := room("lounge")

	t.Run("service", func(t *testing.T) {
		svc, err := alice.MUCService(ctx10(t))
		if err != nil || svc.String() != s.MUC {
			t.Fatalf("MUCService = %v, %v", svc, err)
		}
	})

	t.Run("create and join", func(t *testing.T) {
		if err := alice.Join(ctx10(t), lounge, "", ""); err != nil {
			t.Fatal(err)
		}
		ev := alice.roomChange(t, lounge, selfJoined)
		sj := ev.Changes[len(ev.Changes)-1].(muc.SelfJoined)
		if !sj.Created || ev.Nick != "alice" || ev.State != muc.Joined || ev.Count != 1 || sj.Self.Affiliation != muc.AffOwner {
			t.Errorf("join event %+v", ev)
		}
		carol.JoinRoom(lounge.String(), "carol") // the room is open: the instant form was accepted
		alice.roomChange(t, lounge, func(c muc.Change) bool {
			j, ok := c.(muc.OccupantJoined)
			return ok && j.Occupant.Nick == "carol" && !j.Initial
		})
		if got := alice.Rooms(); len(got) != 1 || !got[0].Equal(lounge) {
			t.Errorf("Rooms = %v", got)
		}
	})

	t.Run("messages both ways", func(t *testing.T) {
		carol.SendGroup(lounge.String(), "hello from carol")
		m := alice.groupMessage(t, lounge, "hello from carol")
		if m.Dir != In || m.Nick != "carol" || m.Type != "groupchat" || m.StanzaIDBy != lounge.String() || m.StanzaID == "" {
			t.Errorf("received %+v", m)
		}
		sent, err := alice.SendMessage(ctx10(t), lounge, "groupchat", "hello from alice")
		if err != nil {
			t.Fatal(err)
		}
		carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "groupchat" && e.Body == "hello from alice" && e.Nick == "alice"
		})
		m = alice.groupMessage(t, lounge, "hello from alice")
		if m.Dir != Out || m.OriginID != sent.OriginID || !m.Peer().Equal(lounge) || m.Nick != "alice" {
			t.Errorf("reflection %+v", m)
		}
		time.Sleep(300 * time.Millisecond)
		if n := alice.count(func(e Event) bool { me, ok := e.(MessageEvent); return ok && me.Msg.Body == "hello from alice" }); n != 1 {
			t.Errorf("our message seen %d times, want once", n)
		}
	})

	t.Run("our presence reaches the room", func(t *testing.T) {
		if err := alice.SetPresence(ctx10(t), ShowAway, "lunch"); err != nil {
			t.Fatal(err)
		}
		carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "presence" && e.From == lounge.String()+"/alice" && e.Show == "away" && e.Status == "lunch"
		})
		if err := alice.SetPresence(ctx10(t), ShowOnline, ""); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("subject", func(t *testing.T) {
		if err := alice.SetSubject(ctx10(t), lounge, "plans for today"); err != nil {
			t.Fatal(err)
		}
		ev := alice.roomChange(t, lounge, func(c muc.Change) bool { s, ok := c.(muc.SubjectChanged); return ok && s.Subject == "plans for today" })
		if ev.Subject != "plans for today" {
			t.Errorf("subject %q", ev.Subject)
		}
	})

	t.Run("nick change and conflict", func(t *testing.T) {
		if err := alice.ChangeNick(ctx10(t), lounge, "alice2"); err != nil {
			t.Fatal(err)
		}
		ev := alice.roomChange(t, lounge, func(c muc.Change) bool { n, ok := c.(muc.NickChanged); return ok && n.Self && n.New == "alice2" })
		if ev.Nick != "alice2" {
			t.Errorf("nick %q", ev.Nick)
		}
		re := roomErr(t, alice.ChangeNick(ctx10(t), lounge, "carol"), "already in use")
		if re.SuggestedNick != "carol_" {
			t.Errorf("suggested %q", re.SuggestedNick)
		}
		re = roomErr(t, bob.Join(ctx10(t), lounge, "carol", ""), "already in use")
		if re.SuggestedNick != "carol_" || len(bob.Rooms()) != 0 {
			t.Errorf("suggested %q, rooms %v", re.SuggestedNick, bob.Rooms())
		}
	})

	t.Run("private messages", func(t *testing.T) {
		carol.SendMessage(lounge.String()+"/alice2", "psst alice")
		m := alice.rec.wait(t, waitLong, func(e Event) bool { me, ok := e.(MessageEvent); return ok && me.Msg.Body == "psst alice" }).(MessageEvent).Msg
		if !m.Private || m.Peer().String() != lounge.String()+"/carol" || m.Dir != In {
			t.Errorf("private in %+v (peer %s)", m, m.Peer())
		}
		to := jid.MustParse(lounge.String() + "/carol")
		if _, err := alice.SendMessage(ctx10(t), to, "chat", "psst carol"); err != nil {
			t.Fatal(err)
		}
		carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "message" && e.Body == "psst carol" && e.From == lounge.String()+"/alice2"
		})
		out := alice.rec.wait(t, waitLong, func(e Event) bool { me, ok := e.(MessageEvent); return ok && me.Msg.Body == "psst carol" }).(MessageEvent).Msg
		if !out.Private || out.Dir != Out || !out.Peer().Equal(to) || out.Nick != "alice2" {
			t.Errorf("private out %+v", out)
		}
	})

	t.Run("kick and ban from both sides", func(t *testing.T) {
		if err := bob.Join(ctx10(t), lounge, "bob", ""); err != nil {
			t.Fatal(err)
		}
		if err := alice.Kick(ctx10(t), lounge, "bob", "be nice"); err != nil {
			t.Fatal(err)
		}
		ev := bob.roomChange(t, lounge, func(c muc.Change) bool { l, ok := c.(muc.OccupantLeft); return ok && l.Self && l.Cause == muc.Kicked })
		if ev.State != muc.NotJoined || len(bob.Rooms()) != 0 {
			t.Errorf("kicked: %+v, rooms %v", ev, bob.Rooms())
		}
		alice.roomChange(t, lounge, func(c muc.Change) bool {
			l, ok := c.(muc.OccupantLeft)
			return ok && !l.Self && l.Occupant.Nick == "bob" && l.Cause == muc.Kicked && l.Reason == "be nice"
		})

		if err := bob.Join(ctx10(t), lounge, "bob", ""); err != nil {
			t.Fatal(err)
		}
		if err := alice.Ban(ctx10(t), lounge, bobJID, "enough"); err != nil {
			t.Fatal(err)
		}
		bob.roomChange(t, lounge, func(c muc.Change) bool { l, ok := c.(muc.OccupantLeft); return ok && l.Self && l.Cause == muc.Banned })
		alice.roomChange(t, lounge, func(c muc.Change) bool { l, ok := c.(muc.OccupantLeft); return ok && !l.Self && l.Cause == muc.Banned })
		roomErr(t, bob.Join(ctx10(t), lounge, "bob", ""), "banned")
		if err := bob.Kick(ctx10(t), lounge, "alice2", ""); err == nil {
			t.Error("a banned user could kick")
		}
		if err := alice.SetAffiliation(ctx10(t), lounge, bobJID, "none", ""); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("invitations", func(t *testing.T) {
		party := room("party")
		if err := alice.Join(ctx10(t), party, "alice", ""); err != nil {
			t.Fatal(err)
		}
		if err := alice.Invite(ctx10(t), party, bobJID, "mediated"); err != nil {
			t.Fatal(err)
		}
		inv := bob.rec.wait(t, waitLong, func(e Event) bool { ie, ok := e.(InviteEvent); return ok && ie.Invite.Reason == "mediated" }).(InviteEvent).Invite
		// Prosody names the inviter by its occupant JID in the room, ejabberd
		// by its full JID.
		if inv.Direct || !inv.Room.Equal(party) || !(inv.From.Bare().Equal(aliceJID) || inv.From.Equal(jid.MustParse(party.String()+"/alice"))) {
			t.Errorf("mediated %+v", inv)
		}
		bobFull := jid.MustParse(bobJID.String() + "/laptop")
		if err := alice.Invite(ctx10(t), party, bobFull, "direct"); err != nil {
			t.Fatal(err)
		}
		inv = bob.rec.wait(t, waitLong, func(e Event) bool { ie, ok := e.(InviteEvent); return ok && ie.Invite.Reason == "direct" }).(InviteEvent).Invite
		if !inv.Direct || !inv.Room.Equal(party) || !inv.From.Equal(jid.MustParse(aliceJID.String()+"/desk")) {
			t.Errorf("direct %+v", inv)
		}
	})

	t.Run("password room and destroy", func(t *testing.T) {
		vault := room("vault")
		if err := alice.Join(ctx10(t), vault, "alice", ""); err != nil {
			t.Fatal(err)
		}
		sess, err := alice.online()
		if err != nil {
			t.Fatal(err)
		}
		if err := muc.Configure(ctx10(t), sess, vault, map[string][]string{
			"muc#roomconfig_passwordprotectedroom": {"1"}, "muc#roomconfig_roomsecret": {"secret"},
		}); err != nil {
			t.Fatal(err)
		}
		roomErr(t, bob.Join(ctx10(t), vault, "bob", ""), "password")
		roomErr(t, bob.Join(ctx10(t), vault, "bob", "wrong"), "password")
		if err := bob.Join(ctx10(t), vault, "bob", "secret"); err != nil {
			t.Fatal(err)
		}
		if err := bob.Destroy(ctx10(t), vault, "mine now"); err == nil {
			t.Error("a participant destroyed the room")
		}
		if err := alice.Destroy(ctx10(t), vault, "closing"); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*running{alice, bob} {
			ev := r.roomChange(t, vault, func(c muc.Change) bool { d, ok := c.(muc.Destroyed); return ok && d.Reason == "closing" })
			if ev.State != muc.NotJoined {
				t.Errorf("after destroy: %+v", ev)
			}
			for _, j := range r.Rooms() {
				if j.Equal(vault) {
					t.Error("destroyed room still listed")
				}
			}
		}
	})

	t.Run("part", func(t *testing.T) {
		party := room("party")
		if err := alice.Part(ctx10(t), party, "bye"); err != nil {
			t.Fatal(err)
		}
		alice.roomChange(t, party, func(c muc.Change) bool { l, ok := c.(muc.OccupantLeft); return ok && l.Self && l.Cause == muc.Left })
		if err := alice.Part(ctx10(t), party, ""); err == nil {
			t.Error("parted a room twice")
		}
	})

	t.Run("bookmarks: autojoin at login and live pushes", func(t *testing.T) {
		club := room("club")
		if err := alice.Join(ctx10(t), club, "alice", ""); err != nil {
			t.Fatal(err)
		}
		if err := alice.AddBookmark(ctx10(t), muc.Bookmark{Room: club, Name: "The club", Nick: "alice-two", Autojoin: true}); err != nil {
			t.Fatal(err)
		}
		// A new session of the same account (a restart) joins it by itself.
		again := startOnline(t, testConfig(s, aliceJID, "pw", "phone"))
		again.rec.wait(t, waitLong, func(e Event) bool {
			be, ok := e.(BookmarksEvent)
			return ok && len(be.Bookmarks) == 1 && be.Bookmarks[0].Name == "The club"
		})
		ev := again.roomChange(t, club, selfJoined)
		if ev.Nick != "alice-two" {
			t.Errorf("autojoined as %q", ev.Nick)
		}
		// A bookmark added there reaches the first session as a push.
		if err := again.AddBookmark(ctx10(t), muc.Bookmark{Room: room("later"), Name: "Later"}); err != nil {
			t.Fatal(err)
		}
		alice.rec.wait(t, waitLong, func(e Event) bool {
			be, ok := e.(BookmarksEvent)
			return ok && len(be.Bookmarks) == 2
		})
		alice.rec.mu.Lock()
		alice.rec.events = nil
		alice.rec.mu.Unlock()
		if err := again.RemoveBookmark(ctx10(t), room("later")); err != nil {
			t.Fatal(err)
		}
		alice.rec.wait(t, waitLong, func(e Event) bool {
			be, ok := e.(BookmarksEvent)
			return ok && len(be.Bookmarks) == 1
		})
		if got := alice.Bookmarks(); len(got) != 1 || !got[0].Room.Equal(club) {
			t.Errorf("bookmarks %+v", got)
		}
	})

	t.Run("self-ping", func(t *testing.T) {
		sess, err := alice.online()
		if err != nil {
			t.Fatal(err)
		}
		before := alice.count(func(e Event) bool { re, ok := e.(RoomEvent); return ok && re.Room.Equal(lounge) })
		alice.pingRooms(context.Background(), sess, 0)
		if after := alice.count(func(e Event) bool { re, ok := e.(RoomEvent); return ok && re.Room.Equal(lounge) }); after != before {
			t.Errorf("a joined room was rejoined after a self-ping (%d events → %d)", before, after)
		}
		// Leave behind the account's back: the ping finds out and rejoins.
		leave, _ := muc.LeavePresence(lounge, "alice2", "")
		if err := sess.Send(ctx10(t), leave); err != nil {
			t.Fatal(err)
		}
		alice.roomChange(t, lounge, func(c muc.Change) bool { l, ok := c.(muc.OccupantLeft); return ok && l.Self })
		// The room is out of the set now; put it back as a silent drop would
		// leave it (still believed joined).
		alice.rooms.mu.Lock()
		rs := alice.rooms.add(lounge, "alice2")
		rs.room.StartJoin("alice2")
		alice.rooms.mu.Unlock()
		alice.applyPresence(rs, muc.Presence{From: jid.MustParse(lounge.String() + "/alice2"), MUC: true, Codes: []int{110}, Item: muc.Item{Role: muc.RoleModerator, Affiliation: muc.AffOwner}}, time.Now())
		lastJoined := func(e Event) bool {
			re, ok := e.(RoomEvent)
			return ok && re.Room.Equal(lounge) && len(re.Changes) > 0 && selfJoined(re.Changes[len(re.Changes)-1])
		}
		joinedBefore := alice.count(lastJoined)
		alice.pingRooms(context.Background(), sess, 0)
		alice.rec.wait(t, waitLong, func(e Event) bool { ie, ok := e.(InfoEvent); return ok && strings.Contains(ie.Text, "self-ping") })
		alice.rec.wait(t, waitLong, func(Event) bool { return alice.count(lastJoined) > joinedBefore })
	})

	t.Run("fifty occupants", func(t *testing.T) {
		crowdJID := s.AddUser(t, "crowd", "pw")
		big := room("stadium")
		if err := alice.Join(ctx10(t), big, "alice", ""); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 50; i++ {
			cfg := testConfig(s, crowdJID, "pw", fmt.Sprintf("c%d", i))
			c := startOnline(t, cfg)
			if err := c.Join(ctx10(t), big, fmt.Sprintf("fan%02d", i), ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := bob.Join(ctx10(t), big, "bob", ""); err != nil {
			t.Fatal(err)
		}
		bob.rec.mu.Lock()
		bob.rec.events = nil
		bob.rec.mu.Unlock()
		if err := bob.Part(ctx10(t), big, ""); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := bob.Join(ctx10(t), big, "bob", ""); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		ev := bob.roomChange(t, big, selfJoined)
		if ev.Count != 51 {
			t.Errorf("occupants %d, want 51 (alice, 49 fans, bob)", ev.Count)
		}
		if n := bob.count(func(e Event) bool {
			re, ok := e.(RoomEvent)
			return ok && re.Room.Equal(big) && (re.State == muc.Joining && len(re.Changes) > 0 || len(re.Changes) > 0 && selfJoined(re.Changes[len(re.Changes)-1]) && len(re.Changes) != 51)
		}); n != 0 {
			t.Errorf("%d events for the initial list besides the one with all 50 others and us", n)
		}
		t.Logf("join of a %d-occupant room: %v", ev.Count-1, took)
	})

	t.Run("rejoin after the connection is cut", func(t *testing.T) {
		proxy := s.Proxy(t)
		cfg := testConfig(s, bobJID, "pw", "cut")
		host, port, _ := strings.Cut(proxy.Addr(), ":")
		cfg.Host = host
		fmt.Sscan(port, &cfg.Port)
		r := startOnline(t, cfg)
		// A restart under load can refuse several attempts: a short cap
		// keeps the backoff inside the test's wait (the default cap is a
		// minute).
		r.mu.Lock()
		r.rc.base, r.rc.cap = 200*time.Millisecond, 2*time.Second
		r.mu.Unlock()
		cut := room("cut")
		if err := r.Join(ctx10(t), cut, "bobcut", ""); err != nil {
			t.Fatal(err)
		}
		carol.JoinRoom(cut.String(), "carol")
		r.roomChange(t, cut, func(c muc.Change) bool { j, ok := c.(muc.OccupantJoined); return ok && j.Occupant.Nick == "carol" })
		joins := func() int {
			return r.count(func(e Event) bool {
				re, ok := e.(RoomEvent)
				if !ok || !re.Room.Equal(cut) {
					return false
				}
				for _, c := range re.Changes {
					if selfJoined(c) {
						return true
					}
				}
				return false
			})
		}
		// A cut: the stream is resumed (XEP-0198) or, without resumption, a
		// fresh login rejoins. Either way the room works afterwards.
		onlines := func() int {
			return r.count(func(e Event) bool { se, ok := e.(StateEvent); return ok && se.State == Online })
		}
		relogin := func(until func() bool) {
			deadline := time.Now().Add(waitLong)
			for !until() && time.Now().Before(deadline) {
				select {
				case <-r.done: // no automatic reconnect: log in again by hand
					go func() { r.done <- r.Run(context.Background()) }()
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
		proxy.Cut()
		relogin(func() bool { return onlines() >= 2 })
		if onlines() < 2 {
			t.Fatalf("not online again after the cut; events %v", r.rec.all())
		}
		carol.SendGroup(cut.String(), "after the cut")
		r.groupMessage(t, cut, "after the cut")

		// A server restart loses the session: a fresh login rejoins.
		before := joins()
		s.Restart(t)
		relogin(func() bool { return joins() > before })
		if joins() <= before {
			t.Fatalf("room not rejoined after a restart; events %v", r.rec.all())
		}
		if got := r.Rooms(); len(got) != 1 || !got[0].Equal(cut) {
			t.Errorf("Rooms after the rejoin = %v", got)
		}
	})
}
