package omemo

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

func text(from string, dev uint32, body string) func(result) bool {
	return func(r result) bool {
		return r.err == nil && r.d.JID == from && r.d.Device == dev && string(r.d.Plaintext) == body
	}
}

func omemoFrom(from string, body string) func(servertest.PeerEvent) bool {
	return func(e servertest.PeerEvent) bool {
		return e.Kind == "error" || e.Kind == "omemo" && e.From == from && e.Body == body
	}
}

func mustOMEMO(t *testing.T, p *servertest.OMEMOPeer, from, body string) {
	t.Helper()
	if ev := p.Wait(t, interopWait, omemoFrom(from, body)); ev.Kind != "omemo" {
		t.Fatalf("peer device %d: %s", p.DeviceID, ev)
	}
}

// TestInteropPython talks legacy OMEMO with python-omemo/oldmemo over a
// real server: parley's package to a peer account with two devices and
// back, first (pre-key) messages and later ones, in both directions.
func TestInteropPython(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		b2 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		// parley → python, first message: pre-key messages to both devices.
		// The time from nothing (no device list, no bundle) to the message
		// sent is logged: what /omemo on costs before the first message.
		start := time.Now()
		e := c.send(t, bob, "hello from parley")
		t.Logf("first message: device lists, 2 bundles, 2 sessions, encrypted and sent in %v", time.Since(start))
		if len(e.Keys) != 2 {
			t.Fatalf("encrypted to %d devices, want bob's 2", len(e.Keys))
		}
		for _, k := range e.Keys {
			if !k.PreKey {
				t.Fatal("first message to a device is not a pre-key message")
			}
		}
		mustOMEMO(t, b1, aj, "hello from parley")
		mustOMEMO(t, b2, aj, "hello from parley")
		if fp := c.m.Devices(bj); len(fp) != 2 {
			t.Fatalf("devices of bob: %+v", fp)
		}
		for _, d := range c.m.Devices(bj) {
			want := b1.Fingerprint
			if d.Device == b2.DeviceID {
				want = b2.Fingerprint
			}
			if strings.ReplaceAll(d.Fingerprint, " ", "") != strings.ReplaceAll(strings.ToLower(want), " ", "") {
				t.Errorf("fingerprint of %d: ours %q, python-omemo %q", d.Device, d.Fingerprint, want)
			}
		}

		// python → parley: bob's devices answer; their sessions were
		// built from our pre-key message, so these are normal messages.
		b1.SendEncrypted(aj, "hi parley, from device one")
		r := c.wait(t, func(r result) bool { return r.err == nil && r.d.Plaintext != nil })
		if !text(bj, b1.DeviceID, "hi parley, from device one")(r) || r.d.PreKey {
			t.Fatalf("got %+v", r.d)
		}
		b2.SendEncrypted(aj, "and from device two")
		c.wait(t, text(bj, b2.DeviceID, "and from device two"))

		// Later messages, both ways.
		for i := 0; i < 3; i++ {
			body := fmt.Sprintf("later message %d", i)
			e := c.send(t, bob, body)
			for _, k := range e.Keys {
				if k.PreKey {
					t.Fatalf("message %d still a pre-key message to %d", i, k.RID)
				}
			}
			mustOMEMO(t, b1, aj, body)
			mustOMEMO(t, b2, aj, body)
			b1.SendEncrypted(aj, "reply "+body)
			c.wait(t, text(bj, b1.DeviceID, "reply "+body))
		}

		// Bob removes device two from his list: parley stops encrypting
		// to it, and keeps it known as inactive.
		b1.PublishDevices(t, b1.DeviceID)
		e = c.send(t, bob, "after the removal")
		if _, ok := e.KeyFor(b2.DeviceID); ok || len(e.Keys) != 1 {
			t.Fatalf("keys after removal: %+v", e.Keys)
		}
		mustOMEMO(t, b1, aj, "after the removal")
		for _, d := range c.m.Devices(bj) {
			if d.Device == b2.DeviceID && d.Active {
				t.Fatal("removed device still active")
			}
		}
	})
}

