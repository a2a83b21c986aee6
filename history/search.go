package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Query selects records for Search.
type Query struct {
	Account string    // bare JID of the account; "" for every account
	Conv    string    // the conversation; "" for every conversation
	Text    string    // case-insensitive substring of the body; "" matches every record
	Since   time.Time // only records at or after this time; zero for no limit
}

// Hit is one record found by Search.
type Hit struct {
	Conv   Conv     // where it was found
	Pos    Position // for Around
	Record Record
}

// Search calls fn for every visible record matching q, conversation by
// conversation (in the order of Conversations), oldest first within each,
// until fn returns false or ctx is done. It streams: memory does not depend on
// the size of the files. Lines that cannot contain the text are rejected
// before they are parsed.
func (s *Store) Search(ctx context.Context, q Query, fn func(Hit) bool) error {
	convs, err := s.Conversations()
	if err != nil {
		return err
	}
	needle := strings.ToLower(q.Text)
	pre := prefilter(needle)
	stop := false
	for _, cv := range convs {
		if (q.Account != "" && cv.Account != q.Account) || (q.Conv != "" && cv.Conv != q.Conv) {
			continue
		}
		// The folded view: corrected text, no reference records, no text
		// of a retracted message. The writer's id index folds each
		// candidate; else the references are gathered first, reading
		// backwards, when the files may hold any.
		var fs *foldState
		var fold func(r *Record, p Position) error
		var bypass map[Position]bool // records whose folded text may match where the line does not
		mainPath, olderPath := s.paths(cv.Account, cv.Conv)
		ic := s.indexed(cv.Account, cv.Conv)
		var lr *lineReader
		if ic != nil {
			bypass, err = s.correctedIndexed(ic)
			gen := ic.gen
			if errors.Is(err, errStale) {
				s.dropIndex(ic)
			}
			ic.mu.Unlock()
			switch {
			case errors.Is(err, errStale):
				ic, bypass, err = nil, nil, nil
			case err != nil:
				return err
			}
			if ic != nil {
				lr = &lineReader{c: ic}
				cv := cv
				// The writer's lock is held for one fold at a time, never
				// while fn runs.
				fold = func(r *Record, p Position) error {
					ic.mu.Lock()
					if !ic.evicted && ic.loaded && ic.gen == gen {
						_, err := s.foldIndexed(ic, lr, r, p)
						if errors.Is(err, errStale) {
							s.dropIndex(ic)
						}
						ic.mu.Unlock()
						if !errors.Is(err, errStale) {
							return err
						}
					} else {
						ic.mu.Unlock()
					}
					// The index is gone (evicted, rebuilt): fold this one by
					// reading back to it.
					f, err := s.foldFromEnd(cv.Account, cv.Conv, p)
					if err != nil {
						return err
					}
					if fr, ok := f.folded(p); ok {
						*r = fr
					}
					return nil
				}
			}
		}
		if ic == nil && (mayHaveRefs(mainPath) || mayHaveRefs(olderPath)) {
			if fs, err = s.foldFromEnd(cv.Account, cv.Conv, Position{}); err != nil {
				return err
			}
			bypass = make(map[Position]bool, len(fs.done))
			for p := range fs.done {
				bypass[p] = true
			}
			fold = func(r *Record, p Position) error {
				if f, ok := fs.folded(p); ok {
					*r = f
				}
				return nil
			}
		}
		var ferr error
		visit := s.visible(cv.Account, cv.Conv, func(r Record, p Position, _ int) bool {
			if r.IsRef() {
				return true
			}
			if fold != nil {
				if ferr = fold(&r, p); ferr != nil {
					return false
				}
			}
			if !q.Since.IsZero() && r.Time.Before(q.Since) {
				return true
			}
			if needle != "" && !strings.Contains(strings.ToLower(r.Body), needle) {
				return true
			}
			if !fn(Hit{Conv: cv, Pos: p, Record: r}) {
				stop = true
				return false
			}
			return true
		})
		err = s.searchLines(ctx, cv, needle, pre, bypass, visit, &stop)
		if lr != nil {
			lr.close()
		}
		if err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if stop {
			return nil
		}
	}
	return nil
}

// searchLines passes visit the lines of a conversation, oldest first,
// that may match: those that pass the prefilter pre (every line when pre
// is nil) and those of the records fs folded (a corrected text may match
// where the line does not). The main file is searched in blocks: lines
// without a candidate place are never looked at one by one.
func (s *Store) searchLines(ctx context.Context, cv Conv, needle string, pre func([]byte) bool, bypass map[Position]bool, visit lineFn, stop *bool) error {
	mainPath, olderPath := s.paths(cv.Account, cv.Conv)
	n := 0
	perLine := func(line []byte, p Position) bool {
		if n++; n&1023 == 0 && ctx.Err() != nil {
			return false
		}
		if pre != nil && !pre(line) && !bypass[p] {
			return true
		}
		return visit(line, p)
	}
	stopped := false
	if err := withFile(olderPath, func(f *os.File) error {
		return forEachLineReverse(f, -1, s.overlong(olderPath), segLines(segOlder, perLine, &stopped))
	}); err != nil || stopped || *stop {
		return err
	}
	if pre == nil {
		return withFile(mainPath, func(f *os.File) error {
			return forEachLine(f, 0, s.overlong(mainPath), segLines(segMain, perLine, &stopped))
		})
	}
	var extra []int64 // lines of folded records, in file order
	for p := range bypass {
		if p.seg == segMain {
			extra = append(extra, p.off)
		}
	}
	slices.Sort(extra)
	var m *matcher
	ei := 0
	return withFile(mainPath, func(f *os.File) error {
		return forEachBlock(f, 0, s.overlong(mainPath), func(block []byte, base int64) bool {
			if ctx.Err() != nil {
				return false
			}
			if m == nil {
				m = newMatcher(needle, block)
			}
			bs := m.scan(block)
			for cur := 0; cur < len(block); {
				ls := -1
				if ci := bs.next(cur); ci >= 0 {
					ls = bytes.LastIndexByte(block[:ci], '\n') + 1
				}
				for ei < len(extra) && extra[ei] < base+int64(cur) {
					ei++
				}
				if ei < len(extra) && extra[ei] < base+int64(len(block)) {
					if el := int(extra[ei] - base); ls < 0 || el < ls {
						ls = el
					}
				}
				if ls < 0 {
					break
				}
				le := ls + bytes.IndexByte(block[ls:], '\n')
				if !visit(block[ls:le], Position{seg: segMain, off: base + int64(ls)}) {
					return false
				}
				cur = le + 1
			}
			return true
		})
	})
}

