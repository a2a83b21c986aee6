package account

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

// TestIntegrationCarbonsReceipts runs carbons and receipts against each server:
// a second client of the same account (slixmpp) and a contact (another
// parley account) exchange messages with us; a stranger forges a carbon and
// a receipt and asks for receipts on chat and groupchat messages.
func TestIntegrationCarbonsReceipts(t *testing.T) { servertest.Each(t, testIntegrationCarbonsReceipts) }

func testIntegrationCarbonsReceipts(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "pw")
	bob := s.AddUser(t, "bob", "pw")
	mallory := s.AddUser(t, "mallory", "pw")

	r := startOnline(t, testConfig(s, me, "pw", "one"))
	b := startOnline(t, testConfig(s, bob, "pw", "b"))
	other := servertest.StartPeer(t, s, me, "pw") // our other client
	mal := servertest.StartPeer(t, s, mallory, "pw")
	ctx := context.Background()
	full := me.String() + "/one"

	msgWith := func(rec *recorder, body string) func(Event) bool {
		return func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Body == body
		}
	}

	t.Run("sent carbon", func(t *testing.T) {
		other.SendMessage(bob.String(), "from my other client")
		m := r.rec.wait(t, waitLong, msgWith(r.rec, "from my other client")).(MessageEvent).Msg
		if !m.Carbon || m.Dir != Out || !m.Peer().Equal(bob) || m.Archived {
			t.Errorf("sent carbon: %+v", m)
		}
	})
	t.Run("received carbon", func(t *testing.T) {
		if _, err := b.SendMessage(ctx, other.JID, "chat", "to your other client"); err != nil {
			t.Fatal(err)
		}
		m := r.rec.wait(t, waitLong, msgWith(r.rec, "to your other client")).(MessageEvent).Msg
		if !m.Carbon || m.Dir != In || !m.Peer().Equal(bob) || m.StanzaIDBy != me.String() || m.StanzaID == "" {
			t.Errorf("received carbon: %+v", m)
		}
	})
	t.Run("forged carbon dropped", func(t *testing.T) {
		mal.SendRaw("<message to='" + full + "' type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>" +
			"<message xmlns='jabber:client' from='" + full + "' to='" + bob.String() + "' type='chat'><body>forged words</body></message>" +
			"</forwarded></sent></message>")
		r.rec.wait(t, waitLong, func(e Event) bool {
			ie, ok := e.(InfoEvent)
			return ok && strings.Contains(ie.Text, "forged carbon") && strings.Contains(ie.Text, "mallory@localhost")
		})
		for _, e := range r.rec.all() {
			if me, ok := e.(MessageEvent); ok && strings.Contains(me.Msg.Body, "forged") {
				t.Errorf("forged carbon delivered: %+v", me.Msg)
			}
		}
	})
	t.Run("we request, the contact answers", func(t *testing.T) {
		sent, err := r.SendMessage(ctx, bob, "chat", "receipt please")
		if err != nil {
			t.Fatal(err)
		}
		if !sent.Receipt {
			t.Error("Receipt not set on the sent message")
		}
		d := r.rec.wait(t, waitLong, func(e Event) bool {
			d, ok := e.(DeliveryEvent)
			return ok && d.ID == sent.ID
		}).(DeliveryEvent)
		if !d.Delivered || !d.Peer.Equal(bob) {
			t.Errorf("delivery %+v", d)
		}
		b.rec.wait(t, waitLong, msgWith(b.rec, "receipt please"))
	})
	t.Run("a burst is answered whole, in batches", func(t *testing.T) {
		// bob's receipts go out paced, several to a write (receiptsend.go):
		// every one of a burst still comes back.
		const n = 300
		ids := make(map[string]bool, n)
		for i := range n {
			sent, err := r.SendMessage(ctx, bob, "chat", fmt.Sprintf("burst %d", i))
			if err != nil {
				t.Fatal(err)
			}
			ids[sent.ID] = true
		}
		r.rec.wait(t, waitLong, func(e Event) bool {
			if d, ok := e.(DeliveryEvent); ok && d.Delivered && d.Peer.Equal(bob) {
				delete(ids, d.ID)
			}
			return len(ids) == 0
		})
	})
	t.Run("peer requests, we answer; never groupchat; forged receipts ignored", func(t *testing.T) {
		carol := jid.MustParse("carol@localhost") // no such session: no real receipt comes
		sent, err := r.SendMessage(ctx, carol, "chat", "to nobody")
		if err != nil {
			t.Fatal(err)
		}
		mal.SendRaw("<message to='" + full + "' id='forge1'><received xmlns='urn:xmpp:receipts' id='" + sent.ID + "'/></message>")
		mal.SendRaw("<message to='" + full + "' type='groupchat' id='gc1'><body>group</body><request xmlns='urn:xmpp:receipts'/></message>")
		mal.SendRaw("<message to='" + full + "' type='chat' id='req1'><body>ack me</body><request xmlns='urn:xmpp:receipts'/></message>")
		got := mal.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "message" && strings.Contains(e.Raw, "urn:xmpp:receipts") && strings.Contains(e.Raw, "req1")
		})
		if !strings.Contains(got.From, "me@localhost/one") {
			t.Errorf("receipt from %s", got.From)
		}
		time.Sleep(200 * time.Millisecond) // nothing else should follow
		for _, e := range mal.Events() {
			if strings.Contains(e.Raw, "gc1") {
				t.Errorf("answered a groupchat receipt request: %s", e.Raw)
			}
		}
		for _, e := range r.rec.all() {
			if d, ok := e.(DeliveryEvent); ok && d.ID == sent.ID {
				t.Errorf("forged receipt accepted: %+v", d)
			}
		}
	})
}

