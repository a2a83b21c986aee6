package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/muc"
	"parley/vcard"
)

// peerIQ sends a raw IQ of id through the peer and waits for its result.
func peerIQ(t *testing.T, p *servertest.Peer, id, iq string) {
	t.Helper()
	p.SendRaw(iq)
	ev := p.Wait(t, 10*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "iq" && e.ID == id })
	if ev.Type != "result" {
		t.Fatalf("peer iq %s: %s", id, ev)
	}
}

// peerVCard4 publishes a vCard4 as the peer, open to all.
func peerVCard4(t *testing.T, p *servertest.Peer, id, card string) {
	t.Helper()
	peerIQ(t, p, id, `<iq type="set" id="`+id+`"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="urn:xmpp:vcard4"><item id="current">`+card+
		`</item></publish><publish-options><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/pubsub#publish-options</value></field>`+
		`<field var="pubsub#access_model"><value>open</value></field></x></publish-options></pubsub></iq>`)
}

// TestIntegrationVCard, on each server: a slixmpp peer's vcard-temp read
// (on Prosody through its vCard4 mapping, on ejabberd as vcard-temp: the
// fallback), ours set field by field and read back by a second client in
// both formats with the peer's unshown properties kept, an account with
// none, and a hostile vCard4 (huge, control characters) read within
// bounds.
func TestIntegrationVCard(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceJID := s.AddUser(t, "alice", "pw")
		bobJID := s.AddUser(t, "bob", "pw")
		peerJID := s.AddUser(t, "peer", "pw")
		alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
		bob := startOnline(t, testConfig(s, bobJID, "pw", "desk"))
		peer := servertest.StartPeer(t, s, peerJID, "pw")

		if _, err := bob.VCard(ctx10(t), jid.JID{}); !errors.Is(err, ErrNoVCard) {
			t.Errorf("bob's own vCard before any: %v, want ErrNoVCard", err)
		}

		// The peer stores a vcard-temp, with a property parley does not show.
		peerIQ(t, peer, "vt1", `<iq type="set" id="vt1"><vCard xmlns="vcard-temp"><FN>Peer Gynt</FN><NICKNAME>Gynt</NICKNAME>`+
			`<EMAIL><INTERNET/><USERID>peer@example.org</USERID></EMAIL><TEL><CELL/><NUMBER>555-0199</NUMBER></TEL><DESC>A wanderer</DESC><TITLE>Troll king</TITLE></vCard></iq>`)
		c, err := alice.VCard(ctx10(t), peerJID)
		if err != nil || c.FN != "Peer Gynt" || c.Nickname != "Gynt" || len(c.Emails) != 1 || c.Emails[0].Text != "peer@example.org" || c.Note != "A wanderer" || len(c.Phones) != 1 {
			t.Errorf("the peer's vCard: %+v, %v", c, err)
		}
		wantFormat := vcard.Temp // ejabberd: no vCard4, the fallback
		if kind == servertest.Prosody {
			wantFormat = vcard.VCard4 // mod_vcard_legacy maps vcard-temp to PEP
		}
		if c.Format != wantFormat {
			t.Errorf("the peer's vCard came as %v, want %v", c.Format, wantFormat)
		}

		// Ours, field by field; a second client reads it back.
		for _, f := range []struct {
			f vcard.Field
			v string
		}{{vcard.FieldFN, "Alice Liddell"}, {vcard.FieldNickname, "Ally"}, {vcard.FieldEmail, "alice@wonder.land"}} {
			if _, err := alice.SetVCard(ctx10(t), f.f, f.v); err != nil {
				t.Fatalf("set %v: %v", f.f, err)
			}
		}
		c, err = bob.VCard(ctx10(t), aliceJID)
		if err != nil || c.Format != vcard.VCard4 || c.FN != "Alice Liddell" || c.Nickname != "Ally" || len(c.Emails) != 1 || c.Emails[0].Text != "alice@wonder.land" {
			t.Errorf("alice's vCard4 read by bob: %+v, %v", c, err)
		}
		temp, err := bob.vcardTemp(ctx10(t), aliceJID)
		if err != nil || temp.FN != "Alice Liddell" || temp.Nickname != "Ally" || len(temp.Emails) != 1 {
			t.Errorf("alice's vcard-temp read by bob (kept in step): %+v, %v", temp, err)
		}
		if _, err := alice.SetVCard(ctx10(t), vcard.FieldEmail, "second@wonder.land"); err != nil {
			t.Fatal(err)
		}
		if c, err := bob.VCard(ctx10(t), aliceJID); err != nil || c.Emails[0].Text != "second@wonder.land" || c.FN != "Alice Liddell" {
			t.Errorf("after a second edit: %+v, %v", c, err)
		}

		// The peer's own edit through parley's rules keeps what parley does
		// not show: the peer becomes a parley session.
		peer.Close()
		peerAcct := startOnline(t, testConfig(s, peerJID, "pw", "parley"))
		if _, err := peerAcct.SetVCard(ctx10(t), vcard.FieldNickname, "Peer"); err != nil {
			t.Fatal(err)
		}
		c, err = alice.VCard(ctx10(t), peerJID)
		if err != nil || c.Nickname != "Peer" || c.Title != "Troll king" || c.Note != "A wanderer" || len(c.Phones) != 1 || c.FN != "Peer Gynt" {
			t.Errorf("the peer's vCard after parley edited its nickname: %+v, %v", c, err)
		}
		if temp, err := alice.vcardTemp(ctx10(t), peerJID); err != nil || temp.Nickname != "Peer" || temp.Title != "Troll king" {
			t.Errorf("the peer's vcard-temp after the edit: %+v, %v", temp, err)
		}
	})
}

