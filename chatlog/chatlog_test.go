package chatlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
)

func TestRecorderDedup(t *testing.T) {
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	me := jid.MustParse("me@example.org")
	peer := jid.MustParse("you@example.org/phone")
	var got []account.Event
	rec := New(store, func(ev account.Event) { got = append(got, ev) })

	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	live := account.Message{ID: "m1", OriginID: "o1", From: peer, To: me, Type: "chat", Body: "hello", Time: at}
	archived := live
	archived.StanzaID, archived.StanzaIDBy, archived.Archived, archived.Delayed = "arch-1", me.String(), true, true
	sent := account.Message{ID: "s1", OriginID: "s1", From: me, To: peer.Bare(), Type: "chat", Body: "hi back", Dir: account.Out, Time: at.Add(time.Second)}
	sentEcho := sent
	sentEcho.StanzaID, sentEcho.StanzaIDBy, sentEcho.Archived = "arch-2", me.String(), true
	errMsg := account.Message{ID: "e1", From: peer, Type: "error", Err: "recipient-unavailable"}

	steps := []struct {
		name    string
		ev      account.Event
		forward bool
	}{
		{"live message", account.MessageEvent{Base: account.Base{Account: me}, Msg: live}, true},
		{"same message again", account.MessageEvent{Base: account.Base{Account: me}, Msg: live}, false},
		{"archive copy of it", account.MessageEvent{Base: account.Base{Account: me}, Msg: archived}, false},
		{"our message", account.MessageEvent{Base: account.Base{Account: me}, Msg: sent}, true},
		{"archive copy of ours", account.MessageEvent{Base: account.Base{Account: me}, Msg: sentEcho}, false},
		{"error messages pass, unstored", account.MessageEvent{Base: account.Base{Account: me}, Msg: errMsg}, true},
		{"other events pass", account.StateEvent{Base: account.Base{Account: me}, State: account.Online}, true},
	}
	for _, s := range steps {
		before := len(got)
		rec.Sink(s.ev)
		if forwarded := len(got) > before; forwarded != s.forward {
			t.Errorf("%s: forwarded=%v, want %v", s.name, forwarded, s.forward)
		}
	}
	recs, _, err := store.Tail(me.String(), "you@example.org", 10)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range recs {
		if r.Body != "" {
			bodies = append(bodies, r.Dir+":"+r.Body)
		}
	}
	if len(bodies) != 2 || bodies[0] != "in:hello" || bodies[1] != "out:hi back" {
		t.Fatalf("stored %q, want [in:hello out:hi back]", bodies)
	}
	if id, _ := store.NewestArchiveID(me.String(), "you@example.org", me.String()); id != "arch-2" {
		t.Errorf("newest archive id %q, want arch-2", id)
	}
}

func TestRecorderNilStoreForwards(t *testing.T) {
	n := 0
	rec := New(nil, func(account.Event) { n++ })
	rec.Sink(account.MessageEvent{Msg: account.Message{Body: "x", From: jid.MustParse("a@b")}})
	if n != 1 {
		t.Fatalf("forwarded %d events, want 1", n)
	}
}

func TestConvOfPrivateRoomMessage(t *testing.T) {
	m := account.Message{From: jid.MustParse("room@muc.example.org/nick"), Private: true}
	if got := Conv(m); got != "room@muc.example.org/nick" {
		t.Fatalf("Conv = %q", got)
	}
	m.Private = false
	m.Type = "groupchat"
	if got := Conv(m); got != "room@muc.example.org" {
		t.Fatalf("Conv = %q", got)
	}
}

// TestForwardWarnings: the store's warnings, those found before and after,
// reach the sink as FileWarningEvent.
func TestForwardWarnings(t *testing.T) {
	dir := t.TempDir()
	me := jid.MustParse("me@example.org")
	peer := jid.MustParse("you@example.org/phone")
	msg := func(id string) account.Event {
		return account.MessageEvent{Base: account.Base{Account: me}, Msg: account.Message{ID: id, From: peer, To: me, Type: "chat", Body: "hi " + id}}
	}
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	New(store, func(account.Event) {}).Sink(msg("m1"))
	store.Close()
	path := filepath.Join(dir, history.EncodeName(me.String()), history.EncodeName("you@example.org")+".jsonl")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("not a record\n{\"v\":1,\"t\":\"2026-11-23T14:05") // a malformed line and a torn one
	f.Close()

	store, err = history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var warnings []string
	rec := New(store, func(ev account.Event) {
		if w, ok := ev.(account.FileWarningEvent); ok {
			warnings = append(warnings, w.Text)
		}
	})
	store.Conversations()
	rec.ForwardWarnings()
	rec.Sink(msg("m2")) // loads the conversation: repairs and indexes it
	store.Tail(me.String(), "you@example.org", 10)
	got := strings.Join(warnings, "\n")
	if len(warnings) != 2 || !strings.Contains(got, "removed") || !strings.Contains(got, "skipped malformed line") {
		t.Fatalf("warnings forwarded: %q", warnings)
	}
}

// TestRecorderCorrection: a contact's correction is stored as a correction
// record, not a message (a second copy of it is a duplicate); one from
// another resource is stored but folds into nothing; reading shows the
// original line with the corrected text, edited.
func TestRecorderCorrection(t *testing.T) {
	dir := t.TempDir()
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	me := jid.MustParse("me@example.org")
	peer := jid.MustParse("you@example.org/phone")
	other := jid.MustParse("you@example.org/evil")
	var fwd []account.Message
	rec := New(store, func(ev account.Event) {
		if me, ok := ev.(account.MessageEvent); ok {
			fwd = append(fwd, me.Msg)
		}
	})
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ev := func(m account.Message) account.Event {
		return account.MessageEvent{Base: account.Base{Account: me}, Msg: m}
	}
	orig := account.Message{ID: "m1", From: peer, To: me, Type: "chat", Body: "helo", Time: at}
	fix := account.Message{ID: "c1", From: peer, To: me, Type: "chat", Body: "hello", Time: at.Add(time.Second), Replaces: "m1"}
	spoof := account.Message{ID: "c2", From: other, To: me, Type: "chat", Body: "pwned", Time: at.Add(2 * time.Second), Replaces: "m1"}
	for _, m := range []account.Message{orig, fix, fix, spoof} {
		rec.Sink(ev(m))
	}
	if len(fwd) != 3 || fwd[1].Replaces != "m1" {
		t.Fatalf("forwarded %+v, want the message, the correction once and the spoof", fwd)
	}
	check := func(when string) {
		recs, _, err := store.Tail(me.String(), "you@example.org", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Body != "hello" || !recs[0].Folded.Edited || recs[0].ID != "m1" {
			t.Fatalf("%s: folded %+v, want m1 \"hello\" edited", when, recs)
		}
	}
	check("live")
	store.Close()
	if store, err = history.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	check("after reopening")
}
