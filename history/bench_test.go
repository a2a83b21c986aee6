package history

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var benchWords = strings.Fields("the a to and of meeting lunch tomorrow build release deploy server client " +
	"message window history search archive room nick today later coffee review patch test merge " +
	"branch ticket問題 café naïve 😀 ok thanks sure maybe")

// benchRecord is a realistic received chat message, with ids as parley and
// Prosody make them (a 20-character id doubling as origin-id, a
// 24-character archive stanza-id, also among the stanza-ids); one in 1000
// contains "needle".
func benchRecord(rng *rand.Rand, i int) Record {
	var body strings.Builder
	for w := 4 + rng.IntN(12); w > 0; w-- {
		body.WriteString(benchWords[rng.IntN(len(benchWords))])
		body.WriteByte(' ')
	}
	if i%1000 == 500 {
		body.WriteString("needle")
	}
	id, sid := benchID(i), diskID(rng, 24)
	return Record{Time: t0.Add(time.Duration(i) * time.Second), Dir: In, From: bob + "/phone", Type: "chat",
		ID: id, OriginID: id, StanzaID: sid, StanzaBy: me, StanzaIDs: []StanzaID{{sid, me}}, Body: body.String()}
}

// benchID is the id of benchRecord i: 20 characters, like parley's.
func benchID(i int) string { return fmt.Sprintf("m%019d", i) }

// writeBig writes a conversation of n records in the exact file format.
func writeBig(b *testing.B, dir, account, conv string, n int) int64 {
	s := &Store{dir: dir}
	mainPath, _ := s.paths(account, conv)
	if err := os.MkdirAll(filepath.Dir(mainPath), 0o700); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(mainPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	buf := appendHeader(nil, header{account, conv}, t0)
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	for i := 0; i < n; i++ {
		w.Write(buf)
		buf = appendCompact(buf[:0], scope{account, conv}, benchRecord(rng, i))
	}
	w.Write(buf)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return fi.Size()
}

var benchSizes = []struct {
	name string
	n    int
}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}}

func BenchmarkAppend(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = benchRecord(rng, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := recs[i%len(recs)]
		r.ID, r.OriginID, r.StanzaID = fmt.Sprint("a", i), "", fmt.Sprint("s", i)
		if _, err := s.Append(me, bob, r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkTail100(b *testing.B) {
	dir := b.TempDir()
	for _, sz := range benchSizes {
		if sz.n >= 1_000_000 && testing.Short() {
			continue
		}
		conv := "c" + sz.name + "@example.net"
		size := writeBig(b, dir, me, conv, sz.n)
		s, err := OpenReadOnly(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(size)/1e6, "file-MB")
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				recs, _, err := s.Tail(me, conv, 100)
				if err != nil || len(recs) != 100 {
					b.Fatal(err, len(recs))
				}
			}
			reportCPU(b, c0)
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	dir := b.TempDir()
	for _, sz := range benchSizes[1:] {
		if sz.n >= 1_000_000 && testing.Short() {
			continue
		}
		conv := "c" + sz.name + "@example.net"
		size := writeBig(b, dir, me, conv, sz.n)
		s, err := OpenReadOnly(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(size)/1e6, "file-MB")
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				hits := 0
				err := s.Search(context.Background(), Query{Conv: conv, Text: "NEEDLE"}, func(Hit) bool { hits++; return true })
				if err != nil || hits != sz.n/1000 {
					b.Fatal(err, hits)
				}
			}
			reportCPU(b, c0)
		})
	}
}

// BenchmarkIndexBuild measures the first Append to an existing conversation:
// open the file, check its tail, build the dedup index from every record.
func BenchmarkIndexBuild(b *testing.B) {
	dir := b.TempDir()
	for _, sz := range benchSizes {
		if sz.n >= 1_000_000 && testing.Short() {
			continue
		}
		conv := "c" + sz.name + "@example.net"
		writeBig(b, dir, me, conv, sz.n)
		b.Run(sz.name, func(b *testing.B) {
			var heap uint64
			for i := 0; i < b.N; i++ {
				s, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				var m0, m1 runtime.MemStats
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&m0)
				b.StartTimer()
				if _, err := s.Append(me, conv, msg(1)); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&m1)
				b.StartTimer()
				heap = m1.HeapAlloc - m0.HeapAlloc
				s.Close()
			}
			b.ReportMetric(float64(heap)/1e6, "index-MB")
		})
	}
}
