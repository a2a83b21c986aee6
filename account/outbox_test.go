package account

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/internal/servertest"
)

// TestIntegrationOutboxRestart: a message typed while offline is kept in
// the outbox file (0600), survives the end of the process that queued it
// (nothing else is written: the same as a kill -9), and is sent once by the
// next run, as the stanza it was (same id and origin-id, the receipt
// request). A third run sends nothing again.
func TestIntegrationOutboxRestart(t *testing.T) { servertest.Each(t, testIntegrationOutboxRestart) }

func testIntegrationOutboxRestart(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	file := filepath.Join(t.TempDir(), "outbox", alice.String())
	cfg := testConfig(s, alice, "pw", "parley")
	cfg.Outbox = file
	ctx := context.Background()

	first := New(cfg, nil) // never connects: offline the whole time
	var ids []string
	for _, body := range []string{"typed offline 1", "typed offline 2"} {
		m, err := first.SendMessage(ctx, bob, "chat", body)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Pending {
			t.Fatalf("offline message not pending: %+v", m)
		}
		ids = append(ids, m.ID)
	}
	if n := first.Unsent(); n != 2 {
		t.Fatalf("Unsent = %d, want 2", n)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox file mode %v, want 0600", fi.Mode().Perm())
	}

	peer := servertest.StartPeer(t, s, bob, "pw")
	second := startOnline(t, cfg)
	for i, id := range ids {
		got := peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.ID == id })
		if got.Body != []string{"typed offline 1", "typed offline 2"}[i] ||
			!strings.Contains(got.Raw, `origin-id`) || !strings.Contains(got.Raw, id) || !strings.Contains(got.Raw, "urn:xmpp:receipts") {
			t.Errorf("peer got %s (raw %s)", got, got.Raw)
		}
	}
	second.rec.wait(t, waitLong, func(e Event) bool {
		de, ok := e.(DeliveryEvent)
		return ok && de.Sent && de.ID == ids[1]
	})
	if n := second.Unsent(); n != 0 {
		t.Errorf("Unsent after the flush = %d", n)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("outbox file still there after the flush: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, waitLong)
	defer cancel()
	if err := second.Close(cctx); err != nil {
		t.Fatal(err)
	}

	third := startOnline(t, cfg)
	if _, err := third.SendMessage(ctx, bob, "chat", "marker"); err != nil {
		t.Fatal(err)
	}
	peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body == "marker" })
	count := 0
	for _, e := range peer.Events() {
		if e.Kind == "message" && strings.HasPrefix(e.Body, "typed offline") {
			count++
		}
	}
	if count != 2 {
		t.Errorf("peer got %d copies of the 2 offline messages", count)
	}
}

// TestOutboxFileHostile: a damaged or hostile outbox file is read within
// its bounds: bad lines are skipped and counted, good ones kept.
func TestOutboxFileHostile(t *testing.T) {
	good := `{"id":"a1","to":"bob@example.org","type":"chat","body":"hi","stanza":"<message xmlns=\"jabber:client\" type=\"chat\" to=\"bob@example.org\" id=\"a1\"><body>hi</body></message>"}`
	tests := []struct {
		name      string
		content   string
		good, bad int
	}{
		{"empty", "", 0, 0},
		{"one good", good + "\n", 1, 0},
		{"garbage", "not json\n" + good + "\n", 1, 1},
		{"id mismatch", strings.Replace(good, `"id":"a1"`, `"id":"zz"`, 1) + "\n", 0, 1},
		{"groupchat", strings.Replace(good, `"type":"chat"`, `"type":"groupchat"`, 1) + "\n", 0, 1},
		{"stanza to someone else", strings.Replace(good, `to=\"bob@example.org\"`, `to=\"eve@example.org\"`, 1) + "\n", 0, 1},
		{"bad to", strings.Replace(good, `"to":"bob@example.org"`, `"to":"@@"`, 1) + "\n", 0, 1},
		{"broken xml", strings.Replace(good, `</message>`, `</massage>`, 1) + "\n", 0, 1},
		{"overlong line", good + "\n" + strings.Repeat("x", maxOutboxEntry+10) + "\n" + good + "\n", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "ob")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			items, bad, err := loadOutbox(p, testAccount)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tc.good || bad != tc.bad {
				t.Errorf("%d items, %d bad; want %d, %d", len(items), bad, tc.good, tc.bad)
			}
		})
	}
}

// TestOutboxFileRoundTrip: what is saved is read back, stanza bytes equal.
func TestOutboxFileRoundTrip(t *testing.T) {
	a := New(Config{JID: testAccount, Outbox: filepath.Join(t.TempDir(), "x", "ob")}, nil)
	for _, body := range []string{"one", "two <&> \"three\"", "ünï\u200bcode"} {
		if _, err := a.SendMessage(context.Background(), testAccount, "chat", body); err != nil {
			t.Fatal(err)
		}
	}
	items, bad, err := loadOutbox(a.cfg.Outbox, testAccount)
	if err != nil || bad != 0 || len(items) != 3 {
		t.Fatalf("%d items, %d bad, %v", len(items), bad, err)
	}
	for i, it := range items {
		want := a.ob.items[i]
		if string(it.raw) != string(want.raw) || it.m.ID != want.m.ID || it.m.Body != want.m.Body || !it.m.To.Equal(want.m.To) {
			t.Errorf("item %d: %+v, want %+v", i, it, want)
		}
		if _, err := encodeStanza(it.tokens()); err != nil {
			t.Errorf("item %d does not replay: %v", i, err)
		}
	}
}

// FuzzOutboxFile: whatever the outbox file holds, reading it neither panics
// nor keeps more than maxOutbox messages, and every message kept is one of
// ours to send: chat or normal, with an id.
func FuzzOutboxFile(f *testing.F) {
	f.Add([]byte(`{"id":"a1","to":"bob@example.org","type":"chat","body":"hi","stanza":"<message xmlns=\"jabber:client\" type=\"chat\" to=\"bob@example.org\" id=\"a1\"><body>hi</body></message>"}` + "\n"))
	f.Add([]byte("{}\n{\"id\":1}\n\x00\xff"))
	f.Add([]byte(`{"id":"x","to":"a@b","type":"normal","stanza":"<message type=\"normal\" to=\"a@b\" id=\"x\"><body>unclosed"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "ob")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		items, _, err := loadOutbox(p, testAccount)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > maxOutbox {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			if it.m.ID == "" || (it.m.Type != "chat" && it.m.Type != "normal") {
				t.Fatalf("kept %+v", it.m)
			}
			if _, err := encodeStanza(it.tokens()); err != nil {
				t.Fatalf("kept a stanza that does not replay: %v", err)
			}
		}
	})
}
