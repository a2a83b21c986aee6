package omemo

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

// net is an in-memory PEP: the device lists and bundles of every device.
type pepNet struct {
	t    testing.TB
	devs map[string][]*Manager
	dir  func() string // a new store directory
}

func newNet(t testing.TB) *pepNet {
	return &pepNet{t: t, devs: map[string][]*Manager{}, dir: t.TempDir}
}

func (n *pepNet) device(jid string) *Manager {
	st, err := keystore.Open(n.dir())
	if err != nil {
		n.t.Fatal(err)
	}
	m := New(st, jid)
	n.devs[jid] = append(n.devs[jid], m)
	return m
}

// sync gives every device every device list, then fetches the bundles a
// device lacks, as the account layer will over PEP.
func (n *pepNet) sync(m *Manager, jids ...string) {
	for j, ms := range n.devs {
		l := &axolotl.DeviceList{}
		for _, d := range ms {
			l.Devices = append(l.Devices, axolotl.Device{ID: d.DeviceID()})
		}
		if err := m.SetDeviceList(j, l); err != nil {
			n.t.Fatal(err)
		}
	}
	for _, a := range m.NeedBundles(jids...) {
		for _, d := range n.devs[a.JID] {
			if d.DeviceID() == a.Device {
				b, err := d.Bundle()
				if err != nil {
					n.t.Fatal(err)
				}
				// Through the wire format, as over PEP.
				x, _ := b.Marshal()
				if b, err = axolotl.ParseBundleBytes(x); err != nil {
					n.t.Fatal(err)
				}
				if err := m.BuildSession(a.JID, a.Device, b); err != nil {
					n.t.Fatal(err)
				}
			}
		}
	}
}

func wire(t testing.TB, e *axolotl.Encrypted) *axolotl.Encrypted {
	x, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := axolotl.ParseEncryptedBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustDecrypt(t *testing.T, m *Manager, from string, e *axolotl.Encrypted, want string, preKey bool) *Decrypted {
	t.Helper()
	d, err := m.Decrypt(from, e)
	if err != nil {
		t.Fatalf("decrypt at %d: %v", m.DeviceID(), err)
	}
	if string(d.Plaintext) != want || d.PreKey != preKey || d.JID != from {
		t.Fatalf("decrypted %q prekey=%v from %s, want %q prekey=%v", d.Plaintext, d.PreKey, d.JID, want, preKey)
	}
	return d
}

func TestConversation(t *testing.T) {
	n := newNet(t)
	a1, a2 := n.device("alice@example.org"), n.device("alice@example.org")
	b1, b2 := n.device("bob@example.org"), n.device("bob@example.org")
	n.sync(a1, "bob@example.org")

	e, skipped, err := a1.Encrypt([]byte("hello bob"), "bob@example.org")
	if err != nil || len(skipped) != 0 || len(e.Keys) != 3 {
		t.Fatalf("encrypt: %v skipped %v keys %d", err, skipped, len(e.Keys))
	}
	for _, k := range e.Keys {
		if !k.PreKey {
			t.Fatal("first message not a pre-key message")
		}
	}
	e = wire(t, e)
	d := mustDecrypt(t, b1, "alice@example.org", e, "hello bob", true)
	if d.Trust != keystore.TrustBlind || d.Fingerprint != a1.Fingerprint() {
		t.Fatalf("trust %s fp %q", d.Trust, d.Fingerprint)
	}
	mustDecrypt(t, b2, "alice@example.org", e, "hello bob", true)
	mustDecrypt(t, a2, "alice@example.org", e, "hello bob", true) // our own other device (carbon)

	// The carbon and the archive copy: the same result, not an error.
	mustDecrypt(t, b1, "alice@example.org", wire(t, e), "hello bob", true)
	// After a restart (no memory of it), a spent message is a duplicate.
	b1again := New(b1.Store(), "bob@example.org")
	if _, err := b1again.Decrypt("alice@example.org", e); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("replay after restart: %v", err)
	}

	// Bob completes the session with a key transport, then replies.
	n.sync(b1, "alice@example.org")
	kt, _, err := b1.Encrypt(nil, "alice@example.org")
	if err != nil || !kt.IsKeyTransport() {
		t.Fatalf("key transport: %v", err)
	}
	kd, err := a1.Decrypt("bob@example.org", wire(t, kt))
	if err != nil || kd.Plaintext != nil {
		t.Fatalf("key transport at alice: %+v %v", kd, err)
	}
	for i, text := range []string{"hi alice", "second", "third"} {
		r, _, err := b1.Encrypt([]byte(text), "alice@example.org")
		if err != nil {
			t.Fatal(err)
		}
		k, _ := r.KeyFor(a1.DeviceID())
		if k.PreKey {
			t.Fatalf("reply %d is still a pre-key message", i)
		}
		mustDecrypt(t, a1, "bob@example.org", wire(t, r), text, false)
	}
	// Alice's later messages are normal messages.
	e2, _, _ := a1.Encrypt([]byte("later"), "bob@example.org")
	if k, _ := e2.KeyFor(b1.DeviceID()); k.PreKey {
		t.Fatal("alice still sends pre-key messages after bob answered")
	}
	mustDecrypt(t, b1, "alice@example.org", wire(t, e2), "later", false)

	// A forged payload or key does not decrypt, and does not break the
	// session.
	e3, _, _ := a1.Encrypt([]byte("after forgery"), "bob@example.org")
	forged := wire(t, e3)
	forged.Payload[0] ^= 1
	if _, err := b1.Decrypt("alice@example.org", forged); err == nil {
		t.Fatal("forged payload decrypted")
	}
	e4, _, _ := a1.Encrypt([]byte("after forgery 2"), "bob@example.org")
	f4 := wire(t, e4)
	for i := range f4.Keys {
		f4.Keys[i].Data = append([]byte{}, f4.Keys[i].Data...)
		f4.Keys[i].Data[len(f4.Keys[i].Data)-1] ^= 1
	}
	if _, err := b1.Decrypt("alice@example.org", f4); err == nil {
		t.Fatal("forged key decrypted")
	}
	mustDecrypt(t, b1, "alice@example.org", wire(t, e4), "after forgery 2", false)

	// Catch-up over: the used pre-key goes, the bundle is replenished.
	if changed, err := b1.Store().FinishCatchUp(); err != nil || !changed {
		t.Fatalf("FinishCatchUp %v %v", changed, err)
	}
}

