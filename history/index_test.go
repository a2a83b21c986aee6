package history

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// modelIndex is the dedup index as it was a map of slices: every key added,
// every occurrence kept. Its lookup is the index's, over the model.
type modelIndex map[uint64][]keyMeta

func (mx modelIndex) add(k recKeys) {
	m := keyMeta{sid: short(k.sid), oid: short(k.oid), content: k.content, min: k.min}
	for _, k := range [3]uint64{k.sid, k.oid, k.id} {
		if k != 0 {
			mx[k] = append(mx[k], m)
		}
	}
}

func (mx modelIndex) each(k uint64, fn func(keyMeta) bool) bool {
	return slices.ContainsFunc(mx[k], fn)
}

func (mx modelIndex) lookup(k recKeys) bool {
	ss, so := short(k.sid), short(k.oid)
	if k.sid != 0 && mx.each(k.sid, func(m keyMeta) bool { return m.sameContent(k.content) }) {
		return true
	}
	if k.oid != 0 && mx.each(k.oid, func(m keyMeta) bool {
		return m.sameContent(k.content) && compatible(m.sid, ss)
	}) {
		return true
	}
	return k.id != 0 && mx.each(k.id, func(m keyMeta) bool {
		return m.sameContent(k.content) && m.near(k.min) && compatible(m.sid, ss) && compatible(m.oid, so)
	})
}

func cmpMeta(a, b keyMeta) int {
	return cmp.Or(cmp.Compare(a.sid, b.sid), cmp.Compare(a.oid, b.oid), cmp.Compare(a.content, b.content), cmp.Compare(a.min, b.min))
}

// metas is every meta x holds under k, sorted.
func metas(x *dedupIndex, k uint64) []keyMeta {
	var ms []keyMeta
	x.each(k, func(m keyMeta) bool { ms = append(ms, m); return false })
	slices.SortFunc(ms, cmpMeta)
	return ms
}

// checkShape checks the index's invariants: runs sorted, each longer than
// the next, none holding much more array than entries, a short tail, and
// as many entries as the model.
func checkShape(t *testing.T, x *dedupIndex, mx modelIndex) {
	t.Helper()
	n := len(x.tail)
	if len(x.tail) >= dedupTail {
		t.Fatalf("tail of %d", len(x.tail))
	}
	for i, r := range x.runs {
		n += r.len()
		if len(r.metas) != r.len() {
			t.Fatalf("run %d: %d keys, %d metas", i, r.len(), len(r.metas))
		}
		if !slices.IsSorted(r.keys) {
			t.Fatalf("run %d unsorted", i)
		}
		if i > 0 && x.runs[i-1].len() <= r.len() {
			t.Fatalf("run %d (%d) not shorter than run %d (%d)", i, r.len(), i-1, x.runs[i-1].len())
		}
		if cap(r.keys) != r.len() || cap(r.metas) != r.len() {
			t.Fatalf("run %d: %d entries in arrays of %d and %d", i, r.len(), cap(r.keys), cap(r.metas))
		}
	}
	if len(x.runs) > 2+int(math.Log2(float64(n+1))) {
		t.Fatalf("%d runs for %d entries", len(x.runs), n)
	}
	want := 0
	for _, ms := range mx {
		want += len(ms)
	}
	if n != want {
		t.Fatalf("%d entries, want %d", n, want)
	}
}

// checkSame compares x with the model on every key of the model and a few
// it lacks.
func checkSame(t *testing.T, x *dedupIndex, mx modelIndex, absent ...uint64) {
	t.Helper()
	checkShape(t, x, mx)
	for k, want := range mx {
		want = slices.SortedFunc(slices.Values(want), cmpMeta)
		if got := metas(x, k); !slices.Equal(got, want) {
			t.Fatalf("key %#x: %d metas, want %d", k, len(got), len(want))
		}
		if !x.has(k) {
			t.Fatalf("key %#x missing", k)
		}
	}
	for _, k := range absent {
		if _, ok := mx[k]; !ok && x.has(k) {
			t.Fatalf("absent key %#x found", k)
		}
	}
}

func TestDedupIndexRuns(t *testing.T) {
	const dup = 0x8000_0000_0000_0001
	meta := func(i int) recKeys { return recKeys{content: uint32(i) | 1, min: int32(i)} }
	tests := []struct {
		name       string
		base, live int  // keys loaded before seal, added after
		dupEvery   int  // every dupEvery-th record also carries the key dup (0: never)
		three      bool // records carry three keys
	}{
		{"empty", 0, 0, 0, false},
		{"one live", 0, 1, 1, false},
		{"tail not full", 0, dedupTail - 1, 0, false},
		{"tail just full", 0, dedupTail, 0, false},
		{"tail full plus one", 0, dedupTail + 1, 0, false},
		{"two runs merged", 0, 2 * dedupTail, 0, false},
		{"three runs", 0, 3 * dedupTail, 7, false},
		{"binary carry", 0, 64*dedupTail - 1, 5, false},
		{"base only", 1000, 0, 3, false},
		{"base then tail", 1000, 10, 3, false},
		{"base absorbed by merges", 100, 10 * dedupTail, 2, false},
		{"three keys a record", 50, 5 * dedupTail, 9, true},
		{"many keys", 5000, 40_000, 1000, false}, // runs past interpolateOver
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tt.base), uint64(tt.live)))
			var x dedupIndex
			mx := modelIndex{}
			rec := func(i int) recKeys {
				k := meta(i)
				k.sid = rng.Uint64() | 1
				if tt.dupEvery > 0 && i%tt.dupEvery == 0 {
					k.oid = dup
				}
				if tt.three {
					k.id = rng.Uint64() | 1
				}
				return k
			}
			for i := range tt.base {
				k := rec(i)
				x.add(k)
				mx.add(k)
			}
			x.seal()
			for i := range tt.live {
				k := rec(tt.base + i)
				x.add(k)
				mx.add(k)
				if i%997 == 0 || i == tt.live-1 {
					checkShape(t, &x, mx)
				}
			}
			checkSame(t, &x, mx, 2, 4, dup+2, math.MaxUint64)
			if tt.dupEvery > 0 && len(mx[dup]) == 0 {
				t.Fatal("test never added dup")
			}
		})
	}
}

