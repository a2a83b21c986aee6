package history

import (
	"bufio"
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
			target := fmt.Sprintf("m-%d", i-back)
			switch rng.IntN(3) {
			case 0:
				r.Kind, r.Replaces = KindCorrection, target
			case 1:
				r.Kind, r.Ref, r.Emojis, r.Body = KindReactions, target, []string{"👍"}, ""
			default:
				r.Kind, r.Ref, r.Body = KindRetract, target, ""
			}
		}
		buf = appendRecord(buf[:0], r)
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
// grow with the file.
func BenchmarkTailFolded(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			size := writeBigRefs(b, dir, me, bob, n)
			s, err := OpenReadOnly(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportMetric(float64(size)/(1<<20), "MiB")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				recs, _, err := s.Tail(me, bob, 50)
				if err != nil || len(recs) != 50 {
					b.Fatal(len(recs), err)
				}
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
// conversation (one record in thirty retracts a message): fold it backwards,
// rewrite it.
func BenchmarkErase(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		writeBigRefs(b, dir, me, bob, 1_000_000)
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.Erase(me, bob); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
	}
}
