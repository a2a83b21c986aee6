package history

import (
	"cmp"
	"math/bits"
	"slices"
)

// indexEntry is one dedup key with the meta of its record.
type indexEntry struct {
	key  uint64
	meta keyMeta
}

func byKey(a, b indexEntry) int { return cmp.Compare(a.key, b.key) }

// keyRun is a sorted run of dedup keys, kept as two parallel arrays so that
// a search reads only keys, with a Bloom filter when it is long: most
// lookups miss (a message not seen before), and the filter answers most
// misses with one probe instead of a search.
type keyRun struct {
	keys  []uint64
	metas []keyMeta
	bloom []uint64 // nil for a run of fewer than bloomOver keys
}

func (r keyRun) len() int { return len(r.keys) }

// bloomOver is the length from which a run has a filter: a shorter run's
// search stays in a few cache lines.
const bloomOver = 256

// bloomBits is the filter word of key k, among n, and the three bits of it
// that k sets: a blocked filter, one cache line a probe. The keys are
// seeded hashes, so their bits are taken as they are: the word from the
// top, the bits from the middle (the lowest bit is always set).
func bloomBits(k uint64, n int) (int, uint64) {
	w, _ := bits.Mul64(k, uint64(n))
	return int(w), 1<<(k>>8&63) | 1<<(k>>14&63) | 1<<(k>>20&63)
}

// withBloom builds r's filter, a byte a key (some 3% false positives), if
// r is long enough to have one.
func (r keyRun) withBloom() keyRun {
	if r.len() < bloomOver {
		return r
	}
	r.bloom = make([]uint64, (r.len()+7)/8)
	for _, k := range r.keys {
		w, b := bloomBits(k, len(r.bloom))
		r.bloom[w] |= b
	}
	return r
}

// mayHave is false when k is surely not in r.
func (r keyRun) mayHave(k uint64) bool {
	if r.bloom == nil {
		return true
	}
	w, b := bloomBits(k, len(r.bloom))
	return r.bloom[w]&b == b
}

// runOf makes a run of the sorted entries es, in arrays of their exact size.
func runOf(es []indexEntry) keyRun {
	r := keyRun{keys: make([]uint64, len(es)), metas: make([]keyMeta, len(es))}
	for i, e := range es {
		r.keys[i], r.metas[i] = e.key, e.meta
	}
	return r.withBloom()
}

// dedupIndex holds the dedup keys of one conversation: 64-bit hashes (with a
// per-Store random seed, so a sender cannot aim at a collision), 25 bytes a
// key (with its filter's share) and no allocation of its own per key. A key may occur several times
// (two messages sharing an id); lookups consider every occurrence, in no
// particular order.
//
// The keys found on disk when the conversation is first written to are
// gathered in base and sorted once by seal (one sort rather than millions of
// inserts) into the first run. Keys added afterwards go to a short unsorted
// tail, scanned linearly; a full tail is sorted into a run of its own, and
// runs merge like the digits of a binary counter (the newest with the one
// before it while that one is no longer), so there are O(log n) runs, each
// searched in O(log n) (see lowerBound), and a key is copied O(log n) times
// over its life. A merge writes into arrays of the exact size and drops the
// two runs it merged.
type dedupIndex struct {
	base   []indexEntry // until seal: the keys loaded from disk, unsorted
	runs   []keyRun     // oldest first, each longer than the next
	tail   []indexEntry // the newest keys, unsorted, fewer than dedupTail
	sealed bool
}

// dedupTail is how many keys the index holds unsorted: scanning this many is
// about as fast as one binary search, and sorting them into a run is cheap.
const dedupTail = 32

// add records the keys of one record.
func (x *dedupIndex) add(k recKeys) {
	m := keyMeta{sid: short(k.sid), oid: short(k.oid), content: k.content, min: k.min}
	for _, k := range [3]uint64{k.sid, k.oid, k.id} {
		if k == 0 {
			continue
		}
		if !x.sealed {
			x.base = append(x.base, indexEntry{k, m})
			continue
		}
		x.tail = append(x.tail, indexEntry{k, m})
		if len(x.tail) == dedupTail {
			x.flush()
		}
	}
}