// prefilter returns a cheap test that is false only for lines whose body
// cannot contain needle (already lower case), or nil when no such test is
// safe. A body is stored raw except for characters JSON must escape, so an
// ASCII needle without such characters appears in the line itself, in some
// letter case. The only non-ASCII characters whose lower case is ASCII are
// KELVIN SIGN and LATIN CAPITAL LETTER I WITH DOT ABOVE, and hand-edited
// lines may use \u escapes: lines with any of those are always parsed.
func prefilter(needle string) func([]byte) bool {
	if needle == "" {
		return nil
	}
	for i := 0; i < len(needle); i++ {
		c := needle[i]
		if c >= utf8.RuneSelf || c < 0x20 || c == '"' || c == '\\' {
			return nil
		}
	}
	n := []byte(needle)
	return func(line []byte) bool {
		return containsFoldASCII(line, n) || bytes.Contains(line, []byte(`\u`)) ||
			bytes.Contains(line, []byte("\u212a")) || bytes.Contains(line, []byte("\u0130"))
	}
}

// containsFoldASCII reports whether needle (lower-case ASCII) occurs in b
// ignoring ASCII letter case.
func containsFoldASCII(b, needle []byte) bool {
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 'a' + 'A'
	}
	for len(b) >= len(needle) {
		i := bytes.IndexByte(b, first)
		if upper != first {
			if j := bytes.IndexByte(b, upper); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 || len(b)-i < len(needle) {
			return false
		}
		if equalFoldASCII(b[i:i+len(needle)], needle) {
			return true
		}
		b = b[i+1:]
	}
	return false
}

func equalFoldASCII(a, lower []byte) bool {
	for i, c := range a {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Conversations lists every conversation that has a file, sorted by account
// then conversation. Names are decoded from file names, or read from the
// file header for shortened names.
func (s *Store) Conversations() ([]Conv, error) {
	accts, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	var out []Conv
	for _, a := range accts {
		if !a.IsDir() || strings.HasPrefix(a.Name(), ".") {
			continue
		}
		adir := filepath.Join(s.dir, a.Name())
		files, err := os.ReadDir(adir)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		seen := make(map[string]bool)
		for _, f := range files {
			name := f.Name()
			var base string
			switch {
			case strings.HasSuffix(name, olderSuffix):
				base = strings.TrimSuffix(name, olderSuffix)
			case strings.HasSuffix(name, mainSuffix):
				base = strings.TrimSuffix(name, mainSuffix)
			default:
				continue
			}
			if seen[base] || f.IsDir() {
				continue
			}
			seen[base] = true
			account, aok := DecodeName(a.Name())
			conv, cok := DecodeName(base)
			if !aok || !cok {
				h, ok := readHeader(filepath.Join(adir, name))
				if !ok || EncodeName(h.Account) != a.Name() || EncodeName(h.Conv) != base {
					s.warn("name:"+name, fmt.Sprintf("history: %s: cannot tell which conversation this file holds; skipped", filepath.Join(adir, name)))
					continue
				}
				account, conv = h.Account, h.Conv
			}
			out = append(out, Conv{Account: account, Conv: conv})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Conv < out[j].Conv
	})
	return out, nil
}

// readHeader reads the KindHead record on the first line of a file.
func readHeader(path string) (header, bool) {
	f, err := os.Open(path)
	if err != nil {
		return header{}, false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadSlice('\n')
	if err != nil {
		return header{}, false
	}
	r, h, err := parseRecord(bytes.TrimSuffix(line, []byte("\n")), scope{})
	if err != nil || r.Kind != KindHead {
		return header{}, false
	}
	return h, true
}

// NewestArchiveID returns the newest stored stanza-id whose by is by (the
// account for its own archive, the room for a room's), "" if there is none:
// the anchor for XEP-0313 catch-up (query after this id, RSM paging). Ids
// learnt through link records count; stanza-ids that Append would not trust
// (by is neither the account nor, for groupchat, the room) do not. It reads from the end of the file.
func (s *Store) NewestArchiveID(account, conv, by string) (string, error) {
	var id string
	err := s.walkOlderRaw(account, conv, Cursor{}, func(line []byte, p Position) bool {
		if !hasStanzaIDKey(line) {
			return true
		}
		r, _, err := parseRecord(line, scope{account, conv})
		if err != nil || r.StanzaID == "" || !strings.EqualFold(r.StanzaBy, by) ||
			trustedBy(account, conv, []byte(r.Type), []byte(r.StanzaBy)) == 0 {
			return true
		}
		id = r.StanzaID
		return false
	})
	return id, err
}
