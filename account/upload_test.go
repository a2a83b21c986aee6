package account

import (
	"context"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// TestSendFileAESGCMOnlySealed: an aesgcm:// link (it holds the file's
// key) is refused, before anything is queued or sent, wherever it could
// not go inside an OMEMO message: an account without OMEMO, a contact
// without OMEMO devices, a room, /omemo off.
func TestSendFileAESGCMOnlySealed(t *testing.T) {
	const link = "aesgcm://up.example/s/f.jpg#000102030405060708090a0b000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	bob := jid.MustParse("bob@example.net")
	room := jid.MustParse("room@muc.example.net")
	plain := New(Config{JID: testAccount}, nil)
	withKeys := New(Config{JID: testAccount, OMEMODir: t.TempDir()}, nil)
	if err := withKeys.SetOMEMO(context.Background(), bob, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a    *Account
		to   jid.JID
		typ  string
	}{
		{"no OMEMO", plain, bob, "chat"},
		{"OMEMO off for the contact", withKeys, bob, "chat"},
		{"a room", withKeys, room, "groupchat"},
		{"a contact without devices", withKeys, jid.MustParse("carol@example.net"), "chat"},
	} {
		if c.a.EncryptFiles(context.Background(), c.to, c.typ) {
			t.Errorf("%s: EncryptFiles says yes", c.name)
		}
		_, err := c.a.SendFile(context.Background(), c.to, c.typ, link, "")
		if err == nil || !strings.Contains(err.Error(), "not sent") {
			t.Errorf("%s: SendFile(aesgcm) = %v, want a refusal", c.name, err)
		}
		if n := c.a.Unsent(); n != 0 {
			t.Errorf("%s: %d messages queued", c.name, n)
		}
	}
}
