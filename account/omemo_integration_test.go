package account

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

// OMEMO through the real account code (Session, handler, event queue,
// send path) against python-omemo/oldmemo peers on Prosody and ejabberd.

// omemoAccount starts an online account of j with OMEMO (manual mode:
// /omemo on decides) and its key store in dir.
func omemoAccount(t *testing.T, s *servertest.Server, j jid.JID, pass, resource, dir string) *running {
	t.Helper()
	cfg := testConfig(s, j, pass, resource)
	cfg.OMEMODir, cfg.OMEMO = dir, OMEMOManual
	return startOnline(t, cfg)
}

// befriend makes a and peer mutually subscribed (the slixmpp peer
// approves and subscribes back by itself), so that a receives peer's
// presence and so its device-list notifications.
func befriend(t *testing.T, a *running, peer jid.JID) {
	t.Helper()
	ctx := context.Background()
	if err := a.Subscription(ctx, peer, "subscribe"); err != nil {
		t.Fatal(err)
	}
	a.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(SubscriptionEvent)
		return ok && se.Type == "subscribe" && se.From.Equal(peer)
	})
	if err := a.Subscription(ctx, peer, "subscribed"); err != nil {
		t.Fatal(err)
	}
	a.rec.wait(t, waitLong, func(e Event) bool {
		re, ok := e.(RosterEvent)
		return ok && slices.ContainsFunc(re.Items, func(it RosterItem) bool { return it.JID.Equal(peer) && it.Subscription == "both" })
	})
	// Our presence again, now that peer receives it: the server learns
	// our +notify interests from its caps (it sent the first before).
	if err := a.SetPresence(ctx, ShowOnline, ""); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds (bounded by waitLong).
func waitFor(t *testing.T, a *running, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not reached; events: %+v", a.rec.all())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inMsg waits for a received message event whose body is body.
func inMsg(t *testing.T, a *running, body string) Message {
	t.Helper()
	return a.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && (me.Msg.Body == body || me.Msg.Undecryptable)
	}).(MessageEvent).Msg
}

// mustDecrypted waits for body from a contact, decrypted and trusted.
func mustDecrypted(t *testing.T, a *running, body string) Message {
	t.Helper()
	m := inMsg(t, a, body)
	if m.Body != body || !m.Encrypted || m.Undecryptable || m.Untrusted {
		t.Fatalf("got %+v, want %q decrypted from a trusted device", m, body)
	}
	return m
}

func mustPeerGot(t *testing.T, p *servertest.OMEMOPeer, from, body string) {
	t.Helper()
	ev := p.Wait(t, waitLong, func(e servertest.PeerEvent) bool {
		if e.Kind == "error" && strings.HasPrefix(e.Body, "MessageNotForUs") {
			return false // an earlier message not encrypted to this device, as meant
		}
		return e.Kind == "error" || e.Kind == "plain" || e.Kind == "omemo" && e.From == from && e.Body == body
	})
	if ev.Kind != "omemo" {
		t.Fatalf("peer device %d: %s", p.DeviceID, ev)
	}
}

var ridRE = regexp.MustCompile(`rid="(\d+)"`)

// rids returns the devices our sent message m was encrypted to.
func rids(t *testing.T, m Message) []uint32 {
	t.Helper()
	if !m.Encrypted || m.sealed == nil {
		t.Fatalf("not sent encrypted: %+v", m)
	}
	var ids []uint32
	for _, sm := range ridRE.FindAllSubmatch(m.sealed, -1) {
		id, _ := strconv.ParseUint(string(sm[1]), 10, 32)
		ids = append(ids, uint32(id))
	}
	slices.Sort(ids)
	return ids
}

func sendOMEMO(t *testing.T, a *running, to jid.JID, body string) Message {
	t.Helper()
	m, err := a.SendMessage(context.Background(), to, "chat", body)
	if err != nil {
		t.Fatalf("send %q: %v", body, err)
	}
	return m
}

func fingerprintOf(t *testing.T, a *running, j jid.JID, dev uint32) string {
	t.Helper()
	for _, d := range a.om.mgr.Devices(j.String()) {
		if d.Device == dev {
			return d.Fingerprint
		}
	}
	t.Fatalf("no device %d of %s: %+v", dev, j, a.om.mgr.Devices(j.String()))
	return ""
}

// TestIntegrationOMEMOPeer: parley and python-omemo, both directions,
// first (pre-key) and later messages, the peer with two devices, then
// trust (a verified fingerprint makes a new device wait for a decision,
// a distrusted device is never encrypted to) and a device removed from
// the peer's list. It also logs the time from /omemo on to the first
// encrypted message sent (device lists, bundles, sessions).
func TestIntegrationOMEMOPeer(t *testing.T) { servertest.Each(t, testIntegrationOMEMOPeer) }

