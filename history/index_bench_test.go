package history

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchKeys are the dedup keys of n live messages: a stanza-id and an
// origin-id each (the id doubles as origin-id, as parley's and most
// clients' do) or, with three, an id as well (a stanza from a client that
// sets no origin-id shares it with no other key, but a carbon or an
// archive copy may add the stanza-id).
func benchKeys(n, keys int) []recKeys {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(keys)))
	ks := make([]recKeys, n)
	for i := range ks {
		ks[i] = recKeys{sid: rng.Uint64() | 1, oid: rng.Uint64() | 1, content: short(rng.Uint64() | 1), min: int32(i / 60)}
		if keys == 3 {
			ks[i].id = rng.Uint64() | 1
		}
	}
	return ks
}

// BenchmarkDedupIndex is the index's cost for one live message, as append
// pays it: one lookup (a miss), then the add; b.N messages into one index
// opened on a conversation of base messages.
func BenchmarkDedupIndex(b *testing.B) {
	for _, c := range []struct{ base, keys int }{{0, 2}, {0, 3}, {500_000, 2}} {
		b.Run(fmt.Sprintf("base=%d/keys=%d", c.base, c.keys), func(b *testing.B) {
			var x dedupIndex
			for _, k := range benchKeys(c.base, c.keys) {
				x.add(k)
			}
			x.seal()
			ks := benchKeys(b.N, c.keys)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range ks {
				if x.lookup(ks[i]) {
					b.Fatal("false duplicate")
				}
				x.add(ks[i])
			}
		})
	}
}

// BenchmarkDedupIndexHit is a lookup that finds its message (a second copy,
// as MAM catch-up delivers) in an index of 20,000 live messages.
func BenchmarkDedupIndexHit(b *testing.B) {
	const n = 20_000
	ks := benchKeys(n, 2)
	var x dedupIndex
	x.seal()
	for _, k := range ks {
		x.add(k)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !x.lookup(ks[i%n]) {
			b.Fatal("missed")
		}
	}
}

// BenchmarkDedupIndexHeap is the live heap the index holds per message
// after 20,000 live messages (the conversation was empty when opened).
func BenchmarkDedupIndexHeap(b *testing.B) {
	const n = 20_000
	for _, keys := range []int{2, 3} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			ks := benchKeys(n, keys)
			var total uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				b.StartTimer()
				x := new(dedupIndex)
				x.seal()
				for _, k := range ks {
					x.add(k)
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&m1)
				runtime.KeepAlive(x)
				total += m1.HeapAlloc - m0.HeapAlloc
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/float64(b.N)/n, "heap-B/msg")
		})
	}
}
