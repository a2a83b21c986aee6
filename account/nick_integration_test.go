package account

import (
	"context"
	"encoding/xml"
	"slices"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/vcard"
)

// pepNick reads the XEP-0172 nickname that j published, as a reads it.
func pepNick(t *testing.T, a *running, j jid.JID) string {
	t.Helper()
	nick := ""
	err := a.query(ctx10(t), "get", j, pubsubItems(vcard.NSNick), func(_ xml.StartElement, r xml.TokenReader) error {
		_, err := pepItem(r, func(se xml.StartElement, r xml.TokenReader) (err error) {
			nick, err = vcard.ParseNick(se, r)
			return err
		})
		return err
	})
	if err != nil {
		t.Fatalf("%s's nickname: %v", j, err)
	}
	return nick
}

// TestIntegrationNick, on each server: a slixmpp contact's published
// nickname reaches us live (our caps' +notify), a JID-looking one too (it
// is the UI that refuses it as a name), a retraction clears it; our
// configured nickname is published at login and carried by our
// subscription requests; /vcard set nick publishes it.
func TestIntegrationNick(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceCfg := testConfig(s, s.AddUser(t, "alice", "pw"), "pw", "desk")
		aliceCfg.Nickname = "Ally"
		carolJID := s.AddUser(t, "carol", "pw")
		peerJID := s.AddUser(t, "peer", "pw")
		alice := startOnline(t, aliceCfg)
		carol := startOnline(t, testConfig(s, carolJID, "pw", "desk"))
		peer := servertest.StartPeer(t, s, peerJID, "pw")
		mutual(t, alice, peer, peerJID)

		publish := func(id, nick string) {
			peerIQ(t, peer, id, `<iq type="set" id="`+id+`"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="http://jabber.org/protocol/nick"><item id="current">`+
				`<nick xmlns="http://jabber.org/protocol/nick">`+nick+`</nick></item></publish></pubsub></iq>`)
		}
		waitNick := func(want string) {
			t.Helper()
			alice.rec.wait(t, waitLong, func(e Event) bool {
				ne, ok := e.(NickEvent)
				return ok && ne.From.Equal(peerJID) && ne.Nick == want
			})
		}
		publish("n1", "Peer Gynt")
		waitNick("Peer Gynt")
		publish("n2", "carol@localhost")
		waitNick("carol@localhost")

		// A look-alike notification sent by a client (from its full JID:
		// PEP's come from the bare JID) to carol, who does not have the
		// peer in her roster, is dropped; the message after it arrives. (A
		// hostile server could send one from a bare JID: the account takes
		// those from contacts only, nickFrom.)
		peer.SendRaw(`<message to="` + carolJID.String() + `" type="headline"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="http://jabber.org/protocol/nick">` +
			`<item id="current"><nick xmlns="http://jabber.org/protocol/nick">Carol's boss</nick></item></items></event></message>`)
		peer.SendMessage(carolJID.String(), "after the fake")
		carol.rec.wait(t, waitLong, func(e Event) bool { me, ok := e.(MessageEvent); return ok && me.Msg.Body == "after the fake" })
		for _, e := range carol.rec.all() {
			if ne, ok := e.(NickEvent); ok {
				t.Errorf("carol took a stranger's nickname: %+v", ne)
			}
		}

		// Ours: published at login, carried by a subscription request.
		waitFor(t, alice, func() bool { return pepNick(t, carol, aliceCfg.JID) == "Ally" })
		if err := alice.Subscription(context.Background(), carolJID, "subscribe"); err != nil {
			t.Fatal(err)
		}
		carol.rec.wait(t, waitLong, func(e Event) bool {
			se, ok := e.(SubscriptionEvent)
			return ok && se.Type == "subscribe" && se.From.Equal(aliceCfg.JID) && se.Nick == "Ally"
		})
		if _, err := alice.SetVCard(ctx10(t), vcard.FieldNickname, "Alice L."); err != nil {
			t.Fatal(err)
		}
		if got := pepNick(t, carol, aliceCfg.JID); got != "Alice L." {
			t.Errorf("alice's nickname after /vcard set nick: %q", got)
		}
	})
}

// mutual makes a and the slixmpp peer subscribed to each other (the peer
// approves a's request by itself; a approves the peer's), then sends a's
// presence again: the server learns its +notify interests from its caps.
func mutual(t *testing.T, a *running, peer *servertest.Peer, peerJID jid.JID) {
	t.Helper()
	ctx := context.Background()
	if err := a.Subscription(ctx, peerJID, "subscribe"); err != nil {
		t.Fatal(err)
	}
	peer.Subscribe(a.cfg.JID.String())
	a.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribe" && se.From.Equal(peerJID)
	})
	if err := a.Subscription(ctx, peerJID, "subscribed"); err != nil {
		t.Fatal(err)
	}
	a.rec.wait(t, waitLong, func(e Event) bool {
		re, ok := e.(RosterEvent)
		return ok && slices.ContainsFunc(re.Items, func(it RosterItem) bool { return it.JID.Equal(peerJID) && it.Subscription == "both" })
	})
	if err := a.SetPresence(ctx, ShowOnline, ""); err != nil {
		t.Fatal(err)
	}
}
