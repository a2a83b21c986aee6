package history

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// segFile is one open file of a conversation.
type segFile struct {
	path  string
	f     *os.File // opened O_APPEND for writing; nil until first needed
	dirty bool     // written since the last fsync
	// size and info are the file's size and identity as the index knows
	// them (info nil: no such file), kept up to date by our writes: a
	// file that differs changed behind our back (see validIndex).
	size int64
	info os.FileInfo
}

// convState is the writer's state for one conversation.
type convState struct {
	mu          sync.Mutex
	account     string
	conv        string
	main, older segFile
	idx         dedupIndex
	pos         posIndex // the id index: positions of messages and references (refindex.go)
	loaded      bool
	buf         []byte
	used        uint64    // Store.tick at the last state call (under Store.mu)
	gen         uint64    // counts index builds and drops (a reader holding no lock sees a change)
	checked     time.Time // when Append last checked the files against the indexes (validEvery)
	evicted     bool      // closed and out of Store.convs: get a fresh state
}

// maxIndexHint caps the dedup keys reserved from the file sizes (32 MiB,
// about 150 MB of history): beyond it the array grows as keys come, so that
// a file inflated by a run of NUL bytes does not reserve gigabytes.
const maxIndexHint = 1 << 21

// validEvery is how often Append checks that a conversation's files are
// still what its indexes were built from (two stat calls).
const validEvery = time.Second

// maxOpenConvs bounds the conversations the writer keeps open (files and
// dedup index): messages from many distinct JIDs must not exhaust file
// descriptors or memory. The least recently used idle one is closed.
const maxOpenConvs = 256

// state returns the conversation's state, creating it (not loading it).
// Lock c.mu and check c.evicted before use (see lockedState).
func (s *Store) state(account, conv string) (*convState, error) {
	if err := checkNames(account, conv); err != nil {
		return nil, err
	}
	if s.readOnly {
		return nil, ErrReadOnly
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("history: store is closed")
	}
	k := convKey{account, conv}
	c := s.convs[k]
	if c == nil {
		if len(s.convs) >= maxOpenConvs {
			s.evictLocked()
		}
		mainPath, olderPath := s.paths(account, conv)
		c = &convState{account: account, conv: conv, main: segFile{path: mainPath}, older: segFile{path: olderPath}}
		s.convs[k] = c
	}
	s.tick++
	c.used = s.tick
	return c, nil
}

// lockedState is state with c.mu held, retrying when c was evicted between
// the two.
func (s *Store) lockedState(account, conv string) (*convState, error) {
	for {
		c, err := s.state(account, conv)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if !c.evicted {
			return c, nil
		}
		c.mu.Unlock()
	}
}

// evictLocked closes the least recently used conversation nobody is using
// and forgets it. Called with s.mu held; c.mu is only tried (never waited
// for), and a conversation in use is skipped, so it may close none.
func (s *Store) evictLocked() {
	var victim *convState
	var vk convKey
	for k, c := range s.convs {
		if victim == nil || c.used < victim.used {
			victim, vk = c, k
		}
	}
	if victim != nil && !victim.mu.TryLock() {
		victim = nil
		for k, c := range s.convs {
			if c.mu.TryLock() {
				victim, vk = c, k
				break
			}
		}
	}
	if victim == nil {
		return
	}
	delete(s.convs, vk)
	victim.evicted = true
	for _, seg := range []*segFile{&victim.main, &victim.older} {
		if seg.f == nil {
			continue
		}
		if seg.dirty {
			_ = seg.f.Sync()
		}
		_ = seg.f.Close()
		seg.f = nil
	}
	victim.mu.Unlock()
}