// TestIntegrationVCardHostile: a vCard4 of 150 KB of photo, hundreds of
// emails, control characters and an over-long note is read within the
// bounds on each server; parley does not edit what it could not keep.
func TestIntegrationVCardHostile(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceJID := s.AddUser(t, "alice", "pw")
		evilJID := s.AddUser(t, "evil", "pw")
		alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
		evil := servertest.StartPeer(t, s, evilJID, "pw")
		card := `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><fn><text>Evil&#x9b;31m&#x202e;gninnuc</text></fn>` +
			strings.Repeat(`<email><text>e@x</text></email>`, 300) +
			`<note><text>` + strings.Repeat("n", 10000) + `</text></note>` +
			`<photo><uri>data:image/png;base64,` + strings.Repeat("QUFB", 150<<10/4) + `</uri></photo></vcard>`
		peerVCard4(t, evil, "h1", card)
		c, err := alice.VCard(ctx10(t), evilJID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.FN, "Evil") || len(c.Emails) != vcard.MaxValues || len(c.Note) > vcard.MaxNote || !c.Cut || c.Photo == nil || c.Photo.Size < 100<<10 {
			t.Errorf("hostile vCard: fn %q, %d emails, note %d bytes, cut %v, photo %+v", c.FN, len(c.Emails), len(c.Note), c.Cut, c.Photo)
		}
	})
}

// TestIntegrationVCardOccupant: in a room, the vCard of an occupant asked
// by their address in the room (what /vcard nick asks when the room hides
// real JIDs) goes to vcard-temp, which the room passes on; the answer comes
// from the occupant's room address.
func TestIntegrationVCardOccupant(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceJID := s.AddUser(t, "alice", "pw")
		peerJID := s.AddUser(t, "peer", "pw")
		alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
		peer := servertest.StartPeer(t, s, peerJID, "pw")
		peerIQ(t, peer, "vt1", `<iq type="set" id="vt1"><vCard xmlns="vcard-temp"><FN>Peer Gynt</FN></vCard></iq>`)
		room := jid.MustParse("vroom@" + s.MUC)
		if err := alice.Join(ctx10(t), room, "", ""); err != nil {
			t.Fatal(err)
		}
		alice.roomChange(t, room, selfJoined)
		peer.JoinRoom(room.String(), "gynt")
		alice.roomChange(t, room, func(c muc.Change) bool { j, ok := c.(muc.OccupantJoined); return ok && j.Occupant.Nick == "gynt" })
		occ, _ := room.WithResource("gynt")
		c, err := alice.VCard(ctx10(t), occ)
		if err != nil || c.FN != "Peer Gynt" {
			t.Errorf("the occupant's vCard: %+v, %v", c, err)
		}
	})
}
