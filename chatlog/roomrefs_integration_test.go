package chatlog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/internal/servertest"
	"parley/msg"
)

// TestIntegrationRoomReferences: every reference both ways in a room, with
// carol and mallory on slixmpp 1.8: reactions aggregated, replies, chat
// states and markers, retractions by their author (mallory's retraction of
// carol's message and her moderation posing as the room are refused), a
// moderation by us (a moderator) announced by the room; and dave, joining
// later with an empty history, gets the same from the room's archive (the
// moderated message as the archive's tombstone).
func TestIntegrationRoomReferences(t *testing.T) { servertest.Each(t, testIntegrationRoomReferences) }

func testIntegrationRoomReferences(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	carol := servertest.StartPeer(t, s, s.AddUser(t, "carol", "pw"), "pw")
	mallory := servertest.StartPeer(t, s, s.AddUser(t, "mallory", "pw"), "pw")
	room := jid.MustParse("lounge@" + s.MUC)
	rs := room.String()
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	ctx := context.Background()
	if err := a.Join(ctx, room, "alice", ""); err != nil { // creates it: we are its owner and a moderator
		t.Fatal(err)
	}
	carol.JoinRoom(rs, "carol")
	mallory.JoinRoom(rs, "mallory")
	for nick, p := range map[string]*servertest.Peer{"carol": carol, "mallory": mallory} {
		p.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "presence" && e.From == rs+"/"+nick
		})
	}
	from := func(nick string) func(m account.Message) bool {
		return func(m account.Message) bool { return m.Nick == nick }
	}
	and := func(f, g func(account.Message) bool) func(account.Message) bool {
		return func(m account.Message) bool { return f(m) && g(m) }
	}
	body := func(b string) func(m account.Message) bool {
		return func(m account.Message) bool { return m.Body == b }
	}
	sid := func(m account.Message) string {
		t.Helper()
		if m.StanzaID == "" || m.StanzaIDBy != rs {
			t.Fatalf("no stanza-id by the room on %+v", m)
		}
		return m.StanzaID
	}

	carol.SendGroup(rs, "hello")
	hello := sid(ui.waitMsg(t, "hello", body("hello")))
	carol.React(rs, "groupchat", hello, []string{"👍"})
	mallory.React(rs, "groupchat", hello, []string{"👍", "🎉"})
	ui.waitMsg(t, "mallory's reactions", and(from("mallory"), func(m account.Message) bool { return m.Reactions != nil }))
	if err := a.React(ctx, room, "groupchat", hello, []string{"❤"}); err != nil {
		t.Fatal(err)
	}
	peerGot(t, carol, "groupchat", `urn:xmpp:reactions:0`, `id="`+hello+`"`, "❤")
	if _, err := a.Reply(ctx, room, "groupchat", "welcome", msg.Reply{ID: hello, To: jid.MustParse(rs + "/carol")}, "carol", "hello"); err != nil {
		t.Fatal(err)
	}
	got := peerGot(t, carol, "groupchat", `urn:xmpp:reply:0`, `id="`+hello+`"`)
	if got.Body != "> carol: hello\nwelcome" {
		t.Errorf("carol got the reply %q", got.Body)
	}
	welcome := sid(ui.waitMsg(t, "our reply's reflection", and(from("alice"), func(m account.Message) bool { return m.Reply != nil })))
	carol.Reply(rs, "groupchat", "thanks", rs+"/alice", welcome)
	r := ui.waitMsg(t, "carol's reply", and(from("carol"), func(m account.Message) bool { return m.Reply != nil }))
	if r.Reply.ID != welcome || r.Body != "thanks" {
		t.Errorf("carol's reply %+v", r)
	}
	carol.Marker(rs, "groupchat", welcome, "displayed")
	ui.waitMsg(t, "carol's marker", and(from("carol"), func(m account.Message) bool { return m.Marker.Kind == msg.Displayed }))
	if err := a.SendMarker(ctx, room, "groupchat", hello, msg.Displayed); err != nil {
		t.Fatal(err)
	}
	peerGot(t, carol, "groupchat", `<displayed xmlns="urn:xmpp:chat-markers:0" id="`+hello+`"`)
	carol.ChatState(rs, "groupchat", "composing")
	ui.waitEvent(t, "carol composing", func(e account.Event) bool {
		cs, ok := e.(account.ChatStateEvent)
		return ok && cs.State == msg.Composing && cs.Peer.Equal(room) && cs.Nick == "carol"
	})
	if err := a.SendChatState(ctx, room, "groupchat", msg.Paused); err != nil {
		t.Fatal(err)
	}
	peerGot(t, carol, "groupchat", `<paused xmlns="http://jabber.org/protocol/chatstates"`)

	// Retractions: carol's of her own, ours, and mallory's of carol's.
	carol.SendGroup(rs, "typo")
	typo := sid(ui.waitMsg(t, "typo", body("typo")))
	carol.Retract(rs, "groupchat", typo)
	ui.waitMsg(t, "carol's retraction", and(from("carol"), func(m account.Message) bool { return m.Retraction != nil }))
	if _, err := a.SendMessage(ctx, room, "groupchat", "oops"); err != nil {
		t.Fatal(err)
	}
	oops := sid(ui.waitMsg(t, "oops", body("oops")))
	if err := a.Retract(ctx, room, "groupchat", oops); err != nil {
		t.Fatal(err)
	}
	peerGot(t, carol, "groupchat", `urn:xmpp:message-retract:1`, `id="`+oops+`"`)
	mallory.Retract(rs, "groupchat", hello)
	ui.waitMsg(t, "mallory's retraction", and(from("mallory"), func(m account.Message) bool { return m.Retraction != nil }))

	// Moderation: mallory poses as the room (both generations); we
	// moderate her spam.
	mallory.SendRaw("<message to='" + rs + "' type='groupchat' id='f0'><apply-to xmlns='urn:xmpp:fasten:0' id='" + hello +
		"'><moderated xmlns='urn:xmpp:message-moderate:0' by='" + rs + "/alice'><retract xmlns='urn:xmpp:message-retract:0'/><reason>forged</reason></moderated></apply-to></message>")
	mallory.SendRaw("<message to='" + rs + "' type='groupchat' id='f1'><retract xmlns='urn:xmpp:message-retract:1' id='" + hello +
		"'><moderated xmlns='urn:xmpp:message-moderate:1' by='" + rs + "/alice'/><reason>forged</reason></retract></message>")
	mallory.SendGroup(rs, "buy now")
	spam := sid(ui.waitMsg(t, "spam", body("buy now")))
	want := []string{
		"in:hello 👍2 🎉 ❤* [displayed]",
		"out:welcome (reply) [displayed]",
		"in:thanks (reply)",
		"in: (retracted)",
		"out: (retracted)",
		"in:buy now",
	}
	if s.Has(servertest.Moderation) {
		if err := a.Moderate(ctx, room, spam, "spam"); err != nil {
			t.Fatal(err)
		}
		m := ui.waitMsg(t, "the room's moderation", func(m account.Message) bool { return m.Moderation != nil })
		if !m.From.Equal(room) || m.Moderation.ID != spam || !strings.Contains(m.Moderation.By, "alice") {
			t.Errorf("moderation %+v from %s", m.Moderation, m.From)
		}
		peerGot(t, carol, "groupchat", `urn:xmpp:message-moderate:0`, `id="`+spam+`"`)
		want[5] = "in: (moderated by " + m.Moderation.By + ": spam)"
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitView(t, store, alice, room, want)
	if slices.ContainsFunc(ui.events, func(e account.Event) bool {
		me, ok := e.(account.MessageEvent)
		return ok && me.Msg.Moderation != nil && !me.Msg.From.Equal(room)
	}) {
		t.Error("a moderation not from the room reached the sink")
	}

	// Dave joins later with an empty history: the room's archive.
	dave := s.AddUser(t, "dave", "pw")
	store2, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store2.Close()
	ui2 := &seen{}
	rec2 := New(store2, ui2.sink)
	d := runAccount(t, s, dave, "parley", rec2.Anchor(dave), rec2.Sink)
	if err := d.Join(ctx, room, "dave", ""); err != nil {
		t.Fatal(err)
	}
	ui2.waitMsg(t, "the spam or its tombstone", func(m account.Message) bool { return m.Body == "buy now" || m.Tombstone != nil })
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var archived []string
	for _, v := range view(records(t, store2, dave, room)) {
		archived = append(archived, strings.TrimSuffix(strings.ReplaceAll(v, "*", ""), " [displayed]"))
	}
	wantArchived := []string{"in:hello 👍2 🎉 ❤", "in:welcome (reply)", "in:thanks (reply)", "in: (retracted)", "in: (retracted)", strings.ReplaceAll(want[5], " [displayed]", "")}
	if !slices.Equal(archived, wantArchived) {
		t.Errorf("from the room's archive:\n%q\nwant\n%q", archived, wantArchived)
	}
}
