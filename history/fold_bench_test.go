package history

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeBigRefs writes a conversation of n records of which one in ten is a
// reference (a correction, a reaction or a retraction) to a message up to
// 100,000 records older, like writeBig.
func writeBigRefs(b *testing.B, dir, account, conv string, n int) int64 {
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
	w.Write(appendHeader(nil, header{account, conv}, t0))
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	var buf []byte
	for i := 0; i < n; i++ {
		r := benchRecord(rng, i)
		if i%10 == 9 {
			back := 1 + rng.IntN(min(i, 100_000))
			target := benchID(i - back)
			switch rng.IntN(3) {
			case 0:
				r.Kind, r.Replaces = KindCorrection, target
			case 1:
				r.Kind, r.Ref, r.Emojis, r.Body = KindReactions, target, []string{"👍"}, ""
			default:
				r.Kind, r.Ref, r.Body = KindRetract, target, ""
			}
		}
		buf = appendCompact(buf[:0], scope{account, conv}, r)
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return fi.Size()
}

// BenchmarkTailFolded opens a conversation in which one record in ten is a
// reference: the last screenful (50 messages), folded. Its cost must not
// grow with the file. "read" is a read-only Store (it folds what it reads
// backwards), "index" the writer with the conversation's id index loaded
// (it folds each message through the index).
func BenchmarkTailFolded(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		dir := b.TempDir()
		size := writeBigRefs(b, dir, me, bob, n)
		for _, mode := range []string{"read", "index"} {
			b.Run(fmt.Sprint(mode, "/", n), func(b *testing.B) {
				s := openBench(b, dir, mode == "index")
				defer s.Close()
				b.ReportMetric(float64(size)/(1<<20), "MiB")
				b.ResetTimer()
				c0 := cpuNow()
				for i := 0; i < b.N; i++ {
					recs, _, err := s.Tail(me, bob, 50)
					if err != nil || len(recs) != 50 {
						b.Fatal(len(recs), err)
					}
				}
				reportCPU(b, c0)
			})
		}
	}
}

// openBench opens dir read-only, or for writing with the id index of
// me/bob loaded (by a first Append).
func openBench(b *testing.B, dir string, writer bool) *Store {
	if !writer {
		s, err := OpenReadOnly(dir)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Append(me, bob, Record{Time: t0, Dir: In, From: bob + "/phone", Type: "chat", ID: "load", Body: "x"}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRefApply applies a reference (a correction, reactions, a
// marker, in turn) whose target is about 100,000 records back in the
// 1,000,000-record conversation, and reads the target folded: "index"
// appends it and finds the target and its references through the id
// index (Append and Target); "scan" is how a reader without the index
// finds them, reading backwards from the end (Target of a read-only
// Store). index-MB is the id index's memory (8 bytes an entry).
func BenchmarkRefApply(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	writeBigRefs(b, dir, me, bob, n)
	for _, mode := range []string{"index", "scan"} {
		b.Run(mode, func(b *testing.B) {
			s := openBench(b, dir, mode == "index")
			defer s.Close()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				k := n - 100_000 - 10*(i%5000) - 10 + i%9 // never a reference's own line (k%10 == 9)
				ref := Record{Time: t0, Dir: In, From: bob + "/phone", Type: "chat", ID: fmt.Sprint("r-", i)}
				target := fmt.Sprint("m-", k)
				switch i % 3 {
				case 0:
					ref.Kind, ref.Replaces, ref.Body = KindCorrection, target, "corrected"
				case 1:
					ref.Kind, ref.Ref, ref.Emojis = KindReactions, target, []string{"👍"}
				default: // (a retraction in 1:1 names the origin-id)
					ref.Kind, ref.Ref, ref.Body = KindMarker, target, "displayed"
				}
				if mode == "index" {
					if _, err := s.Append(me, bob, ref); err != nil {
						b.Fatal(err)
					}
				}
				r, _, ok, err := s.Target(me, bob, ref)
				if err != nil || !ok || r.ID != target {
					b.Fatal(ok, err, r.ID, target)
				}
			}
			reportCPU(b, c0)
			if c := s.indexed(me, bob); c != nil {
				b.ReportMetric(float64(c.pos.n*8)/1e6, "index-MB")
				c.mu.Unlock()
			}
		})
	}
}

// BenchmarkFoldPageUp pages back 2,000 messages from the end (40 pages of
// 50) of the 1,000,000-record conversation: references are carried from
// page to page to targets up to 100,000 records back.
func BenchmarkFoldPageUp(b *testing.B) {
	dir := b.TempDir()
	writeBigRefs(b, dir, me, bob, 1_000_000)
	s, err := OpenReadOnly(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, c, err := s.Tail(me, bob, 50)
		for p := 0; p < 40 && err == nil; p++ {
			_, c, err = s.Before(me, bob, c, 50)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErase is the exit-time erase of the 1,000,000-record
// conversation (one record in thirty retracts a message): "read" folds it
// backwards, "index" finds the retractions and their targets through the
// id index of the writer (loaded by a first Append); then the file is
// rewritten.
func BenchmarkErase(b *testing.B) {
	for _, mode := range []string{"read", "index"} {
		b.Run(mode, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				writeBigRefs(b, dir, me, bob, 1_000_000)
				s, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				if mode == "index" {
					s.Close()
					s = openBench(b, dir, true)
				}
				b.StartTimer()
				if err := s.Erase(me, bob); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
			}
		})
	}
}

// BenchmarkSearchFolded searches the 1,000,000-record conversation in
// which one record in ten is a reference: "read" (a read-only Store)
// gathers the references reading backwards first, "index" (the writer)
// folds each candidate through the id index.
func BenchmarkSearchFolded(b *testing.B) {
	dir := b.TempDir()
	writeBigRefs(b, dir, me, bob, 1_000_000)
	for _, mode := range []string{"read", "index"} {
		b.Run(mode, func(b *testing.B) {
			s := openBench(b, dir, mode == "index")
			defer s.Close()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				hits := 0
				if err := s.Search(context.Background(), Query{Conv: bob, Text: "NEEDLE"}, func(Hit) bool { hits++; return true }); err != nil || hits == 0 {
					b.Fatal(err, hits)
				}
			}
			reportCPU(b, c0)
		})
	}
}
