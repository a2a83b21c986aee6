package account

import (
	"context"
	"encoding/xml"
	"slices"
	"strconv"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/omemo/axolotl"
)

// bundleIDs are the one-time pre-key ids of a bundle, sorted.
func bundleIDs(b *axolotl.Bundle) []uint32 {
	var ids []uint32
	for _, k := range b.PreKeys {
		ids = append(ids, k.ID)
	}
	slices.Sort(ids)
	return ids
}

// ownBundleIDs are the pre-key ids a's store would publish now.
func ownBundleIDs(t *testing.T, a *running) []uint32 {
	t.Helper()
	b, err := a.om.mgr.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	return bundleIDs(b)
}

// publishedBundleIDs fetches the bundle of device dev of j through a.
func publishedBundleIDs(t *testing.T, a *running, j jid.JID, dev uint32) []uint32 {
	t.Helper()
	sess, err := a.online()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	var b *axolotl.Bundle
	found, err := pepFetch(ctx, sess, j, axolotl.NodeBundlePrefix+strconv.FormatUint(uint64(dev), 10), func(se xml.StartElement, r xml.TokenReader) error {
		var perr error
		b, perr = axolotl.ParseBundle(se, r)
		return perr
	})
	if err != nil || !found {
		t.Fatalf("bundle of %s/%d: found %v, %v", j, dev, found, err)
	}
	return bundleIDs(b)
}

// noFailures fails on any message of a that could not be decrypted.
func noFailures(t *testing.T, a *running) {
	t.Helper()
	for _, e := range a.rec.all() {
		if me, ok := e.(MessageEvent); ok && me.Msg.Undecryptable {
			t.Errorf("undecryptable: %+v", me.Msg)
		}
	}
}

// bodies counts a's message events with body.
func bodies(a *running, body string) int {
	n := 0
	for _, e := range a.rec.all() {
		if me, ok := e.(MessageEvent); ok && me.Msg.Body == body {
			n++
		}
	}
	return n
}

// TestIntegrationOMEMOTwoDevices: two parley sessions of one account
// (two OMEMO devices) with a python-omemo contact. A first (pre-key)
// message reaches the second device while it is offline: at its login
// the offline copy and the archive copy both decrypt (the used one-time
// pre-key is kept until the catch-up ends), then the pre-key is deleted
// and the bundle republished without it. Both devices decrypt what the
// contact sends; our message from one device reaches the other as a
// carbon, decrypted. A later login catches up with an archive whose
// messages were all decrypted before: none shows an error.
func TestIntegrationOMEMOTwoDevices(t *testing.T) {
	servertest.Each(t, testIntegrationOMEMOTwoDevices)
}

func testIntegrationOMEMOTwoDevices(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	aj := alice.String()
	b1 := servertest.StartOMEMOPeer(t, s, bob, "pw")
	dir1, dir2 := t.TempDir(), t.TempDir()
	a1 := omemoAccount(t, s, alice, "pw", "one", dir1)
	befriend(t, a1, bob)
	a2 := omemoAccount(t, s, alice, "pw", "two", dir2)
	d1, d2 := a1.om.mgr.DeviceID(), a2.om.mgr.DeviceID()
	both := sortedIDs(d1, d2)
	for _, a := range []*running{a1, a2} { // each adds itself, neither removes the other
		waitFor(t, a, func() bool { return slices.Equal(omemoDevicesOf(a, alice), both) })
	}

	// Device two goes away; bob's first message is a pre-key message to
	// both devices.
	stop := func(a *running) {
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stop(a2)
	before := ownBundleIDs(t, a2)
	b1.SendEncrypted(aj, "first, while two is away")
	mustDecrypted(t, a1, "first, while two is away")

	// Device two logs in: every copy of the message decrypts; after the
	// catch-up the used pre-key is gone and the bundle republished.
	a2 = omemoAccount(t, s, alice, "pw", "two", dir2)
	mustDecrypted(t, a2, "first, while two is away")
	var after []uint32
	waitFor(t, a2, func() bool {
		after = ownBundleIDs(t, a2)
		return !slices.Equal(after, before) && slices.Equal(publishedBundleIDs(t, a1, alice, d2), after)
	})
	if len(after) != len(before) {
		t.Errorf("pre-keys %d after the catch-up, %d before (not replenished)", len(after), len(before))
	}
	gone := 0
	for _, id := range before {
		if !slices.Contains(after, id) {
			gone++
		}
	}
	if gone != 1 {
		t.Errorf("%d pre-keys replaced, want the one used", gone)
	}
	t.Logf("%s: copies of the first message decrypted on device two: %d", kind, bodies(a2, "first, while two is away"))
	noFailures(t, a2)

	// Both devices decrypt bob's messages; ours reach the other device.
	b1.SendEncrypted(aj, "to both devices")
	mustDecrypted(t, a1, "to both devices")
	mustDecrypted(t, a2, "to both devices")
	if err := a1.SetOMEMO(context.Background(), bob, true); err != nil {
		t.Fatal(err)
	}
	m := sendOMEMO(t, a1, bob, "from device one")
	if got, want := rids(t, m), sortedIDs(b1.DeviceID, d2); !slices.Equal(got, want) {
		t.Fatalf("encrypted to %v, want bob's device and our other %v", got, want)
	}
	mustPeerGot(t, b1, aj, "from device one")
	c := a2.rec.wait(t, waitLong, func(e Event) bool {
		me, ok := e.(MessageEvent)
		return ok && me.Msg.Dir == Out && (me.Msg.Body == "from device one" || me.Msg.Undecryptable)
	}).(MessageEvent).Msg
	if !c.Encrypted || c.Undecryptable || !c.Carbon || c.Body != "from device one" {
		t.Errorf("carbon on device two: %+v", c)
	}
	b1.SendEncrypted(aj, "after the carbon")
	mustDecrypted(t, a2, "after the carbon")
	noFailures(t, a1)
	noFailures(t, a2)

	// A later login of device two catches up with an archive of messages
	// it decrypted before: they are dropped (history has them), none is an
	// error; what is new decrypts.
	stop(a2)
	b1.SendEncrypted(aj, "while away again")
	mustDecrypted(t, a1, "while away again")
	a2 = omemoAccount(t, s, alice, "pw", "two", dir2)
	mustDecrypted(t, a2, "while away again")
	b1.SendEncrypted(aj, "live after the catch-up")
	mustDecrypted(t, a2, "live after the catch-up") // behind the catch-up
	noFailures(t, a2)
	for _, body := range []string{"first, while two is away", "to both devices", "from device one"} {
		if n := bodies(a2, body); n != 0 {
			t.Errorf("%q, decrypted in the earlier run, delivered %d times again", body, n)
		}
	}
}
