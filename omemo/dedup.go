package omemo

import "crypto/sha256"

// Bounds of the memory of recent decryptions: enough for a catch-up where
// the live, carbon and archive copies of a message interleave, and at most
// dedupBytes of plaintext held whatever the messages' size.
const (
	dedupSize  = 4096
	dedupBytes = 4 << 20
)

// dedup remembers the results of recent decryptions by the hash of the
// sender device and the Signal message addressed to us: two copies of a
// message carry the same bytes. Oldest entries go first when either bound
// is reached. Without it, the second copy's message key is spent and the
// copy would fail as ErrDuplicate; with it, it returns the same text.
type dedup struct {
	m     map[[32]byte]*Decrypted
	order [][32]byte // FIFO; order[head:] are live
	head  int
	bytes int
}

func newDedup() *dedup { return &dedup{m: map[[32]byte]*Decrypted{}} }

func dedupKey(sid uint32, data []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{byte(sid >> 24), byte(sid >> 16), byte(sid >> 8), byte(sid)})
	h.Write(data)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (d *dedup) get(k [32]byte) *Decrypted { return d.m[k] }

func (d *dedup) put(k [32]byte, v *Decrypted) {
	if _, ok := d.m[k]; ok || len(v.Plaintext) > dedupBytes {
		return
	}
	d.m[k] = v
	d.order = append(d.order, k)
	d.bytes += len(v.Plaintext)
	for len(d.m) > dedupSize || d.bytes > dedupBytes {
		old := d.order[d.head]
		d.head++
		d.bytes -= len(d.m[old].Plaintext)
		delete(d.m, old)
	}
	if d.head > len(d.order)/2 {
		d.order = append(d.order[:0], d.order[d.head:]...)
		d.head = 0
	}
}
