package account

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/muc"
)

// omemoConfig is testConfig with an OMEMO key store in dir.
func omemoConfig(s *servertest.Server, j jid.JID, pass, resource, dir string) Config {
	cfg := testConfig(s, j, pass, resource)
	cfg.OMEMODir, cfg.OMEMO = dir, OMEMOManual
	return cfg
}

// waitDevices waits until r sees a published OMEMO device of j.
func (r *running) waitDevices(t *testing.T, j jid.JID) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	var last error
	for time.Now().Before(deadline) {
		r.om.mu.Lock()
		delete(r.om.fetched, j.Bare().String()) // ask the server again
		r.om.mu.Unlock()
		devs, err := r.OMEMODevices(ctx10(t), j)
		if err == nil && len(devs) > 0 {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s has no OMEMO device (%v; %v)", j, last, r.rec.all())
}

// TestIntegrationOMEMORoom runs OMEMO in a members-only, non-anonymous
// room created by the test, through the account code, on each server:
// alice encrypts to every member (bob online, dave offline), bob decrypts
// it live, alice's reflection shows the text once, dave joins later and
// reads it from the room's archive; a room that is not members-only is
// refused; a hostile occupant's malformed <encrypted/> hides nothing.
func TestIntegrationOMEMORoom(t *testing.T) { servertest.Each(t, testIntegrationOMEMORoom) }

func testIntegrationOMEMORoom(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRoomLocking())
	aliceJID := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	daveJID := s.AddUser(t, "dave", "pw")
	carolJID := s.AddUser(t, "carol", "pw")
	carol := servertest.StartOMEMOPeer(t, s, carolJID, "pw") // python-omemo over slixmpp
	daveDir := t.TempDir()
	alice := startOnline(t, omemoConfig(s, aliceJID, "pw", "desk", t.TempDir()))
	bob := startOnline(t, omemoConfig(s, bobJID, "pw", "laptop", t.TempDir()))
	{ // dave publishes his device once, then goes offline
		dave := startOnline(t, omemoConfig(s, daveJID, "pw", "phone", daveDir))
		dave.waitDevices(t, daveJID)
		alice.waitDevices(t, daveJID)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		dave.Close(ctx)
		cancel()
	}
	alice.waitDevices(t, bobJID)
	alice.waitDevices(t, carolJID)
	room := jid.MustParse("secret@" + s.MUC)
	open := jid.MustParse("open@" + s.MUC)
	sess, err := alice.online()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refused in a room that is not members-only", func(t *testing.T) {
		if err := alice.Join(ctx10(t), open, "alice", ""); err != nil {
			t.Fatal(err)
		}
		if err := muc.Configure(ctx10(t), sess, open, map[string][]string{"muc#roomconfig_whois": {"anyone"}}); err != nil {
			t.Fatal(err)
		}
		err := alice.SetOMEMO(ctx10(t), open, true)
		if err == nil || !strings.Contains(err.Error(), "members-only") {
			t.Fatalf("SetOMEMO in an open room = %v, want a refusal naming members-only", err)
		}
		if alice.OMEMOStatus(open).On {
			t.Error("OMEMO on in a refused room")
		}
		if _, err := alice.SendMessage(ctx10(t), open, "groupchat", "plain is fine"); err != nil {
			t.Fatal(err)
		}
		if m := alice.groupMessage(t, open, "plain is fine"); m.Encrypted {
			t.Errorf("plain message marked encrypted: %+v", m)
		}
	})

	t.Run("members-only non-anonymous room", func(t *testing.T) {
		if err := alice.Join(ctx10(t), room, "alice", ""); err != nil {
			t.Fatal(err)
		}
		fields := map[string][]string{
			"muc#roomconfig_membersonly": {"1"}, "muc#roomconfig_whois": {"anyone"}, "muc#roomconfig_persistentroom": {"1"},
		}
		if kind == servertest.Prosody {
			fields["muc#roomconfig_enablearchiving"] = []string{"1"} // ejabberd's rooms archive by default (servertest)
		}
		if err := muc.Configure(ctx10(t), sess, room, fields); err != nil {
			t.Fatal(err)
		}
		for _, m := range []jid.JID{bobJID, daveJID, carolJID} {
			if err := alice.SetAffiliation(ctx10(t), room, m, "member", ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := bob.Join(ctx10(t), room, "bob", ""); err != nil {
			t.Fatal(err)
		}
		carol.JoinOMEMORoom(t, room.String(), "carol")
		// The configuration change (104) refreshes what alice knows.
		deadline := time.Now().Add(waitLong)
		for alice.SetOMEMO(ctx10(t), room, true) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("SetOMEMO in the members-only room: %v", alice.SetOMEMO(ctx10(t), room, true))
			}
			alice.refreshRoomFeatures(room)
		}
		if st := alice.OMEMOStatus(room); !st.On || !st.Room || st.Members != 3 || st.Devices < 3 {
			t.Fatalf("status %+v, want on with 3 members and their devices", st)
		}
		sent, err := alice.SendMessage(ctx10(t), room, "groupchat", "for members only")
		if err != nil {
			t.Fatal(err)
		}
		if !sent.Encrypted || !bytes.Contains(sent.sealed, []byte("eu.siacs.conversations.axolotl")) {
			t.Fatalf("sent %+v: not sealed", sent)
		}
		if m := bob.groupMessage(t, room, "for members only"); !m.Encrypted || m.Undecryptable || m.Nick != "alice" {
			t.Errorf("bob got %+v", m)
		}
		if m := alice.groupMessage(t, room, "for members only"); !m.Encrypted || m.Dir != Out {
			t.Errorf("alice's reflection %+v", m)
		}
		carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
			return e.Kind == "omemo" && e.From == aliceJID.String() && e.Nick == "alice" && e.Body == "for members only"
		})
		// The python peer encrypts to every member it reads from the lists.
		carol.SendRoom(room.String(), "carol's secret")
		if ev := carol.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "sent" || e.Kind == "error" }); ev.Kind != "sent" ||
			!strings.Contains(ev.Body, aliceJID.String()) || !strings.Contains(ev.Body, daveJID.String()) {
			t.Fatalf("carol sent to %s", ev)
		}
		if m := alice.groupMessage(t, room, "carol's secret"); !m.Encrypted || m.Undecryptable || m.Nick != "carol" {
			t.Errorf("alice got %+v", m)
		}
		if m := bob.groupMessage(t, room, "carol's secret"); !m.Encrypted {
			t.Errorf("bob got %+v", m)
		}
		// bob answers encrypted: alice decrypts it once.
		if err := bob.SetOMEMO(ctx10(t), room, true); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.SendMessage(ctx10(t), room, "groupchat", "bob agrees"); err != nil {
			t.Fatal(err)
		}
		if m := alice.groupMessage(t, room, "bob agrees"); !m.Encrypted || m.Untrusted {
			t.Errorf("alice got %+v", m)
		}
	})

	t.Run("a hostile occupant's malformed element", func(t *testing.T) {
		bsess, err := bob.online()
		if err != nil {
			t.Fatal(err)
		}
		for i, inner := range []string{
			`<header sid="1"><key rid="1">!!!</key><iv>AAAA</iv></header><payload>xx</payload>`,
			`<header sid="99999"/>`,
			`<header/>`,
		} {
			raw := `<message xmlns="jabber:client" type="groupchat" to="` + room.String() + `" id="bad` + string(rune('0'+i)) +
				`"><body>fallback ` + string(rune('0'+i)) + `</body><encrypted xmlns="eu.siacs.conversations.axolotl">` + inner + `</encrypted></message>`
			if err := bsess.Send(ctx10(t), stanzaTokens([]byte(raw))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := bob.SendMessage(ctx10(t), room, "groupchat", "still here"); err != nil {
			t.Fatal(err)
		}
		alice.groupMessage(t, room, "still here")
		bad := alice.count(func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Undecryptable && me.Msg.Nick == "bob" && strings.Contains(me.Msg.Body, "could not decrypt")
		})
		if bad != 3 {
			t.Errorf("%d undecryptable lines from bob's malformed messages, want 3", bad)
		}
	})

	t.Run("offline member reads it from the archive", func(t *testing.T) {
		dave := startOnline(t, omemoConfig(s, daveJID, "pw", "phone", daveDir))
		if err := dave.Join(ctx10(t), room, "dave", ""); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{"for members only", "carol's secret"} {
			if m := dave.groupMessage(t, room, body); !m.Encrypted || m.Undecryptable {
				t.Errorf("dave got %+v", m)
			}
		}
		time.Sleep(300 * time.Millisecond)
		if n := dave.count(func(e Event) bool {
			me, ok := e.(MessageEvent)
			return ok && me.Msg.Body == "for members only"
		}); n != 1 {
			t.Errorf("dave saw it %d times, want once", n)
		}
	})
}