// load opens the main file, repairs a torn tail and builds the dedup index
// from both files. Called with c.mu held.
func (s *Store) load(c *convState) error {
	if c.loaded {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.main.path), 0o700); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if err := s.openSeg(c, &c.main); err != nil {
		return err
	}
	// Reserve the key array from the file sizes (records are rarely under
	// 100 bytes and carry about two keys) to avoid regrowing it.
	var hint int64
	for _, seg := range []*segFile{&c.main, &c.older} {
		if fi, err := os.Stat(seg.path); err == nil {
			hint += fi.Size() / 75
		}
	}
	c.idx = dedupIndex{base: make([]indexEntry, 0, min(hint, maxIndexHint))}
	c.pos = posIndex{} // grown as entries come: a hint from sizes inflated by NUL runs would reserve too much
	for i, seg := range []*segFile{&c.main, &c.older} {
		if err := s.noteSeg(seg); err != nil {
			return err
		}
		if err := s.indexFile(c, seg.path, uint8(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	c.idx.seal()
	c.pos.seal()
	c.loaded = true
	c.gen++
	return nil
}

// openSeg opens (creating) a file for appending, repairs its tail and writes
// the header of a new file.
func (s *Store) openSeg(c *convState, seg *segFile) error {
	if seg.f != nil {
		return nil
	}
	f, err := os.OpenFile(seg.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	size, err := s.repair(f, seg.path)
	if err != nil {
		f.Close()
		return err
	}
	if size == 0 {
		h := appendHeader(nil, header{c.account, c.conv}, time.Now())
		if _, err := f.Write(h); err != nil {
			f.Close()
			return fmt.Errorf("history: %w", err)
		}
		size = int64(len(h))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("history: %w", err)
	}
	s.mu.Lock()
	seg.f = f
	s.mu.Unlock()
	seg.size, seg.info = size, fi
	return nil
}

// repair makes sure the file ends with a newline, so that the next append
// starts a line of its own. An unterminated last line that is a valid record
// (a hand-edited file) is terminated; anything else after the last newline is
// the remains of a write cut short by a crash and is truncated away. Every
// earlier line is kept. It returns the resulting size.
func (s *Store) repair(f *os.File, path string) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	if last[0] == '\n' {
		return size, nil
	}
	nl, err := prevNewline(f, size, make([]byte, lineBlock))
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	start := nl + 1
	if size-start <= maxLine && validTail(f, start, size) {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return 0, fmt.Errorf("history: %w", err)
		}
		s.warn("term:"+path, fmt.Sprintf("history: %s: terminated the last line, which had no newline", path))
		return size + 1, nil
	}
	if err := f.Truncate(start); err != nil {
		return 0, fmt.Errorf("history: repair %s: %w", path, err)
	}
	s.warn(fmt.Sprintf("torn:%s@%d", path, start),
		fmt.Sprintf("history: %s: removed %d bytes of an incomplete last record (interrupted write)", path, size-start))
	return start, nil
}

// validTail reports whether file[start:end), a line without its newline of
// at most maxLine bytes, is a record.
func validTail(f *os.File, start, end int64) bool {
	tail := make([]byte, end-start)
	if _, err := f.ReadAt(tail, start); err != nil && err != io.EOF {
		return false
	}
	_, _, err := parseRecord(tail, scope{})
	return err == nil
}

// indexFile adds the keys of every record of a file (segment seg) to the
// dedup and id indexes.
func (s *Store) indexFile(c *convState, path string, seg uint8) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := scope{c.account, c.conv}
	var scratch []byte
	return forEachLine(f, 0, s.overlong(path), func(line []byte, off int64) bool {
		var kf keyFields
		var ik idFields
		explicit, err := readKeyFields(line, &kf, &ik)
		if err != nil {
			s.malformed(path, off)
			return true
		}
		if string(kf.kind) == KindHead {
			return true
		}
		if !explicit {
			sc.expandFields(&kf, &scratch)
		}
		c.idx.add(s.keys(c, &kf))
		s.indexIDs(&c.pos, &kf, &ik, Position{seg: seg, off: off}, true)
		return true
	})
}

// Append stores r in the conversation conv of account (both JID strings:
// the account's bare JID; the peer's bare JID, the room's, or room@service/nick
// for a room private chat) unless the message is already stored. stored is
// false for a duplicate. Duplicates are found, in this order, by trusted
// stanza-id (its StanzaBy is the account, or the room for groupchat), by
// origin-id, then by id (with the sender for received messages); a match by
// origin-id or id is ignored when both records carry different stanza-ids
// (or origin-ids). No match makes a duplicate of a record whose sender (for
// received messages), kind or body differs from the stored one, and a match
// by id alone only within idWindow minutes: ids are reused by clients that
// restart their counters, and a stanza-id can be forged. A write that fails
// freezes the account's archive anchors (see markGap). When a duplicate
// brings a stanza-id the store did not know
// (the archive copy of a message we sent, or of a live message that came
// without one), a link record stores it, so NewestArchiveID and later
// catch-ups see it, without a second visible message.
//
// Each record is one write(2) on a file opened O_APPEND; files are fsynced
// at most once a second and at Close.
func (s *Store) Append(account, conv string, r Record) (stored bool, err error) {
	return s.append(account, conv, r, false)
}