// TestDedupIndexModel runs random adds and lookups, with keys drawn from a
// small set so that they repeat across the base, the runs and the tail,
// against the model.
func TestDedupIndexModel(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 99))
		keys := 1 + rng.IntN(200)
		key := func() uint64 {
			if rng.IntN(3) == 0 {
				return 0
			}
			return uint64(rng.IntN(keys))*0x9e37_79b9_7f4a_7c15 | 1
		}
		rec := func() recKeys {
			return recKeys{sid: key(), oid: key(), id: key(), content: uint32(rng.IntN(4)), min: int32(rng.IntN(20))}
		}
		var x dedupIndex
		mx := modelIndex{}
		for range rng.IntN(300) {
			k := rec()
			x.add(k)
			mx.add(k)
		}
		x.seal()
		for i := range 3000 {
			k := rec()
			if got, want := x.lookup(k), mx.lookup(k); got != want {
				t.Fatalf("seed %d, step %d: lookup %+v = %v, want %v", seed, i, k, got, want)
			}
			if k.sid != 0 && x.has(k.sid) != (len(mx[k.sid]) > 0) {
				t.Fatalf("seed %d, step %d: has(%#x) wrong", seed, i, k.sid)
			}
			if rng.IntN(2) == 0 {
				x.add(k)
				mx.add(k)
			}
		}
		checkSame(t, &x, mx, 2, 1<<40)
	}
}

// FuzzDedupIndex reads records from the input (8 bytes each: three key
// bytes from a set of 16, content, minute) and compares the index with the
// model after each one.
func FuzzDedupIndex(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07"), uint16(3))
	f.Add(make([]byte, 8*200), uint16(0))
	f.Add([]byte("sameoneXsameoneXsameoneXsameoneX"), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, nbase uint16) {
		key := func(b byte) uint64 {
			if b&0xf == 0 {
				return 0
			}
			return uint64(b&0xf) << 60
		}
		var x dedupIndex
		mx := modelIndex{}
		for i := 0; len(data) >= 8; i++ {
			k := recKeys{sid: key(data[0]), oid: key(data[1]), id: key(data[2]), content: uint32(data[3] & 3),
				min: int32(binary.LittleEndian.Uint16(data[4:]) % 16)}
			data = data[8:]
			if i == int(nbase) {
				x.seal()
			}
			if x.sealed && x.lookup(k) != mx.lookup(k) {
				t.Fatalf("record %d: lookup %+v disagrees with the model", i, k)
			}
			x.add(k)
			mx.add(k)
		}
		if !x.sealed {
			x.seal()
		}
		checkSame(t, &x, mx, 1, 1<<59)
	})
}

// TestLowerBound checks the search on runs whose keys are not spread
// evenly: what a crafted file or bad luck may give.
func TestLowerBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	gens := map[string]func(i, n int) uint64{
		"uniform":   func(int, int) uint64 { return rng.Uint64() },
		"small":     func(i, _ int) uint64 { return uint64(i) },
		"one key":   func(int, int) uint64 { return 42 },
		"two keys":  func(i, n int) uint64 { return uint64(i*2/n) * math.MaxUint64 },
		"clusters":  func(i, n int) uint64 { return uint64(i%2)*(math.MaxUint64-uint64(n)) + uint64(i) },
		"powers":    func(i, _ int) uint64 { return 1 << (i % 64) },
		"extremes":  func(i, _ int) uint64 { return [3]uint64{0, 1, math.MaxUint64}[i%3] },
		"geometric": func(i, _ int) uint64 { return uint64(math.Pow(1.001, float64(i))) },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 100, interpolateOver, interpolateOver + 1, 50_000} {
			r := make([]uint64, n)
			for i := range r {
				r[i] = gen(i, n)
			}
			slices.Sort(r)
			probe := func(k uint64) {
				want := sort.Search(n, func(i int) bool { return r[i] >= k })
				if got := lowerBound(r, k); got != want {
					t.Fatalf("%s, n=%d: lowerBound(%#x) = %d, want %d", name, n, k, got, want)
				}
			}
			for _, k := range []uint64{0, 1, 2, 42, 43, math.MaxUint64 - 1, math.MaxUint64} {
				probe(k)
			}
			for range 300 {
				probe(rng.Uint64())
				if n > 0 {
					k := r[rng.IntN(n)]
					probe(k)
					probe(k + 1)
					probe(k - 1)
				}
			}
		}
	}
}

// TestBloomFalsePositives checks that a run's filter answers most misses:
// what keeps a lookup from searching every run.
func TestBloomFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	es := make([]indexEntry, 100_000)
	for i := range es {
		es[i].key = rng.Uint64() | 1
	}
	slices.SortFunc(es, byKey)
	r := runOf(es)
	for _, e := range es {
		if !r.mayHave(e.key) {
			t.Fatalf("filter lost %#x", e.key)
		}
	}
	fp := 0
	for range 100_000 {
		if r.mayHave(rng.Uint64() | 1) {
			fp++
		}
	}
	if fp > 6000 {
		t.Fatalf("%d false positives in 100,000", fp)
	}
	t.Logf("%.2f%% false positives, %d filter bytes for %d keys", float64(fp)/1000, 8*len(r.bloom), r.len())
}