func testIntegrationOMEMOPeer(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	aj := alice.String()
	b1 := servertest.StartOMEMOPeer(t, s, bob, "pw")
	b2 := servertest.StartOMEMOPeer(t, s, bob, "pw")
	a := omemoAccount(t, s, alice, "pw", "parley", t.TempDir())
	befriend(t, a, bob)
	waitFor(t, a, func() bool { // our device is in our list
		return slices.Contains(a.om.mgr.Store().ActiveDevices(aj), a.om.mgr.DeviceID())
	})

	// parley → python, the first message: /omemo on fetches bob's list,
	// the send fetches both bundles and builds both sessions.
	ctx := context.Background()
	t0 := time.Now()
	if err := a.SetOMEMO(ctx, bob, true); err != nil {
		t.Fatal(err)
	}
	m := sendOMEMO(t, a, bob, "hello from parley")
	t.Logf("%s: /omemo on to the first encrypted message sent (2 devices, no session before): %v", kind, time.Since(t0))
	if got, want := rids(t, m), sortedIDs(b1.DeviceID, b2.DeviceID); !slices.Equal(got, want) {
		t.Fatalf("first message encrypted to %v, want %v", got, want)
	}
	if st := a.OMEMOStatus(bob); !st.On || st.Devices != 2 || !st.Trusted {
		t.Errorf("status %+v", st)
	}
	mustPeerGot(t, b1, aj, "hello from parley")
	mustPeerGot(t, b2, aj, "hello from parley")

	// python → parley, then later messages both ways.
	b1.SendEncrypted(aj, "hi from device one")
	mustDecrypted(t, a, "hi from device one")
	b2.SendEncrypted(aj, "hi from device two")
	mustDecrypted(t, a, "hi from device two")
	for i := range 2 {
		body := "later " + strconv.Itoa(i)
		sendOMEMO(t, a, bob, body)
		mustPeerGot(t, b1, aj, body)
		mustPeerGot(t, b2, aj, body)
		b1.SendEncrypted(aj, "re "+body)
		mustDecrypted(t, a, "re "+body)
	}

	// Verifying device one: a device bob adds now waits for a decision.
	if _, err := a.OMEMOTrust(bob, fingerprintOf(t, a, bob, b1.DeviceID), true); err != nil {
		t.Fatal(err)
	}
	b3 := servertest.StartOMEMOPeer(t, s, bob, "pw")
	waitFor(t, a, func() bool { return slices.Contains(a.om.mgr.Store().ActiveDevices(bob.String()), b3.DeviceID) })
	m = sendOMEMO(t, a, bob, "after verifying")
	if got := rids(t, m); slices.Contains(got, b3.DeviceID) || !slices.Contains(got, b1.DeviceID) {
		t.Fatalf("after verifying, encrypted to %v (new device %d undecided)", got, b3.DeviceID)
	}
	a.rec.wait(t, waitLong, func(e Event) bool {
		ie, ok := e.(InfoEvent)
		return ok && strings.Contains(ie.Text, strconv.FormatUint(uint64(b3.DeviceID), 10)) && strings.Contains(ie.Text, "undecided")
	})
	if st := a.OMEMOStatus(bob); st.Undecided != 1 || st.Trusted {
		t.Errorf("status with an undecided device %+v", st)
	}
	mustPeerGot(t, b1, aj, "after verifying")

	// A message from the undecided device is shown, marked untrusted.
	b3.SendEncrypted(aj, "from the new device")
	if m := inMsg(t, a, "from the new device"); !m.Encrypted || !m.Untrusted {
		t.Errorf("from an undecided device: %+v", m)
	}

	// Distrusting device two: never encrypted to again; trusting three.
	if _, err := a.OMEMOTrust(bob, fingerprintOf(t, a, bob, b2.DeviceID), false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.OMEMOTrust(bob, fingerprintOf(t, a, bob, b3.DeviceID), true); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"after distrust", "after distrust, again"} {
		m = sendOMEMO(t, a, bob, body)
		if got, want := rids(t, m), sortedIDs(b1.DeviceID, b3.DeviceID); !slices.Equal(got, want) {
			t.Fatalf("%q encrypted to %v, want %v", body, got, want)
		}
		mustPeerGot(t, b3, aj, body)
	}

	// Device three leaves bob's list (another client of bob removes it):
	// parley stops encrypting to it.
	b3.Close()
	b1.PublishDevices(t, b1.DeviceID, b2.DeviceID)
	waitFor(t, a, func() bool { return !slices.Contains(a.om.mgr.Store().ActiveDevices(bob.String()), b3.DeviceID) })
	m = sendOMEMO(t, a, bob, "after the removal")
	if got := rids(t, m); !slices.Equal(got, []uint32{b1.DeviceID}) {
		t.Fatalf("after the removal encrypted to %v, want only %d", got, b1.DeviceID)
	}
	mustPeerGot(t, b1, aj, "after the removal")
	for _, e := range a.rec.all() {
		if me, ok := e.(MessageEvent); ok && me.Msg.Undecryptable {
			t.Errorf("undecryptable: %+v", me.Msg)
		}
	}
}

func sortedIDs(ids ...uint32) []uint32 {
	slices.Sort(ids)
	return ids
}

// omemoDevicesOf is what a's store holds as j's active devices, sorted.
func omemoDevicesOf(a *running, j jid.JID) []uint32 {
	ids := slices.Clone(a.om.mgr.Store().ActiveDevices(j.String()))
	slices.Sort(ids)
	return ids
}
