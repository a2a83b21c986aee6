package omemo

import "crypto/sha256"

// dedupSize is how many recent decryptions are remembered, enough for a
// catch-up where the live, carbon and archive copies of a message
// interleave.
const dedupSize = 4096

// dedup remembers the results of recent decryptions by the hash of the
// Signal message addressed to us: two copies of a message carry the same
// bytes. It is a fixed-size ring.
type dedup struct {
	m    map[[32]byte]*Decrypted
	ring [][32]byte
	next int
}

func newDedup(n int) *dedup {
	return &dedup{m: make(map[[32]byte]*Decrypted, n), ring: make([][32]byte, n)}
}

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
	if _, ok := d.m[k]; ok {
		return
	}
	old := d.ring[d.next]
	delete(d.m, old)
	d.ring[d.next] = k
	d.next = (d.next + 1) % len(d.ring)
	d.m[k] = v
}
