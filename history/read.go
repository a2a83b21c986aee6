package history

import (
	"bytes"
	"errors"
	"fmt"
	"os"
)

// Segments of a conversation: the main file (oldest first) and the file of
// older archive pages (newest first). The logical conversation is the older
// file read backwards followed by the main file read forwards.
const (
	segMain  = 1
	segOlder = 2
)

// Position identifies one stored record (for example a search hit) so that
// Around can show it in context. Positions stay valid as the files grow.
type Position struct {
	seg uint8
	off int64 // offset of the record's line in its file
}

// Cursor is a place between two records of a conversation, used to page
// through it. The zero Cursor is the newest end: Before(zero) is Tail.
type Cursor struct {
	seg  uint8
	off  int64 // a line boundary in the segment's file
	done bool
	// fold carries the references read so far (newer than the cursor)
	// whose targets are older, and for After the folded records already
	// resolved. It is shared by the cursors of one reader: page one way
	// from the cursor last returned.
	fold *foldState
}

// Done reports whether the cursor came from a read that reached the end of
// the conversation in its direction (the oldest record for Tail and Before,
// the newest for After): there is nothing more that way, for now.
func (c Cursor) Done() bool { return c.done }

// olderSide is the boundary just before (older than) the record at p.
func olderSide(p Position, lineLen int) Cursor {
	if p.seg == segOlder {
		return Cursor{seg: segOlder, off: p.off + int64(lineLen) + 1}
	}
	return Cursor{seg: segMain, off: p.off}
}

// newerSide is the boundary just after (newer than) the record at p.
func newerSide(p Position, lineLen int) Cursor {
	if p.seg == segOlder {
		return Cursor{seg: segOlder, off: p.off}
	}
	return Cursor{seg: segMain, off: p.off + int64(lineLen) + 1}
}

// visitFn receives a parsed visible record, its position and its line length.
type visitFn func(r Record, p Position, lineLen int) bool

// lineFn receives a raw line (newline stripped, valid during the call) and
// its position.
type lineFn func(line []byte, p Position) bool

// visible turns raw lines into visible records: malformed lines are skipped
// with a warning, meta records silently.
func (s *Store) visible(account, conv string, fn visitFn) lineFn {
	mainPath, olderPath := s.paths(account, conv)
	sc := scope{account, conv}
	return func(line []byte, p Position) bool {
		r, _, err := parseRecord(line, sc)
		if err != nil {
			path := mainPath
			if p.seg == segOlder {
				path = olderPath
			}
			s.malformed(path, p.off)
			return true
		}
		if r.IsMeta() {
			return true
		}
		return fn(r, p, len(line))
	}
}

// walkOlder visits the visible records older than c, newest first.
func (s *Store) walkOlder(account, conv string, c Cursor, fn visitFn) error {
	return s.walkOlderRaw(account, conv, c, s.visible(account, conv, fn))
}

// walkNewer visits the visible records newer than c, oldest first. The zero
// Cursor here means the oldest end.
func (s *Store) walkNewer(account, conv string, c Cursor, fn visitFn) error {
	return s.walkNewerRaw(account, conv, c, s.visible(account, conv, fn))
}

// segLines adapts a lineFn to one segment and notes whether it stopped.
func segLines(seg uint8, fn lineFn, stopped *bool) func([]byte, int64) bool {
	return func(l []byte, off int64) bool {
		if !fn(l, Position{seg: seg, off: off}) {
			*stopped = true
			return false
		}
		return true
	}
}

// walkOlderRaw visits every line older than c, newest first.
func (s *Store) walkOlderRaw(account, conv string, c Cursor, fn lineFn) error {
	if err := checkNames(account, conv); err != nil {
		return err
	}
	mainPath, olderPath := s.paths(account, conv)
	stopped := false
	olderFrom := c.off
	if c.seg != segOlder {
		end := int64(-1)
		if c.seg == segMain {
			end = c.off
		}
		if err := withFile(mainPath, func(f *os.File) error {
			return forEachLineReverse(f, end, s.overlong(mainPath), segLines(segMain, fn, &stopped))
		}); err != nil || stopped {
			return err
		}
		olderFrom = 0
	}
	return withFile(olderPath, func(f *os.File) error {
		return forEachLine(f, olderFrom, s.overlong(olderPath), segLines(segOlder, fn, &stopped))
	})
}

