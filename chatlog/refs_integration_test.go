package chatlog

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
	"parley/msg"
)

// waitEvent waits for a forwarded event that match accepts and returns it.
func (s *seen) waitEvent(t *testing.T, what string, match func(account.Event) bool) account.Event {
	t.Helper()
	for deadline := time.Now().Add(waitLong); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		i := slices.IndexFunc(s.events, match)
		var e account.Event
		if i >= 0 {
			e = s.events[i]
		}
		s.mu.Unlock()
		if i >= 0 {
			return e
		}
	}
	t.Fatalf("never forwarded: %s", what)
	return nil
}

// waitMsg waits for a forwarded message that match accepts.
func (s *seen) waitMsg(t *testing.T, what string, match func(account.Message) bool) account.Message {
	t.Helper()
	e := s.waitEvent(t, what, func(e account.Event) bool {
		me, ok := e.(account.MessageEvent)
		return ok && match(me.Msg)
	})
	return e.(account.MessageEvent).Msg
}

// view renders a folded history as "dir:body" with its folded state, one
// entry per message, for comparison.
func view(recs []history.Record) []string {
	var out []string
	for _, r := range recs {
		v := r.Dir + ":" + r.Body
		f := r.Folded
		switch {
		case f.Retracted:
			v += " (retracted)"
		case f.Moderated:
			v += " (moderated by " + f.By + ": " + f.Reason + ")"
		}
		if r.ReplyID != "" {
			v += " (reply)"
		}
		for _, re := range f.Reactions {
			v += " " + re.Emoji
			if re.Count > 1 {
				v += strconv.Itoa(re.Count)
			}
			if re.Ours {
				v += "*"
			}
		}
		if f.Marker != "" {
			v += " [" + f.Marker + "]"
		}
		out = append(out, v)
	}
	return out
}

// waitView waits until the folded history of peer is want.
func waitView(t *testing.T, store *history.Store, acct, peer jid.JID, want []string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(waitLong); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = view(records(t, store, acct, peer)); slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("history of %s:\n%q\nwant\n%q", peer, got, want)
}

// peerGot waits for a message (or groupchat message) at p whose raw XML
// holds every part.
func peerGot(t *testing.T, p *servertest.Peer, kind string, parts ...string) servertest.PeerEvent {
	t.Helper()
	return p.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		if e.Kind != kind {
			return false
		}
		for _, s := range parts {
			if !strings.Contains(e.Raw, s) {
				return false
			}
		}
		return true
	})
}

// TestIntegrationReferences: every reference both ways in 1:1, with bob on
// slixmpp 1.8 (its plugins: reactions, retraction :0, reply, chat states,
// markers), through carbons (alice's phone, another slixmpp client) and
// the archive (a second parley with an empty history catches up). Bob's
// other resource cannot retract his messages; what reaches the history
// folds to the same view live, after a restart and from the archive.
func TestIntegrationReferences(t *testing.T) { servertest.Each(t, testIntegrationReferences) }