// AppendOlder stores a page of archived messages that are all older than
// everything the conversation holds (XEP-0313 paging backwards), page in
// ascending time order. Such pages go to a sibling file written newest
// first, so the main file stays in time order and readers see one sequence
// (see docs/history-format.md). It returns how many records were stored
// after dedup.
func (s *Store) AppendOlder(account, conv string, page []Record) (stored int, err error) {
	for i := len(page) - 1; i >= 0; i-- {
		ok, err := s.append(account, conv, page[i], true)
		if err != nil {
			return stored, err
		}
		if ok {
			stored++
		}
	}
	return stored, nil
}

func (s *Store) append(account, conv string, r Record, older bool) (stored bool, err error) {
	if r.IsMeta() {
		return false, fmt.Errorf("history: cannot append a %q record", r.Kind)
	}
	c, err := s.lockedState(account, conv)
	if err != nil {
		return false, err
	}
	defer c.mu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return false, errors.New("history: store is closed")
	}
	defer func() {
		if err != nil {
			s.markGap(account)
		}
	}()
	if err := s.load(c); err != nil {
		return false, err
	}
	if now := time.Now(); now.Sub(c.checked) >= validEvery {
		// A file changed behind our back (edited, truncated, replaced)
		// is indexed again before the indexes are trusted.
		c.checked = now
		if !s.validIndex(c) && !c.pos.full {
			if err := s.load(c); err != nil {
				return false, err
			}
		}
	}
	seg := &c.main
	if older {
		seg = &c.older
		if err := s.openSeg(c, seg); err != nil {
			return false, err
		}
	}
	r.V = Version
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.From, r.Body = asStored(r.From), asStored(r.Body)
	gap := s.hasGap(account)
	if gap {
		// A record of this account could not be written: no archive id
		// may become an anchor past it until the next start (see markGap).
		r.StanzaID, r.StanzaBy = "", ""
	}
	if r.StanzaID != "" && !slices.Contains(r.StanzaIDs, StanzaID{r.StanzaID, r.StanzaBy}) {
		// The trusted stanza-id is one of the stanza's.
		r.StanzaIDs = append([]StanzaID{{r.StanzaID, r.StanzaBy}}, r.StanzaIDs...)
	}
	kf := fieldsOf(&r)
	k := s.keys(c, &kf)
	if c.idx.lookup(k) {
		if k.sid == 0 || gap || c.idx.has(k.sid) {
			return false, nil
		}
		link := Record{V: Version, Time: r.Time, Dir: r.Dir, Kind: KindLink, From: r.From, Type: r.Type,
			ID: r.ID, OriginID: r.OriginID, StanzaID: r.StanzaID, StanzaBy: r.StanzaBy,
			StanzaIDs: []StanzaID{{r.StanzaID, r.StanzaBy}}}
		if err := s.write(c, seg, link); err != nil {
			return false, err
		}
		k.content = 0 // as it is indexed when read back: a link matches through the record it links
		c.idx.add(k)
		return false, nil
	}
	at := Position{seg: segMain, off: seg.size}
	if older {
		at.seg = segOlder
	}
	if err := s.write(c, seg, r); err != nil {
		return false, err
	}
	c.idx.add(k)
	s.indexRecord(&c.pos, &r, at)
	if r.Kind == KindRetract || r.Kind == KindModerate {
		s.noteErase(account, conv)
	}
	return true, nil
}

// markGap notes that a record of account could not be written (a full
// disk, an I/O error). From then on, until the store is opened again, the
// account's records are stored without their archive ids and no link
// record is written: the archive anchors (NewestArchiveIDAny,
// NewestArchiveID) stay at the last id stored before the failure, so the
// next catch-up from the archive fetches, after it, what was not saved.
// Duplicates of what was saved meanwhile are found by origin-id or id and
// then linked.
func (s *Store) markGap(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gaps == nil {
		s.gaps = make(map[string]bool)
	}
	s.gaps[account] = true
}

func (s *Store) hasGap(account string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gaps[account]
}

// asStored returns s as it reads back from a file: each invalid UTF-8 byte
// becomes U+FFFD (appendString), so that dedup keys derived from a record
// before it is written and after it is read back agree.
func asStored(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// write appends one record with a single write call.
func (s *Store) write(c *convState, seg *segFile, r Record) error {
	c.buf = appendCompact(c.buf[:0], scope{c.account, c.conv}, r)
	if _, err := seg.f.Write(c.buf); err != nil {
		// Part of the line may have been written (a full disk): close the
		// file so that the next append reopens, repairs and re-indexes it.
		seg.f.Close()
		s.mu.Lock()
		seg.f = nil
		s.mu.Unlock()
		c.loaded = false
		return fmt.Errorf("history: %w", err)
	}
	s.mu.Lock()
	seg.dirty = true
	s.mu.Unlock()
	seg.size += int64(len(c.buf))
	return nil
}