// TestInteropPythonFirst: the python side starts the session (its
// pre-key message to parley), parley answers.
func TestInteropPythonFirst(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		b1.SendEncrypted(aj, "first from python")
		r := c.wait(t, text(bj, b1.DeviceID, "first from python"))
		if !r.d.PreKey || r.d.Trust != keystore.TrustBlind {
			t.Fatalf("first message: prekey=%v trust=%s", r.d.PreKey, r.d.Trust)
		}
		if r.d.Fingerprint == "" {
			t.Fatal("no fingerprint")
		}
		// A second message before we answered: still pre-key, same session.
		b1.SendEncrypted(aj, "second from python")
		c.wait(t, text(bj, b1.DeviceID, "second from python"))
		// parley completes the session with a key transport, then answers.
		c.send(t, bob, "")
		if ev := b1.Wait(t, interopWait, func(e servertest.PeerEvent) bool {
			return e.Kind == "error" || e.Kind == "omemo" && e.Type == "key-exchange"
		}); ev.Kind != "omemo" {
			t.Fatalf("key transport at python: %s", ev)
		}
		e := c.send(t, bob, "answer from parley")
		if k, _ := e.KeyFor(b1.DeviceID); k.PreKey {
			t.Fatal("answer is a pre-key message though python started the session")
		}
		mustOMEMO(t, b1, aj, "answer from parley")
		b1.SendEncrypted(aj, "third from python")
		c.wait(t, text(bj, b1.DeviceID, "third from python"))
		if changed, err := c.m.Store().FinishCatchUp(); err != nil || !changed {
			t.Fatalf("FinishCatchUp: %v %v", changed, err)
		}
	})
}

// TestInteropTwoParleyDevices: parley with two devices of one account.
// python encrypts to both; a message from one parley device carries a key
// for the other (its carbon decrypts there); a copy decrypted twice (live
// plus archive) gives the same text; a device the user distrusts is not
// encrypted to, and a python device that distrusts ours sends us nothing.
func TestInteropTwoParleyDevices(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		b2 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		a1 := dialGo(t, srv, alice, "pw-alice")
		a2 := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		// python → both parley devices.
		b1.SendEncrypted(aj, "to both of alice's devices")
		r1 := a1.wait(t, text(bj, b1.DeviceID, "to both of alice's devices"))
		a2.wait(t, text(bj, b1.DeviceID, "to both of alice's devices"))

		// The same message again (carbon or archive copy): same text.
		if d, err := a1.m.Decrypt(bj, mustReparse(t, r1.d, a1)); err != nil || string(d.Plaintext) != "to both of alice's devices" {
			t.Fatalf("second copy: %+v %v", d, err)
		}

		// parley device 1 → bob: keys for bob's two devices and for a2.
		e := a1.send(t, bob, "from alice's first device")
		if _, ok := e.KeyFor(a2.m.DeviceID()); !ok || len(e.Keys) != 3 {
			t.Fatalf("keys %+v, want bob's two and alice's other device", e.Keys)
		}
		mustOMEMO(t, b1, aj, "from alice's first device")
		if d, err := a2.m.Decrypt(aj, e); err != nil || string(d.Plaintext) != "from alice's first device" {
			t.Fatalf("own other device (carbon): %+v %v", d, err)
		}

		// alice distrusts b2: only b1 gets keys.
		if _, err := a1.m.SetTrust(bj, b2.Fingerprint, false); err != nil {
			t.Fatal(err)
		}
		e = a1.send(t, bob, "not for device two")
		if _, ok := e.KeyFor(b2.DeviceID); ok {
			t.Fatal("encrypted to a distrusted device")
		}
		mustOMEMO(t, b1, aj, "not for device two")

		// b1 distrusts a1: python does not encrypt to it any more.
		b1.Distrust(aj, a1.m.DeviceID())
		if ev := b1.Wait(t, interopWait, func(e servertest.PeerEvent) bool { return e.Kind == "distrusted" || e.Kind == "error" }); ev.Kind != "distrusted" {
			t.Fatalf("distrust: %s", ev)
		}
		b1.SendEncrypted(aj, "only for alice's second device")
		a2.wait(t, text(bj, b1.DeviceID, "only for alice's second device"))
		select {
		case r := <-a1.got:
			if r.err == nil && string(r.d.Plaintext) == "only for alice's second device" {
				t.Fatal("python encrypted to the device it distrusts")
			}
		case <-time.After(time.Second):
		}
	})
}

