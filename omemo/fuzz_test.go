package omemo

import (
	"testing"

	"parley/omemo/axolotl"
)

// FuzzDecrypt feeds arbitrary Signal messages (pre-key or not) to the
// decrypt path of a device with a live session: no panic, no success.
func FuzzDecrypt(f *testing.F) {
	n := newNet(f)
	a, b := n.device("alice@example.org"), n.device("bob@example.org")
	n.sync(a, "bob@example.org")
	e, _, _ := a.Encrypt([]byte("seed"), "bob@example.org")
	k, _ := e.KeyFor(b.DeviceID())
	b.Decrypt("alice@example.org", e)
	n.sync(b, "alice@example.org")
	r, _, _ := b.Encrypt([]byte("reply"), "alice@example.org")
	rk, _ := r.KeyFor(a.DeviceID())
	f.Add(k.Data, true, e.IV, e.Payload)
	f.Add(rk.Data, false, r.IV, r.Payload)
	for _, h := range hostileSignal() {
		f.Add(h, true, e.IV, e.Payload)
		f.Add(h, false, e.IV, e.Payload)
	}
	f.Fuzz(func(t *testing.T, data []byte, pre bool, iv, payload []byte) {
		if len(data) == 0 || len(data) > axolotl.MaxKeyBytes {
			return
		}
		h := &axolotl.Encrypted{SID: a.DeviceID(), IV: iv, Payload: payload, Keys: []axolotl.Key{{RID: b.DeviceID(), PreKey: pre, Data: data}}}
		d, err := b.Decrypt("alice@example.org", h)
		if err == nil && string(data) != string(k.Data) {
			t.Fatalf("hostile message decrypted: %q", d.Plaintext)
		}
	})
}
