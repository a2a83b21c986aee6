package omemo

import "testing"

func TestDedupBounds(t *testing.T) {
	d := newDedup()
	big := make([]byte, 64<<10)
	for i := 0; i < 2*dedupSize; i++ {
		d.put(dedupKey(uint32(i), nil), &Decrypted{Plaintext: big[:i%len(big)]})
		if len(d.m) > dedupSize || d.bytes > dedupBytes || len(d.order)-d.head != len(d.m) {
			t.Fatalf("entry %d: %d entries, %d bytes, order %d", i, len(d.m), d.bytes, len(d.order)-d.head)
		}
	}
	last := dedupKey(uint32(2*dedupSize-1), nil)
	if d.get(last) == nil {
		t.Fatal("newest entry evicted")
	}
	if d.get(dedupKey(0, nil)) != nil {
		t.Fatal("oldest entry kept")
	}
}