// mustReparse returns the element the client decrypted last (the one d
// came from), to be decrypted a second time.
func mustReparse(t *testing.T, d *Decrypted, c *goClient) *axolotl.Encrypted {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		t.Fatal("no stanza kept")
	}
	return c.last
}

// TestInteropArchive: the archive copies of messages decrypted live give
// the same text, not an error; after a restart (the memory of recent
// decryptions gone) they are reported as duplicates, never as failures.
func TestInteropArchive(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()
		bodies := []string{"archived one", "archived two", "archived three"}
		for _, body := range bodies {
			b1.SendEncrypted(aj, body)
			c.wait(t, text(bj, b1.DeviceID, body))
		}
		c.mam(t)
		for _, body := range bodies {
			c.wait(t, text(bj, b1.DeviceID, body))
		}
		if changed, err := c.m.Store().FinishCatchUp(); err != nil || !changed {
			t.Fatalf("FinishCatchUp: %v %v", changed, err)
		}

		// Restart: a new manager over the same store.
		c.mu.Lock()
		c.m = New(c.m.Store(), aj)
		c.mu.Unlock()
		c.mam(t)
		for range bodies {
			r := c.wait(t, func(r result) bool { return r.err != nil || r.d.Plaintext != nil })
			if !errors.Is(r.err, ErrDuplicate) {
				t.Fatalf("archive copy after restart: %+v %v", r.d, r.err)
			}
		}
		// The session still works both ways.
		b1.SendEncrypted(aj, "after the restart")
		c.wait(t, text(bj, b1.DeviceID, "after the restart"))
		c.send(t, bob, "parley after the restart")
		mustOMEMO(t, b1, aj, "parley after the restart")
	})
}

// TestInteropHostile: a raw peer sends malformed <encrypted> elements
// through the server to parley's device: each is one error, nothing
// panics, and a real message after them still decrypts.
func TestInteropHostile(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		mallory := srv.AddUser(t, "mallory", "pw-mallory")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		m := servertest.StartPeer(t, srv, mallory, "pw-mallory")
		aj, bj := alice.Bare().String(), bob.Bare().String()
		rid := fmt.Sprint(c.m.DeviceID())
		iv := "AAAAAAAAAAAAAAAA"
		keys := []string{
			`<key rid="` + rid + `" prekey="true">AAAA</key>`,
			`<key rid="` + rid + `">MwgBEgA=</key>`,
		}
		for _, h := range hostileSignal() {
			keys = append(keys, `<key rid="`+rid+`" prekey="true">`+base64.StdEncoding.EncodeToString(h)+`</key>`)
			keys = append(keys, `<key rid="`+rid+`">`+base64.StdEncoding.EncodeToString(h)+`</key>`)
		}
		var stanzas []string
		for _, k := range keys {
			stanzas = append(stanzas, `<header sid="4242">`+k+`<iv>`+iv+`</iv></header><payload>AAAA</payload>`)
		}
		stanzas = append(stanzas,
			`<header sid="4242">`+keys[0]+`<iv>AAAA</iv></header>`,
			`<header sid="0">`+keys[0]+`<iv>`+iv+`</iv></header>`,
			`<header sid="4242">`+strings.Repeat(keys[1], axolotl.MaxKeys+1)+`<iv>`+iv+`</iv></header>`,
		)
		for i, x := range stanzas {
			m.SendRaw(fmt.Sprintf(`<message xmlns="jabber:client" to="%s" type="chat" id="h%d"><encrypted xmlns="%s">%s</encrypted></message>`, aj, i, axolotl.NS, x))
		}
		for i := range stanzas {
			if r := c.wait(t, func(result) bool { return true }); r.err == nil {
				t.Fatalf("hostile stanza %d decrypted: %+v", i, r.d)
			}
		}
		b1.SendEncrypted(aj, "still fine")
		c.wait(t, text(bj, b1.DeviceID, "still fine"))
	})
}
