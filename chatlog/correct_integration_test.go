package chatlog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/history"
	"parley/internal/servertest"
)

// TestIntegrationCorrection: bob (slixmpp) corrects his message with
// XEP-0308; the correction reaches the sink with Replaces and is stored as
// a correction record, so history shows one message, corrected and edited.
// A correction of it from bob's other resource is stored but refused by
// the fold. Our /correct (Account.Correct) reaches bob as a XEP-0308
// correction of our message's id. After a restart the folded view from the
// files is the same.
func TestIntegrationCorrection(t *testing.T) { servertest.Each(t, testIntegrationCorrection) }

func testIntegrationCorrection(t *testing.T, kind servertest.Kind) {
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

	msg := func(id, body, replaces string) string {
		x := "<message to='" + alice.String() + "' type='chat' id='" + id + "'><body>" + body + "</body>"
		if replaces != "" {
			x += "<replace xmlns='urn:xmpp:message-correct:0' id='" + replaces + "'/>"
		}
		return x + "</message>"
	}
	bob.SendRaw(msg("b1", "see you at noom", ""))
	ui.waitBody(t, bobJID, "see you at noom")
	bob.SendRaw(msg("b2", "see you at noon", "b1"))
	ui.waitBody(t, bobJID, "see you at noon")
	evil.SendRaw(msg("e1", "see you at midnight", "b1"))
	ui.waitBody(t, bobJID, "see you at midnight")

	ctx := context.Background()
	sent, err := a.SendMessage(ctx, bobJID, "chat", "the usual plase")
	if err != nil {
		t.Fatal(err)
	}
	fix, err := a.Correct(ctx, bobJID, "chat", sent.ID, "the usual place")
	if err != nil {
		t.Fatal(err)
	}
	if fix.ID == sent.ID || fix.Replaces != sent.ID {
		t.Errorf("correction %+v of %s", fix, sent.ID)
	}
	got := bob.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		return e.Kind == "message" && e.Body == "the usual place"
	})
	if !strings.Contains(got.Raw, "urn:xmpp:message-correct:0") || !strings.Contains(got.Raw, sent.ID) || got.ID == sent.ID {
		t.Errorf("bob received %s, want a correction of %s with an id of its own", got.Raw, sent.ID)
	}
	if err := a.Flush(ctx); err != nil { // every event stored
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		recs := records(t, store, alice, bobJID)
		var view []string
		for _, r := range recs {
			v := r.Dir + ":" + r.Body
			if r.Folded.Edited {
				v += " (edited)"
			}
			view = append(view, v)
		}
		want := []string{"in:see you at noon (edited)", "out:the usual place (edited)"}
		if !slices.Equal(view, want) {
			t.Errorf("%s: history %q, want %q", when, view, want)
		}
	}
	check("live")
	a.stop(t)
	store.Close()
	if store, err = history.Open(dir); err != nil {
		t.Fatal(err)
	}
	check("after a restart")
}

// TestIntegrationRoomCorrection: in a room, carol's correction of her
// message folds into it; mallory's correction of carol's message (another
// nick, as the room gives no occupant-id here or another one) is stored
// but refused; our correction is reflected by the room and folds into our
// message, and carol receives it as a XEP-0308 correction.
func TestIntegrationRoomCorrection(t *testing.T) { servertest.Each(t, testIntegrationRoomCorrection) }

func testIntegrationRoomCorrection(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	carol := servertest.StartPeer(t, s, s.AddUser(t, "carol", "pw"), "pw")
	mallory := servertest.StartPeer(t, s, s.AddUser(t, "mallory", "pw"), "pw")
	room := jid.MustParse("lounge@" + s.MUC)
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	ctx := context.Background()
	if err := a.Join(ctx, room, "alice", ""); err != nil {
		t.Fatal(err)
	}
	carol.JoinRoom(room.String(), "carol")
	mallory.JoinRoom(room.String(), "mallory")
	for nick, p := range map[string]*servertest.Peer{"carol": carol, "mallory": mallory} {
		p.Wait(t, waitLong, func(e servertest.PeerEvent) bool { // in the room
			return e.Kind == "presence" && e.From == room.String()+"/"+nick
		})
	}
	group := func(id, body, replaces string) string {
		x := "<message to='" + room.String() + "' type='groupchat' id='" + id + "'><body>" + body + "</body>"
		if replaces != "" {
			x += "<replace xmlns='urn:xmpp:message-correct:0' id='" + replaces + "'/>"
		}
		return x + "</message>"
	}
	carol.SendRaw(group("c1", "lunch tomorow?", ""))
	ui.waitBody(t, room, "lunch tomorow?")
	carol.SendRaw(group("c2", "lunch tomorrow?", "c1"))
	ui.waitBody(t, room, "lunch tomorrow?")
	mallory.SendRaw(group("m1", "no lunch, ever", "c1"))
	ui.waitBody(t, room, "no lunch, ever")

	if _, err := a.SendMessage(ctx, room, "groupchat", "at noom"); err != nil {
		t.Fatal(err)
	}
	ui.waitBody(t, room, "at noom")
	var ourID string
	for _, r := range records(t, store, alice, room) {
		if r.Dir == history.Out {
			ourID = r.ID
		}
	}
	if _, err := a.Correct(ctx, room, "groupchat", ourID, "at noon"); err != nil {
		t.Fatal(err)
	}
	got := carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		return e.Kind == "groupchat" && e.Body == "at noon"
	})
	if !strings.Contains(got.Raw, "urn:xmpp:message-correct:0") || !strings.Contains(got.Raw, ourID) {
		t.Errorf("carol received %s, want a correction of %s", got.Raw, ourID)
	}
	ui.waitBody(t, room, "at noon") // the reflection
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var view []string
	for _, r := range records(t, store, alice, room) {
		if r.Body == "" {
			continue
		}
		v := r.Dir + ":" + r.Body
		if r.Folded.Edited {
			v += " (edited)"
		}
		view = append(view, v)
	}
	if want := []string{"in:lunch tomorrow? (edited)", "out:at noon (edited)"}; !slices.Equal(view, want) {
		t.Errorf("room history %q, want %q", view, want)
	}
}