func TestTrustPolicy(t *testing.T) {
	n := newNet(t)
	a := n.device("alice@example.org")
	b1, b2 := n.device("bob@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	// Distrust b2: it is skipped.
	fp2 := ""
	for _, d := range a.Devices("bob@example.org") {
		if d.Device == b2.DeviceID() {
			fp2 = d.Fingerprint
		}
		if d.Trust != keystore.TrustBlind || !d.Session || !d.Active {
			t.Fatalf("device %+v", d)
		}
	}
	if fp2 != b2.Fingerprint() {
		t.Fatalf("fingerprint %q want %q", fp2, b2.Fingerprint())
	}
	if _, err := a.SetTrust("bob@example.org", fp2, false); err != nil {
		t.Fatal(err)
	}
	e, skipped, err := a.Encrypt([]byte("x"), "bob@example.org")
	if err != nil || len(e.Keys) != 1 || e.Keys[0].RID != b1.DeviceID() || len(skipped) != 1 || skipped[0].Device != b2.DeviceID() {
		t.Fatalf("keys %+v skipped %+v err %v", e, skipped, err)
	}
	// Verify b1: a new device of bob then waits for a decision.
	if _, err := a.SetTrust("bob@example.org", b1.Fingerprint(), true); err != nil {
		t.Fatal(err)
	}
	b3 := n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, skipped, _ = a.Encrypt([]byte("y"), "bob@example.org")
	if len(e.Keys) != 1 {
		t.Fatalf("new device of a verified contact used: %+v %+v", e.Keys, skipped)
	}
	if id, _ := a.Store().Identity("bob@example.org", b3.DeviceID()); id.Trust != keystore.TrustUndecided {
		t.Fatalf("b3 trust %s", id.Trust)
	}
	// All of bob's devices distrusted: nothing to encrypt to.
	a.SetTrust("bob@example.org", b1.Fingerprint(), false)
	if _, _, err := a.Encrypt([]byte("z"), "bob@example.org"); !errors.Is(err, ErrNoDevices) {
		t.Fatalf("encrypt to none: %v", err)
	}
	if _, err := a.SetTrust("bob@example.org", "00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000", true); err == nil {
		t.Fatal("unknown fingerprint accepted")
	}
}

func TestFingerprint(t *testing.T) {
	key := append([]byte{5}, bytes.Repeat([]byte{0xab, 0x01}, 16)...)
	fp := Fingerprint(key)
	if fp != "ab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01 ab01ab01" {
		t.Fatalf("%q", fp)
	}
	for _, in := range []string{fp, "AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01AB01", "05" + "ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"} {
		k, err := ParseFingerprint(in)
		if err != nil || !bytes.Equal(k, key) {
			t.Errorf("%q: %x %v", in, k, err)
		}
	}
	for _, in := range []string{"", "ab01", fp + "00", "zz01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"} {
		if _, err := ParseFingerprint(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

// TestHostileKeys feeds malformed Signal messages to Decrypt: each is an
// error, none panics, and the session still works after.
func TestHostileKeys(t *testing.T) {
	n := newNet(t)
	a, b := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("seed"), "bob@example.org")
	good, _ := e.KeyFor(b.DeviceID())
	cases := map[string][]byte{
		"empty":     {0x33},
		"version":   {0x33},
		"short":     {0x33, 0x0a},
		"truncated": good.Data[:len(good.Data)/2],
		"only mac":  append([]byte{0x33}, make([]byte, 8)...),
		"junk":      bytes.Repeat([]byte{0xff}, 200),
		"v2":        append([]byte{0x22}, good.Data[1:]...),
		"v4":        append([]byte{0x44}, good.Data[1:]...),
	}
	for name, data := range cases {
		for _, pre := range []bool{true, false} {
			h := &axolotl.Encrypted{SID: a.DeviceID(), IV: e.IV, Payload: e.Payload, Keys: []axolotl.Key{{RID: b.DeviceID(), PreKey: pre, Data: data}}}
			if _, err := b.Decrypt("alice@example.org", h); err == nil {
				t.Errorf("%s prekey=%v decrypted", name, pre)
			}
		}
	}
	// Short ratchet/base/identity keys inside well-formed protobuf.
	for _, data := range hostileSignal() {
		for _, pre := range []bool{true, false} {
			h := &axolotl.Encrypted{SID: a.DeviceID(), IV: e.IV, Payload: e.Payload, Keys: []axolotl.Key{{RID: b.DeviceID(), PreKey: pre, Data: data}}}
			if _, err := b.Decrypt("alice@example.org", h); err == nil {
				t.Errorf("%x decrypted", data)
			}
		}
	}
	if _, err := b.Decrypt("bob@example.org", &axolotl.Encrypted{SID: 9, IV: e.IV, Keys: []axolotl.Key{{RID: 77, Data: good.Data}}}); !errors.Is(err, ErrNotForUs) {
		t.Fatalf("not for us: %v", err)
	}
	mustDecrypt(t, b, "alice@example.org", e, "seed", true)
}

// hostileSignal builds protobuf-valid Signal messages with keys of bad
// length (empty, short, long, wrong type).
func hostileSignal() [][]byte {
	field := func(n int, b []byte) []byte { return append([]byte{byte(n<<3 | 2), byte(len(b))}, b...) }
	varint := func(n int, v byte) []byte { return []byte{byte(n << 3), v} }
	var out [][]byte
	for _, key := range [][]byte{{}, {5}, append([]byte{5}, make([]byte, 20)...), append([]byte{6}, make([]byte, 32)...), append([]byte{5}, make([]byte, 40)...)} {
		inner := append(append(field(1, key), varint(2, 1)...), field(4, make([]byte, 16))...)
		sm := append(append([]byte{0x33}, inner...), make([]byte, 8)...)
		out = append(out, sm)
		good := append([]byte{5}, make([]byte, 32)...)
		for _, pk := range [][]byte{
			append(append(append([]byte{0x33}, field(2, key)...), field(3, good)...), field(4, sm)...),
			append(append(append([]byte{0x33}, field(2, good)...), field(3, key)...), field(4, sm)...),
		} {
			out = append(out, pk)
		}
	}
	return out
}

// TestForgedPreKeyKeepsIdentity: a pre-key message that does not
// authenticate, carrying another identity key, changes nothing stored.
func TestForgedPreKeyKeepsIdentity(t *testing.T) {
	n := newNet(t)
	a, b := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("one"), "bob@example.org")
	mustDecrypt(t, b, "alice@example.org", e, "one", true)
	before, _ := b.Store().Identity("alice@example.org", a.DeviceID())
	mallory := n.device("mallory@example.org")
	n.sync(mallory, "bob@example.org")
	f, _, _ := mallory.Encrypt([]byte("forged"), "bob@example.org")
	k, _ := f.KeyFor(b.DeviceID())
	k.Data = append([]byte{}, k.Data...)
	k.Data[len(k.Data)-1] ^= 1 // break the inner MAC
	forged := &axolotl.Encrypted{SID: a.DeviceID(), IV: f.IV, Payload: f.Payload, Keys: []axolotl.Key{k}}
	if _, err := b.Decrypt("alice@example.org", forged); err == nil {
		t.Fatal("forged pre-key message decrypted")
	}
	after, _ := b.Store().Identity("alice@example.org", a.DeviceID())
	if string(after.Key) != string(before.Key) || after.Trust != before.Trust {
		t.Fatalf("identity changed by a forgery: %+v -> %+v", before, after)
	}
	e2, _, _ := a.Encrypt([]byte("two"), "bob@example.org")
	mustDecrypt(t, b, "alice@example.org", e2, "two", true)
}

// TestDamagedSession: a session file damaged on disk makes that device
// skipped (encrypt) or an error (decrypt), never a panic.
func TestDamagedSession(t *testing.T) {
	n := newNet(t)
	a, b := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("one"), "bob@example.org")
	mustDecrypt(t, b, "alice@example.org", e, "one", true)
	for _, junk := range [][]byte{{0x0a, 0x00}, {0x12, 0x02, 0x0a, 0x00}, bytes.Repeat([]byte{0xff}, 64)} {
		for _, m := range []*Manager{a, b} {
			peer := "bob@example.org"
			dev := b.DeviceID()
			if m == b {
				peer, dev = "alice@example.org", a.DeviceID()
			}
			ents, _ := os.ReadDir(filepath.Join(m.Store().Dir(), "sessions"))
			for _, ent := range ents {
				os.WriteFile(filepath.Join(m.Store().Dir(), "sessions", ent.Name()), junk, 0o600)
			}
			fresh := New(reopen(t, m.Store().Dir()), m.own)
			if m == a {
				if _, skipped, err := fresh.Encrypt([]byte("x"), peer); err == nil || len(skipped) != 1 || skipped[0].Device != dev {
					t.Errorf("encrypt over junk %x: err %v skipped %v", junk, err, skipped)
				}
			} else {
				e2, _, _ := a.Encrypt([]byte("two"), "bob@example.org")
				if e2 != nil {
					if _, err := fresh.Decrypt(peer, e2); err == nil {
						t.Errorf("decrypt over junk %x succeeded", junk)
					}
				}
			}
		}
	}
}

func reopen(t *testing.T, dir string) *keystore.Store {
	t.Helper()
	s, err := keystore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEncryptToMany: one message for the members of a room, one of whom
// has no OMEMO device.
func TestEncryptToMany(t *testing.T) {
	n := newNet(t)
	a := n.device("alice@example.org")
	b := n.device("bob@example.org")
	c1, c2 := n.device("carol@example.org"), n.device("carol@example.org")
	n.sync(a, "bob@example.org", "carol@example.org")
	e, skipped, err := a.Encrypt([]byte("to the room"), "bob@example.org", "carol@example.org", "dave@example.org")
	if err != nil || len(e.Keys) != 3 {
		t.Fatalf("keys %d err %v", len(e.Keys), err)
	}
	if len(skipped) != 1 || skipped[0].JID != "dave@example.org" || skipped[0].Device != 0 {
		t.Fatalf("skipped %+v", skipped)
	}
	for _, m := range []*Manager{b, c1, c2} {
		mustDecrypt(t, m, "alice@example.org", e, "to the room", true)
	}
}

func TestOwnDeviceList(t *testing.T) {
	n := newNet(t)
	a := n.device("alice@example.org")
	l, changed := a.OwnDeviceList(nil)
	if !changed || len(l.Devices) != 1 || l.Devices[0].ID != a.DeviceID() {
		t.Fatalf("from nothing: %+v %v", l, changed)
	}
	other := &axolotl.DeviceList{Devices: []axolotl.Device{{ID: 7, Label: "phone"}, {ID: 9}}}
	l, changed = a.OwnDeviceList(other)
	if !changed || len(l.Devices) != 3 || l.Devices[0] != other.Devices[0] || l.Devices[1] != other.Devices[1] {
		t.Fatalf("others kept: %+v %v", l, changed)
	}
	if _, changed = a.OwnDeviceList(l); changed {
		t.Fatal("a list with us in it changed")
	}
	if c := a.ClearedDeviceList(); len(c.Devices) != 1 || c.Devices[0].ID != a.DeviceID() {
		t.Fatalf("cleared %+v", c)
	}
}
