package history

import "errors"

// Reading through the id index (refindex.go): each message read is folded
// from the lines of its references alone.

// indexedFrom is indexed for a read from cursor c other than the newest
// end.
func (s *Store) indexedFrom(account, conv string, c Cursor) *convState {
	if c.seg == 0 {
		return nil
	}
	return s.indexed(account, conv)
}

// beforeIndexed is Before folding each message through the id index of
// ic (held).
func (s *Store) beforeIndexed(ic *convState, account, conv string, c Cursor, n int) ([]Record, Cursor, error) {
	lr := &lineReader{c: ic}
	defer lr.close()
	var recs []Record
	next := c
	var size int
	full := false
	var ferr error
	err := s.walkOlder(account, conv, c, func(r Record, p Position, l int) bool {
		next = olderSide(p, l)
		size += l
		if !r.IsRef() {
			if _, ferr = s.foldIndexed(ic, lr, &r, p); ferr != nil {
				return false
			}
			recs = append(recs, r)
		}
		full = len(recs) >= n || size >= maxPageBytes
		return !full
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		if errors.Is(err, errStale) {
			s.dropIndex(ic)
		}
		return nil, c, err
	}
	next.done = !full
	next.fold = &foldState{indexed: true}
	reverse(recs)
	return recs, next, nil
}

// afterIndexed is After folding each message through the id index of ic
// (held).
func (s *Store) afterIndexed(ic *convState, account, conv string, c Cursor, n int) ([]Record, Cursor, error) {
	lr := &lineReader{c: ic}
	defer lr.close()
	var recs []Record
	next := c
	var size int
	full := false
	var ferr error
	err := s.walkNewer(account, conv, c, func(r Record, p Position, l int) bool {
		next = newerSide(p, l)
		size += l
		if !r.IsRef() {
			if _, ferr = s.foldIndexed(ic, lr, &r, p); ferr != nil {
				return false
			}
			recs = append(recs, r)
		}
		full = len(recs) >= n || size >= maxPageBytes
		return !full
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		if errors.Is(err, errStale) {
			s.dropIndex(ic)
		}
		return nil, c, err
	}
	next.fold = &foldState{indexed: true}
	next.done = !full
	return recs, next, nil
}

// aroundIndexed is Around through the id index of ic (held): the record
// at p and its neighbours are folded from their references' lines alone.
func (s *Store) aroundIndexed(ic *convState, account, conv string, p Position, n int) (recs []Record, hit int, older, newer Cursor, err error) {
	r, l, err := s.recordAt(account, conv, p)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	lr := &lineReader{c: ic}
	_, err = s.foldIndexed(ic, lr, &r, p)
	lr.close()
	if err != nil {
		if errors.Is(err, errStale) {
			s.dropIndex(ic)
		}
		return nil, 0, Cursor{}, Cursor{}, err
	}
	before, older, err := s.beforeIndexed(ic, account, conv, olderSide(p, l), n)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	after, newer, err := s.afterIndexed(ic, account, conv, newerSide(p, l), n)
	if err != nil {
		return nil, 0, Cursor{}, Cursor{}, err
	}
	recs = append(append(before, r), after...)
	return recs, len(before), older, newer, nil
}
