package history

import (
	"bytes"
	"io"
	"os"
)

// scanBlock is the read size of forEachBlock.
const scanBlock = 256 << 10

// forEachBlock calls fn with runs of complete lines of f from offset off
// on: block holds whole lines, each ending in '\n', and starts at file
// offset base. It stops when fn returns false. Lines longer than maxLine
// are left out (reported to long, skipped as forEachLine skips them,
// holes of sparse files unread); an unterminated last line is not passed.
// Search looks for its text in whole blocks rather than line by line.
// Memory is a 256 KiB buffer, more for longer lines but never more than
// maxLine and a byte.
func forEachBlock(f *os.File, off int64, long longFn, fn func(block []byte, base int64) bool) error {
	buf := make([]byte, scanBlock)
	keep := 0 // buf[:keep]: the start of a line, at off
	for {
		if keep == len(buf) {
			if len(buf) <= maxLine {
				nb := make([]byte, min(2*len(buf), maxLine+1))
				copy(nb, buf[:keep])
				buf = nb
			} else {
				// A line longer than maxLine starts at off: forEachLine
				// skips it (and holes) and finds the next line.
				next := int64(-1)
				if err := forEachLine(f, off, long, func(_ []byte, lo int64) bool { next = lo; return false }); err != nil {
					return err
				}
				if next < 0 {
					return nil
				}
				off, keep = next, 0
				if len(buf) > scanBlock {
					buf = make([]byte, scanBlock)
				}
				continue
			}
		}
		n, err := f.ReadAt(buf[keep:], off+int64(keep))
		if err != nil && err != io.EOF {
			return err
		}
		data := buf[:keep+n]
		if last := bytes.LastIndexByte(data[keep:], '\n'); last >= 0 {
			end := keep + last + 1
			if !fn(data[:end], off) {
				return nil
			}
			keep = copy(buf, data[end:])
			off += int64(end)
		} else {
			keep = len(data)
		}
		if n == 0 || err == io.EOF {
			if keep > maxLine && long != nil {
				long(off, int64(keep), false)
			}
			return nil
		}
	}
}

// matcher finds, in a block of lines, the places where a lower-case ASCII
// needle may occur in some letter case, and the characters that make a
// line need parsing whatever it holds (see prefilter): a \u escape, KELVIN
// SIGN, LATIN CAPITAL LETTER I WITH DOT ABOVE. It looks for the needle's
// rarest byte (in the file at hand) with IndexByte, in both letter cases.
type matcher struct {
	needle []byte
	k      int  // index in needle of the byte searched for
	lo, up byte // that byte in lower and upper case (equal if not a letter)
}

// newMatcher returns the matcher for needle (lower-case ASCII without
// characters JSON escapes: see prefilter), choosing the byte to search for
// from a sample of the file.
func newMatcher(needle string, sample []byte) *matcher {
	var hist [256]int
	for _, c := range sample {
		hist[c]++
	}
	m := &matcher{needle: []byte(needle)}
	best := -1
	for i := 0; i < len(needle); i++ {
		lo, up := needle[i], needle[i]
		if lo >= 'a' && lo <= 'z' {
			up = lo - 'a' + 'A'
		}
		n := hist[lo]
		if up != lo {
			n += hist[up]
		}
		if best < 0 || n < best {
			best, m.k, m.lo, m.up = n, i, lo, up
		}
	}
	return m
}

var (
	markEscape = []byte(`\u`)
	markKelvin = []byte("\u212a")
	markIDot   = []byte("\u0130")
)

// blockScan is the state of one matcher over one block: the next place of
// each thing looked for, found lazily and kept until passed.
type blockScan struct {
	m                *matcher
	b                []byte
	lo, up, esc, kel int // next index of each, -1 for none, -2 for not looked yet
	idot             int
}

func (m *matcher) scan(b []byte) blockScan {
	return blockScan{m: m, b: b, lo: -2, up: -2, esc: -2, kel: -2, idot: -2}
}

// nextIndex keeps *at as the next index >= from of sep in b (-1: none).
func nextIndex(b []byte, from int, at *int, find func([]byte) int) int {
	if *at == -1 || (*at >= from) {
		return *at
	}
	if from > len(b) {
		*at = -1
		return -1
	}
	if i := find(b[from:]); i >= 0 {
		*at = from + i
	} else {
		*at = -1
	}
	return *at
}

// next returns the index of the first place at or after from where a line
// may match: the start of a case-insensitive occurrence of the needle, or
// a character that makes the line need parsing; -1 if none.
func (s *blockScan) next(from int) int {
	first := -1
	keep := func(i int) {
		if i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	keep(nextIndex(s.b, from, &s.esc, func(b []byte) int { return bytes.Index(b, markEscape) }))
	keep(nextIndex(s.b, from, &s.kel, func(b []byte) int { return bytes.Index(b, markKelvin) }))
	keep(nextIndex(s.b, from, &s.idot, func(b []byte) int { return bytes.Index(b, markIDot) }))
	m := s.m
	n := len(m.needle)
	b := s.b
	for at := from; ; {
		// The searched byte at i means a candidate starting at i-k.
		base := at + m.k
		if base >= len(b) {
			return first
		}
		if s.lo != -1 && s.lo < base {
			if j := bytes.IndexByte(b[base:], m.lo); j >= 0 {
				s.lo = base + j
			} else {
				s.lo = -1
			}
		}
		i := s.lo
		if m.up != m.lo {
			if s.up != -1 && s.up < base {
				if j := bytes.IndexByte(b[base:], m.up); j >= 0 {
					s.up = base + j
				} else {
					s.up = -1
				}
			}
			if s.up >= 0 && (i < 0 || s.up < i) {
				i = s.up
			}
		}
		if i < 0 {
			return first
		}
		start := i - m.k
		if first >= 0 && start >= first {
			return first
		}
		if start+n <= len(s.b) && equalFoldASCII(s.b[start:start+n], m.needle) {
			keep(start)
			return first
		}
		at = start + 1
	}
}
