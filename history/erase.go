package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// A retracted or moderated message keeps its record (its ids, so that the
// references to it still find it: it reads as a tombstone) but loses its
// text: Erase rewrites the files of a conversation with the body of every
// such message, and of the corrections that replaced it, removed. Each
// rewritten line keeps its length (the record is padded with spaces before
// its closing brace), so every Position and Cursor stays valid. The file is
// replaced atomically: the new content is written to a temporary file in the
// same directory, synced, and renamed over the old one; a reader that has
// the old file open goes on reading it.

// noteErase remembers that a conversation got a retraction or moderation:
// Close erases it if nobody called Erase before.
func (s *Store) noteErase(account, conv string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.erase == nil {
		s.erase = make(map[convKey]bool)
	}
	s.erase[convKey{account, conv}] = true
}

// eraseAll erases every conversation noted since Open (at Close).
func (s *Store) eraseAll() error {
	s.mu.Lock()
	keys := make([]convKey, 0, len(s.erase))
	for k := range s.erase {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	var first error
	for _, k := range keys {
		if err := s.eraseConv(k.account, k.conv); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Erase removes from a conversation's files the text of its retracted and
// moderated messages (see above). It reads the whole conversation: call it
// off the paths that must be quick (Close calls it for every conversation
// that got a retraction or moderation since Open).
func (s *Store) Erase(account, conv string) error {
	if s.readOnly {
		return ErrReadOnly
	}
	return s.eraseConv(account, conv)
}

func (s *Store) eraseConv(account, conv string) error {
	if err := checkNames(account, conv); err != nil {
		return err
	}
	k := convKey{account, conv}
	s.mu.Lock()
	delete(s.erase, k)
	s.mu.Unlock()
	// No append meanwhile: hold the conversation's writer lock.
	c, err := s.lockedState(account, conv)
	if err != nil { // closing: nothing appends any more
		s.mu.Lock()
		c = s.convs[k]
		s.mu.Unlock()
		if c != nil {
			c.mu.Lock()
		}
	}
	if c != nil {
		defer c.mu.Unlock()
	}
	var main, older []int64
	note := func(at Position, corr []Position) {
		for _, p := range append(corr, at) {
			if p.seg == segOlder {
				older = append(older, p.off)
			} else {
				main = append(main, p.off)
			}
		}
	}
	indexed := false
	if c != nil && !c.evicted && s.validIndex(c) {
		// The id index names the retractions and moderations and finds
		// their targets: no need to read the conversation.
		err = s.removedIndexed(c, note)
		indexed = err == nil
		if errors.Is(err, errStale) {
			s.dropIndex(c)
		} else if err != nil {
			return err
		}
	}
	if !indexed {
		main, older = nil, nil
		if _, err = s.foldWalk(account, conv, Position{}, note); err != nil {
			return err
		}
	}
	mainPath, olderPath := s.paths(account, conv)
	for _, seg := range []struct {
		path string
		offs []int64
		file *segFile
	}{{mainPath, main, segOf(c, false)}, {olderPath, older, segOf(c, true)}} {
		if len(seg.offs) == 0 {
			continue
		}
		done, err := s.rewrite(seg.path, seg.offs)
		if err != nil {
			return err
		}
		if done && seg.file != nil && seg.file.f == nil && seg.file.info != nil {
			// Not open for writing: the id index now knows the new file
			// (same size, same positions).
			if err := s.noteSeg(seg.file); err != nil {
				return err
			}
		} else if done && seg.file != nil && seg.file.f != nil {
			// Our append handle points at the replaced file: reopen.
			seg.file.f.Close()
			s.mu.Lock()
			seg.file.f = nil
			s.mu.Unlock()
			if err := s.openSeg(c, seg.file); err != nil {
				c.loaded = false
				return err
			}
		}
	}
	return nil
}

func segOf(c *convState, older bool) *segFile {
	switch {
	case c == nil:
		return nil
	case older:
		return &c.older
	}
	return &c.main
}

// rewrite replaces the file at path by a copy in which the records at offs
// have no body. It reports whether it replaced the file (false when every
// such record had no body already).
func (s *Store) rewrite(path string, offs []int64) (bool, error) {
	slices.Sort(offs)
	offs = slices.Compact(offs)
	src, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	defer src.Close()
	type patch struct {
		off  int64
		line []byte
	}
	var patches []patch
	for _, off := range offs {
		var line []byte
		err := forEachLine(src, off, s.overlong(path), func(l []byte, _ int64) bool {
			line = bytes.Clone(l)
			return false
		})
		if err != nil {
			return false, fmt.Errorf("history: %s: %w", path, err)
		}
		r, _, err := parseRecord(line, scope{})
		if err != nil || r.Body == "" && r.Quote == "" {
			continue
		}
		// The line loses its texts and keeps everything else as it is
		// (its encoding, compact or not, and keys this version does not
		// know).
		repl, ok := withoutTexts(line)
		if !ok || len(repl) > len(line) {
			s.warn("erase:"+path, fmt.Sprintf("history: %s: cannot erase the text of the record at offset %d", path, off))
			continue
		}
		pad := bytes.Repeat([]byte{' '}, len(line)-len(repl))
		repl = append(append(repl[:len(repl)-1], pad...), '}')
		patches = append(patches, patch{off, repl})
	}
	if len(patches) == 0 {
		return false, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".erase-*.tmp")
	if err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	var at int64
	for _, p := range patches {
		if _, err := io.Copy(tmp, io.NewSectionReader(src, at, p.off-at)); err != nil {
			return false, fmt.Errorf("history: %w", err)
		}
		if _, err := tmp.Write(p.line); err != nil {
			return false, fmt.Errorf("history: %w", err)
		}
		at = p.off + int64(len(p.line))
	}
	if _, err := io.Copy(tmp, io.NewSectionReader(src, at, 1<<62)); err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	ok = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return true, nil
}

// removedIndexed calls removed, as foldWalk does, for every message that a
// retraction or moderation in c's id index makes a tombstone, with the
// positions of the corrections that applied to it. Called with c.mu held.
func (s *Store) removedIndexed(c *convState, removed func(at Position, corrections []Position)) error {
	var refs []uint64
	each := func(l []uint64) {
		for _, e := range l {
			if k := entryKind(e); k == eRetract || k == eModerate {
				refs = append(refs, e)
			}
		}
	}
	for _, l := range c.pos.levels {
		each(l)
	}
	each(c.pos.tail)
	lr := &lineReader{c: c}
	defer lr.close()
	seen := make(map[Position]bool)
	for _, e := range refs {
		ref, ok, err := lr.record(posOfOrd(entryOrd(e)))
		if err != nil {
			return err
		}
		if !ok || (ref.Kind != KindRetract && ref.Kind != KindModerate) {
			continue
		}
		t, at, found, err := s.targetIndexed(c, lr, &ref, entryOrd(e))
		if err != nil {
			return err
		}
		if !found || seen[at] {
			continue
		}
		seen[at] = true
		corr, err := s.foldIndexed(c, lr, &t, at)
		if err != nil {
			return err
		}
		if t.Folded.Removed() {
			removed(at, corr)
		}
	}
	return nil
}

// withoutTexts returns line (one JSON object) without its top-level "body",
// "b" and "quote" members, the rest byte for byte as it was, ending in the
// object's closing brace.
func withoutTexts(line []byte) ([]byte, bool) {
	var out []byte
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return nil, false
	}
	out = append(out, line[:i+1]...)
	i++
	first := true
	for {
		start := i // the member and the space before it
		i = skipSpace(line, i)
		if i < len(line) && line[i] == '}' {
			out = append(out, line[start:i+1]...)
			return out, true
		}
		if i >= len(line) || line[i] != '"' {
			return nil, false
		}
		key, j, _, err := scanString(line, i, nil)
		if err != nil {
			return nil, false
		}
		j = skipSpace(line, j)
		if j >= len(line) || line[j] != ':' {
			return nil, false
		}
		j = skipSpace(line, j+1)
		if j >= len(line) {
			return nil, false
		}
		switch line[j] {
		case '"':
			_, j, _, err = scanString(line, j, nil)
		case '{', '[':
			j, err = skipNested(line, j)
		default:
			for j < len(line) && line[j] != ',' && line[j] != '}' && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' && line[j] != '\n' {
				j++
			}
		}
		if err != nil {
			return nil, false
		}
		end := skipSpace(line, j)
		if end >= len(line) || line[end] != ',' && line[end] != '}' {
			return nil, false
		}
		drop := string(key) == "body" || string(key) == "b" || string(key) == "quote"
		if !drop {
			m := line[start:j]
			if first {
				m = line[i:j]
			} else {
				out = append(out, ',')
			}
			out = append(out, m...)
			first = false
		}
		if line[end] == '}' {
			return append(out, '}'), true
		}
		i = end + 1
	}
}
