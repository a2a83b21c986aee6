package ui

import (
	"strings"
	"testing"

	"parley/internal/servertest"
)

// TestIntegrationVCardUI, on each server, through the real UI: a slixmpp
// contact without a roster name publishes a nickname and the roster shows
// it; /vcard shows its vcard-temp (the fallback on ejabberd, mapped to
// vCard4 by Prosody); /vcard set nick edits ours and /vcard reads it back.
func TestIntegrationVCardUI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		alice := s.AddUser(t, "alice", "pw")
		peerJID := s.AddUser(t, "peer", "pw")
		peer := servertest.StartPeer(t, s, peerJID, "pw")
		h := startLive(t, s, alice, openStore(t))
		p := peerJID.String()

		h.enter("/sub request " + p) // the peer approves by itself
		h.waitFor("in the roster", func() bool { return h.u.accts[0].items[p] != nil })
		peer.Subscribe(alice.String())
		h.waitFor("request", func() bool { return countContaining(entryTexts(h.u.console()), p+" wants to see your presence") == 1 })
		h.enter("/sub allow " + p)
		h.waitFor("both", func() bool { it := h.u.accts[0].items[p]; return it != nil && it.Subscription == "both" })
		fromAlice := func() int {
			n := 0
			for _, e := range peer.Events() {
				if e.Kind == "presence" && strings.HasPrefix(e.From, alice.String()+"/") {
					n++
				}
			}
			return n
		}
		before := fromAlice()
		h.enter("/status chat") // our caps (+notify) reach the server for the peer's node now
		h.waitFor("presence at the peer", func() bool { return fromAlice() > before })

		iq := func(id, xml string) {
			t.Helper()
			peer.SendRaw(xml)
			if ev := peer.Wait(t, liveWait, func(e servertest.PeerEvent) bool { return e.Kind == "iq" && e.ID == id }); ev.Type != "result" {
				t.Fatalf("peer iq %s: %s", id, ev)
			}
		}
		iq("n1", `<iq type="set" id="n1"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="http://jabber.org/protocol/nick"><item id="current">`+
			`<nick xmlns="http://jabber.org/protocol/nick">Peer Gynt</nick></item></publish></pubsub></iq>`)
		h.waitScreen("● Peer Gynt")

		iq("v1", `<iq type="set" id="v1"><vCard xmlns="vcard-temp"><FN>Peer Gynt</FN><EMAIL><INTERNET/><USERID>peer@example.org</USERID></EMAIL><DESC>A wanderer</DESC></vCard></iq>`)
		h.enter("/vcard " + p)
		h.waitScreen("full name: Peer Gynt")
		h.waitScreen("email: peer@example.org")

		h.enter("/vcard set nick Ally")
		h.waitScreen(`your vCard: nickname set to "Ally"`)
		h.enter("/vcard")
		h.waitScreen("nickname: Ally")
	})
}
