package history

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// idFields are the parts of a line, beside keyFields, that the id index
// reads.
type idFields struct {
	rep, ref, sids []byte
}

// valid is b as parseRecord reads it back (invalid UTF-8 as U+FFFD).
func valid(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// indexIDs adds the id index entries of one line read from a file: a
// message under each key it may be referred to by, a reference under the
// key it names. bulk is true while loading (before seal).
func (s *Store) indexIDs(x *posIndex, kf *keyFields, ik *idFields, at Position, bulk bool) {
	ord, ok := ordOf(at)
	if !ok {
		*x = posIndex{full: true} // a file too large to index by position
		return
	}
	add := x.add
	if bulk {
		add = x.bulk
	}
	kind := string(kf.kind)
	if kind == "" || kind == KindMsg {
		r := Record{Type: string(kf.typ), From: string(valid(kf.from)), ID: string(valid(kf.id)),
			OriginID: string(valid(kf.oid)), StanzaID: string(valid(kf.sid)), StanzaBy: string(valid(kf.sby))}
		if r.Type == "groupchat" && ik.sids != nil {
			r.StanzaIDs = parseStanzaIDs(ik.sids)
		}
		targetIDs(&r, func(p byte, id string) { add(mkEntry(keyFP(s, p, id), ord, eMsg)) })
		return
	}
	p, isRef := refPrefix(kind, string(kf.typ))
	if !isRef {
		return
	}
	id := ik.ref
	if kind == KindCorrection {
		id = ik.rep
	}
	if len(id) > 0 {
		add(mkEntry(keyFP(s, p, string(valid(id))), ord, refEntryKind(kind)))
	}
}

// indexRecord adds the id index entries of a record just written at p.
func (s *Store) indexRecord(x *posIndex, r *Record, at Position) {
	ord, ok := ordOf(at)
	if !ok {
		*x = posIndex{full: true}
		return
	}
	if r.IsRef() {
		if p, id := refTarget(r); p != 0 {
			x.add(mkEntry(keyFP(s, p, id), ord, refEntryKind(r.Kind)))
		}
		return
	}
	if r.Kind == KindMsg {
		m := *r
		m.Kind = ""
		r = &m
	}
	targetIDs(r, func(p byte, id string) { x.add(mkEntry(keyFP(s, p, id), ord, eMsg)) })
}

// keyFP is the fingerprint of a reference key (prefix, as in refKey, and
// id), with the store's random seed.
func keyFP(s *Store, p byte, id string) uint32 {
	var buf [96]byte
	if len(id) <= len(buf)-2 {
		buf[0], buf[1] = p, 0
		n := 2 + copy(buf[2:], id)
		return uint32(maphash.Bytes(s.seed, buf[:n]) >> (64 - fpBits))
	}
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteByte(p)
	h.WriteByte(0)
	h.WriteString(id)
	return uint32(h.Sum64() >> (64 - fpBits))
}

// errStale says that the id index no longer matches the files.
var errStale = errors.New("history: the id index does not match the file")

// validIndex reports whether the files of c are still what the id index
// was built from and kept up to date with: same files (not replaced),
// same sizes. A file changed behind our back (edited, truncated, replaced)
// makes the indexes stale: they are dropped, and rebuilt by the next
// write. Called with c.mu held.
func (s *Store) validIndex(c *convState) bool {
	if !c.loaded || c.pos.full {
		return false
	}
	for _, seg := range []*segFile{&c.main, &c.older} {
		fi, err := os.Stat(seg.path)
		switch {
		case errors.Is(err, os.ErrNotExist) && seg.info == nil:
			continue
		case err != nil || seg.info == nil || !os.SameFile(fi, seg.info) || fi.Size() != seg.size:
			s.dropIndex(c)
			return false
		}
	}
	return true
}

// dropIndex forgets c's indexes and closes its files, so that the next
// write reopens, repairs and indexes them again. Called with c.mu held.
func (s *Store) dropIndex(c *convState) {
	c.loaded = false
	c.gen++
	c.idx, c.pos = dedupIndex{}, posIndex{}
	for _, seg := range []*segFile{&c.main, &c.older} {
		if seg.f != nil {
			if seg.dirty {
				_ = seg.f.Sync()
			}
			seg.f.Close()
			s.mu.Lock()
			seg.f, seg.dirty = nil, false
			s.mu.Unlock()
		}
		seg.info, seg.size = nil, 0
	}
}

// indexed returns the writer's state of a conversation with c.mu held when
// its id index is loaded and matches the files, else nil.
func (s *Store) indexed(account, conv string) *convState {
	if s.readOnly {
		return nil
	}
	s.mu.Lock()
	c := s.convs[convKey{account, conv}]
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if c.evicted || !s.validIndex(c) {
		c.mu.Unlock()
		return nil
	}
	return c
}

// lineReader reads records by position for one lookup.
type lineReader struct {
	c     *convState
	older *os.File // opened when needed
	buf   []byte
}

func (lr *lineReader) close() {
	if lr.older != nil {
		lr.older.Close()
	}
}

// record reads the record whose line starts at p. ok is false for a line
// that is not a record (skipped as readers skip it); errStale when p is
// not the start of a complete line.
func (lr *lineReader) record(p Position) (r Record, ok bool, err error) {
	var f *os.File
	if p.seg == segOlder {
		if lr.older == nil {
			if lr.older, err = os.Open(lr.c.older.path); err != nil {
				return Record{}, false, errStale
			}
		}
		f = lr.older
	} else if f = lr.c.main.f; f == nil {
		return Record{}, false, errStale
	}
	line, err := readLineAt(f, p.off, &lr.buf)
	if err != nil {
		return Record{}, false, err
	}
	r, _, perr := parseRecord(line, scope{lr.c.account, lr.c.conv})
	if perr != nil || r.IsMeta() {
		return Record{}, false, nil
	}
	return r, true, nil
}

// readLineAt reads the line that starts at off (newline stripped) into
// *buf. It is errStale when off is not a line start or the line has no
// newline within maxLine bytes.
func readLineAt(f *os.File, off int64, buf *[]byte) ([]byte, error) {
	start := off
	if off > 0 {
		start = off - 1
	}
	size := 1024
	for {
		if cap(*buf) < size {
			*buf = make([]byte, size)
		}
		b := (*buf)[:size]
		n, err := f.ReadAt(b, start)
		if err != nil && err != io.EOF {
			return nil, err
		}
		b = b[:n]
		if off > 0 {
			if n == 0 || b[0] != '\n' {
				return nil, errStale
			}
			b = b[1:]
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[:i], nil
		}
		if n < size || size > maxLine {
			return nil, errStale
		}
		size = min(size*4, maxLine+2)
	}
}

// refAt is a reference found for a message, with its order.
type refAt struct {
	ord uint64
	pos Position
	r   Record
}

// foldIndexed applies to t, the message at p, the stored references that
// name it, found through the id index: for each key of t, the reference
// entries after p up to the next message with that key. It returns the
// positions of the corrections that applied (their lines hold texts of
// t). errStale means the index no longer matches the file.
func (s *Store) foldIndexed(c *convState, lr *lineReader, t *Record, p Position) (corrections []Position, err error) {
	ord, ok := ordOf(p)
	if !ok || t.Kind != "" {
		return nil, nil
	}
	var refs []refAt
	var scratch []uint64
	targetIDs(t, func(pre byte, id string) {
		if err != nil {
			return
		}
		scratch = c.pos.run(keyFP(s, pre, id), ord+1, 1<<ordBits, true, scratch)
		for _, e := range scratch {
			q := posOfOrd(entryOrd(e))
			r, ok, rerr := lr.record(q)
			if rerr != nil {
				err = rerr
				return
			}
			if !ok {
				continue
			}
			if entryKind(e) == eMsg {
				if hasTarget(&r, pre, id) {
					return // the next message with this key: the later references are its
				}
				continue
			}
			if rp, rid := refTarget(&r); r.IsRef() && rp == pre && rid == id {
				refs = append(refs, refAt{entryOrd(e), q, r})
			}
		}
	})
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	slices.SortFunc(refs, func(a, b refAt) int {
		switch {
		case a.ord < b.ord:
			return -1
		case a.ord > b.ord:
			return 1
		}
		return 0
	})
	refs = slices.CompactFunc(refs, func(a, b refAt) bool { return a.ord == b.ord })
	var rs reactionSets
	for i := range refs {
		if apply(t, &refs[i].r, &rs) && refs[i].r.Kind == KindCorrection {
			corrections = append(corrections, refs[i].pos)
		}
	}
	aggregate(t, &rs)
	return corrections, nil
}

// targetIndexed finds, through the id index, the newest message before
// order before with the key ref names.
func (s *Store) targetIndexed(c *convState, lr *lineReader, ref *Record, before uint64) (Record, Position, bool, error) {
	pre, id := refTarget(ref)
	if pre == 0 {
		return Record{}, Position{}, false, nil
	}
	run := c.pos.run(keyFP(s, pre, id), 0, before, false, nil)
	for i := len(run) - 1; i >= 0; i-- {
		e := run[i]
		if entryKind(e) != eMsg {
			continue
		}
		q := posOfOrd(entryOrd(e))
		r, ok, err := lr.record(q)
		if err != nil {
			return Record{}, Position{}, false, err
		}
		if ok && hasTarget(&r, pre, id) {
			return r, q, true, nil
		}
	}
	return Record{}, Position{}, false, nil
}

// Target returns the stored message that reference ref (a correction,
// reactions, a retraction, a moderation, a marker) names, folded with
// every stored reference to it, and its position; found is false when no
// stored message has the key ref names (see Folding in
// docs/history-format.md). Append ref first to see it applied. The
// writer finds the message and its references through the
// conversation's id index, reading only their lines, however far back the
// message is (the first call builds the index if no write did); a
// read-only Store reads the conversation backwards from its end.
func (s *Store) Target(account, conv string, ref Record) (r Record, at Position, found bool, err error) {
	if !ref.IsRef() {
		return Record{}, Position{}, false, errors.New("history: Target needs a reference record")
	}
	if !s.readOnly {
		c, err := s.lockedState(account, conv)
		if err != nil {
			return Record{}, Position{}, false, err
		}
		r, at, found, err := s.targetLocked(c, &ref)
		c.mu.Unlock()
		if !errors.Is(err, errStale) {
			return r, at, found, err
		}
	}
	return s.targetScan(account, conv, &ref)
}

// targetLocked is Target through the index, with c.mu held.
func (s *Store) targetLocked(c *convState, ref *Record) (Record, Position, bool, error) {
	if err := s.load(c); err != nil {
		return Record{}, Position{}, false, err
	}
	if !s.validIndex(c) {
		if err := s.load(c); err != nil {
			return Record{}, Position{}, false, err
		}
		if c.pos.full {
			return Record{}, Position{}, false, errStale
		}
	}
	lr := &lineReader{c: c}
	defer lr.close()
	r, at, found, err := s.targetIndexed(c, lr, ref, 1<<ordBits)
	if err == nil && found {
		_, err = s.foldIndexed(c, lr, &r, at)
	}
	if errors.Is(err, errStale) {
		s.dropIndex(c)
	}
	return r, at, found, err
}

// targetScan is Target by reading backwards from the end.
func (s *Store) targetScan(account, conv string, ref *Record) (Record, Position, bool, error) {
	pre, id := refTarget(ref)
	if pre == 0 {
		return Record{}, Position{}, false, nil
	}
	key := string([]byte{pre, 0}) + id
	plain := plainID(id)
	packed := packedID(id)
	fs := &foldState{}
	var out Record
	var at Position
	found := false
	err := s.walkOlderRaw(account, conv, Cursor{}, func(line []byte, p Position) bool {
		if plain && len(fs.pending) == 0 && !bytes.Contains(line, []byte(id)) && (packed == nil || !bytes.Contains(line, packed)) &&
			!bytes.Contains(line, []byte(`"k":`)) {
			return true
		}
		r, _, err := parseRecord(line, scope{account, conv})
		if err != nil || r.IsMeta() {
			return true
		}
		if r.IsRef() {
			fs.add(r, p)
			return true
		}
		isTarget := false
		targetKeys(&r, func(k string) { isTarget = isTarget || k == key })
		fs.resolve(&r)
		if isTarget {
			out, at, found = r, p, true
			return false
		}
		return true
	})
	return out, at, found, err
}

// plainID reports whether an id appears as it is in a line that holds
// it: ids with characters that JSON escapes do not.
func plainID(id string) bool {
	return !strings.ContainsAny(id, "\"\\") && utf8.ValidString(id)
}

// correctedIndexed returns the positions of the messages that the
// corrections in c's id index name (read: each correction's line and its
// target's). Called with c.mu held.
func (s *Store) correctedIndexed(c *convState) (map[Position]bool, error) {
	out := make(map[Position]bool)
	lr := &lineReader{c: c}
	defer lr.close()
	var err error
	each := func(l []uint64) {
		for _, e := range l {
			if err != nil || entryKind(e) != eCorrection {
				continue
			}
			var ref Record
			var ok bool
			if ref, ok, err = lr.record(posOfOrd(entryOrd(e))); err != nil || !ok {
				continue
			}
			var at Position
			if _, at, ok, err = s.targetIndexed(c, lr, &ref, entryOrd(e)); err == nil && ok {
				out[at] = true
			}
		}
	}
	for _, l := range c.pos.levels {
		each(l)
	}
	each(c.pos.tail)
	return out, err
}

// noteSeg records the size and identity of a segment's file before it is
// indexed.
func (s *Store) noteSeg(seg *segFile) error {
	var fi os.FileInfo
	var err error
	if seg.f != nil {
		fi, err = seg.f.Stat()
	} else {
		fi, err = os.Stat(seg.path)
		if errors.Is(err, os.ErrNotExist) {
			seg.info, seg.size = nil, 0
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	seg.info, seg.size = fi, fi.Size()
	return nil
}
