package history

import (
	"bytes"
	"io"
	"os"
)

// Following a conversation (`parley history --follow`): a reader notes
// End, then calls Appended with it from time to time to get what was
// written since. Offsets in the main file stay valid while parley runs:
// records are only appended, and Erase keeps every line's length when it
// replaces the file. A file cut short (the repair of a torn last line after
// a crash) makes Appended go on from its new end.

// End returns the offset just after the last complete line of the main
// file of a conversation (0 when it has none): Appended from it returns the
// records written after the call.
func (s *Store) End(account, conv string) (int64, error) {
	if err := checkNames(account, conv); err != nil {
		return 0, err
	}
	mainPath, _ := s.paths(account, conv)
	var end int64
	err := withFile(mainPath, func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		nl, err := prevNewline(f, fi.Size(), make([]byte, lineBlock))
		end = nl + 1
		return err
	})
	return end, err
}

// Appended calls fn, in file order, for every visible record (messages and
// references; meta records left out, malformed lines skipped with a
// warning) of the main file of a conversation whose line starts at or after
// off: a value End or Appended returned, or any offset (the line it falls
// in is skipped). It returns the offset after the
// last complete line read, for the next call; a line still being written
// is left for then. Records are not folded: a reference comes as it is. fn
// returning false stops the reading after that record.
func (s *Store) Appended(account, conv string, off int64, fn func(Record) bool) (int64, error) {
	if err := checkNames(account, conv); err != nil {
		return off, err
	}
	mainPath, _ := s.paths(account, conv)
	next := off
	err := withFile(mainPath, func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if fi.Size() < off { // cut short: go on from its end
			nl, err := prevNewline(f, fi.Size(), make([]byte, lineBlock))
			if err != nil {
				return err
			}
			off, next = nl+1, nl+1
		}
		if off > 0 { // the middle of a line: start at the next one
			var b [1]byte
			if _, err := f.ReadAt(b[:], off-1); err != nil {
				return err
			}
			if b[0] != '\n' {
				nl, err := nextNewline(f, off)
				if err != nil || nl < 0 {
					return err // no line starts after off yet
				}
				off, next = nl+1, nl+1
			}
		}
		return forEachLine(f, off, s.overlong(mainPath), func(line []byte, at int64) bool {
			next = at + int64(len(line)) + 1
			r, _, err := parseRecord(line, scope{account, conv})
			if err != nil {
				s.malformed(mainPath, at)
				return true
			}
			if r.IsMeta() {
				return true
			}
			return fn(r)
		})
	})
	return next, err
}

// MainOffset returns the offset of the line of the record at p in the
// conversation's main file, and false for a record of the older archive
// pages: a follower compares it with End.
func (p Position) MainOffset() (int64, bool) { return p.off, p.seg == segMain }

// nextNewline returns the offset of the first newline at or after off, or
// -1 when there is none yet.
func nextNewline(f *os.File, off int64) (int64, error) {
	buf := make([]byte, lineBlock)
	for {
		n, err := f.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i), nil
		}
		off += int64(n)
		if err == io.EOF || n == 0 {
			return -1, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