// TestIntegrationRoomCatchUp fetches a room's archive: everything on a
// first run, then only what follows history's anchor, with the room as the
// stanza-id's by. Live messages of the room are held meanwhile.
func TestIntegrationRoomCatchUp(t *testing.T) { servertest.Each(t, testIntegrationRoomCatchUp) }

func testIntegrationRoomCatchUp(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "pw")
	bob := s.AddUser(t, "bob", "pw")
	room := jid.MustParse("lounge@" + s.MUC)
	peer := servertest.StartPeer(t, s, bob, "pw")
	peer.JoinRoom(room.String(), "bob")
	peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "presence" && e.Nick == "bob" })
	for _, b := range []string{"g1", "g2", "g3"} {
		peer.SendGroup(room.String(), b)
		peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "groupchat" && e.Body == b })
	}

	var anchor string
	cfg := testConfig(s, me, "pw", "one")
	cfg.Anchor = func(archive jid.JID) (string, error) {
		if archive.Equal(room) {
			return anchor, nil
		}
		return "", nil
	}
	r := startOnline(t, cfg)
	ctx := context.Background()
	f, err := r.roomHasArchive(ctx, room)
	if err != nil || !f.archive {
		t.Fatalf("roomHasArchive = %+v, %v", f, err)
	}
	groupBodies := func() (bodies []string, ids []string) {
		r.Flush(ctx)
		for _, e := range r.rec.all() {
			if me, ok := e.(MessageEvent); ok && me.Msg.Type == "groupchat" {
				bodies = append(bodies, me.Msg.Body)
				ids = append(ids, me.Msg.StanzaID)
				if me.Msg.StanzaIDBy != room.String() || !me.Msg.Archived || me.Msg.Nick != "bob" || !me.Msg.Peer().Equal(room) {
					t.Errorf("archived room message %+v", me.Msg)
				}
			}
		}
		return bodies, ids
	}

	r.holdRoom(room)
	r.emit(MessageEvent{Base: r.base(), Msg: Message{Type: "groupchat", From: jid.MustParse(room.String() + "/bob"), Body: "live", Archived: true, StanzaIDBy: room.String(), Nick: "bob"}})
	if err := r.catchUpRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	bodies, ids := groupBodies()
	if want := []string{"g1", "g2", "g3", "live"}; strings.Join(bodies, ",") != strings.Join(want, ",") {
		t.Fatalf("first run: %q, want %q (the held live message last)", bodies, want)
	}
	anchor = ids[0]
	r.rel.page = 1 // page forward one message at a time
	for _, b := range []string{"g4", "g5"} {
		peer.SendGroup(room.String(), b)
		peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "groupchat" && e.Body == b })
	}
	r.rec.mu.Lock()
	r.rec.events = nil
	r.rec.mu.Unlock()
	if err := r.catchUpRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if bodies, _ := groupBodies(); strings.Join(bodies, ",") != "g2,g3,g4,g5" {
		t.Errorf("after the anchor, page by page: %q, want [g2 g3 g4 g5]", bodies)
	}
}

// TestIntegrationRoomArchiveOurs: our own message coming back from a room's
// archive is ours (Dir Out, to the room), like its live reflection.
func TestIntegrationRoomArchiveOurs(t *testing.T) { servertest.Each(t, testIntegrationRoomArchiveOurs) }

func testIntegrationRoomArchiveOurs(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "pw")
	room := jid.MustParse("den@" + s.MUC)
	r := startOnline(t, testConfig(s, me, "pw", "one"))
	ctx := context.Background()
	if err := r.Join(ctx, room, "me", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SendMessage(ctx, room, "groupchat", "mine"); err != nil {
		t.Fatal(err)
	}
	r.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Body == "mine" && !me.Msg.Archived
	})
	r.rec.mu.Lock()
	r.rec.events = nil
	r.rec.mu.Unlock()
	if err := r.catchUpRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	ev := r.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Body == "mine" && me.Msg.Archived
	}).(MessageEvent)
	if ev.Msg.Dir != Out || !ev.Msg.To.Equal(room) || ev.Msg.Nick != "me" || ev.Msg.StanzaIDBy != room.String() {
		t.Errorf("our archived room message %+v", ev.Msg)
	}
}
