package history

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// lineCall is one line passed by forEachLine or forEachLineReverse, or one
// skipped for its length (long).
type lineCall struct {
	off, n         int64
	long, complete bool
}

// collectLines reads f both ways and returns what each passed, the reverse
// calls put back in file order.
func collectLines(t testing.TB, f *os.File) (fwd, rev []lineCall) {
	t.Helper()
	err := forEachLine(f, 0, func(off, n int64, complete bool) {
		fwd = append(fwd, lineCall{off, n, true, complete})
	}, func(line []byte, off int64) bool {
		fwd = append(fwd, lineCall{off: off, n: int64(len(line))})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	var tail []lineCall // the unterminated tail is reported first
	err = forEachLineReverse(f, -1, func(off, n int64, complete bool) {
		c := lineCall{off, n, true, complete}
		if !complete {
			tail = append(tail, c)
			return
		}
		rev = append(rev, c)
	}, func(line []byte, off int64) bool {
		rev = append(rev, lineCall{off: off, n: int64(len(line))})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(rev)
	return fwd, append(rev, tail...)
}

// TestLinesBounded: lines longer than maxLine are skipped and reported,
// in both directions, at the right offsets, and a line of exactly maxLine
// bytes is still a line.
func TestLinesBounded(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name  string
		parts []string // joined with "\n"
		want  []lineCall
	}{
		{"short lines", []string{"a", "bc", ""}, []lineCall{{0, 1, false, false}, {2, 2, false, false}}},
		{"empty lines", []string{"", "", ""}, []lineCall{{0, 0, false, false}, {1, 0, false, false}}},
		{"at the limit", []string{long(maxLine), "b", ""}, []lineCall{{0, maxLine, false, false}, {maxLine + 1, 1, false, false}}},
		{"over the limit", []string{"a", long(maxLine + 1), "b", ""},
			[]lineCall{{0, 1, false, false}, {2, maxLine + 1, true, true}, {maxLine + 4, 1, false, false}}},
		{"first line overlong", []string{long(3 * maxLine), "b", ""},
			[]lineCall{{0, 3 * maxLine, true, true}, {3*maxLine + 1, 1, false, false}}},
		{"two overlong lines", []string{long(maxLine + 7), long(2*maxLine + 1), "c", ""},
			[]lineCall{{0, maxLine + 7, true, true}, {maxLine + 8, 2*maxLine + 1, true, true}, {3*maxLine + 10, 1, false, false}}},
		{"short unterminated tail", []string{"a", "partial"}, []lineCall{{0, 1, false, false}}},
		{"overlong unterminated tail", []string{"a", long(maxLine + 1)},
			[]lineCall{{0, 1, false, false}, {2, maxLine + 1, true, false}}},
		{"only an overlong tail", []string{long(2 * maxLine)}, []lineCall{{0, 2 * maxLine, true, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tempFile(t, strings.Join(tt.parts, "\n"))
			fwd, rev := collectLines(t, f)
			if !slices.Equal(fwd, tt.want) {
				t.Errorf("forward: %v, want %v", fwd, tt.want)
			}
			if !slices.Equal(rev, tt.want) {
				t.Errorf("reverse: %v, want %v", rev, tt.want)
			}
		})
	}
}

func tempFile(t testing.TB, content string) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "lines")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := io.WriteString(f, content); err != nil {
		t.Fatal(err)
	}
	return f
}

// FuzzLines: both directions find the same lines of any content.
func FuzzLines(f *testing.F) {
	for _, s := range []string{"", "\n", "a\nb\n", "a\nb", "\n\n\nx", "{\"v\":1}\n\x00\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fl := tempFile(t, string(b))
		fwd, rev := collectLines(t, fl)
		if !slices.Equal(fwd, rev) {
			t.Fatalf("forward %v, reverse %v", fwd, rev)
		}
		want := bytes.Count(b, []byte("\n"))
		if len(fwd) != want {
			t.Fatalf("%d lines, want %d", len(fwd), want)
		}
	})
}

// allocated runs f and returns how many bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileMax bounds what any read of a hostile history file may allocate.
// Normal use is well under a megabyte; before the bound, these files took
// gigabytes.
const hostileMax = 64 << 20

// TestHostileFileMemory attacks every reading path with a history file
// holding a 100 MiB line (NUL bytes) between records and ending in 2 GiB of
// NUL bytes without a newline, its file of older pages holding a 2 GiB line
// (all sparse, so the test is fast): each
// path returns the records around them, warns about the skipped lines and
// allocates under hostileMax.
func TestHostileFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 4 GiB of (sparse) file")
	}
	dir := t.TempDir()
	s := openT(t, dir)
	for i := 1; i <= 3; i++ {
		s.Append(me, bob, msg(i))
	}
	s.Close()
	mainPath, _ := s.paths(me, bob)
	f, err := os.OpenFile(mainPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	line := fi.Size()
	var tail bytes.Buffer
	tail.WriteByte('\n')
	for i := 4; i <= 5; i++ {
		tail.Write(appendRecord(nil, msg(i)))
	}
	if _, err := f.WriteAt(tail.Bytes(), line+100<<20); err != nil {
		t.Fatal(err)
	}
	fi, _ = f.Stat()
	if err := f.Truncate(fi.Size() + 2<<30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The file of older archive pages: its header, then a 2 GiB line of NULs.
	_, olderPath := s.paths(me, bob)
	if err := os.WriteFile(olderPath, appendHeader(nil, header{me, bob}, t0), 0o600); err != nil {
		t.Fatal(err)
	}
	if f, err = os.OpenFile(olderPath, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	fi, _ = f.Stat()
	if _, err := f.WriteAt([]byte("\n"), fi.Size()+2<<30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	wantWarnings := func(t *testing.T, s *Store, tail bool) {
		t.Helper()
		w := strings.Join(s.Warnings(), "\n")
		if !strings.Contains(w, fmt.Sprintf("skipped a line of %d bytes at byte %d", 100<<20, line)) {
			t.Errorf("no warning about the long line: %q", w)
		}
		if tail && !strings.Contains(w, "ignored 2147483648 bytes") {
			t.Errorf("no warning about the NUL tail: %q", w)
		}
	}

	paths := []struct {
		name string
		run  func(t *testing.T, ro *Store) string // the bodies it read
	}{
		{"tail and page up", func(t *testing.T, ro *Store) string {
			recs, c, err := ro.Tail(me, bob, 2)
			if err != nil {
				t.Fatal(err)
			}
			older, _, err := ro.Before(me, bob, c, 10)
			if err != nil {
				t.Fatal(err)
			}
			return bodies(append(older, recs...))
		}},
		{"search every conversation", func(t *testing.T, ro *Store) string {
			var recs []Record
			err := ro.Search(context.Background(), Query{Text: "message"}, func(h Hit) bool {
				recs = append(recs, h.Record)
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			return bodies(recs)
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			ro, err := OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if n := allocated(func() { got = p.run(t, ro) }); n > hostileMax {
				t.Errorf("allocated %d MiB", n>>20)
			}
			if got != seq(1, 5) {
				t.Errorf("read %s, want %s", got, seq(1, 5))
			}
			if p.name != "parley history" {
				wantWarnings(t, ro, true)
			}
		})
	}

	// Logging in: the archive anchor, then the first append, which repairs
	// the file (the NUL tail goes) and indexes it.
	t.Run("login", func(t *testing.T) {
		var w *Store
		n := allocated(func() {
			w = openT(t, dir)
			if _, _, err := w.NewestArchiveIDAny(me, me); err != nil {
				t.Fatal(err)
			}
			if ok, err := w.Append(me, bob, msg(6)); !ok || err != nil {
				t.Fatalf("append: %v %v", ok, err)
			}
		})
		if n > hostileMax {
			t.Errorf("allocated %d MiB", n>>20)
		}
		wantWarnings(t, w, true)
		if ok, _ := w.Append(me, bob, msg(4)); ok {
			t.Error("the index missed a record after the long line")
		}
		recs, _, err := w.Tail(me, bob, 10)
		if err != nil || bodies(recs) != seq(1, 6) {
			t.Errorf("after the repair: %s, %v", bodies(recs), err)
		}
		if fi, _ := os.Stat(mainPath); fi.Size() > line+101<<20 {
			t.Errorf("the NUL tail was not removed: size %d", fi.Size())
		}
	})
}

// TestPageBytesBounded: a page of long lines stops at maxPageBytes, not
// Done, and paging on reaches every record.
func TestPageBytesBounded(t *testing.T) {
	s := openT(t, t.TempDir())
	big := strings.Repeat("y", maxLine/2)
	const n = 20 // 10 MiB of lines
	for i := 0; i < n; i++ {
		r := msg(i)
		r.Body = big
		s.Append(me, bob, r)
	}
	recs, c, err := s.Tail(me, bob, n)
	if err != nil {
		t.Fatal(err)
	}
	total := len(recs)
	if total >= n || c.Done() {
		t.Fatalf("a page of %d records (done %v): not bounded by size", total, c.Done())
	}
	for !c.Done() {
		recs, c, err = s.Before(me, bob, c, n)
		if err != nil {
			t.Fatal(err)
		}
		total += len(recs)
	}
	if total != n {
		t.Fatalf("paged through %d records, want %d", total, n)
	}
}

// TestOnWarning: warnings found before OnWarning are handed over first,
// each problem once, and a flood ends with one line saying so.
func TestOnWarning(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	s.Append(me, bob, msg(1))
	mainPath, _ := s.paths(me, bob)
	f, _ := os.OpenFile(mainPath, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("bad 1\n")
	f.Close()
	s.Tail(me, bob, 10) // one warning, kept
	var got []string
	s.OnWarning(func(msg string) { got = append(got, msg) })
	if len(got) != 1 || !strings.Contains(got[0], "malformed line at byte") {
		t.Fatalf("pending warnings: %q", got)
	}
	s.Tail(me, bob, 10)
	if len(got) != 1 {
		t.Fatalf("a problem reported twice: %q", got)
	}
	f, _ = os.OpenFile(mainPath, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(strings.Repeat("bad\n", 2*maxWarnings))
	f.Close()
	s.Tail(me, bob, 3*maxWarnings)
	if len(got) != maxWarnings+1 || !strings.Contains(got[maxWarnings], "not shown") {
		t.Fatalf("%d warnings, the last %q", len(got), got[len(got)-1])
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Fatalf("warnings kept after OnWarning: %q", w)
	}
}
