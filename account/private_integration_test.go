package account

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/muc"
)

// TestIntegrationPrivateFollowsOccupant attacks private messages the way
// issue 9 did, through each server with real nick changes: occupant pmA
// writes to Alice and renames to pmB; Dave takes the nick pmA and writes
// too. Each is a conversation of its own (Dave's marked as someone else),
// the first follows its occupant to pmB, and a reply reaches the one it was
// typed to; once that occupant left, a reply is refused.
func TestIntegrationPrivateFollowsOccupant(t *testing.T) {
	servertest.Each(t, testIntegrationPrivateFollowsOccupant)
}

func testIntegrationPrivateFollowsOccupant(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	aliceJID := s.AddUser(t, "alice", "pw")
	first := servertest.StartPeer(t, s, s.AddUser(t, "first", "pw"), "pw")
	dave := servertest.StartPeer(t, s, s.AddUser(t, "dave", "pw"), "pw")
	alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
	room := jid.MustParse("pmroom@" + s.MUC)
	at := func(nick string) string { return room.String() + "/" + nick }
	if err := alice.Join(ctx10(t), room, "alice", ""); err != nil {
		t.Fatal(err)
	}
	joined := func(nick string) {
		t.Helper()
		alice.roomChange(t, room, func(c muc.Change) bool {
			j, ok := c.(muc.OccupantJoined)
			return ok && j.Occupant.Nick == nick
		})
	}
	renamed := func(old, nick string) {
		t.Helper()
		alice.roomChange(t, room, func(c muc.Change) bool {
			n, ok := c.(muc.NickChanged)
			return ok && n.Old == old && n.New == nick
		})
	}
	private := func(body string) Message {
		t.Helper()
		return alice.rec.wait(t, waitLong, func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Private && me.Msg.Body == body
		}).(MessageEvent).Msg
	}
	pm := func(p *servertest.Peer, body string) {
		p.SendRaw("<message to='" + at("alice") + "' type='chat'><body>" + body + "</body><x xmlns='" + muc.NSUser + "'/></message>")
	}
	first.JoinRoom(room.String(), "pmA")
	joined("pmA")
	dave.JoinRoom(room.String(), "davey")
	joined("davey")

	pm(first, "one from the first pmA")
	one := private("one from the first pmA")
	if one.Conv.String() != at("pmA") || one.Peer().String() != at("pmA") {
		t.Fatalf("first conversation %q (peer %q), want %s", one.Conv, one.Peer(), at("pmA"))
	}
	first.SendRaw("<presence to='" + at("pmB") + "'/>")
	renamed("pmA", "pmB")
	dave.SendRaw("<presence to='" + at("pmA") + "'/>")
	renamed("davey", "pmA")

	pm(dave, "two from dave as pmA")
	two := private("two from dave as pmA")
	if two.From.String() != at("pmA") || two.Peer().Equal(one.Peer()) {
		t.Fatalf("Dave's message from %s landed in %s, the first occupant's conversation", two.From, two.Peer())
	}
	started := alice.rec.wait(t, waitLong, func(e Event) bool {
		pe, ok := e.(PrivateEvent)
		return ok && pe.Conv.Equal(two.Peer()) && pe.Started
	}).(PrivateEvent)
	if !started.Other || started.Nick != "pmA" {
		t.Errorf("Dave's conversation %+v: want Other set, nick pmA", started)
	}
	pm(first, "three from the first, now pmB")
	three := private("three from the first, now pmB")
	if !three.Peer().Equal(one.Peer()) || three.From.String() != at("pmB") {
		t.Fatalf("the renamed occupant's message from %s landed in %s, want %s", three.From, three.Peer(), one.Peer())
	}

	// A reply in the first conversation reaches the first occupant (now
	// pmB), never Dave who has the nick pmA now.
	sent, err := alice.SendMessage(ctx10(t), one.Peer(), "chat", "reply to the first")
	if err != nil {
		t.Fatal(err)
	}
	if sent.To.String() != at("pmB") || !sent.Peer().Equal(one.Peer()) {
		t.Errorf("reply sent to %s in %s, want %s in %s", sent.To, sent.Peer(), at("pmB"), one.Peer())
	}
	first.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "reply to the first" })
	if _, err := alice.SendMessage(ctx10(t), two.Peer(), "chat", "reply to dave"); err != nil {
		t.Fatal(err)
	}
	dave.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "reply to dave" })
	for _, e := range dave.Events() {
		if e.Body == "reply to the first" {
			t.Fatalf("Dave got the reply meant for the first occupant: %v", e)
		}
	}
	if conv, _, err := alice.PrivateConversation(room, "pmA"); err != nil || !conv.Equal(two.Peer()) {
		t.Errorf("PrivateConversation(pmA) = %s, %v; want Dave's %s", conv, err, two.Peer())
	}

	// The first occupant leaves: a reply is refused, and says why.
	first.SendRaw("<presence to='" + at("pmB") + "' type='unavailable'/>")
	alice.rec.wait(t, waitLong, func(e Event) bool {
		pe, ok := e.(PrivateEvent)
		return ok && pe.Conv.Equal(one.Peer()) && !pe.Present
	})
	_, err = alice.SendMessage(ctx10(t), one.Peer(), "chat", "are you there?")
	if err == nil || !strings.Contains(err.Error(), "has left") {
		t.Errorf("reply to an occupant who left: %v, want a refusal", err)
	}
	// What Alice sends Dave next arrives after anything sent before.
	if _, err := alice.SendMessage(ctx10(t), two.Peer(), "chat", "marker"); err != nil {
		t.Fatal(err)
	}
	dave.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "marker" })
	for _, e := range dave.Events() {
		if e.Body == "are you there?" {
			t.Fatalf("Dave got a reply meant for the occupant who left: %v", e)
		}
	}
}
