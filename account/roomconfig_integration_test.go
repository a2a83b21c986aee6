package account

import (
	"testing"

	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/internal/servertest"
	"parley/muc"
)

// TestIntegrationRoomConfig creates rooms configured on each server (room
// locking on): one from its configuration form, password-protected, then
// made members-only with the form again; one protected by the password
// given to the join; one whose form was cancelled. Other accounts check
// what the room asks of them.
func TestIntegrationRoomConfig(t *testing.T) { servertest.Each(t, testIntegrationRoomConfig) }

func testIntegrationRoomConfig(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRoomLocking())
	aliceJID := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	carolJID := s.AddUser(t, "carol", "pw")
	alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
	bob := startOnline(t, testConfig(s, bobJID, "pw", "laptop"))
	carol := startOnline(t, testConfig(s, carolJID, "pw", "phone"))
	vault := jid.MustParse("vault@" + s.MUC)

	set := func(t *testing.T, f *forms.Form, v string, values ...string) {
		t.Helper()
		fd := f.Field(v)
		if fd == nil {
			t.Fatalf("%s: the form has no field %s", kind, v)
		}
		fd.Values = values
	}

	t.Run("created from the form", func(t *testing.T) {
		created, err := alice.JoinNew(ctx10(t), vault, "", "")
		if err != nil || !created {
			t.Fatalf("JoinNew = %v, %v", created, err)
		}
		// Locked until configured: nobody else gets in (where the
		// server locks new rooms).
		if s.Has(servertest.RoomLocking) {
			if err := bob.Join(ctx10(t), vault, "", ""); err == nil {
				t.Errorf("bob entered a locked room")
			} else {
				t.Logf("%s, locked room: %v", kind, err)
			}
		}
		f, err := alice.RoomConfig(ctx10(t), vault)
		if err != nil {
			t.Fatal(err)
		}
		if f.FormType() != "http://jabber.org/protocol/muc#roomconfig" {
			t.Errorf("form type %q", f.FormType())
		}
		set(t, f, "muc#roomconfig_roomname", "The Vault")
		if f.Field("muc#roomconfig_passwordprotectedroom") != nil { // ejabberd; on Prosody a secret protects
			set(t, f, "muc#roomconfig_passwordprotectedroom", "1")
		}
		set(t, f, "muc#roomconfig_roomsecret", "s3cret")
		set(t, f, "muc#roomconfig_persistentroom", "1")
		set(t, f, "muc#roomconfig_moderatedroom", "1")
		if probs := f.Validate(); len(probs) != 0 {
			t.Fatalf("the filled form does not validate: %+v", probs)
		}
		if err := alice.SubmitRoomConfig(ctx10(t), vault, f); err != nil {
			t.Fatal(err)
		}
		roomErr(t, bob.Join(ctx10(t), vault, "", ""), "needs a password")
		if err := bob.Join(ctx10(t), vault, "", "s3cret"); err != nil {
			t.Fatalf("bob with the password: %v", err)
		}
		info, err := carol.RoomInfo(ctx10(t), vault)
		if err != nil || info.Name != "The Vault" || !info.PasswordProtected || !info.Persistent || !info.Moderated || info.MembersOnly {
			t.Errorf("room info %+v, %v", info, err)
		}
	})

	t.Run("configured again", func(t *testing.T) {
		if err := alice.SetAffiliation(ctx10(t), vault, bobJID, "member", ""); err != nil {
			t.Fatal(err)
		}
		f, err := alice.RoomConfig(ctx10(t), vault)
		if err != nil {
			t.Fatal(err)
		}
		if fd := f.Field("muc#roomconfig_roomname"); fd == nil || fd.Value() != "The Vault" {
			t.Errorf("the form does not show the name set: %+v", fd)
		}
		set(t, f, "muc#roomconfig_membersonly", "1")
		if err := alice.SubmitRoomConfig(ctx10(t), vault, f); err != nil {
			t.Fatal(err)
		}
		roomErr(t, carol.Join(ctx10(t), vault, "", "s3cret"), "members-only")
		info, err := carol.RoomInfo(ctx10(t), vault)
		if err != nil || !info.MembersOnly || !info.PasswordProtected {
			t.Errorf("room info %+v, %v", info, err)
		}
		// A non-owner may not have the form.
		if _, err := bob.RoomConfig(ctx10(t), vault); err == nil {
			t.Errorf("a member got the configuration form")
		}
	})

	t.Run("password at creation", func(t *testing.T) {
		den := jid.MustParse("den@" + s.MUC)
		if err := alice.Join(ctx10(t), den, "", "hunter2"); err != nil {
			t.Fatal(err)
		}
		ev := alice.roomChange(t, den, selfJoined)
		if sj := ev.Changes[len(ev.Changes)-1].(muc.SelfJoined); !sj.Created {
			t.Errorf("den was not created: %+v", sj)
		}
		roomErr(t, carol.Join(ctx10(t), den, "", ""), "needs a password")
		if err := carol.Join(ctx10(t), den, "", "hunter2"); err != nil {
			t.Errorf("carol with the password: %v", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		gone := jid.MustParse("gone@" + s.MUC)
		created, err := alice.JoinNew(ctx10(t), gone, "", "")
		if err != nil || !created {
			t.Fatalf("JoinNew = %v, %v", created, err)
		}
		if err := alice.CancelRoomConfig(ctx10(t), gone, true); err != nil {
			t.Fatal(err)
		}
		if info, err := carol.RoomInfo(ctx10(t), gone); err == nil {
			t.Errorf("a cancelled room still exists: %+v", info)
		}
	})
}
