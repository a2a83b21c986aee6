package chatlog

import (
	"reflect"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/history"
	"parley/msg"
)

// TestRestartFold stores a conversation and a room of messages with
// corrections, reactions, retractions, a moderation and markers, as they
// come live, and checks that after a restart the files fold to exactly the
// view built live from the same records (history.Fold), erased texts
// included; and that forged references change nothing.
func TestRestartFold(t *testing.T) {
	acct := jid.MustParse("me@example.org")
	bob := jid.MustParse("bob@example.net/phone")
	room := jid.MustParse("room@muc.example.net")
	occ := func(nick string) jid.JID { j, _ := room.WithResource(nick); return j }
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	n := 0
	at := func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) }
	chat := []*msg.Message{
		{ID: "a1", OriginID: "oa1", From: bob, To: acct, Kind: msg.Chat, Body: "lunch?", Received: at()},
		{ID: "a2", From: bob, To: acct, Kind: msg.Chat, Body: "lnuch?", Correction: &msg.Correction{ID: "a1"}, Received: at()},
		{ID: "m1", OriginID: "m1", From: acct, To: bob.Bare(), Kind: msg.Chat, Dir: msg.Out, Body: "sure", Markable: true, Received: at()},
		{ID: "r1", From: bob, To: acct, Kind: msg.Chat, Reactions: &msg.Reactions{ID: "m1", Emojis: []string{"👍"}}, Received: at()},
		{ID: "k1", From: bob, To: acct, Kind: msg.Chat, Marker: msg.Marker{Kind: msg.Displayed, ID: "m1"}, Received: at()},
		{ID: "a3", OriginID: "oa3", From: bob, To: acct, Kind: msg.Chat, Body: "my pin is 1234", Received: at()},
		{ID: "a4", From: bob, To: acct, Kind: msg.Chat, Body: "This person retracted", Retraction: &msg.Retraction{ID: "oa3", Gen: 1}, Received: at()},
		{ID: "x1", From: jid.MustParse("bob@example.net/evil"), To: acct, Kind: msg.Chat, Body: "pwned", Correction: &msg.Correction{ID: "a1"}, Received: at()},
	}
	sid := func(id string) []msg.StanzaID { return []msg.StanzaID{{ID: id, By: room.String()}} }
	groupchat := []*msg.Message{
		{ID: "g1", From: occ("ann"), OccupantID: "o-ann", Kind: msg.Groupchat, Body: "hello", StanzaIDs: sid("s1"), Received: at()},
		{ID: "g2", From: occ("spam"), OccupantID: "o-spam", Kind: msg.Groupchat, Body: "buy now", StanzaIDs: sid("s2"), Received: at()},
		{ID: "g3", From: occ("cy"), OccupantID: "o-cy", Kind: msg.Groupchat, StanzaIDs: sid("s3"),
			Reactions: &msg.Reactions{ID: "s1", Emojis: []string{"❤", "👍"}}, Received: at()},
		{ID: "g4", From: room, Kind: msg.Groupchat, StanzaIDs: sid("s4"),
			Moderation: &msg.Moderation{ID: "s2", By: occ("mod").String(), Reason: "spam"}, Received: at()},
		{ID: "g5", From: occ("mallory"), OccupantID: "o-mal", Kind: msg.Groupchat, StanzaIDs: sid("s5"),
			Moderation: &msg.Moderation{ID: "s1", Reason: "forged"}, Received: at()},
		{ID: "g6", From: occ("ann"), OccupantID: "o-ann", Kind: msg.Groupchat, Body: "hello all", StanzaIDs: sid("s6"),
			Correction: &msg.Correction{ID: "g1"}, Received: at()},
	}
	dir := t.TempDir()
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string][]history.Record{}
	for conv, msgs := range map[string][]*msg.Message{bob.Bare().String(): chat, room.String(): groupchat} {
		for _, m := range msgs {
			r := FromMsg(acct, m)
			if _, err := s.Append(acct.String(), conv, r); err != nil {
				t.Fatal(err)
			}
			r.V = history.Version
			live[conv] = append(live[conv], r)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for conv, recs := range live {
		want := history.Fold(recs)
		got, _, err := s.Tail(acct.String(), conv, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: from the files\n%+v\nlive\n%+v", conv, got, want)
		}
	}
	chatView := history.Fold(live[bob.Bare().String()])
	if len(chatView) != 3 || chatView[0].Body != "lnuch?" || !chatView[0].Folded.Edited ||
		chatView[1].Folded.Marker != "displayed" || len(chatView[1].Folded.Reactions) != 1 || !chatView[2].Folded.Retracted {
		t.Errorf("chat folded to %+v", chatView)
	}
	roomView := history.Fold(live[room.String()])
	if len(roomView) != 2 || roomView[0].Body != "hello all" || roomView[0].Folded.Removed() ||
		len(roomView[0].Folded.Reactions) != 2 || !roomView[1].Folded.Moderated || roomView[1].Folded.Reason != "spam" {
		t.Errorf("room folded to %+v", roomView)
	}
}