// walkNewerRaw visits every line newer than c, oldest first; the zero Cursor
// means the oldest end.
func (s *Store) walkNewerRaw(account, conv string, c Cursor, fn lineFn) error {
	if err := checkNames(account, conv); err != nil {
		return err
	}
	mainPath, olderPath := s.paths(account, conv)
	stopped := false
	mainFrom := c.off
	if c.seg != segMain {
		end := int64(-1)
		if c.seg == segOlder {
			end = c.off
		}
		if err := withFile(olderPath, func(f *os.File) error {
			return forEachLineReverse(f, end, s.overlong(olderPath), segLines(segOlder, fn, &stopped))
		}); err != nil || stopped {
			return err
		}
		mainFrom = 0
	}
	return withFile(mainPath, func(f *os.File) error {
		return forEachLine(f, mainFrom, s.overlong(mainPath), segLines(segMain, fn, &stopped))
	})
}

// withFile opens path for reading; a missing file is an empty one.
func withFile(path string, fn func(*os.File) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	if err := fn(f); err != nil {
		return fmt.Errorf("history: %s: %w", path, err)
	}
	return nil
}

// Tail returns the last n visible records of a conversation in file order
// (oldest first), reading from the end of the file, and a cursor for Before.
// A conversation with no file has no records.
func (s *Store) Tail(account, conv string, n int) ([]Record, Cursor, error) {
	return s.Before(account, conv, Cursor{}, n)
}

// Before returns up to n visible records older than c, oldest first, and a
// cursor for the next older page. Only the records returned are read; a page
// whose lines add up to 4 MiB ends there, with fewer than n records and a
// cursor that is not Done.
func (s *Store) Before(account, conv string, c Cursor, n int) ([]Record, Cursor, error) {
	if c.done || n <= 0 {
		return nil, Cursor{seg: c.seg, off: c.off, done: c.done, fold: c.fold}, nil
	}
	// From the newest end every reference to what is read is read first:
	// folding what is read costs least. Further back the id index finds
	// the references, those appended since the cursor was made included.
	if ic := s.indexedFrom(account, conv, c); ic != nil {
		recs, next, err := s.beforeIndexed(ic, account, conv, c, n)
		ic.mu.Unlock()
		if !errors.Is(err, errStale) {
			return recs, next, err
		}
	}
	fs := c.fold
	if fs == nil || fs.indexed {
		// A cursor of the id index (which is gone) or of no fold yet:
		// gather the references newer than the cursor.
		var err error
		if fs, err = s.foldDownTo(account, conv, c); err != nil {
			return nil, c, err
		}
	}
	var recs []Record
	next := c
	var size int
	full := false
	err := s.walkOlder(account, conv, c, func(r Record, p Position, l int) bool {
		next = olderSide(p, l)
		size += l
		if r.IsRef() {
			fs.add(r, p)
		} else {
			fs.resolve(&r)
			recs = append(recs, r)
		}
		full = len(recs) >= n || size >= maxPageBytes
		return !full
	})
	if err != nil {
		return nil, c, err
	}
	next.done = !full
	next.fold = fs
	reverse(recs)
	return recs, next, nil
}

// After returns up to n visible records newer than c, oldest first, and a
// cursor for the next newer page; its Done is true when the newest record
// was reached. Use it to page forward from Around.
func (s *Store) After(account, conv string, c Cursor, n int) ([]Record, Cursor, error) {
	if n <= 0 {
		return nil, c, nil
	}
	if c.seg == 0 { // the newest end: nothing is newer
		return nil, Cursor{done: true}, nil
	}
	if ic := s.indexed(account, conv); ic != nil {
		recs, next, err := s.afterIndexed(ic, account, conv, c, n)
		ic.mu.Unlock()
		if !errors.Is(err, errStale) {
			return recs, next, err
		}
	}
	fs := c.fold
	if fs == nil || fs.indexed {
		var err error
		if fs, err = s.foldDownTo(account, conv, c); err != nil {
			return nil, c, err
		}
	}
	var recs []Record
	next := c
	var size int
	full := false
	err := s.walkNewer(account, conv, c, func(r Record, p Position, l int) bool {
		next = newerSide(p, l)
		size += l
		if !r.IsRef() {
			if f, ok := fs.folded(p); ok {
				r = f
			}
			recs = append(recs, r)
		}
		full = len(recs) >= n || size >= maxPageBytes
		return !full
	})
	if err != nil {
		return nil, c, err
	}
	next.fold = fs
	next.done = !full
	return recs, next, nil
}