func testIntegrationReferences(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	bob := servertest.StartPeer(t, s, bobJID, "pw")
	evil := servertest.StartPeer(t, s, bobJID, "pw") // another resource of bob
	dir := t.TempDir()
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { store.Close() }()
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	ctx := context.Background()
	to := alice.String()

	// Bob writes; we react, reply, mark it displayed.
	bob.SendRaw("<message to='" + to + "' type='chat' id='b1'><body>pick a day</body><markable xmlns='urn:xmpp:chat-markers:0'/></message>")
	b1 := ui.waitMsg(t, "b1", func(m account.Message) bool { return m.ID == "b1" })
	if !b1.Markable {
		t.Error("b1 not markable")
	}
	if err := a.React(ctx, bobJID, "chat", "b1", []string{"👍"}); err != nil {
		t.Fatal(err)
	}
	peerGot(t, bob, "message", `urn:xmpp:reactions:0`, `id="b1"`, "👍")
	reply, err := a.Reply(ctx, bobJID, "chat", "tuesday", msg.Reply{ID: "b1", To: bob.JID}, "bob", "pick a day")
	if err != nil {
		t.Fatal(err)
	}
	if reply.Body != "tuesday" || reply.Quote != "> bob: pick a day\n" {
		t.Errorf("reply %q quote %q", reply.Body, reply.Quote)
	}
	got := peerGot(t, bob, "message", `urn:xmpp:reply:0`, `id="b1"`, `urn:xmpp:fallback:0`)
	if got.Body != "> bob: pick a day\ntuesday" {
		t.Errorf("bob got the reply body %q", got.Body)
	}
	if err := a.SendMarker(ctx, bobJID, "chat", "b1", msg.Displayed); err != nil {
		t.Fatal(err)
	}
	peerGot(t, bob, "message", `<displayed xmlns="urn:xmpp:chat-markers:0" id="b1"`)
	if err := a.SendChatState(ctx, bobJID, "chat", msg.Composing); err != nil {
		t.Fatal(err)
	}
	peerGot(t, bob, "message", `<composing xmlns="http://jabber.org/protocol/chatstates"`)

	// We write; bob reacts, replies, marks, types, and we retract ours.
	sent, err := a.SendMessage(ctx, bobJID, "chat", "wednesday is better")
	if err != nil {
		t.Fatal(err)
	}
	peerGot(t, bob, "message", "wednesday is better", `urn:xmpp:chat-markers:0`, "markable")
	bob.React(to, "chat", sent.ID, []string{"❤"})
	ui.waitMsg(t, "bob's reaction", func(m account.Message) bool { return m.Reactions != nil && m.Reactions.ID == sent.ID })
	bob.Reply(to, "chat", "ok", alice.String()+"/parley", sent.ID)
	r := ui.waitMsg(t, "bob's reply", func(m account.Message) bool { return m.Reply != nil && m.Dir == account.In })
	if r.Reply.ID != sent.ID || r.Body != "ok" {
		t.Errorf("bob's reply %+v", r)
	}
	bob.Marker(to, "chat", sent.ID, "displayed")
	ui.waitMsg(t, "bob's marker", func(m account.Message) bool { return m.Marker.Kind == msg.Displayed && m.Marker.ID == sent.ID })
	bob.ChatState(to, "chat", "composing")
	ui.waitEvent(t, "bob composing", func(e account.Event) bool {
		cs, ok := e.(account.ChatStateEvent)
		return ok && cs.State == msg.Composing && cs.Peer.Equal(bobJID) && cs.From.Equal(bob.JID)
	})
	oops, err := a.SendMessage(ctx, bobJID, "chat", "my pin is 1234")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Retract(ctx, bobJID, "chat", oops.OriginID); err != nil {
		t.Fatal(err)
	}
	got = peerGot(t, bob, "message", `urn:xmpp:message-retract:1`, `urn:xmpp:message-retract:0`, `id="`+oops.OriginID+`"`)
	if strings.Contains(got.Raw, "1234") {
		t.Errorf("the retraction carries the text: %s", got.Raw)
	}

	// Bob retracts his message; his other resource tries to retract b1.
	bob.SendRaw("<message to='" + to + "' type='chat' id='b2'><body>my pin is 4321</body></message>")
	ui.waitBody(t, bobJID, "my pin is 4321")
	bob.Retract(to, "chat", "b2")
	ui.waitMsg(t, "bob's retraction", func(m account.Message) bool { return m.Retraction != nil && m.Retraction.ID == "b2" })
	evil.Retract(to, "chat", "b1")
	ui.waitMsg(t, "the forged retraction", func(m account.Message) bool {
		return m.Retraction != nil && m.Retraction.ID == "b1" && m.From.Equal(evil.JID)
	})

	// Alice's phone (another client of hers) reacts to b1 instead: a sent
	// carbon, our new set. Bob marks our message read on the phone: a
	// received carbon... addressed to the phone, it is still ours to see.
	phone := servertest.StartPeer(t, s, alice, "pw")
	phone.React(bobJID.String(), "chat", "b1", []string{"🎉"})
	c := ui.waitMsg(t, "the carbon of the phone's reaction", func(m account.Message) bool {
		return m.Carbon && m.Dir == account.Out && m.Reactions != nil
	})
	if c.Reactions.ID != "b1" || !slices.Equal(c.Reactions.Emojis, []string{"🎉"}) {
		t.Errorf("carbon %+v", c.Reactions)
	}
	bob.React(phone.JID.String(), "chat", "b1", []string{"😀"}) // his own message, to the phone
	ui.waitMsg(t, "the received carbon", func(m account.Message) bool {
		return m.Carbon && m.Dir == account.In && m.Reactions != nil
	})

	want := []string{
		"in:pick a day 🎉* 😀 [displayed]",
		"out:tuesday (reply)",
		"out:wednesday is better ❤ [displayed]",
		"in:ok (reply)",
		"out: (retracted)",
		"in: (retracted)",
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitView(t, store, alice, bobJID, want)
	for _, r := range records(t, store, alice, bobJID) {
		if r.ReplyID != "" && r.Dir == history.Out && (r.Quote != "> bob: pick a day\n" || r.ReplyTo != bob.JID.String()) {
			t.Errorf("stored reply %+v", r)
		}
	}

	// The archive: a second parley of alice, with an empty history,
	// catches up and folds what it fetched the same way.
	store2, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store2.Close()
	rec2 := New(store2, (&seen{}).sink)
	a2 := runAccount(t, s, alice, "laptop", rec2.Anchor(alice), rec2.Sink)
	if err := a2.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	archived := view(records(t, store2, alice, bobJID))
	// What the archive has: no markers (chat markers are not archived by
	// every server) need not be there; the rest must.
	for i := range archived {
		archived[i] = strings.TrimSuffix(archived[i], " [displayed]")
	}
	wantArchived := slices.Clone(want)
	for i := range wantArchived {
		wantArchived[i] = strings.TrimSuffix(wantArchived[i], " [displayed]")
	}
	if !slices.Equal(archived, wantArchived) {
		t.Errorf("from the archive:\n%q\nwant\n%q", archived, wantArchived)
	}

	a.stop(t)
	store.Close()
	if store, err = history.Open(dir); err != nil {
		t.Fatal(err)
	}
	if got := view(records(t, store, alice, bobJID)); !slices.Equal(got, want) {
		t.Errorf("after a restart:\n%q\nwant\n%q", got, want)
	}
}