// flush sorts the tail into a new run, keeping the tail's array, and merges
// runs until each is longer than the next.
func (x *dedupIndex) flush() {
	slices.SortFunc(x.tail, byKey)
	x.runs = append(x.runs, runOf(x.tail))
	x.tail = x.tail[:0]
	for n := len(x.runs); n >= 2 && x.runs[n-2].len() <= x.runs[n-1].len(); n-- {
		x.runs[n-2] = mergeRuns(x.runs[n-2], x.runs[n-1])
		x.runs[n-1] = keyRun{} // let the merged arrays go
		x.runs = x.runs[:n-1]
	}
}

// mergeRuns merges two runs into new arrays of their joint length.
func mergeRuns(a, b keyRun) keyRun {
	n := a.len() + b.len()
	out := keyRun{keys: make([]uint64, n), metas: make([]keyMeta, n)}
	i, j, o := 0, 0, 0
	for ; i < len(a.keys) && j < len(b.keys); o++ {
		// Which side goes first is a coin toss for hashes: choose with
		// conditional moves, not a branch to mispredict.
		ka, kb, m := a.keys[i], b.keys[j], &b.metas[j]
		fromA := 0
		if ka <= kb {
			fromA = 1
		}
		if ka <= kb {
			m = &a.metas[i]
		}
		out.keys[o], out.metas[o] = min(ka, kb), *m
		i += fromA
		j += 1 - fromA
	}
	copy(out.keys[o:], a.keys[i:])
	copy(out.metas[o:], a.metas[i:])
	o += len(a.keys) - i
	copy(out.keys[o:], b.keys[j:])
	copy(out.metas[o:], b.metas[j:])
	return out.withBloom()
}

// seal sorts the keys loaded from disk into the first run (giving back any
// over-estimated reservation); later adds go to the tail.
func (x *dedupIndex) seal() {
	if len(x.base) > 0 {
		slices.SortFunc(x.base, byKey)
		x.runs = append(x.runs, runOf(x.base))
	}
	x.base = nil
	x.sealed = true
}

// each calls fn for every meta stored under k until fn returns true.
func (x *dedupIndex) each(k uint64, fn func(keyMeta) bool) bool {
	for i := range x.tail {
		if x.tail[i].key == k && fn(x.tail[i].meta) {
			return true
		}
	}
	for _, r := range x.runs {
		if !r.mayHave(k) {
			continue
		}
		for i := lowerBound(r.keys, k); i < len(r.keys) && r.keys[i] == k; i++ {
			if fn(r.metas[i]) {
				return true
			}
		}
	}
	return false
}

// has reports whether k is stored.
func (x *dedupIndex) has(k uint64) bool {
	return x.each(k, func(keyMeta) bool { return true })
}

// lowerBound is the index of the first of the sorted keys that is not below
// k, by binary search, narrowed first in a long run.
func lowerBound(keys []uint64, k uint64) int {
	lo, hi := 0, len(keys) // keys[:lo] are below k, keys[hi:] are not
	if hi > interpolateOver {
		lo, hi = narrow(keys, k)
	}
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if keys[h] < k {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// interpolateOver is the length of run above which narrow pays (measured:
// it halves a lookup in a 32,768-key run and quarters it in a million-key
// one); in a shorter run a binary search's probes mostly hit the cache.
const interpolateOver = 16384

// narrow returns lo <= hi such that keys[:lo] are below k and keys[hi:] are
// not. Keys are seeded hashes, spread evenly over 64 bits, so a few
// interpolation steps land close to k (a 20-million-key run takes some 3
// probes instead of 24 cache misses); the steps are bounded, so a run that
// defeats them (one key repeated, which a file may hold) costs them and a
// binary search.
func narrow(keys []uint64, k uint64) (lo, hi int) {
	lo, hi = 0, len(keys)
	for step := 0; step < 4 && hi-lo > 256; step++ {
		a, b := keys[lo], keys[hi-1]
		if k <= a {
			return lo, lo
		}
		if k > b {
			return hi, hi
		}
		// a < k <= b, so the fraction is within [0, 1], give or take rounding.
		p := lo + int(float64(k-a)/float64(b-a)*float64(hi-1-lo))
		p = min(max(p, lo), hi-1)
		if keys[p] < k {
			lo = p + 1
		} else {
			hi = p
		}
	}
	return lo, hi
}
