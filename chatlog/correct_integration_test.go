package chatlog

import (
	"context"
	"slices"
	"strings"
	"testing"

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
