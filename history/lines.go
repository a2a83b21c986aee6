package history

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// Bounds on what reading history holds. A history file is untrusted (a
// crash can leave gigabytes of NUL bytes at its end, a hand edit anything):
// no reader holds more than one line of at most maxLine bytes at a time, and
// a page of Tail, Before or After at most about maxPageBytes of lines.
const (
	// maxLine is the longest line a reader takes, newline excluded. parley
	// writes far shorter ones (a body is cut at 64 KiB before it is stored,
	// and JSON escaping at most six-folds it); a longer line is none of
	// parley's records and is skipped with a warning, without being held.
	maxLine = 1 << 20
	// maxPageBytes ends a page of Before or After early (its cursor not
	// Done) once its lines add up to this much.
	maxPageBytes = 4 << 20
	// lineBlock is the read size when looking for line starts.
	lineBlock = 64 << 10
)

// longFn is told of a line skipped because it is longer than maxLine: its
// offset and length in bytes (newline excluded); complete is false for an
// unterminated last line.
type longFn func(off, n int64, complete bool)

// overlong returns the longFn that warns about the lines of path skipped for
// their length.
func (s *Store) overlong(path string) longFn {
	return func(off, n int64, complete bool) {
		msg := fmt.Sprintf("history: %s: skipped a line of %d bytes at byte %d (the limit is %d)", path, n, off, maxLine)
		if !complete {
			msg = fmt.Sprintf("history: %s: ignored %d bytes at byte %d after the last line end (no newline; the line limit is %d)", path, n, off, maxLine)
		}
		s.warn(fmt.Sprintf("long:%s@%d", path, off), msg)
	}
}

// forEachLine calls fn for every complete line (newline stripped) from
// offset off on, with the line's offset; an unterminated last line is not
// passed. line is only valid during the call. It stops when fn returns
// false. A line longer than maxLine is skipped without being held and
// reported to long (if not nil), as is an unterminated last line longer
// than maxLine. Memory is a 256 KiB buffer plus at most one line.
func forEachLine(f *os.File, off int64, long longFn, fn func(line []byte, off int64) bool) error {
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(f, 256<<10)
	var held []byte   // the start of a line longer than the buffer
	var n int64       // bytes of the current line read so far
	skipping := false // the current line is longer than maxLine
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			if !skipping && n > maxLine {
				skipping, held = true, nil
			}
			if !skipping {
				held = append(held, chunk...)
			} else if br.Buffered() == 0 {
				// Nothing is buffered, so f's offset is off+n: jump over
				// a hole of a sparse file rather than read its NULs.
				d, err := skipHole(f, off+n)
				if err != nil {
					return err
				}
				if d > off+n {
					n = d - off
					br.Reset(f)
				}
			}
			continue
		}
		if err == io.EOF {
			if n > maxLine && long != nil {
				long(off, n, false)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if skipping || n-1 > maxLine {
			if long != nil {
				long(off, n-1, true)
			}
		} else {
			line := chunk
			if held != nil {
				held = append(held, chunk...)
				line = held
			}
			if !fn(line[:len(line)-1], off) {
				return nil
			}
		}
		off += n
		n, held, skipping = 0, nil, false
	}
}

// forEachLineReverse calls fn for every complete line of f that ends before
// end (end < 0: the end of the file), last line first, newline stripped,
// with the line's offset. An unterminated last line is not passed. A line
// longer than maxLine is skipped without being held and reported to long
// (if not nil), as is an unterminated last line longer than maxLine. Memory
// is one 64 KiB block, more for longer lines but never more than maxLine
// and a few bytes. line is only valid during the call.
func forEachLineReverse(f *os.File, end int64, long longFn, fn func(line []byte, off int64) bool) error {
	if end < 0 {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		end = fi.Size()
	}
	buf := make([]byte, 0, lineBlock)
	cur := end // a line boundary: every line to pass ends before it
	if end > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], end-1); err != nil {
			return err
		}
		if last[0] != '\n' { // an unterminated last line: skip it
			i, err := prevNewline(f, end, buf[:lineBlock])
			if err != nil {
				return err
			}
			cur = i + 1
			if end-cur > maxLine && long != nil {
				long(cur, end-cur, false)
			}
		}
	}
	lo := cur // buf holds file[lo:cur), which ends with a newline
	for cur > 0 {
		if len(buf) > 0 {
			i := bytes.LastIndexByte(buf[:len(buf)-1], '\n')
			if i >= 0 || lo == 0 {
				start := lo + int64(i) + 1
				if !fn(buf[i+1:len(buf)-1], start) {
					return nil
				}
				buf = buf[:i+1]
				cur = start
				continue
			}
			if len(buf) > maxLine+1 {
				// No line start in more than maxLine bytes: find it
				// without holding the line.
				j, err := prevNewline(f, lo, buf[:cap(buf)])
				if err != nil {
					return err
				}
				start := j + 1
				if long != nil {
					long(start, cur-1-start, true)
				}
				cur, lo, buf = start, start, buf[:0]
				continue
			}
		}
		// Need more of the file before cur.
		size := min(max(int64(lineBlock), 2*int64(len(buf))), maxLine+2)
		newLo := max(cur-size, 0)
		n := int(cur - newLo)
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := f.ReadAt(buf, newLo); err != nil && err != io.EOF {
			return err
		}
		lo = newLo
	}
	return nil
}

// prevNewline returns the offset of the last newline of f before offset
// before, or -1 if there is none, reading backwards through scratch and
// skipping the holes of a sparse file.
func prevNewline(f *os.File, before int64, scratch []byte) (int64, error) {
	for before > 0 {
		n := min(int64(len(scratch)), before)
		if inHole(f, before-n, before) {
			before -= n
			continue
		}
		b := scratch[:n]
		if _, err := f.ReadAt(b, before-n); err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return before - n + int64(i), nil
		}
		before -= n
	}
	return -1, nil
}
