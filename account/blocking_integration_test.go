package account

import (
	"slices"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/blocking"
	"parley/internal/servertest"
)

// blockEvent waits for a BlockEvent matching f.
func (r *running) blockEvent(t *testing.T, f func(BlockEvent) bool) BlockEvent {
	t.Helper()
	return r.rec.wait(t, waitLong, func(e Event) bool {
		be, ok := e.(BlockEvent)
		return ok && f(be)
	}).(BlockEvent)
}

// message waits for a received message with body.
func (r *running) message(t *testing.T, body string) Message {
	t.Helper()
	return r.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Dir == In && me.Msg.Body == body
	}).(MessageEvent).Msg
}

// TestIntegrationBlocking blocks and unblocks through each server: the
// list fetched at login, a block with a spam report accepted, the push
// reaching the account's second session, a blocked contact's message not
// delivered, unblock and unblock-all, and the list at the next login.
func TestIntegrationBlocking(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceJID := s.AddUser(t, "alice", "pw")
		bobJID := s.AddUser(t, "bob", "pw")
		carolJID := s.AddUser(t, "carol", "pw")
		desk := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
		phone := startOnline(t, testConfig(s, aliceJID, "pw", "phone"))
		bob := startOnline(t, testConfig(s, bobJID, "pw", "b"))
		carol := startOnline(t, testConfig(s, carolJID, "pw", "c"))
		for _, r := range []*running{desk, phone} {
			if ev := r.blockEvent(t, func(e BlockEvent) bool { return e.Full }); !ev.Supported || len(ev.Blocked) != 0 {
				t.Fatalf("block list at login: %+v", ev)
			}
		}

		// Bob's first message: the report names it by its stanza-id.
		if _, err := bob.SendMessage(ctx10(t), aliceJID, "chat", "hello, cheap offers"); err != nil {
			t.Fatal(err)
		}
		offer := desk.message(t, "hello, cheap offers")
		if offer.StanzaID == "" {
			t.Errorf("%s stamped no stanza-id", kind)
		}
		report := blocking.Report{Reason: blocking.Spam, Text: "unsolicited offers", StanzaIDs: []string{offer.StanzaID}}
		if err := desk.Block(ctx10(t), []jid.JID{bobJID}, report); err != nil {
			t.Fatalf("block with a spam report: %v", err)
		}
		if l, ok := desk.Blocked(); !ok || !slices.ContainsFunc(l, bobJID.Equal) {
			t.Errorf("desk's list after the block: %v %v", l, ok)
		}
		// Writing to a blocked address: the server's bounce is shown.
		if _, err := desk.SendMessage(ctx10(t), bobJID, "chat", "to the blocked"); err != nil {
			t.Fatal(err)
		}
		bounce := desk.rec.wait(t, waitLong, func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Type == "error"
		}).(MessageEvent).Msg
		t.Logf("%s bounces a message to a blocked address: %q", kind, bounce.Err)
		// The other session learns it from the server's push.
		phone.blockEvent(t, func(e BlockEvent) bool { return !e.Full && len(e.Blocked) == 1 && e.Blocked[0].Equal(bobJID) })
		if !phone.IsBlocked(jid.MustParse(bobJID.String() + "/any")) {
			t.Error("the phone does not block bob's resources")
		}

		if _, err := bob.SendMessage(ctx10(t), aliceJID, "chat", "buy now"); err != nil {
			t.Fatal(err)
		}
		// Bob's stanzas go out in order: once carol has the next one, the
		// server has dealt with the blocked one.
		if _, err := bob.SendMessage(ctx10(t), carolJID, "chat", "after the spam"); err != nil {
			t.Fatal(err)
		}
		carol.message(t, "after the spam")
		// Unblocked from the phone: the desk follows the push, and bob's
		// next message arrives, the blocked one never.
		if err := phone.Unblock(ctx10(t), []jid.JID{bobJID}); err != nil {
			t.Fatalf("unblock: %v", err)
		}
		desk.blockEvent(t, func(e BlockEvent) bool { return len(e.Unblocked) == 1 && e.Unblocked[0].Equal(bobJID) })
		if _, err := bob.SendMessage(ctx10(t), aliceJID, "chat", "sorry"); err != nil {
			t.Fatal(err)
		}
		desk.message(t, "sorry")
		for _, r := range []*running{desk, phone} {
			for _, e := range r.rec.all() {
				if me, ok := e.(MessageEvent); ok && me.Msg.Body == "buy now" {
					t.Errorf("a blocked contact's message was delivered: %+v", me.Msg)
				}
			}
		}

		// Several at once, an abuse report, then unblock every one.
		if err := desk.Block(ctx10(t), []jid.JID{carolJID, jid.MustParse("spam.example")}, blocking.Report{Reason: blocking.Abuse}); err != nil {
			t.Fatalf("block two: %v", err)
		}
		phone.blockEvent(t, func(e BlockEvent) bool {
			return len(e.Blocked) == 2 || len(e.Blocked) == 1 && e.Blocked[0].Equal(carolJID)
		})
		if err := phone.Unblock(ctx10(t), nil); err != nil {
			t.Fatalf("unblock all: %v", err)
		}
		desk.blockEvent(t, func(e BlockEvent) bool { return len(e.Unblocked) == 2 })
		if l, _ := desk.Blocked(); len(l) != 0 {
			t.Errorf("after unblock all: %v", l)
		}

		// The list is the server's: a new session reads it at login.
		if err := desk.Block(ctx10(t), []jid.JID{bobJID}, blocking.Report{}); err != nil {
			t.Fatal(err)
		}
		laptop := startOnline(t, testConfig(s, aliceJID, "pw", "laptop"))
		ev := laptop.blockEvent(t, func(e BlockEvent) bool { return e.Full })
		if len(ev.Blocked) != 1 || !ev.Blocked[0].Equal(bobJID) {
			t.Errorf("list at login: %+v", ev)
		}
	})
}
