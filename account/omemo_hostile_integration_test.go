package account

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"parley/internal/servertest"
)

// TestIntegrationOMEMOHostile: a raw peer in the roster sends hostile
// <encrypted/> elements through the server (garbage and short keys, a
// pre-key message with a one-byte base key, a huge payload, a key for
// another device, a header without a sender). Each is one clear line
// saying it could not be decrypted; none crashes the account or makes
// the plain message after it vanish.
func TestIntegrationOMEMOHostile(t *testing.T) { servertest.Each(t, testIntegrationOMEMOHostile) }

func testIntegrationOMEMOHostile(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	mallory := s.AddUser(t, "mallory", "pw")
	a := omemoAccount(t, s, alice, "pw", "parley", t.TempDir())
	if err := a.RosterSet(context.Background(), RosterItem{JID: mallory}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, func() bool { return a.isContact(mallory) })
	p := servertest.StartPeer(t, s, mallory, "pw")
	rid := a.om.mgr.DeviceID()
	b64 := base64.StdEncoding.EncodeToString
	// A pre-key message (version 0x33) whose protobuf carries a base key
	// of one byte and an empty identity key.
	shortPreKey := []byte{0x33, 0x08, 0x01, 0x28, 0x07, 0x30, 0x01, 0x12, 0x01, 0x05, 0x1a, 0x00, 0x22, 0x02, 0x33, 0x0a}
	enc := func(sid, keys, payload string) string {
		return `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='` + sid + `'>` + keys +
			`<iv>AAAAAAAAAAAAAAAA</iv></header>` + payload + `</encrypted>`
	}
	key := func(rid uint32, attrs string, data []byte) string {
		return fmt.Sprintf(`<key rid='%d'%s>%s</key>`, rid, attrs, b64(data))
	}
	// 160 KiB: as much as the servers' stanza limits let through (ours,
	// MaxEncryptedBytes, is tested in package payload).
	huge := "<payload>" + strings.Repeat("QUFB", 40<<10) + "</payload>"
	for _, tc := range []struct{ name, elem, want string }{
		{"garbage key", enc("4242", key(rid, "", []byte("garbage garbage garbage")), "<payload>AAAA</payload>"), "could not decrypt"},
		{"empty key", enc("4242", fmt.Sprintf(`<key rid='%d'/>`, rid), ""), "could not decrypt"},
		{"short pre-key", enc("4242", key(rid, ` prekey='true'`, shortPreKey), "<payload>AAAA</payload>"), "could not decrypt"},
		{"one-byte pre-key", enc("4242", key(rid, ` prekey='1'`, []byte{0x33}), ""), "could not decrypt"},
		{"huge payload", enc("4242", key(rid, "", []byte{0x33, 1, 2, 3}), huge), "could not decrypt"},
		{"wrong rid", enc("4242", key(rid+1, "", []byte{0x33, 1, 2, 3}), "<payload>AAAA</payload>"), "not encrypted for this device"},
		{"no sid", enc("", key(rid, "", []byte{0x33}), ""), "could not decrypt"},
		{"sid not a number", enc("x", key(rid, "", []byte{0x33}), ""), "could not decrypt"},
		{"bad base64", enc("4242", fmt.Sprintf(`<key rid='%d'>!!!*</key>`, rid), ""), "could not decrypt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.ReplaceAll(tc.name, " ", "-")
			p.SendRaw(`<message xmlns='jabber:client' type='chat' to='` + alice.String() + `' id='` + id + `'><body>fallback</body>` + tc.elem + `</message>`)
			m := a.rec.wait(t, waitLong, func(e Event) bool {
				me, ok := e.(MessageEvent)
				return ok && me.Msg.ID == id
			}).(MessageEvent).Msg
			if !m.Undecryptable || !m.Encrypted || !strings.Contains(m.Body, tc.want) || m.Body == "fallback" || len(m.Body) > 300 {
				t.Errorf("got %+v, want one line with %q", m, tc.want)
			}
			t.Logf("%s: %s", tc.name, m.Body)
			after := "after " + tc.name
			p.SendMessage(alice.String(), after)
			if m := a.rec.wait(t, waitLong, func(e Event) bool {
				me, ok := e.(MessageEvent)
				return ok && me.Msg.Body == after
			}).(MessageEvent).Msg; m.Encrypted {
				t.Errorf("the plain message after: %+v", m)
			}
		})
	}
	if st := lastState(a.rec); st.State != Online {
		t.Errorf("state %v after the hostile messages", st.State)
	}
}