// Around returns the record at p with up to n visible records before and n
// after it, oldest first; hit is the index of p's record in recs. older and
// newer continue with Before and After. The records are folded: Around
// reads the references from the newest end back to p (a reference is always
// newer than its target), keeping only the references and the records they
// change.
func (s *Store) Around(account, conv string, p Position, n int) (recs []Record, hit int, older, newer Cursor, err error) {
	if ic := s.indexed(account, conv); ic != nil {
		recs, hit, older, newer, err = s.aroundIndexed(ic, account, conv, p, n)
		ic.mu.Unlock()
		if !errors.Is(err, errStale) {
			return recs, hit, older, newer, err
		}
	}
	r, l, err := s.recordAt(account, conv, p)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	fs, err := s.foldFromEnd(account, conv, p)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	if f, ok := fs.folded(p); ok {
		r = f
	}
	oc := olderSide(p, l)
	oc.fold = fs
	before, older, err := s.Before(account, conv, oc, n)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	nc := newerSide(p, l)
	nc.fold = fs
	after, newer, err := s.After(account, conv, nc, n)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	recs = append(append(before, r), after...)
	return recs, len(before), older, newer, nil
}

// foldFromEnd walks back from the newest end down to the record at p
// included (to the oldest end when p is the zero Position), folding: the
// result holds the references whose targets are older than p and the folded
// records, by position, of the targets found on the way.
func (s *Store) foldFromEnd(account, conv string, p Position) (*foldState, error) {
	return s.foldWalk(account, conv, p, nil)
}

// foldWalk is foldFromEnd; removed, when not nil, is called for each
// message that folds to a tombstone, with the positions of its line and of
// the corrections that applied to it (the lines that hold its texts).
func (s *Store) foldWalk(account, conv string, p Position, removed func(at Position, corrections []Position)) (*foldState, error) {
	fs := &foldState{done: make(map[Position]Record)}
	err := s.walkOlderRaw(account, conv, Cursor{}, func(line []byte, at Position) bool {
		// A message with no reference waiting cannot change: only lines
		// with a kind (references among them) are parsed then. Malformed
		// lines are left for the reader that shows them to report.
		if len(fs.pending) > 0 || bytes.Contains(line, []byte(`"k":`)) {
			if r, _, err := parseRecord(line, scope{account, conv}); err == nil && !r.IsMeta() {
				if r.IsRef() {
					fs.add(r, at)
				} else if fs.resolve(&r) {
					fs.done[at] = r
					if removed != nil && r.Folded.Removed() {
						var corr []Position
						for _, u := range fs.used {
							if u.r.Kind == KindCorrection {
								corr = append(corr, u.pos)
							}
						}
						removed(at, corr)
					}
				}
			}
		}
		return at != p
	})
	return fs, err
}

// foldDownTo folds backwards from the newest end down to cursor c
// (excluded): the result holds the references newer than c whose targets
// are older, and the folded records, by position, of the targets newer
// than c. The zero Cursor is the newest end: nothing to read.
func (s *Store) foldDownTo(account, conv string, c Cursor) (*foldState, error) {
	fs := &foldState{done: make(map[Position]Record)}
	if c.seg == 0 {
		return fs, nil
	}
	err := s.walkOlderRaw(account, conv, Cursor{}, func(line []byte, at Position) bool {
		if olderThan(at, c) {
			return false
		}
		if len(fs.pending) > 0 || bytes.Contains(line, []byte(`"k":`)) {
			if r, _, err := parseRecord(line, scope{account, conv}); err == nil && !r.IsMeta() {
				if r.IsRef() {
					fs.add(r, at)
				} else if fs.resolve(&r) {
					fs.done[at] = r
				}
			}
		}
		return true
	})
	return fs, err
}

// olderThan reports whether the record at p is older than cursor c.
func olderThan(p Position, c Cursor) bool {
	if c.seg == segMain {
		return p.seg == segOlder || p.off < c.off
	}
	return p.seg == segOlder && p.off >= c.off
}

// recordAt reads the record at p and returns it with its line length.
func (s *Store) recordAt(account, conv string, p Position) (Record, int, error) {
	if err := checkNames(account, conv); err != nil {
		return Record{}, 0, err
	}
	mainPath, olderPath := s.paths(account, conv)
	path := mainPath
	if p.seg == segOlder {
		path = olderPath
	} else if p.seg != segMain {
		return Record{}, 0, errors.New("history: invalid position")
	}
	var rec Record
	var length int
	found := false
	err := withFile(path, func(f *os.File) error {
		if p.off > 0 {
			var prev [1]byte
			if _, err := f.ReadAt(prev[:], p.off-1); err != nil || prev[0] != '\n' {
				return errors.New("position is not at a record")
			}
		}
		return forEachLine(f, p.off, s.overlong(path), func(line []byte, _ int64) bool {
			r, _, err := parseRecord(line, scope{account, conv})
			if err == nil && !r.IsMeta() {
				rec, length, found = r, len(line), true
			}
			return false
		})
	})
	if err != nil {
		return Record{}, 0, err
	}
	if !found {
		return Record{}, 0, errors.New("history: no record at that position")
	}
	return rec, length, nil
}

func reverse(r []Record) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
